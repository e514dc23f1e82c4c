//! sbom-diff: every fixture SBOM through the parsers, real pairs through the
//! binary (the SBOMs are read in place from ../shared/data/sbom).

mod common;
use common::Project;
use maestro::sbom;
use std::path::{Path, PathBuf};

fn fixtures() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/sbom/sboms");
    if d.is_dir() {
        return Some(d);
    }
    assert!(
        std::env::var("CI").is_err(),
        "../shared/data/sbom is missing in CI"
    );
    eprintln!("skipped: ../shared/data/sbom not found");
    None
}

#[test]
fn every_fixture_sbom_parses_or_is_rejected_by_name() {
    let Some(d) = fixtures() else { return };
    let mut parsed = 0;
    let mut rejected = Vec::new();
    for e in walkdir::WalkDir::new(&d)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
    {
        let p = e.path();
        let n = p.file_name().unwrap().to_string_lossy();
        if !e.file_type().is_file()
            || n.ends_with(".md")
            || n.starts_with("Cargo.lock")
            || n.starts_with("Pipfile.lock")
        {
            continue;
        }
        match sbom::load(p) {
            Ok(s) => {
                assert!(
                    !s.components.is_empty()
                        || n.contains("only-unimportant")
                        || n.contains("Minimal"),
                    "{n}: no components"
                );
                parsed += 1;
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains(&p.display().to_string()), "{msg}");
                rejected.push(n.into_owned());
            }
        }
    }
    // SPDX 3.0 JSON-LD is refused with a clear message; everything else parses.
    assert_eq!(
        rejected,
        ["sbom.spdx3.json", "examplemaven-0.0.1-enriched.spdx3.json"]
    );
    assert!(parsed >= 40, "{parsed}");
}

fn keys(s: &sbom::Sbom) -> Vec<(Option<String>, String, Option<String>)> {
    let mut v: Vec<_> = s
        .components
        .iter()
        .map(|c| (c.ecosystem.clone(), c.package.clone(), c.version.clone()))
        .collect();
    v.sort();
    v
}

#[test]
fn xml_and_json_forms_of_the_same_sbom_agree() {
    let Some(d) = fixtures() else { return };
    for (x, j) in [
        (
            "cyclonedx/proton-bridge/proton-bridge-v1.6.3.bom.xml",
            "cyclonedx/proton-bridge/proton-bridge-v1.6.3.bom.json",
        ),
        (
            "cyclonedx/proton-bridge/proton-bridge-v1.8.0.bom.xml",
            "cyclonedx/proton-bridge/proton-bridge-v1.8.0.bom.json",
        ),
        (
            "cyclonedx/laravel-7.12.0/bom.1.4.xml",
            "cyclonedx/laravel-7.12.0/bom.1.4.json",
        ),
        (
            "generated/rust-hyperfine/hyperfine-v1.16.0.cdx.xml",
            "generated/rust-hyperfine/hyperfine-v1.16.0.cdx.json",
        ),
        (
            "generated/python-osv.dev/osv.dev-2022-07-13-721d7e2c4.cdx.xml",
            "generated/python-osv.dev/osv.dev-2022-07-13-721d7e2c4.cdx.json",
        ),
    ] {
        let (a, b) = (
            sbom::load(&d.join(x)).unwrap(),
            sbom::load(&d.join(j)).unwrap(),
        );
        assert_eq!(keys(&a), keys(&b), "{x} vs {j}");
        assert!(!a.components.is_empty());
    }
}

#[test]
fn proton_bridge_pair_drifts_by_seven_go_modules_and_hyper_is_unscannable() {
    let Some(d) = fixtures() else { return };
    let p = Project::new("");
    let pb = |v: &str| {
        d.join(format!(
            "cyclonedx/proton-bridge/proton-bridge-{v}.bom.json"
        ))
        .display()
        .to_string()
    };
    let v = p.json(&[
        "sbom-diff",
        "--base",
        &pb("v1.6.3"),
        "--head",
        &pb("v1.8.0"),
    ]);
    let changed = v["components"]["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 7);
    assert!(changed.iter().all(|c| c["ecosystem"] == "Go"));
    assert!(changed
        .iter()
        .any(|c| c["package"] == "github.com/go-resty/resty/v2"
            && c["from"][0] == "v2.3.0"
            && c["to"][0] == "v2.6.0"));
    assert_eq!(v["components"]["added"].as_array().unwrap().len(), 0);
    let ex = d
        .join("spdx/example11-rust-hello-server/spdx2.3/sbom.spdx.json")
        .display()
        .to_string();
    let v = p.json(&["sbom-diff", "--base", &ex, "--head", &ex]);
    let un: Vec<&str> = v["unscannable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(un.contains(&"hyper"), "{un:?}");
    let tokio = v["head"]["components"].as_u64().unwrap();
    assert!(tokio >= 3);
}

#[test]
fn malformed_sboms_are_exit_2_naming_the_file() {
    let p = Project::new("");
    for (f, body, why) in [
        (
            "trunc.json",
            r#"{"bomFormat": "CycloneDX", "components": [{"name": "a""#,
            "malformed JSON",
        ),
        (
            "trunc.xml",
            r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component><name>a</name>"#,
            "truncated XML",
        ),
        ("other.xml", r#"<project><x/></project>"#, "not a CycloneDX"),
        ("plain.txt", "hello", "not an SBOM"),
    ] {
        std::fs::write(p.path().join(f), body).unwrap();
        p.cmd()
            .args(["sbom-diff", "--base", f, "--head", f])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(f))
            .stderr(predicates::str::contains(why));
    }
}

/// Runs osv-scalibr's `A OP B` vectors for one ecosystem; returns failures.
fn vectors(file: &str, ecosystem: &str) -> (usize, Vec<String>) {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/sbom/version-ordering/osv-scalibr-semantic")
        .join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    let mut n = 0;
    let mut bad = Vec::new();
    for l in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with('#'))
    {
        let f: Vec<&str> = l.split_whitespace().collect();
        let [a, op, b] = f.as_slice() else { continue };
        let want = match *op {
            "<" => std::cmp::Ordering::Less,
            ">" => std::cmp::Ordering::Greater,
            "=" => std::cmp::Ordering::Equal,
            _ => continue,
        };
        n += 1;
        if sbom::version::compare(ecosystem, a, b) != Some(want) {
            bad.push(l.to_string());
        }
    }
    (n, bad)
}

#[test]
fn version_ordering_vectors_pass() {
    if fixtures().is_none() {
        return;
    }
    for (file, eco) in [
        ("semver-versions.txt", "crates.io"),
        ("semver-versions.txt", "Go"),
        ("pypi-versions.txt", "PyPI"),
        ("pypi-versions-generated.txt", "PyPI"),
    ] {
        let (n, bad) = vectors(file, eco);
        assert!(n > 20, "{file}: {n} vectors");
        assert!(
            bad.is_empty(),
            "{file}: {} of {n} fail, e.g. {:?}",
            bad.len(),
            &bad[..bad.len().min(8)]
        );
    }
}

#[test]
fn cvss_v3_base_scores_match_the_reference_vectors() {
    if fixtures().is_none() {
        return;
    }
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/sbom/cvss-vectors/redhat-cvss");
    let mut n = 0;
    for f in ["vectors_simple3", "vectors_simple31"] {
        for l in std::fs::read_to_string(dir.join(f))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let (vector, scores) = l.split_once(" - ").unwrap();
            let base: f64 = scores
                .trim_start_matches('(')
                .split(',')
                .next()
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            assert_eq!(sbom::cvss::v3_base(vector), Some(base), "{l}");
            n += 1;
        }
    }
    assert_eq!(n, 5184);
}
