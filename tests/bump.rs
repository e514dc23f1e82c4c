//! `maestro bump` with the ecosystems' real tools on real lockfiles:
//! hyperfine v1.12.0's Cargo.lock (cargo), an npm project (npm) and a uv
//! project (uv, installed by scripts/services/uv). The tools reach the
//! package registries; nothing else on the network is used. The advisories
//! are in fixtures/bump/osv (see fixtures/SOURCES.md).

mod common;
use common::{copy_dir, Project};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bump")
        .join(rel)
}

/// `maestro bump ARGS` in `dir`, with `extra_path` first on PATH.
fn bump(p: &Project, dir: &str, args: &[&str], extra_path: Option<&str>) -> Output {
    let mut c = p.cmd();
    c.current_dir(p.path().join(dir)).arg("bump").args(args);
    if let Some(x) = extra_path {
        c.env("PATH", format!("{x}:{}", std::env::var("PATH").unwrap()));
    }
    c.output().unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

fn bumps<'a>(v: &'a serde_json::Value, package: &str) -> &'a serde_json::Value {
    v["bumps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["package"] == package)
        .unwrap()
}

/// The advisories a lockfile still has, by maestro's own scan.
fn remaining(p: &Project, lock: &Path, db: &Path) -> Vec<String> {
    let out = p
        .cmd()
        .args(["--json", "sbom-diff", "--base"])
        .arg(lock)
        .arg("--head")
        .arg(lock)
        .arg("--osv-db")
        .arg(db)
        .output()
        .unwrap();
    let v = json(&out);
    v["vulnerabilities"]["persisting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn cargo_project(p: &Project) -> PathBuf {
    let dir = p.path().join("hyperfine");
    copy_dir(&fixture("hyperfine-v1.12.0"), &dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(dir.join("build.rs"), "fn main() {}\n").unwrap();
    dir
}

#[test]
fn cargo_bump_reaches_the_safe_version_through_the_lockfile_and_cargo_accepts_it() {
    let p = Project::new("");
    let dir = cargo_project(&p);
    let db = fixture("osv/crates.io");
    let manifest = std::fs::read(dir.join("Cargo.toml")).unwrap();
    let out = bump(
        &p,
        "hyperfine",
        &[
            "--json",
            "--osv-db",
            db.to_str().unwrap(),
            "--only",
            "high",
            "--pr-body",
            "pr.md",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(
        v["bumps"].as_array().unwrap().len(),
        1,
        "only the high one: {v}"
    );
    let regex = bumps(&v, "regex");
    assert_eq!(
        (regex["result"].as_str(), regex["version"].as_str()),
        (Some("applied"), Some("1.5.5"))
    );
    assert_eq!(
        regex["manifests"],
        serde_json::json!([]),
        "the lockfile alone reaches it"
    );
    assert_eq!(std::fs::read(dir.join("Cargo.toml")).unwrap(), manifest);
    let meta = Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        meta.status.success(),
        "{}",
        String::from_utf8_lossy(&meta.stderr)
    );
    let left = remaining(&p, &dir.join("Cargo.lock"), &db);
    assert!(!left.contains(&"RUSTSEC-2022-0013".to_string()), "{left:?}");
    let body = std::fs::read_to_string(dir.join("pr.md")).unwrap();
    assert!(
        body.contains("Bump regex from 1.5.4 to 1.5.5")
            && body.contains("| regex | 1.5.4 | 1.5.5 |"),
        "{body}"
    );
}

#[test]
fn an_upgrade_no_tool_can_make_fails_and_leaves_its_files_as_they_were() {
    let p = Project::new("");
    let dir = cargo_project(&p);
    let db = fixture("osv/crates.io");
    let out = bump(
        &p,
        "hyperfine",
        &["--json", "--osv-db", db.to_str().unwrap()],
        None,
    );
    // remove_dir_all 0.5.3 -> 0.8.0 is a major step that tempfile 3.2
    // (a dev-dependency's dependency) does not allow: cargo refuses, and
    // no member names it, so there is no constraint to raise.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let rda = bumps(&v, "remove_dir_all");
    assert_eq!(rda["result"], "failed");
    assert!(
        rda["reason"].as_str().unwrap().contains("cargo update"),
        "{rda}"
    );
    assert_eq!(bumps(&v, "regex")["result"], "applied");
    assert_eq!(bumps(&v, "rand")["result"], "applied");
    let lock = std::fs::read_to_string(dir.join("Cargo.lock")).unwrap();
    assert!(lock.contains("name = \"remove_dir_all\"\nversion = \"0.5.3\""));
    assert!(lock.contains("name = \"regex\"\nversion = \"1.5.5\""));
}

#[test]
fn dry_run_prints_the_commands_and_changes_nothing() {
    let p = Project::new("");
    let dir = cargo_project(&p);
    let before = std::fs::read(dir.join("Cargo.lock")).unwrap();
    let db = fixture("osv/crates.io");
    let out = bump(
        &p,
        "hyperfine",
        &["--osv-db", db.to_str().unwrap(), "--dry-run"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("cargo update -p regex@1.5.4 --precise 1.5.5"),
        "{text}"
    );
    assert_eq!(std::fs::read(dir.join("Cargo.lock")).unwrap(), before);
}

#[test]
fn npm_bump_uses_the_lockfile_then_the_range_then_an_override() {
    let p = Project::new("");
    let dir = p.path().join("web");
    copy_dir(&fixture("npm"), &dir);
    let db = fixture("osv/npm");
    let out = bump(
        &p,
        "web",
        &[
            "--json",
            "--osv-db",
            db.to_str().unwrap(),
            "--pr-body",
            "pr.md",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    // lodash ^4.17.20 allows 4.17.21: the lockfile alone.
    assert_eq!(
        bumps(&v, "lodash")["manifests"],
        serde_json::json!([]),
        "{v}"
    );
    // ini is pinned 1.3.5 in package.json: its range is raised.
    assert_eq!(
        bumps(&v, "ini")["manifests"],
        serde_json::json!(["package.json"]),
        "{v}"
    );
    // minimist 0.0.8 is pinned by mkdirp 0.5.1: an override.
    assert_eq!(
        bumps(&v, "minimist")["manifests"],
        serde_json::json!(["package.json"]),
        "{v}"
    );
    let pkg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap()).unwrap();
    assert!(pkg["overrides"]["minimist"].is_string(), "{pkg}");
    assert!(remaining(&p, &dir.join("package-lock.json"), &db).is_empty());
    let ls = Command::new("npm")
        .args(["ls", "--package-lock-only", "--all"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        ls.status.success(),
        "{}",
        String::from_utf8_lossy(&ls.stderr)
    );
    let body = std::fs::read_to_string(dir.join("pr.md")).unwrap();
    assert!(
        body.contains("raised in package.json") && body.contains("lockfile only"),
        "{body}"
    );
}

#[test]
fn uv_bump_upgrades_in_the_lock_and_raises_an_exact_pin() {
    let Some(uv) = common::service("MAESTRO_TEST_UV_DIR", "run scripts/services/uv install") else {
        return;
    };
    let p = Project::new("");
    let dir = p.path().join("py");
    std::fs::create_dir_all(&dir).unwrap();
    let pyproject = |deps: &str| {
        format!("[project]\nname = \"bump-fixture\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = [{deps}]\n")
    };
    // Lock the vulnerable versions, then loosen urllib3's requirement: the
    // lock keeps 1.26.4 until something upgrades it.
    std::fs::write(
        dir.join("pyproject.toml"),
        pyproject("\"urllib3==1.26.4\", \"idna==2.8\""),
    )
    .unwrap();
    let lock = Command::new(format!("{uv}/uv"))
        .args(["lock", "-q"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        lock.status.success(),
        "{}",
        String::from_utf8_lossy(&lock.stderr)
    );
    std::fs::write(
        dir.join("pyproject.toml"),
        pyproject("\"urllib3>=1.26,<2\", \"idna==2.8\""),
    )
    .unwrap();
    let db = fixture("osv/PyPI");
    let out = bump(
        &p,
        "py",
        &["--json", "--osv-db", db.to_str().unwrap()],
        Some(&uv),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(
        bumps(&v, "urllib3")["manifests"],
        serde_json::json!([]),
        "{v}"
    );
    assert_eq!(
        bumps(&v, "idna")["manifests"],
        serde_json::json!(["pyproject.toml"]),
        "{v}"
    );
    assert!(remaining(&p, &dir.join("uv.lock"), &db).is_empty());
    let check = Command::new(format!("{uv}/uv"))
        .args(["lock", "--check"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn a_requirements_pin_is_rewritten_and_a_hash_pin_is_refused() {
    let p = Project::new("");
    let db = fixture("osv/PyPI");
    std::fs::write(
        p.path().join("requirements.txt"),
        "urllib3==1.26.4  # http\nidna==3.7\n",
    )
    .unwrap();
    let out = bump(&p, ".", &["--json", "--osv-db", db.to_str().unwrap()], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(p.path().join("requirements.txt")).unwrap(),
        "urllib3==1.26.18  # http\nidna==3.7\n"
    );
    // --record keeps what the branch had before the upgrade; the next run,
    // which no longer finds it, resolves the episodes.
    std::fs::write(p.path().join("requirements.txt"), "urllib3==1.26.4\n").unwrap();
    let record = ["--json", "--osv-db", db.to_str().unwrap(), "--record"];
    assert_eq!(bump(&p, ".", &record, None).status.code(), Some(0));
    let count = |key: &str| -> u64 {
        let v = p.json(&["sbom-diff", "stats"]);
        v["by_severity"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s[key].as_u64().unwrap())
            .sum()
    };
    assert_eq!((count("open"), count("resolved")), (3, 0));
    assert_eq!(bump(&p, ".", &record, None).status.code(), Some(0));
    assert_eq!((count("open"), count("resolved")), (0, 3));
    let hashed = "urllib3==1.26.4 \\\n    --hash=sha256:00\n";
    std::fs::write(p.path().join("requirements.txt"), hashed).unwrap();
    let out = bump(&p, ".", &["--json", "--osv-db", db.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(json(&out)["bumps"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("hash-pinned"));
    assert_eq!(
        std::fs::read_to_string(p.path().join("requirements.txt")).unwrap(),
        hashed
    );
}
