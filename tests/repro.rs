//! `maestro repro` through the binary.

mod common;
use common::Project;

#[test]
fn compare_reports_rate_differences_and_gates() {
    let p = Project::new("");
    for d in ["a", "b"] {
        std::fs::create_dir_all(p.path().join(d)).unwrap();
        std::fs::write(p.path().join(d).join("lib.so"), "same").unwrap();
    }
    std::fs::write(p.path().join("a/app"), "v1 built at 10:00").unwrap();
    std::fs::write(p.path().join("b/app"), "v1 built at 10:01").unwrap();
    let out = p
        .cmd()
        .args(["--json", "repro", "compare", "a", "b"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rate"], 0.5);
    assert_eq!(v["artifacts"][0]["path"], "app");
    assert_eq!(v["artifacts"][0]["status"], "differs");
    assert_eq!(v["artifacts"][0]["first_difference"], 16);
    p.ok(&["repro", "compare", "a", "b", "--min-rate", "0.5"]);
    p.ok(&["repro", "compare", "a", "b", "--glob", "*.so"]);
    p.cmd()
        .args(["repro", "compare", "a", "missing"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("missing: not a directory"));
}

#[test]
fn run_builds_twice_and_passes_a_deterministic_build() {
    let p = Project::new("");
    std::fs::write(p.path().join("src.txt"), "input").unwrap();
    let v = p.json(&[
        "repro",
        "run",
        "--artifacts",
        "out/*",
        "--",
        "sh",
        "-c",
        "mkdir -p out && cp src.txt out/artifact",
    ]);
    assert_eq!(v["rate"], 1.0);
    assert_eq!(v["total"], 1);
    p.cmd()
        .args([
            "repro",
            "run",
            "--artifacts",
            "out/*",
            "--",
            "sh",
            "-c",
            "mkdir -p out && pwd > out/p",
        ])
        .assert()
        .code(1);
}
