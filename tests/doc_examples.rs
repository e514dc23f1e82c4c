//! Every `maestro …` command in the fenced examples of README.md and docs/
//! runs, in the order the page gives them, in a project laid out with the
//! files the page names (made from fixtures/): each exits 0, or 1 where a
//! gate or a lookup says no, never 2 (a bad flag or input) or worse. Usage
//! synopses (`[--flag]`, `a|b`, `…`) are not commands and are left out;
//! commands that need a service or evaluation data run where it is given and
//! are reported as skipped otherwise.

mod common;
use common::repo::{commit, commit_at, git};
use common::{copy_dir, Project};
use std::path::{Path, PathBuf};

/// One example: the page, its line, the command (continuations joined,
/// trailing comment cut) and the block's variable assignments before it.
struct Example {
    page: String,
    line: usize,
    command: String,
    prelude: Vec<String>,
    setup: Vec<String>,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Cuts a `  # comment` that follows the command (outside quotes).
fn strip_comment(line: &str) -> &str {
    let (mut single, mut double) = (false, false);
    let b = line.as_bytes();
    for i in 0..b.len() {
        match b[i] {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'#' if !single && !double && i >= 1 && b[i - 1] == b' ' => {
                return line[..i].trim_end();
            }
            _ => {}
        }
    }
    line.trim_end()
}

fn is_synopsis(cmd: &str) -> bool {
    cmd.contains('…')
        || cmd.contains("...")
        || cmd.contains(" [")
        || cmd.contains(" (--")
        || cmd
            .split_whitespace()
            .any(|w| w.contains('|') && !w.contains('\''))
}

/// The examples of one page, in order.
fn examples(page: &str) -> Vec<Example> {
    let text = std::fs::read_to_string(repo_root().join(page)).unwrap();
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((_, l)) = lines.next() {
        let fence = l.trim_start();
        if !fence.starts_with("```") {
            continue;
        }
        let lang = fence.trim_start_matches('`').trim();
        let shell = matches!(lang, "" | "sh" | "bash" | "shell" | "console");
        let (mut prelude, mut setup) = (Vec::new(), Vec::new());
        let mut pending: Option<(usize, String)> = None;
        for (n, l) in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                break;
            }
            if !shell {
                continue;
            }
            let l = l.trim().trim_start_matches("$ ");
            if let Some((start, mut acc)) = pending.take() {
                let part = strip_comment(l);
                acc.push(' ');
                acc.push_str(part.trim_end_matches('\\').trim());
                if part.ends_with('\\') {
                    pending = Some((start, acc));
                } else {
                    out.push(Example {
                        page: page.into(),
                        line: start,
                        command: acc,
                        prelude: prelude.clone(),
                        setup: setup.clone(),
                    });
                }
                continue;
            }
            let cmd = strip_comment(l);
            if cmd.starts_with("maestro ") {
                let first = cmd.trim_end_matches('\\').trim().to_string();
                if cmd.ends_with('\\') {
                    pending = Some((n + 1, first));
                } else {
                    out.push(Example {
                        page: page.into(),
                        line: n + 1,
                        command: first,
                        prelude: prelude.clone(),
                        setup: setup.clone(),
                    });
                }
            } else if cmd.starts_with("export ")
                || cmd.split_once('=').is_some_and(|(k, _)| {
                    !k.is_empty() && k.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                })
            {
                prelude.push(cmd.to_string());
            } else if cmd.starts_with("python3 examples/") {
                setup.push(cmd.to_string());
            }
        }
    }
    out.into_iter()
        .filter(|e| !is_synopsis(&e.command))
        .collect()
}

fn write(dir: &Path, rel: &str, body: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

fn copy(from: PathBuf, dir: &Path, rel: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::copy(&from, &p).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
}

const CONFIG: &str = r#"
[router]
seed = 1

[[arms]]
id = "planner_v1+implementer_v2@small"
tier = "small"

[[arms]]
id = "planner_v1+implementer_v2@large"
tier = "large"

[[slo]]
name = "agent-success"
objective = 99.5
good = "ok"
total = "all"
"#;

/// A project for every page: a git repository with history (a Rust
/// lockfile, an npm project, Python code), origin/main one commit behind,
/// and the inputs the pages' examples name.
fn sandbox(p: &Project) {
    let d = p.path();
    let f = common::fixture;
    git(d, &["init", "-q", "-b", "main"]);
    git(d, &["config", "user.name", "Ann Lee"]);
    git(d, &["config", "user.email", "ann@corp.io"]);
    copy(f("bump/hyperfine-v1.12.0/Cargo.toml"), d, "Cargo.toml");
    copy(f("bump/hyperfine-v1.12.0/Cargo.lock"), d, "Cargo.lock");
    copy(f("bump/npm/package.json"), d, "web/package.json");
    copy(f("bump/npm/package-lock.json"), d, "web/package-lock.json");
    copy(
        f("lockfiles/osv-scalibr/pnpmlock/one-package.v9/pnpm-lock.yaml"),
        d,
        "web/pnpm-lock.yaml",
    );
    write(d, ".github/CODEOWNERS", "* @org/all\n/src/ @org/core\n");
    write(d, ".gitignore", ".maestro/\ntarget/\n");
    // Some history for graph and risk: features, fixes of them, tests.
    for i in 0..40 {
        let body = format!("def f{i}(user):\n    return {i}\n");
        let msg = if i % 5 == 4 {
            format!("Fix bug in f{} (#{})", i - 1, i + 1)
        } else {
            format!("Add f{i} (#{})", i + 1)
        };
        let file = format!("src/m{}.py", i % 7);
        let mut files = vec![(file.as_str(), body.as_str())];
        let test = format!("tests/test_m{}.py", i % 7);
        if i % 3 == 0 {
            files.push((test.as_str(), "def test():\n    pass\n"));
        }
        // Five days apart, so that most are older than risk's 30-day horizon.
        commit_at(
            d,
            &files,
            &msg,
            &format!("@{} +0000", 1_735_689_600 + i * 5 * 86_400),
        );
    }
    git(d, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    commit(
        d,
        &[(
            "src/app.py",
            "import logging\nlogging.info(\"signup %s\", user.email)\n",
        )],
        "Log signups (#41)",
    );
    write(d, "changed.txt", "src/app.py\n");

    // SBOMs, lockfiles and advisories (sbom.md).
    let hf = f("sbom/sboms/generated/rust-hyperfine");
    for (from, to) in [
        ("hyperfine-v1.12.0.cdx.json", "sbom-main.cdx.json"),
        ("hyperfine-v1.16.0.cdx.json", "sbom-pr.cdx.json"),
        ("hyperfine-v1.12.0.cdx.json", "old.cdx.json"),
        ("hyperfine-v1.16.0.cdx.json", "new.cdx.json"),
        ("hyperfine-v1.12.0.cdx.json", "old.json"),
        ("hyperfine-v1.16.0.cdx.json", "new.json"),
        ("hyperfine-v1.16.0.cdx.xml", "new.cdx.xml"),
        ("Cargo.lock.v1.16.0", "main/Cargo.lock"),
    ] {
        copy(hf.join(from), d, to);
    }
    copy(
        f("sbom/sboms/spdx/example11-rust-hello-server/spdx2.3/sbom.spdx.json"),
        d,
        "old.spdx.json",
    );
    copy(
        f("sbom/osv-db/crates.io/all.zip"),
        d,
        "osv/crates.io/all.zip",
    );
    copy_dir(&f("bump/osv/npm"), &d.join("osv/npm"));
    copy_dir(&f("bump/osv/PyPI"), &d.join("osv/PyPI"));

    // Benchmarks (bench-gate.md): criterion rounds saved as r01_main,
    // r01_pr, …, and one pair as the baselines `base` and `new`.
    let rounds = f("bench-outputs/criterion/generated-rounds");
    let crit = d.join("target/criterion");
    for e in walkdir::WalkDir::new(&rounds)
        .into_iter()
        .map(Result::unwrap)
    {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some((n, arm)) = name.rsplit_once('_').filter(|_| e.file_type().is_dir()) else {
            continue;
        };
        let bench = e.path().parent().unwrap().strip_prefix(&rounds).unwrap();
        let to = |b: &str| crit.join(bench).join(b);
        match (n, arm) {
            ("r01", "a") => copy_dir(e.path(), &to("base")),
            ("r01", "a2") => copy_dir(e.path(), &to("new")),
            _ => {}
        }
        match arm {
            "a" => copy_dir(e.path(), &to(&format!("{n}_main"))),
            "b" => copy_dir(e.path(), &to(&format!("{n}_pr"))),
            _ => {}
        }
    }
    let hs = f("bench/hyperfine-sleep");
    for r in 1..=4 {
        copy(
            hs.join(format!("base-r{r}.json")),
            d,
            &format!("rounds/main/r{r}.json"),
        );
        copy(
            hs.join(format!("head-r{r}.json")),
            d,
            &format!("rounds/pr/r{r}.json"),
        );
    }
    copy(hs.join("base-r5.json"), d, "results/main.json");
    copy(hs.join("head-r5.json"), d, "results/pr.json");

    // The build cache and reproducible builds (cache.md, repro.md).
    write(d, "target/release/app", "binary\n");
    for (dir, stamp) in [("build-a", "10:00"), ("build-b", "10:01")] {
        write(d, &format!("{dir}/bin/tool"), "same\n");
        write(d, &format!("{dir}/bin/app"), &format!("built {stamp}\n"));
    }
    write(
        d,
        "myapp/Cargo.toml",
        "[package]\nname = \"myapp\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(d, "myapp/src/main.rs", "fn main() {}\n");

    // SLOs and scaling (slo.md, scale.md).
    copy(f("slo/fast-burn.csv"), d, "events.csv");
    let trace: String = (0..600)
        .map(|i| format!("{}\n", 1_767_225_600 + i * 7))
        .collect();
    write(d, "enqueued.csv", &trace);

    // exec.md: a schema and an agent that satisfies it.
    copy(
        f("schemas/implementer-out.json"),
        d,
        "schemas/implementer-out.json",
    );
    write(
        d,
        "agent.sh",
        "#!/bin/sh\nprintf '%s\\n' '{\"patch\": \"--- a/x\\n+++ b/x\\n\", \"tests\": [\"t1\"], \"rationale\": \"the smallest change that fixes it\"}'\n",
    );
    make_executable(&d.join("agent.sh"));

    // evolve.md: the example registry, space and evaluator.
    copy(
        repo_root().join("examples/evolve/space.toml"),
        d,
        "space.toml",
    );
    copy(repo_root().join("examples/evolve/eval.sh"), d, "eval.sh");
    make_executable(&d.join("eval.sh"));
    copy_dir(
        &repo_root().join("examples/evolve"),
        &d.join("examples/evolve"),
    );
    let ok = std::process::Command::new("python3")
        .arg("examples/evolve/make_scenarios.py")
        .args(["12", "scenarios"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(ok.success());

    // graph.md: CI reports, incidents and a pull-request event.
    write(
        d,
        "target/nextest/ci/junit.xml",
        r#"<testsuite name="pytest"><testcase classname="tests.test_m1" name="test"><failure message="boom"/></testcase></testsuite>"#,
    );
    let head = git(d, &["rev-parse", "HEAD"]);
    let base = git(d, &["rev-parse", "origin/main"]);
    write(
        d,
        "incidents.csv",
        &format!("id,time,severity,pr,commit,title\nINC-1,2026-01-02T00:00:00Z,SEV2,#5,,signup down\nINC-2,2026-01-03,SEV3,,{},slow\n", &base[..10]),
    );
    write(
        d,
        "event.json",
        &format!(
            r#"{{"action": "opened", "pull_request": {{"number": 123, "title": "Log signups", "user": {{"login": "ann"}},
               "state": "open", "merged": false, "updated_at": "2026-01-04T00:00:00Z",
               "base": {{"sha": "{base}"}}, "head": {{"sha": "{head}"}}, "labels": []}}}}"#
        ),
    );
    // risk.md: a later table and one change's features.
    p.ok(&[
        "risk",
        "features",
        "--history",
        "--labels",
        "--out",
        "newer.csv",
    ]);
    write(
        d,
        "change.json",
        r#"{"ns": 1, "nd": 1, "nf": 2, "entropy": 0.9, "la": 40, "ld": 3, "lt": 120, "fix": 0,
            "ndev": 2, "age": 12.5, "nuc": 3, "exp": 30, "rexp": 4.2, "sexp": 10}"#,
    );

    // slo.md: a Sloth spec and its recording rules' ratios from Prometheus.
    write(
        d,
        "slos.yml",
        "version: prometheus/v1\nservice: myservice\nslos:\n  - name: requests-availability\n    objective: 99.9\n    sli:\n      events:\n        error_query: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))\n        total_query: sum(rate(http_requests_total[{{.window}}]))\n    alerting:\n      name: MyServiceHighErrorRate\n",
    );
    let series: Vec<String> = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]
        .iter()
        .map(|w| format!(r#"{{"metric":{{"__name__":"slo:sli_error:ratio_rate{w}","sloth_id":"myservice-requests-availability","sloth_window":"{w}"}},"value":[1767225600,"0.0004"]}}"#))
        .collect();
    write(
        d,
        "sloth-ratios.json",
        &format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
            series.join(",")
        ),
    );
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Why an example cannot run here, if it cannot.
fn unavailable(e: &Example) -> Option<String> {
    if (e.command.contains("s3://") || e.prelude.iter().any(|l| l.contains("s3://")))
        && std::env::var("MAESTRO_TEST_S3_ENDPOINT").is_err()
    {
        return Some("needs an S3 server (MAESTRO_TEST_S3_ENDPOINT)".into());
    }
    if e.command.contains("--redis ") && std::env::var("MAESTRO_TEST_REDIS_URL").is_err() {
        return Some("needs redis-server (MAESTRO_TEST_REDIS_URL)".into());
    }
    None
}

/// Every page that has examples.
fn pages() -> Vec<String> {
    let mut pages = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(repo_root().join("docs"))
        .unwrap()
        .map(|e| format!("docs/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages.retain(|p| !examples(p).is_empty());
    pages
}

/// pr-report's inputs: the other steps' JSON, from the sandbox's history
/// (the model trained on the table `sandbox` wrote).
fn pr_report_inputs(p: &Project) {
    p.ok(&[
        "risk",
        "train",
        "--data",
        "newer.csv",
        "--time",
        "commit_ts",
        "--out",
        "risk-model.json",
    ]);
    p.ok(&["graph", "ingest", "git"]);
    for (file, args) in [
        (
            "risk.json",
            &[
                "risk",
                "score",
                "--features",
                "change.json",
                "--model",
                "risk-model.json",
            ][..],
        ),
        ("impact.json", &["graph", "impact", "--files", "src/app.py"]),
        (
            "sbom.json",
            &["sbom-diff", "--base", "old.json", "--head", "new.json"],
        ),
        (
            "bench.json",
            &[
                "bench-gate",
                "--base",
                "rounds/main/",
                "--head",
                "rounds/pr/",
            ],
        ),
        ("pii.json", &["pii-scan", "src/", "--fail-on", "none"]),
    ] {
        let out = p.cmd().arg("--json").args(args).output().unwrap();
        std::fs::write(p.path().join(file), out.stdout).unwrap();
    }
}

/// Runs one page's examples in a fresh sandbox; fails with every failure.
fn run_page(page: &str) {
    let bin = assert_cmd::cargo::cargo_bin("maestro");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap()
    );
    let examples = examples(page);
    // Evaluation data, looked up only by the page that uses it.
    let routing = examples
        .iter()
        .any(|e| e.command.contains("per_task.csv"))
        .then(|| common::shared_data("routing/swebench_verified_mini/per_task.csv"))
        .flatten();
    let fake = std::sync::Arc::new(std::sync::Mutex::new(common::github::Fake::default()));
    let api = common::github::serve(fake.clone());
    let (mut ran, mut failures) = (0, Vec::new());
    let p = Project::new(CONFIG);
    sandbox(&p);
    if let Some(csv) = &routing {
        std::fs::copy(csv, p.path().join("per_task.csv")).unwrap();
    }
    let pr_event = p.path().join("pr7.json");
    std::fs::write(&pr_event, r#"{"pull_request": {"number": 7}}"#).unwrap();
    if page == "docs/pr-report.md" {
        pr_report_inputs(&p);
    }
    for e in &examples {
        for s in &e.setup {
            let ok = std::process::Command::new("sh")
                .args(["-c", s])
                .current_dir(p.path())
                .status()
                .unwrap();
            assert!(ok.success(), "{}:{}: setup `{s}` failed", e.page, e.line);
        }
    }
    for e in examples {
        if let Some(why) = unavailable(&e) {
            let what = format!("{}:{}: `{}`: {why}", e.page, e.line, e.command);
            // As everywhere: a missing service is a failure in CI.
            assert!(!common::ci(), "{what}");
            common::skip(&what);
            continue;
        }
        if e.command.contains("per_task.csv") && routing.is_none() {
            continue; // shared_data noted the skip
        }
        let mut command = e.command.clone();
        let mut c = p.cmd();
        if let Ok(url) = std::env::var("MAESTRO_TEST_REDIS_URL") {
            command = command.replace("redis://127.0.0.1:6379", &url);
        }
        if let Ok(ep) = std::env::var("MAESTRO_TEST_S3_ENDPOINT") {
            let all = format!("{} {command}", e.prelude.join(" "));
            if let Some(bucket) = all.split("s3://").nth(1).and_then(|r| r.split('/').next()) {
                let _ = std::panic::catch_unwind(|| common::create_bucket(&ep, bucket));
            }
            c.envs(common::s3_env(&ep, "")).env_remove("MAESTRO_STATE");
        }
        // A line that starts a local service is the test's job: it gives
        // the service's address itself.
        let prelude: Vec<&str> = e
            .prelude
            .iter()
            .map(String::as_str)
            .filter(|l| !l.contains("scripts/services/"))
            .collect();
        let script = format!("{}\n{command}", prelude.join("\n"));
        let cwd = if command.contains("cargo build") {
            p.path().join("myapp")
        } else {
            p.path().to_path_buf()
        };
        let out = std::process::Command::new("sh")
            .args(["-c", &script])
            .current_dir(&cwd)
            .env("PATH", &path)
            .env("PR", "7")
            .env("EVAL", "0.9")
            .env("COST", "0.2")
            .env("ENV_HASH", "0123abcd")
            .env(
                "GITHUB_EVENT_PATH",
                if command.contains("pr-report") {
                    pr_event.clone()
                } else {
                    p.path().join("event.json")
                },
            )
            .env("GITHUB_TOKEN", "ghs_doc_example")
            .env("GITHUB_REPOSITORY", "o/r")
            .env("GITHUB_API_URL", &api)
            .env("REDIS_ADDRESS", "redis:6379")
            .env("REDIS_PASSWORD", "x")
            .envs(
                c.get_envs()
                    .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
            )
            .env_remove("GITHUB_ACTIONS")
            .output()
            .unwrap();
        ran += 1;
        if !matches!(out.status.code(), Some(0 | 1)) {
            failures.push(format!(
                "{}:{}: `{command}`: exit {:?}: {}",
                e.page,
                e.line,
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One test per page, so that pages run in parallel.
macro_rules! pages {
    ($($name:ident => $page:literal),* $(,)?) => {
        $(#[test] fn $name() { run_page($page); })*

        #[test]
        fn every_page_with_examples_has_a_test() {
            let listed = [$($page),*];
            for p in pages() {
                assert!(listed.contains(&p.as_str()), "{p} has examples: add it to pages!");
            }
        }
    };
}

pages! {
    readme => "README.md",
    bench_gate => "docs/bench-gate.md",
    cache => "docs/cache.md",
    evolve => "docs/evolve.md",
    exec => "docs/exec.md",
    graph => "docs/graph.md",
    guide => "docs/guide.md",
    kpi => "docs/kpi.md",
    pii_scan => "docs/pii-scan.md",
    pr_report => "docs/pr-report.md",
    repro => "docs/repro.md",
    risk => "docs/risk.md",
    router => "docs/router.md",
    sbom => "docs/sbom.md",
    scale => "docs/scale.md",
    slo => "docs/slo.md",
    storage => "docs/storage.md",
}
