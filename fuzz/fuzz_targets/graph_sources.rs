//! Fuzzes the parsers of `graph ingest junit | incidents | pr | lockfile`:
//! any bytes parse or are refused with a message naming the file, never a
//! panic. The first byte picks the parser.
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::graph::{incidents, junit, pr_event};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let err = match pick % 7 {
        0 => junit::parse(text, "r.xml").err(),
        1 => incidents::parse(text, "i.csv").err(),
        2 => pr_event::parse(text, "e.json").err(),
        n => {
            let name = ["Cargo.lock", "package-lock.json", "poetry.lock", "go.mod"][n as usize - 3];
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            match maestro::lockfile::read(&p) {
                Ok(lock) => {
                    for &(a, b) in &lock.deps {
                        assert!(a < lock.packages.len() && b < lock.packages.len());
                    }
                    None
                }
                Err(e) => {
                    assert!(e.to_string().contains(name), "{e}");
                    None
                }
            }
        }
    };
    if let Some(e) = err {
        let e = e.to_string();
        assert!(
            e.starts_with("r.xml:") || e.starts_with("i.csv:") || e.starts_with("e.json:"),
            "{e}"
        );
    }
});
