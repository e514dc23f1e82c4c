//! The composite action's scripts (scripts/action/) against a local
//! directory laid out like a GitHub release: the archive is installed into
//! the tool cache after its SHA-256 is checked, reused from the cache, a
//! tampered archive is refused, and inputs never reach a shell.

mod common;

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TARGET: &str = "x86_64-unknown-linux-musl";

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts/action")
        .join(name)
}

/// `BASE/download/TAG/` with the archive and SHA256SUMS; `tamper` changes
/// the archive after its checksum was written. The archive holds a small
/// stand-in for the binary (what is tested is the installing).
fn release(base: &Path, tag: &str, tamper: bool) {
    let dir = base.join("download").join(tag);
    let stage = base.join(format!("stage-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&stage).unwrap();
    let bin = stage.join("maestro");
    std::fs::write(&bin, format!("#!/bin/sh\necho \"maestro {tag}\"\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let archive = dir.join(format!("maestro-{TARGET}.tar.gz"));
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(&stage)
        .arg(".")
        .status()
        .unwrap();
    assert!(tar.success());
    let sum = hex(&Sha256::digest(std::fs::read(&archive).unwrap()));
    std::fs::write(
        dir.join("SHA256SUMS"),
        format!("{sum}  maestro-{TARGET}.tar.gz\n"),
    )
    .unwrap();
    if tamper {
        let mut bytes = std::fs::read(&archive).unwrap();
        let n = bytes.len();
        bytes[n / 2] ^= 0xff;
        std::fs::write(&archive, bytes).unwrap();
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn install(base: &Path, tool_cache: &Path, path_file: &Path, version: &str, arch: &str) -> Output {
    Command::new("bash")
        .arg(script("install.sh"))
        .env("MAESTRO_VERSION", version)
        .env("MAESTRO_RELEASE_BASE", base)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", arch)
        .env("RUNNER_TOOL_CACHE", tool_cache)
        .env("GITHUB_PATH", path_file)
        .output()
        .unwrap()
}

#[test]
fn installs_a_verified_release_into_the_tool_cache_and_reuses_it() {
    let t = tempfile::tempdir().unwrap();
    let (base, cache, path_file) = (
        t.path().join("rel"),
        t.path().join("tc"),
        t.path().join("path"),
    );
    release(&base, "v9.9.9", false);
    let out = install(&base, &cache, &path_file, "v9.9.9", "X64");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = cache.join("maestro/v9.9.9").join(TARGET);
    assert_eq!(
        std::fs::read_to_string(&path_file).unwrap().trim(),
        dir.to_str().unwrap()
    );
    let v = Command::new(dir.join("maestro"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&v.stdout).trim(), "maestro v9.9.9");
    // The second job on the runner takes it from the tool cache.
    std::fs::remove_dir_all(base.join("download")).unwrap();
    let out = install(&base, &cache, &path_file, "v9.9.9", "X64");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("from the tool cache"));
}

#[test]
fn a_tampered_archive_is_refused_and_nothing_is_installed() {
    let t = tempfile::tempdir().unwrap();
    let (base, cache, path_file) = (
        t.path().join("rel"),
        t.path().join("tc"),
        t.path().join("path"),
    );
    release(&base, "v9.9.8", true);
    let out = install(&base, &cache, &path_file, "v9.9.8", "X64");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not match its SHA-256"), "{err}");
    assert!(!cache
        .join("maestro/v9.9.8")
        .join(TARGET)
        .join("maestro")
        .exists());
    assert!(!path_file.exists());
}

#[test]
fn bad_inputs_are_refused_before_anything_runs() {
    let t = tempfile::tempdir().unwrap();
    let (base, cache, path_file) = (
        t.path().join("rel"),
        t.path().join("tc"),
        t.path().join("path"),
    );
    let marker = t.path().join("pwned");
    let evil = format!("v1; touch {}", marker.display());
    let out = install(&base, &cache, &path_file, &evil, "X64");
    assert_eq!(out.status.code(), Some(2));
    let out = install(&base, &cache, &path_file, "v1.0.0", "MIPS");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no release for Linux/MIPS"));
    assert!(!marker.exists());
}

#[test]
fn the_run_step_passes_each_line_as_one_argument_never_through_a_shell() {
    let t = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_maestro")).parent().unwrap();
    let marker = t.path().join("pwned");
    std::fs::write(t.path().join("maestro.toml"), "").unwrap();
    let out = Command::new("bash")
        .arg(script("run.sh"))
        .current_dir(t.path())
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("MAESTRO_COMMAND", "env-hash")
        .env(
            "MAESTRO_ARGS",
            format!("--json\n--env\n$(touch {})", marker.display()),
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!marker.exists(), "an argument reached a shell");
    // The whole line arrived as one argument: the name of a variable hashed.
    assert!(out.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.to_string().contains("$(touch"), "{v}");
}

/// action.yml passes through every output docs/github-actions.md lists, and
/// lists none that no command sets.
#[test]
fn the_action_passes_every_documented_output_through() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let documented: std::collections::BTreeSet<String> = common::documented_outputs()
        .into_iter()
        .flat_map(|(_, names)| names)
        .collect();
    let action: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(root.join("action.yml")).unwrap()).unwrap();
    let outputs = action["outputs"].as_object().unwrap();
    let passed: std::collections::BTreeSet<String> = outputs.keys().cloned().collect();
    assert_eq!(passed, documented);
    for (k, v) in outputs {
        assert_eq!(
            v["value"].as_str().unwrap(),
            format!("${{{{ steps.run.outputs.{k} }}}}"),
            "{k}"
        );
    }
}
