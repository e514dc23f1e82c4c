//! Fuzzes the SBOM readers (CycloneDX JSON/XML, SPDX JSON/tag-value) and the
//! drift: any input parses or is rejected with a message naming the file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match maestro::sbom::parse(text, "fuzz.sbom") {
        Ok(s) => {
            let d = maestro::sbom::diff::drift(&s, &s);
            assert!(d.added.is_empty() && d.removed.is_empty() && d.changed.is_empty());
        }
        Err(e) => assert!(e.to_string().contains("fuzz.sbom"), "{e}"),
    }
});
