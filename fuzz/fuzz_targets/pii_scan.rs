//! Fuzzes pii-scan's per-file scanner (value detectors, tree-sitter flows for
//! every language, allows, redaction): never a panic, and no snippet shows
//! the text of a value hit on its line (unless that text is also on the line
//! outside every hit).
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::pii::scan::{scan_text, Report, Settings};
use maestro::pii::values;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut s = Settings::new(Default::default());
    s.parse_budget = 2_000;
    let hits = values::scan(text, &values::Options::default());
    let line_start: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    for name in ["f.py", "f.js", "f.ts", "f.tsx", "f.java", "f.go", "f.rb", "f.rs", "f.txt", "f.csv"] {
        let mut r = Report::default();
        scan_text(name, text, &s, &mut r);
        for f in &r.findings {
            assert!(f.line >= 1 && f.column >= 1);
            let (ls, le) = (
                line_start[f.line - 1],
                line_start.get(f.line).map_or(text.len(), |e| e - 1),
            );
            let on_line: Vec<_> = hits.iter().filter(|h| h.start >= ls && h.end <= le).collect();
            // The line with every hit blanked out: what may still show.
            let mut rest = text[ls..le].as_bytes().to_vec();
            for h in &on_line {
                rest[h.start - ls..h.end - ls].fill(0);
            }
            let rest = String::from_utf8_lossy(&rest);
            for h in on_line {
                let v = &text[h.start..h.end];
                assert!(
                    !f.snippet.contains(v) || rest.contains(v),
                    "{v:?} shown in {:?}",
                    f.snippet
                );
            }
        }
    }
});
