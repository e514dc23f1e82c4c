//! Fuzzes pii-scan's per-file scanner (value detectors, tree-sitter flows for
//! every language, allows, redaction): never a panic, and no finding's snippet
//! contains the text of a value hit.
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::pii::scan::{scan_text, Report, Settings};
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut s = Settings::new(Default::default());
    s.parse_limit = Duration::from_millis(200);
    for name in ["f.py", "f.js", "f.ts", "f.tsx", "f.java", "f.go", "f.rb", "f.rs", "f.txt", "f.csv"] {
        let mut r = Report::default();
        scan_text(name, text, &s, &mut r);
        for f in &r.findings {
            assert!(f.line >= 1 && f.column >= 1);
            if f.kind == maestro::pii::Kind::Value {
                assert!(f.snippet.contains('['), "{f:?}");
            }
        }
    }
});
