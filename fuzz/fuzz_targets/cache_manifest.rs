//! Fuzzes the cache manifest parser and its signature check: any bytes give a
//! manifest or an error, and a parsed manifest verifies only with its key.
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::cache::Manifest;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut m) = serde_json::from_slice::<Manifest>(data) {
        let _ = m.verify(b"key");
        m.sign(b"key");
        assert!(m.verify(b"key").is_ok());
        assert!(m.verify(b"other").is_err());
    }
});
