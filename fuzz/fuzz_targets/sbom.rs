//! Fuzzes the SBOM readers (CycloneDX JSON/XML, SPDX JSON/tag-value) and the
//! drift: any input parses or is rejected with a message naming the file; a
//! parsed SBOM has no drift against itself, and without one component its
//! drift is exactly that component gone (or, when the package appears
//! again, at most its versions changed).
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::sbom::diff::drift;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match maestro::sbom::parse(text, "fuzz.sbom") {
        Ok(s) => {
            let d = drift(&s, &s);
            assert!(d.added.is_empty() && d.removed.is_empty() && d.changed.is_empty());
            if let Some(first) = s.components.first() {
                let mut less = s.clone();
                less.components.remove(0);
                let key = |c: &maestro::sbom::Component| (c.ecosystem.clone(), c.package.clone());
                let again = less.components.iter().any(|c| key(c) == key(first));
                let d = drift(&s, &less);
                assert!(d.added.is_empty(), "{d:?}");
                if again {
                    assert!(d.removed.is_empty() && d.changed.len() <= 1, "{d:?}");
                } else {
                    assert_eq!(d.removed.len(), 1, "{d:?}");
                    assert_eq!(d.removed[0].package, first.package);
                    assert!(d.changed.is_empty(), "{d:?}");
                }
            }
        }
        Err(e) => assert!(e.to_string().contains("fuzz.sbom"), "{e}"),
    }
});
