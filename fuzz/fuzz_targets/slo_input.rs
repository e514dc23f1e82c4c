//! Fuzzes `slo`'s input: any text as CSV, Prometheus JSON (counters or
//! Sloth's ratio series) or OpenSLO/Sloth YAML gives events (objectives) or
//! a one-line error naming the file, never a panic; events that parse give
//! a burn with finite figures and non-negative windows.
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::config::SloConfig;
use maestro::slo::{burn, input, spec};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let slo = SloConfig {
        min_events: 1,
        ..SloConfig::new("fuzz", 99.5)
    };
    for parsed in [
        input::from_csv(&text, "f.csv"),
        input::from_prometheus(&text, "f.json", input::Counter::Good("ok"), "all"),
        input::from_sloth(&text, "f.json", "s-x"),
    ] {
        match parsed {
            Ok(events) => {
                let at = events.last().unwrap_or(0);
                let b = burn(&slo, &events, at).unwrap();
                for a in &b.alerts {
                    // Ratio input has no counts (NaN).
                    assert!(!(a.long.total < 0.0) && !(a.short.total < 0.0));
                    assert!(!a.long.burn.is_nan() && !a.short.burn.is_nan());
                }
            }
            Err(e) => {
                let m = e.to_string();
                assert!(m.starts_with("f.csv") || m.starts_with("f.json"), "{m}");
                assert!(!m.contains('\n'), "{m}");
            }
        }
    }
    match spec::load(&text, "f.yaml") {
        Ok(slos) => assert!(slos.iter().all(|s| s.objective > 0.0 && s.objective < 100.0)),
        Err(e) => {
            let m = e.to_string();
            assert!(m.starts_with("f.yaml") && !m.contains('\n'), "{m}");
        }
    }
});
