//! Fuzzes every bench-gate format adapter: the first byte picks the format
//! (or detection), the rest is the file. Any input parses to finite values
//! or is rejected with a message naming the file, and the gate never panics
//! on what parsed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::bench::formats::{parse, FORMATS};
use maestro::bench::gate::{compare, Settings};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let format = match sel as usize % (FORMATS.len() + 1) {
        0 => None,
        i => Some(FORMATS[i - 1]),
    };
    match parse(text, "fuzz.txt", format) {
        Ok(run) => {
            assert!(!run.series.is_empty());
            assert!(run.series.iter().all(|s| s.values.iter().all(|v| v.is_finite())));
            let runs = vec![run; 5];
            let _ = compare(&runs, &runs, &Settings::default());
        }
        Err(e) => assert!(e.to_string().contains("fuzz.txt"), "{e}"),
    }
});
