//! Fuzzes what maestro prints for people: any text (a file name, a task id,
//! an SBOM field), through the pii-scan renderer and the stdout guard, must
//! leave no line the GitHub Actions runner would run as a command, and no
//! control character but newline and tab.
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::output::safe::{guard, runner};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let report = maestro::pii::scan::Report {
        skipped: vec![maestro::pii::Skipped {
            path: s.to_string(),
            reason: s.to_string(),
        }],
        ..Default::default()
    };
    for text in [s.to_string(), maestro::pii::render::text(&report, None, 0, 0)] {
        let out = guard(&text, true);
        assert!(runner::commands(&out).is_empty(), "{out:?}");
        assert!(!out.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
    }
});
