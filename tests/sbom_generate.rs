//! `sbom generate` and sbom-diff on lockfiles: the output validates against
//! the CycloneDX 1.6 JSON schema (fixtures/cyclonedx, CycloneDX's own),
//! maestro reads back what it wrote, the component set matches a reference
//! generator's on a real lockfile, and `--base-ref` reads the baseline from git.

mod common;
use common::Project;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn load_schema(f: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(fixture(&format!("cyclonedx/{f}"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The schemas bom-1.6 refers to, from the fixtures (never the network).
struct Local;

impl jsonschema::Retrieve for Local {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or("");
        match name {
            "spdx.schema.json" | "jsf-0.82.schema.json" => Ok(load_schema(name)),
            _ => Err(format!("{uri}: not a local schema").into()),
        }
    }
}

fn cyclonedx_1_6() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(Local)
        .build(&load_schema("bom-1.6.schema.json"))
        .unwrap()
}

fn generate(p: &Project, args: &[&str]) -> serde_json::Value {
    common::stdout_json(p.cmd().args(["sbom", "generate"]), args)
}

fn purls(doc: &serde_json::Value) -> BTreeSet<String> {
    doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn every_conformance_lockfile_gives_a_valid_cyclonedx_1_6_sbom_that_reads_back() {
    let schema = cyclonedx_1_6();
    let root = fixture("lockfiles/osv-scalibr");
    let p = Project::new("");
    let mut checked = 0;
    for e in walkdir::WalkDir::new(&root).into_iter().flatten() {
        let path = e.path();
        if !e.file_type().is_file() || !maestro::lockfile::is_lockfile(path) {
            continue;
        }
        let Ok(lock) = maestro::lockfile::read(path) else {
            continue;
        };
        let out = p
            .cmd()
            .args(["sbom", "generate"])
            .arg(path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let errors: Vec<String> = schema
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .take(3)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        // Read back by maestro's CycloneDX reader: the same packages.
        let back =
            maestro::sbom::parse(&String::from_utf8_lossy(&out.stdout), "generated").unwrap();
        let want = maestro::sbom::from_lock(&lock, "lock", true);
        let key = |s: &maestro::sbom::Sbom| -> BTreeSet<(Option<String>, String, Option<String>)> {
            s.components
                .iter()
                .map(|c| (c.ecosystem.clone(), c.package.clone(), c.version.clone()))
                .collect()
        };
        assert_eq!(key(&back), key(&want), "{}", path.display());
        checked += 1;
    }
    assert!(checked > 100, "{checked} lockfiles checked");
}

#[test]
fn dev_packages_are_scoped_excluded_or_left_out_and_the_graph_is_kept() {
    let p = Project::new("");
    std::fs::write(
        p.path().join("package.json"),
        r#"{"dependencies": {"a": "^1"}, "devDependencies": {"t": "^2"}}"#,
    )
    .unwrap();
    std::fs::write(
        p.path().join("yarn.lock"),
        "# yarn lockfile v1\n\na@^1:\n  version \"1.0.0\"\n  dependencies:\n    b \"^1\"\n\nb@^1:\n  version \"1.1.0\"\n\nt@^2:\n  version \"2.0.0\"\n  dependencies:\n    b \"^1\"\n",
    )
    .unwrap();
    let doc = generate(&p, &[]);
    assert!(cyclonedx_1_6().is_valid(&doc));
    let scope = |n: &str| {
        doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()["scope"]
            .clone()
    };
    assert_eq!(scope("t"), "excluded");
    assert_eq!(
        scope("b"),
        "required",
        "b is reached from a runtime dependency too"
    );
    let deps = doc["dependencies"].as_array().unwrap();
    let of = |r: &str| deps.iter().find(|d| d["ref"] == r).unwrap()["dependsOn"].clone();
    assert_eq!(
        of("pkg:npm/a@1.0.0"),
        serde_json::json!(["pkg:npm/b@1.1.0"])
    );
    assert_eq!(of("project").as_array().unwrap().len(), 2);
    let doc = generate(&p, &["--no-dev"]);
    assert_eq!(
        purls(&doc),
        ["pkg:npm/a@1.0.0", "pkg:npm/b@1.1.0"]
            .map(String::from)
            .into()
    );
    // The same lockfiles give the same document, timestamp aside.
    let again = generate(&p, &["--no-dev"]);
    assert_eq!(doc["serialNumber"], again["serialNumber"]);
}

#[test]
fn a_malformed_lockfile_is_one_line_naming_file_and_line() {
    let p = Project::new("");
    std::fs::write(
        p.path().join("yarn.lock"),
        "a@^1:\n  version \"1\"\nnot a header\n",
    )
    .unwrap();
    let out = p
        .cmd()
        .args(["sbom", "generate", "yarn.lock"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("yarn.lock:3:"), "{err}");
    let out = p
        .cmd()
        .args(["sbom", "generate", "nothing-here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Every format: the file and the line where it breaks.
    let cases = [
        (
            "Pipfile.lock",
            "{\n \"default\": {\n  \"x\": 3\n }\n}\n",
            "Pipfile.lock: line 3",
        ),
        (
            "composer.lock",
            "{\n \"packages\": [\n  {\"name\": 1}\n ]\n}\n",
            "composer.lock: line 3",
        ),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: [\n",
            "pnpm-lock.yaml:3",
        ),
        (
            "yarn.lock",
            "__metadata:\n  version: 8\n\"a@npm:1\":\n  version: [1\n",
            "yarn.lock:4",
        ),
        (
            "Gemfile.lock",
            "GEM\n  remote: x\n  specs:\n    broken\n",
            "Gemfile.lock:4",
        ),
        (
            "poetry.lock",
            "[[package]]\nname = 1\n",
            "poetry.lock: line 2",
        ),
        (
            "package-lock.json",
            "{\n \"lockfileVersion\": 3,\n \"packages\": {\"\": 5}\n}\n",
            "package-lock.json: line 3",
        ),
        ("uv.lock", "version = 1\n[[package]\n", "uv.lock: line 2"),
        (
            "requirements.txt",
            "a==1\n-r missing.txt\n",
            "requirements.txt:2: -r missing.txt",
        ),
        (
            "go.mod",
            "module x\nrequire (\n  a v1.0.0\n",
            "go.mod: line 2",
        ),
    ];
    for (i, (file, text, want)) in cases.iter().enumerate() {
        let dir = p.path().join(format!("bad{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(file), text).unwrap();
        let out = p
            .cmd()
            .args(["sbom", "generate"])
            .arg(dir.join(file))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(want), "{file}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}

#[test]
fn pipfile_lock_without_dev_has_the_component_set_cyclonedx_py_made() {
    let d = common::fixture("sbom/sboms/generated/python-osv.dev");
    let p = Project::new("");
    for (lock, sbom) in [
        (
            "Pipfile.lock.2022-07-13",
            "osv.dev-2022-07-13-721d7e2c4.cdx.json",
        ),
        (
            "Pipfile.lock.2023-10-18",
            "osv.dev-2023-10-18-c37d3774d.cdx.json",
        ),
    ] {
        std::fs::copy(d.join(lock), p.path().join("Pipfile.lock")).unwrap();
        let v = p.json(&[
            "sbom-diff",
            "--no-dev",
            "--base",
            "Pipfile.lock",
            "--head",
            d.join(sbom).to_str().unwrap(),
        ]);
        let n = |k: &str| v["components"][k].as_array().map_or(usize::MAX, Vec::len);
        assert_eq!(
            (n("added"), n("removed"), n("changed")),
            (0, 0, 0),
            "{lock}: {}",
            v["components"]
        );
        // With dev packages, the develop group is what is added.
        let v = p.json(&[
            "sbom-diff",
            "--base",
            d.join(sbom).to_str().unwrap(),
            "--head",
            "Pipfile.lock",
        ]);
        assert!(v["components"]["added"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["package"] == "pylint"));
    }
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn base_ref_reads_the_baseline_lockfile_from_git() {
    let p = Project::new("");
    let dir = p.path().join("app");
    std::fs::create_dir_all(dir.join("crates/x")).unwrap();
    let lock = |v: &str| {
        format!("version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"serde\", \"tst\"]\n\n[[package]]\nname = \"serde\"\nversion = \"{v}\"\nsource = \"registry+https://example.invalid\"\n\n[[package]]\nname = \"tst\"\nversion = \"1.0.0\"\nsource = \"registry+https://example.invalid\"\n")
    };
    std::fs::write(dir.join("Cargo.lock"), lock("1.0.100")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nserde = \"1\"\n[dev-dependencies]\ntst = \"1\"\n",
    )
    .unwrap();
    git(p.path(), &["init", "-q", "-b", "main"]);
    git(p.path(), &["add", "-A"]);
    git(p.path(), &["commit", "-qm", "one"]);
    std::fs::write(dir.join("Cargo.lock"), lock("1.0.200")).unwrap();
    let v = p.json(&[
        "sbom-diff",
        "--base-ref",
        "main",
        "--head",
        "app/Cargo.lock",
    ]);
    let changed = v["components"]["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{v}");
    assert_eq!(changed[0]["package"], "serde");
    // The manifest beside the lockfile at REV came along: `tst` is dev.
    let v = p.json(&[
        "sbom-diff",
        "--no-dev",
        "--base-ref",
        "main",
        "--base",
        "app/Cargo.lock",
        "--head",
        "app/Cargo.lock",
    ]);
    assert_eq!(v["base"]["components"], 1, "{v}");
    // At the repository's root too.
    std::fs::copy(dir.join("Cargo.lock"), p.path().join("Cargo.lock")).unwrap();
    git(p.path(), &["add", "Cargo.lock"]);
    git(p.path(), &["commit", "-qm", "root lockfile"]);
    let v = p.json(&["sbom-diff", "--base-ref", "HEAD", "--head", "Cargo.lock"]);
    assert_eq!(
        v["components"]["changed"].as_array().unwrap().len(),
        0,
        "{v}"
    );
    // A file the revision does not have, and a revision that is an option.
    std::fs::write(dir.join("uv.lock"), "version = 1\n").unwrap();
    let out = p
        .cmd()
        .args(["sbom-diff", "--base-ref", "main", "--head", "app/uv.lock"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in revision main"));
    let out = p
        .cmd()
        .args([
            "sbom-diff",
            "--base-ref=--output=x",
            "--head",
            "app/Cargo.lock",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!p.path().join("x").exists());
}
