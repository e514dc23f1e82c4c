//! Fuzzes the maestro.toml parser and validator: any input gives a config
//! or an error message, never a panic; a config that parsed validates
//! again, and written back as TOML it parses to the same config.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cfg) = maestro::config::parse(text) {
            assert!(maestro::config::validate(&cfg).is_ok());
            let _ = cfg.router.objective();
            let written = toml::to_string(&cfg).expect("a parsed config serialises");
            let back = maestro::config::parse(&written)
                .unwrap_or_else(|e| panic!("{e}\n{written}"));
            assert_eq!(back, cfg, "{written}");
        }
    }
});
