//! Fuzzes the maestro.toml parser and validator: any input must give a
//! config or an error message, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cfg) = maestro::config::parse(text) {
            // A config that parsed must validate again and give a usable objective.
            assert!(maestro::config::validate(&cfg).is_ok());
            let _ = cfg.router.objective();
        }
    }
});
