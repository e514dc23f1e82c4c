//! `maestro cache` through the binary, on a local store and on S3 (moto).

mod common;
use common::{create_bucket, s3_endpoint, unique_bucket, Project};
use sha2::{Digest, Sha256};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn tree(root: &Path) {
    std::fs::create_dir_all(root.join("out/bin")).unwrap();
    std::fs::create_dir_all(root.join("out/empty")).unwrap();
    let big: Vec<u8> = (0..300_000u32)
        .flat_map(|i| (i * 7919).to_le_bytes())
        .collect();
    std::fs::write(root.join("out/bin/tool"), &big).unwrap();
    std::fs::set_permissions(
        root.join("out/bin/tool"),
        std::fs::Permissions::from_mode(0o751),
    )
    .unwrap();
    std::fs::write(root.join("out/readme"), "hello\n").unwrap();
    std::os::unix::fs::symlink("bin/tool", root.join("out/link")).unwrap();
}

/// (relative path, kind, mode, content digest and mtime, or link target) of every entry.
fn listing(root: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.path() != root)
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap().display().to_string();
            let m = e.path().symlink_metadata().unwrap();
            let what = if m.file_type().is_symlink() {
                format!("link {}", std::fs::read_link(e.path()).unwrap().display())
            } else if m.is_dir() {
                format!("dir {:o}", m.permissions().mode() & 0o777)
            } else {
                let d = hex::encode(Sha256::digest(std::fs::read(e.path()).unwrap()));
                let mtime = m
                    .modified()
                    .unwrap()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                format!(
                    "file {:o} {d} mtime {mtime}",
                    m.permissions().mode() & 0o777
                )
            };
            (rel, what)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn put_then_get_restores_identical_files_modes_and_symlinks() {
    let p = Project::new("");
    tree(p.path());
    p.ok(&["cache", "put", "linux-abc", "out"]);
    let dest = p.path().join("restored");
    let v = p.json(&[
        "cache",
        "get",
        "linux-abd",
        "--restore-key",
        "linux-",
        "--dest",
        "restored",
    ]);
    assert_eq!(v["outcome"], "restore-hit");
    assert_eq!(listing(&p.path().join("out")), listing(&dest.join("out")));
    // Write-once: a second put leaves the entry alone and says so.
    std::fs::write(p.path().join("out/readme"), "changed\n").unwrap();
    assert_eq!(
        p.json(&["cache", "put", "linux-abc", "out"])["outcome"],
        "exists"
    );
    // A miss is exit 1.
    p.cmd().args(["cache", "get", "nope"]).assert().code(1);
    let s = p.json(&["cache", "stats"]);
    assert_eq!(s["overall"]["gets"], 2);
    assert_eq!(s["overall"]["restore_hits"], 1);
}

/// Run from a subdirectory, the default cache store is the project's
/// `.maestro/cache`, beside the state, not a second `.maestro/` there.
#[test]
fn from_a_subdirectory_the_cache_and_the_state_share_the_project_folder() {
    let p = Project::new("");
    let sub = p.path().join("crates/app");
    std::fs::create_dir_all(sub.join("out")).unwrap();
    std::fs::write(sub.join("out/a"), "a\n").unwrap();
    p.cmd()
        .current_dir(&sub)
        .args(["cache", "put", "k1", "out"])
        .assert()
        .success();
    assert!(!sub.join(".maestro").exists());
    assert!(p.path().join(".maestro/cache").is_dir());
    assert!(p.state().is_file());
    // The same entry is found from the root, and `--store` is taken
    // against the working directory.
    p.cmd()
        .args(["cache", "get", "k1", "--dest", "r"])
        .assert()
        .success();
    assert_eq!(std::fs::read(p.path().join("r/out/a")).unwrap(), b"a\n");
    p.cmd()
        .current_dir(&sub)
        .args(["cache", "put", "k2", "out", "--store", "local-store"])
        .assert()
        .success();
    assert!(sub.join("local-store").is_dir());
}

#[test]
fn tampered_or_unsigned_or_traversing_archives_are_rejected_with_nothing_written() {
    let p = Project::new("");
    tree(p.path());
    p.cmd()
        .env("MAESTRO_CACHE_SIGNING_KEY", "k1")
        .args(["cache", "put", "k", "out"])
        .assert()
        .success();
    let dest = p.path().join("d");
    std::fs::create_dir_all(&dest).unwrap();
    // Wrong signing key.
    p.cmd()
        .env("MAESTRO_CACHE_SIGNING_KEY", "k2")
        .args(["cache", "get", "k", "--dest", "d"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("signature"));
    // Flip one byte of the archive.
    let blobs = p.path().join(".maestro/cache/blobs");
    let blob = std::fs::read_dir(&blobs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&blob).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&blob, &bytes).unwrap();
    p.cmd()
        .env("MAESTRO_CACHE_SIGNING_KEY", "k1")
        .args(["cache", "get", "k", "--dest", "d"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("digest mismatch"));
    // A well-formed entry whose archive climbs out with `..`.
    let evil = evil_archive();
    let sha = hex::encode(Sha256::digest(&evil));
    std::fs::write(blobs.join(format!("{sha}.tar.zst")), &evil).unwrap();
    let manifest = serde_json::json!({
        "format": 1, "key": "evil", "created_ms": 0,
        "archive": {"object": format!("blobs/{sha}.tar.zst"), "sha256": sha, "bytes": evil.len()},
        "total_bytes": 4, "entries": []
    });
    std::fs::write(
        p.path().join(".maestro/cache/entries/evil.json"),
        manifest.to_string(),
    )
    .unwrap();
    // Unsigned, in a cache that holds signed entries: refused unless allowed.
    p.cmd()
        .args(["cache", "get", "evil", "--dest", "d"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("holds signed entries"));
    p.cmd()
        .args(["cache", "get", "evil", "--dest", "d", "--allow-unsigned"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "rejected archive: entry `d/../../pwned`: path with `..`",
        ));
    assert_eq!(
        std::fs::read_dir(&dest).unwrap().count(),
        0,
        "nothing written"
    );
    assert!(!p.path().join("pwned").exists());
    assert_eq!(p.json(&["cache", "stats"])["overall"]["rejected"], 3);
}

/// tar + zstd with one entry named `d/../../pwned` (written byte by byte: tar
/// builders refuse such names).
fn evil_archive() -> Vec<u8> {
    let mut h = tar::Header::new_old();
    let name = b"d/../../pwned";
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_size(4);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let mut raw = h.as_bytes().to_vec();
    raw.extend_from_slice(b"evil");
    raw.resize(512 * 2, 0);
    raw.extend_from_slice(&[0; 1024]);
    zstd::encode_all(&raw[..], 3).unwrap()
}

#[test]
fn actions_outputs_say_hit_and_matched_key() {
    let p = Project::new("");
    tree(p.path());
    p.ok(&["cache", "put", "k-1", "out"]);
    let gh = p.path().join("gh_out");
    p.cmd()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &gh)
        .args(["cache", "get", "k-2", "--restore-key", "k-", "--dest", "r"])
        .assert()
        .success();
    let o = std::fs::read_to_string(&gh).unwrap();
    let lines: Vec<&str> = o.lines().collect();
    assert!(lines.contains(&"cache-hit=false"), "{o}");
    assert!(lines.contains(&"matched-key=k-1"), "{o}");
}

#[test]
fn s3_store_round_trip_and_gc() {
    let Some(ep) = s3_endpoint() else { return };
    let bucket = unique_bucket("cache");
    create_bucket(&ep, &bucket);
    let p = Project::new("");
    tree(p.path());
    let store = format!("s3://{bucket}/ci/cache");
    let run = |args: &[&str]| {
        let out = p
            .s3_cmd(&ep, ".maestro/state.db")
            .arg("--json")
            .args(args)
            .args(["--store", &store])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    assert_eq!(run(&["cache", "put", "k-1", "out"])["outcome"], "stored");
    assert_eq!(
        run(&["cache", "get", "k-1", "--dest", "r"])["outcome"],
        "hit"
    );
    assert_eq!(
        listing(&p.path().join("out")),
        listing(&p.path().join("r/out"))
    );
    let plan = run(&["cache", "gc", "--max-size", "0", "--yes"]);
    assert_eq!(plan.as_array().unwrap().len(), 1);
    p.s3_cmd(&ep, ".maestro/state.db")
        .args(["cache", "get", "k-1", "--store", &store])
        .assert()
        .code(1);
}
