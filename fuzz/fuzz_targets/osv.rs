//! Fuzzes the OSV advisory reader, range matching and CVSS scoring: any input
//! is an advisory or a warning naming its file, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut db = maestro::sbom::osv::Db::default();
    db.add(data, "fuzz.json");
    for w in &db.warnings {
        assert!(w.contains("fuzz.json"), "{w}");
    }
    for a in &db.advisories {
        for s in &a.severity {
            if let Some(x) = maestro::sbom::cvss::score(&s.score) {
                assert!((0.0..=10.0).contains(&x), "{} -> {x}", s.score);
            }
        }
        for af in &a.affected {
            for v in ["0", "1.0.0", "2.3.4-rc.1", "v0.0.0-20200101000000-abcdef123456"] {
                let _ = db.affecting(&af.package.ecosystem, &af.package.name, v);
            }
        }
    }
});
