//! The lockfile readers against osv-scalibr's own expectations: every test
//! input of its lockfile extractors (fixtures/lockfiles/osv-scalibr, with
//! expectations.tsv taken from the `WantPackages` tables of its Go tests by
//! scripts/eval/scalibr_expectations.py) must give the same packages, the
//! same dev marks where osv-scalibr records one, and an error where it
//! wants one. Where maestro decides differently on purpose, the case is
//! listed below with the reason.

use maestro::lockfile;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Cases where maestro differs from osv-scalibr by design, and why.
const DIFFERENT: &[(&str, &str)] = &[
    (
        "gemfilelock/invalid/Gemfile.lock",
        "a spec with no version is malformed: maestro names the file and line (exit 2); osv-scalibr skips it",
    ),
    (
        "packagelockjson/files.v2/package-lock.json",
        "a `file:` dependency outside node_modules is a directory of the project, left out like a workspace",
    ),
    (
        "packagelockjson/optional-package.v2/package-lock.json",
        "npm's `devOptional` package is also an optional dependency of a runtime one, so a production install has it: not dev",
    ),
    (
        "uvlock/grouped-packages/uv.lock",
        "an extra named `dev` is still an extra users can install; only uv's dev-dependency groups are dev",
    ),
    (
        "yarnlock/exclude-root.v2/yarn.lock",
        "a `workspace:` package is the project's own, left out like the root",
    ),
];

fn norm(file: &str, name: &str) -> String {
    let python = ["Pipfile.lock", "poetry.lock", "uv.lock"];
    if python.iter().any(|p| file.ends_with(p)) {
        maestro::lockfile::normalise_pypi(name)
    } else if file.ends_with("composer.lock") {
        name.to_ascii_lowercase()
    } else {
        name.to_string()
    }
}

#[derive(Default)]
struct Want {
    error: bool,
    packages: BTreeSet<(String, String)>,
    dev: BTreeSet<(String, String)>,
}

#[test]
fn every_osv_scalibr_case_gives_its_expected_packages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lockfiles/osv-scalibr");
    let tsv = std::fs::read_to_string(root.join("expectations.tsv")).unwrap();
    let mut cases: BTreeMap<String, Want> = BTreeMap::new();
    for line in tsv.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let want = cases.entry(f[0].to_string()).or_default();
        match f[1] {
            "error" => want.error = true,
            "none" => {}
            name => {
                let key = (norm(f[0], name), f[2].to_string());
                if f[3] == "dev" {
                    want.dev.insert(key.clone());
                }
                want.packages.insert(key);
            }
        }
    }
    assert!(cases.len() > 100, "{} cases", cases.len());
    let mut failures = Vec::new();
    for (file, want) in &cases {
        let differs = check(&root, file, want);
        match (DIFFERENT.iter().any(|(f, _)| f == file), differs.is_empty()) {
            (true, true) => failures.push(format!("{file}: listed as different, but agrees")),
            (false, false) => failures.extend(differs),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// How maestro's reading of `file` differs from `want` (empty: it agrees).
fn check(root: &Path, file: &str, want: &Want) -> Vec<String> {
    let lock = match (lockfile::read(&root.join(file)), want.error) {
        (Err(_), true) => return vec![],
        (Ok(_), true) => return vec![format!("{file}: read, but osv-scalibr wants an error")],
        (Err(e), false) => return vec![format!("{file}: {e}")],
        (Ok(l), false) => l,
    };
    let mut failures = Vec::new();
    let got: BTreeSet<(String, String)> = lock
        .packages
        .iter()
        .filter(|p| p.local.is_none())
        .map(|p| (norm(file, &p.name), p.version.clone()))
        .collect();
    if got != want.packages {
        let missing: Vec<_> = want.packages.difference(&got).collect();
        let extra: Vec<_> = got.difference(&want.packages).collect();
        failures.push(format!("{file}: missing {missing:?}, extra {extra:?}"));
    }
    for d in &want.dev {
        let marked = lock
            .packages
            .iter()
            .any(|p| p.dev && (norm(file, &p.name), p.version.clone()) == *d);
        if !marked && got.contains(d) {
            failures.push(format!("{file}: {d:?} is dev in osv-scalibr"));
        }
    }
    failures
}
