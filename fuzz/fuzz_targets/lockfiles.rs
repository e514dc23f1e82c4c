//! Fuzzes every lockfile reader and `sbom generate` on what they read: any
//! bytes are read or refused on one line naming the file, never a panic;
//! edges point at packages, dev edges are edges, and every dependency of
//! the generated SBOM is one of its components (or the project).
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::sbom::generate::{cyclonedx, Input};

const NAMES: [&str; 14] = [
    "Cargo.lock",
    "package-lock.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "requirements.txt",
    "go.mod",
    "go.sum",
    "Gemfile.lock",
    "composer.lock",
    "Cargo.toml",
    "package.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let dir = tempfile::tempdir().unwrap();
    // The last two are manifests read beside a lockfile: fuzz them with a
    // fixed lockfile next to them.
    let (name, lockname) = match NAMES[pick as usize % NAMES.len()] {
        "Cargo.toml" => ("Cargo.toml", "Cargo.lock"),
        "package.json" => ("package.json", "yarn.lock"),
        n => (n, n),
    };
    std::fs::write(dir.path().join(name), text).unwrap();
    if name != lockname {
        let fixed = match lockname {
            "Cargo.lock" => "[[package]]\nname = \"a\"\nversion = \"0.1.0\"\ndependencies = [\"b\"]\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\nsource = \"registry+x\"\n",
            _ => "b@^1:\n  version \"1.0.0\"\n",
        };
        std::fs::write(dir.path().join(lockname), fixed).unwrap();
    }
    let p = dir.path().join(lockname);
    match maestro::lockfile::read(&p) {
        Ok(lock) => {
            for &(a, b) in &lock.deps {
                assert!(a < lock.packages.len() && b < lock.packages.len());
            }
            for e in &lock.dev_deps {
                assert!(lock.deps.contains(e));
            }
            let _ = maestro::sbom::from_lock(&lock, "x", false);
            let locks = [("x".to_string(), lock)];
            let doc = cyclonedx(&Input { project: "p", locks: &locks, dev: true, timestamp: None });
            let refs: std::collections::HashSet<&str> = doc["components"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["bom-ref"].as_str().unwrap())
                .chain(["project"])
                .collect();
            for d in doc["dependencies"].as_array().unwrap() {
                assert!(refs.contains(d["ref"].as_str().unwrap()));
                for on in d["dependsOn"].as_array().unwrap() {
                    assert!(refs.contains(on.as_str().unwrap()), "{on}");
                }
            }
        }
        Err(e) => {
            let e = e.to_string();
            assert!(e.contains(name) || e.contains(lockname), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }
});
