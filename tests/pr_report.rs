//! `maestro pr-report`: the comment built from the state and the other
//! steps' JSON, posted to a small local HTTP server that answers like
//! GitHub's three comment endpoints and records what it was sent.

mod common;

use common::github::{serve, Fake};
use common::Project;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

const TOKEN: &str = "ghs_testtoken_must_not_leak_1234567890";
const EMAIL: &str = "jane.roe@corp.io";

fn post_env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GITHUB_TOKEN", TOKEN.to_string()),
        ("GITHUB_REPOSITORY", "o/r".to_string()),
        ("GITHUB_API_URL", url.to_string()),
    ]
}

/// route → exec → report → sbom-diff → bench-gate → pii-scan → pr-report
/// --post, twice: one comment, edited in place, with every section and no
/// PII value or token in it.
#[test]
fn end_to_end_one_comment_updated_in_place() {
    let p = Project::new("[router]\nseed = 3\n");
    let d = p.path();
    p.ok(&["arms", "add", "impl@small", "--tier", "small"]);
    p.ok(&["arms", "add", "impl@large", "--tier", "large"]);
    let r = p.json(&["route", "--task", "pr-7"]);
    // The build cache: one entry stored, then restored.
    std::fs::create_dir_all(d.join("target")).unwrap();
    std::fs::write(d.join("target/out.bin"), "built").unwrap();
    p.ok(&["cache", "put", "linux-abc", "target"]);
    p.ok(&["cache", "get", "linux-abc", "--dest", "restored"]);
    // exec: an agent that gets it right on the second attempt.
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/schemas/implementer-out.json");
    std::fs::write(
        d.join("agent.sh"),
        "if [ \"$MAESTRO_ATTEMPT\" = 1 ]; then echo '{\"patch\": \"short\"}'; else printf '%s\\n' '{\"patch\": \"--- a/x +++ b/x\", \"tests\": [\"t\"], \"rationale\": \"the caller needs it now\"}'; fi\n",
    )
    .unwrap();
    let out = p
        .cmd()
        .args([
            "exec",
            "--schema",
            schema.to_str().unwrap(),
            "--task",
            "pr-7",
            "--",
            "sh",
            "agent.sh",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    p.ok(&[
        "report",
        "--task",
        "pr-7",
        "--eval",
        "0.8",
        "--eval-robust",
        "0.7",
        "--cost",
        "0.04",
        "--tokens-in",
        "1200",
        "--tokens-out",
        "300",
    ]);
    // sbom-diff: one package changed, one added with a hostile name.
    let bom =
        |comps: Value| json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": comps});
    std::fs::write(
        d.join("base.cdx.json"),
        bom(json!([{"type": "library", "name": "serde", "version": "1.0.1", "purl": "pkg:cargo/serde@1.0.1"}])).to_string(),
    )
    .unwrap();
    std::fs::write(
        d.join("head.cdx.json"),
        bom(json!([
            {"type": "library", "name": "serde", "version": "1.0.2", "purl": "pkg:cargo/serde@1.0.2"},
            {"type": "library", "name": "evil|<img src=x>@org/team", "version": "1"}
        ]))
        .to_string(),
    )
    .unwrap();
    let sbom = p
        .cmd()
        .args([
            "--json",
            "sbom-diff",
            "--base",
            "base.cdx.json",
            "--head",
            "head.cdx.json",
        ])
        .output()
        .unwrap();
    std::fs::write(d.join("sbom.json"), &sbom.stdout).unwrap();
    // bench-gate on the repository's hyperfine fixture.
    let hs =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bench/hyperfine-sleep");
    let mut args: Vec<String> = vec!["--json".into(), "bench-gate".into()];
    for i in 1..=4 {
        args.extend([
            "--base".into(),
            hs.join(format!("base-r{i}.json")).display().to_string(),
        ]);
        args.extend([
            "--head".into(),
            hs.join(format!("head-r{i}.json")).display().to_string(),
        ]);
    }
    let bench = p.cmd().args(&args).output().unwrap();
    std::fs::write(d.join("bench.json"), &bench.stdout).unwrap();
    // pii-scan over a file holding an email address and a card number.
    std::fs::create_dir_all(d.join("src")).unwrap();
    std::fs::write(
        d.join("src/users.py"),
        format!("ADMIN = \"{EMAIL}\"\nCARD = \"4000 0012 3456 7899\"\n"),
    )
    .unwrap();
    let pii = p
        .cmd()
        .args(["--json", "pii-scan", "src"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&pii.stdout).contains("users.py"),
        "{pii:?}"
    );
    std::fs::write(d.join("pii.json"), &pii.stdout).unwrap();

    let fake = Arc::new(Mutex::new(Fake::default()));
    let url = serve(fake.clone());
    let summary = d.join("summary.md");
    let report = |extra: &[&str]| {
        let mut env = post_env(&url);
        env.push(("GITHUB_ACTIONS", "true".into()));
        env.push(("GITHUB_STEP_SUMMARY", summary.display().to_string()));
        let mut args = vec![
            "pr-report",
            "--task",
            "pr-7",
            "--sbom-diff",
            "sbom.json",
            "--bench",
            "bench.json",
            "--pii",
            "pii.json",
            "--post",
            "--pr",
            "7",
        ];
        args.extend_from_slice(extra);
        p.json_env(&args, &env)
    };
    let first = report(&[]);
    assert!(first["posted"]["created"].is_u64(), "{first}");
    let second = report(&[]);
    assert_eq!(
        second["posted"]["updated"], first["posted"]["created"],
        "{second}"
    );
    let f = fake.lock().unwrap();
    assert_eq!(f.comments.len(), 1, "one comment, not two");
    let body = &f.comments[0].1;
    assert!(body.starts_with("<!-- maestro:pr-report -->"));
    for want in [
        &format!("arm `{}`", r["arm"].as_str().unwrap()),
        "| 0.800 | 0.700 | -0.100 | $0.0400 | 1200 in / 300 out | valid after 2 attempt(s) |",
        "Alternatives (2 arms)",
        "**Build cache**: 1 of 1 get(s) hit",
        "key `linux-abc`",
        "### Dependencies",
        "1 added, 0 removed, 1 changed",
        "### Benchmarks",
        "### PII",
        "users.py:1",
    ] {
        assert!(body.contains(want), "{want} missing:\n{body}");
    }
    // Hostile names are inert; no value or secret reaches the comment.
    assert!(body.contains("`evil\\|<img src=x>@org/team`"), "{body}");
    for secret in [EMAIL, "4000 0012 3456 7899", TOKEN] {
        assert!(!body.contains(secret), "{secret} in the comment");
        assert!(!std::fs::read_to_string(&summary).unwrap().contains(secret));
    }
    assert!(f.seen.iter().all(|s| s.2 == format!("Bearer {TOKEN}")));
    let methods: Vec<&str> = f.seen.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(methods, ["GET", "POST", "GET", "PATCH"]);
    // The step summary got the comment too (once per run).
    assert_eq!(
        std::fs::read_to_string(&summary)
            .unwrap()
            .matches("## maestro")
            .count(),
        2
    );
}

#[test]
fn retries_a_server_error_and_names_a_missing_permission() {
    let p = Project::new("");
    std::fs::write(p.path().join("risk.json"), json!({"probability": 0.81, "threshold": 0.7, "policy": "warn", "verdict": "warn", "reasons": [{"text": "adds 1,240 lines (top 3 %)"}]}).to_string()).unwrap();
    let fake = Arc::new(Mutex::new(Fake {
        fail: vec![502],
        ..Fake::default()
    }));
    let url = serve(fake.clone());
    let v = p.json_env(
        &["pr-report", "--risk", "risk.json", "--post", "--pr", "7"],
        &post_env(&url),
    );
    assert!(v["posted"]["created"].is_u64(), "{v}");
    assert!(fake.lock().unwrap().comments[0]
        .1
        .contains("**0.810** (warn at 0.700, policy warn)"));
    // 403 without a rate limit: the permission, exit 3.
    fake.lock().unwrap().fail = vec![403];
    let out = p
        .cmd()
        .envs(post_env(&url))
        .args(["pr-report", "--risk", "risk.json", "--post", "--pr", "7"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("pull-requests: write"), "{err}");
    assert!(!err.contains(TOKEN));
}

#[test]
fn bad_input_is_exit_2() {
    let p = Project::new("");
    std::fs::write(p.path().join("bad.json"), "{\n oops").unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["pr-report"], "nothing to report"),
        (&["pr-report", "--risk", "missing.json"], "missing.json"),
        (&["pr-report", "--risk", "bad.json"], "bad.json: line 2"),
        (
            &["pr-report", "--task", "nope"],
            "no decision for task `nope`",
        ),
    ];
    for (args, want) in cases {
        let out = p.cmd().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // --post without a token.
    std::fs::write(p.path().join("r.json"), "{}").unwrap();
    let out = p
        .cmd()
        .env_remove("GITHUB_TOKEN")
        .args([
            "pr-report",
            "--risk",
            "r.json",
            "--post",
            "--pr",
            "1",
            "--repo",
            "o/r",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GITHUB_TOKEN"));
}
