//! bench-gate against real benchmark outputs (fixtures/bench-outputs) and
//! through the binary.

mod common;
use common::Project;
use maestro::bench::gate::{compare, Settings, Verdict};
use maestro::bench::{formats, stats, Run};
use predicates::prelude::PredicateBooleanExt;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    common::fixture("bench-outputs")
}

/// Files that are benchmark results (not docs, goldens of other tools, or
/// criterion's side files).
fn result_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            !(n.ends_with(".md")
                || n.ends_with(".csv")
                || n.ends_with(".log")
                || n.ends_with(".stdout")
                || n.ends_with(".stdout.txt")
                || ["estimates.json", "benchmark.json", "tukey.json", "raw.csv"]
                    .contains(&n.as_ref()))
        })
        .collect()
}

#[test]
fn every_fixture_parses_or_is_rejected_with_a_message_naming_it() {
    let d = fixtures();
    let files = result_files(&d);
    assert!(files.len() > 200, "{}", files.len());
    let mut formats_seen = std::collections::BTreeSet::new();
    let mut rejected = Vec::new();
    for f in &files {
        match formats::load_file(f, None) {
            Ok(r) => {
                assert!(r
                    .series
                    .iter()
                    .all(|s| !s.values.is_empty() && s.values.iter().all(|v| v.is_finite())));
                formats_seen.insert(r.format);
            }
            Err(e) => {
                let msg = format!("{e:#}");
                assert!(msg.contains(&f.display().to_string()), "{msg}");
                assert!(!msg.contains('\n'));
                rejected.push(f.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    // The only rejections: compare.py's aggregate-only / timing-free inputs
    // and a libtest run with no benchmarks at all.
    assert_eq!(
        rejected,
        [
            "gbench-test4_run.json",
            "gbench-test4_run0.json",
            "gbench-test4_run1.json",
            "bencher-zero.txt"
        ]
    );
    assert!(formats_seen.len() >= 17, "{formats_seen:?}");
}

#[test]
fn truncated_and_malformed_inputs_are_exit_2_naming_the_file() {
    let p = Project::new("");
    std::fs::write(
        p.path().join("trunc.json"),
        r#"{"results": [{"command": "a", "times": [0.1, 0.2"#,
    )
    .unwrap();
    std::fs::write(p.path().join("go.txt"), "BenchmarkX-8  100  12x ns/op\n").unwrap();
    std::fs::write(p.path().join("empty.txt"), "").unwrap();
    for (f, why) in [
        ("trunc.json", "cannot tell"),
        ("go.txt", "malformed benchmark line"),
        ("empty.txt", "cannot tell"),
    ] {
        p.cmd()
            .args(["bench-gate", "--base", f, "--head", f])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(f).and(predicates::str::contains(why)));
    }
    p.cmd()
        .args([
            "bench-gate",
            "--base",
            "trunc.json",
            "--head",
            "trunc.json",
            "--input-format",
            "hyperfine",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("malformed JSON"));
    p.cmd()
        .args(["bench-gate", "--base", "nope", "--head", "nope"])
        .assert()
        .code(2);
}

fn go_split(d: &Path, f: &str) -> (Run, Run) {
    let t = std::fs::read_to_string(d.join("go").join(f)).unwrap();
    let i = t.find("note: after").unwrap();
    (
        formats::text::go(&t[..i], f).unwrap(),
        formats::text::go(&t[i..], f).unwrap(),
    )
}

/// (delta of medians in %, two-sided p) as benchstat computes them.
fn benchstat(a: &[f64], b: &[f64]) -> (String, String) {
    let u = stats::mann_whitney(a, b);
    (
        format!(
            "{:+.2}%",
            (stats::median(b) / stats::median(a) - 1.0) * 100.0
        ),
        format!("{:.3}", u.p_two_sided),
    )
}

#[test]
fn benchstat_golden_deltas_and_p_values_are_reproduced() {
    let d = fixtures();
    // benchstat-issue19634.stdout: "-31.48% (p=0.008 n=5)".
    let (a, b) = go_split(&d, "benchstat-issue19634.txt");
    assert_eq!(
        benchstat(&a.series[0].values, &b.series[0].values),
        ("-31.48%".into(), "0.008".into())
    );
    // benchstat-issue19565.stdout: A "~ (p=1.000 n=6)".
    let (a, b) = go_split(&d, "benchstat-issue19565.txt");
    assert_eq!(
        benchstat(&a.series[0].values, &b.series[0].values).1,
        "1.000"
    );
    // benchstat's documented example: json -17.20% (p=0.000), gob ~ (p=0.446).
    let old = formats::load_file(&d.join("go/benchstat-old.txt"), None).unwrap();
    let new = formats::load_file(&d.join("go/benchstat-new.txt"), None).unwrap();
    let get = |r: &Run, n: &str| {
        r.series
            .iter()
            .find(|s| s.name == n)
            .unwrap()
            .values
            .clone()
    };
    let json = "Encode/format=json-48";
    assert_eq!(
        benchstat(&get(&old, json), &get(&new, json)),
        ("-17.20%".into(), "0.000".into())
    );
    assert_eq!(
        benchstat(
            &get(&old, "Encode/format=gob-48"),
            &get(&new, "Encode/format=gob-48")
        )
        .1,
        "0.446"
    );
}

#[test]
fn google_benchmark_compare_py_changes_are_reproduced() {
    let d = fixtures();
    let a = formats::load_file(&d.join("google-benchmark/gbench-test1_run1.json"), None).unwrap();
    let b = formats::load_file(&d.join("google-benchmark/gbench-test1_run2.json"), None).unwrap();
    // compare.py's expected (time, cpu) relative changes for test1.
    let expected = [
        ("BM_SameTimes", "+0.0000", "+0.0000"),
        ("BM_2xFaster", "-0.5000", "-0.5000"),
        ("BM_2xSlower", "+1.0000", "+1.0000"),
        ("BM_1PercentFaster", "-0.0100", "-0.0100"),
        ("BM_1PercentSlower", "+0.0100", "+0.0100"),
        ("BM_10PercentFaster", "-0.1000", "-0.1000"),
        ("BM_10PercentSlower", "+0.1000", "+0.1000"),
        ("BM_100xSlower", "+99.0000", "+99.0000"),
        ("BM_100xFaster", "-0.9900", "-0.9900"),
        ("BM_10PercentCPUToTime", "+0.1000", "-0.1000"),
    ];
    let change = |name: &str, m: maestro::bench::Measure| {
        let v = |r: &Run| {
            r.series
                .iter()
                .find(|s| s.name == name && s.measure == m)
                .unwrap()
                .values[0]
        };
        format!("{:+.4}", v(&b) / v(&a) - 1.0)
    };
    for (name, time, cpu) in expected {
        assert_eq!(
            change(name, maestro::bench::Measure::WallTime),
            time,
            "{name} time"
        );
        assert_eq!(
            change(name, maestro::bench::Measure::CpuTime),
            cpu,
            "{name} cpu"
        );
    }
}

fn load_all<S: AsRef<str>>(d: &Path, files: &[S]) -> Vec<Run> {
    files
        .iter()
        .map(|f| formats::load_file(&d.join(f.as_ref()), None).unwrap())
        .collect()
}

/// Renames hyperfine's commands so that two different command lines (the A
/// and A2 twins) compare as one benchmark.
fn only(runs: &[Run], cmd: &str) -> Vec<Run> {
    runs.iter()
        .map(|r| {
            let mut r = r.clone();
            r.series.retain(|s| s.name == cmd);
            for s in &mut r.series {
                s.name = "spin".into();
            }
            r
        })
        .collect()
}

#[test]
fn no_generated_a_a_pair_fails() {
    let d = fixtures();
    let s = Settings::default();
    let mut checked = 0;
    // A gate that always said "inconclusive" would never fail an A/A pair
    // either: with five or more rounds a side, a benchmark must pass, or be
    // inconclusive for the noise it names (these pairs were generated on a
    // loaded runner), never for want of rounds; and the quiet pair passes.
    let mut decidable = Vec::new();
    let mut check = |name: &str, base: Vec<Run>, head: Vec<Run>| {
        let (nb, nh) = (base.len(), head.len());
        let r = compare(&base, &head, &s);
        assert_ne!(r.verdict, Verdict::Fail, "{name}: {:?}", r.benchmarks);
        if nb >= 5 && nh >= 5 {
            for b in &r.benchmarks {
                let noise = b.reason.contains("too noisy") || b.reason.contains("outliers");
                assert!(
                    b.verdict == Verdict::Pass || (b.verdict == Verdict::Inconclusive && noise),
                    "{name}: {} {:?}: {}",
                    b.name,
                    b.verdict,
                    b.reason
                );
            }
            decidable.push((name.to_string(), r.verdict));
        }
        checked += 1;
    };
    let crit = d.join("criterion/generated-rounds");
    check(
        "criterion rounds",
        formats::load(&crit, None, "r*_a").unwrap(),
        formats::load(&crit, None, "r*_a2").unwrap(),
    );
    let aa = d.join("criterion/generated-pairs/aa");
    check(
        "criterion pair",
        formats::load(&aa, None, "base").unwrap(),
        formats::load(&aa, None, "new").unwrap(),
    );
    check(
        "go",
        load_all(&d, &["go/generated-raw_a.txt"]),
        load_all(&d, &["go/generated-raw_a2.txt"]),
    );
    let gb = |arm: &str| -> Vec<String> {
        (1..=3)
            .map(|r| format!("google-benchmark/generated-r{r}_{arm}.json"))
            .collect()
    };
    check(
        "google-benchmark",
        load_all(&d, &gb("a")),
        load_all(&d, &gb("a2")),
    );
    let hf: Vec<String> = (1..=5)
        .map(|r| format!("hyperfine/generated-round{r}.json"))
        .collect();
    let hf = load_all(&d, &hf);
    check(
        "hyperfine",
        only(&hf, "./spin 3000000"),
        only(&hf, "./spin 3000001"),
    );
    check(
        "pytest",
        load_all(&d, &["pytest-benchmark/generated-a.json"]),
        load_all(&d, &["pytest-benchmark/generated-a2.json"]),
    );
    check(
        "catch2",
        load_all(&d, &["catch2/generated-a.xml"]),
        load_all(&d, &["catch2/generated-a2.xml"]),
    );
    check(
        "benchmark.js",
        load_all(&d, &["benchmarkjs/generated-a.samples.jsonl"]),
        load_all(&d, &["benchmarkjs/generated-a2.samples.jsonl"]),
    );
    let hist: Vec<String> = walkdir::WalkDir::new(d.join("pytest-benchmark/history-30runs"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().display().to_string())
        .collect();
    let runs: Vec<Run> = hist
        .iter()
        .map(|f| formats::load_file(Path::new(f), None).unwrap())
        .collect();
    check(
        "pytest 30-run history, first vs second half",
        runs[..15].to_vec(),
        runs[15..].to_vec(),
    );
    assert_eq!(checked, 9);
    assert_eq!(decidable.len(), 3, "{decidable:?}");
    let quiet = decidable
        .iter()
        .find(|(n, _)| n.starts_with("pytest 30-run"));
    assert_eq!(quiet.map(|q| q.1), Some(Verdict::Pass), "{decidable:?}");
}

#[test]
fn the_binary_gates_rounds_and_writes_reports() {
    let d = fixtures();
    let p = Project::new("");
    let gb = |arm: &str| -> Vec<String> {
        (1..=3)
            .flat_map(|r| {
                [
                    format!("--{}", if arm == "a" { "base" } else { "head" }),
                    d.join(format!("google-benchmark/generated-r{r}_{arm}.json"))
                        .display()
                        .to_string(),
                ]
            })
            .collect()
    };
    let mut args = vec!["--json".to_string(), "bench-gate".into()];
    args.extend(gb("a"));
    args.extend(gb("b"));
    args.extend([
        "--markdown-out".into(),
        "report.md".into(),
        "--plot-out".into(),
        "plot.svg".into(),
    ]);
    let out = p.cmd().args(&args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "fail");
    for b in v["benchmarks"].as_array().unwrap() {
        assert_eq!(b["verdict"], "fail");
        let r = b["ratio"].as_f64().unwrap();
        assert!(r > 1.10 && r < 1.15, "{b}");
        assert!(b["reason"].as_str().unwrap().contains("slower"));
    }
    let md = std::fs::read_to_string(p.path().join("report.md")).unwrap();
    assert!(
        md.contains("### Benchmarks: fail") && md.contains("| fail | BM_fib20"),
        "{md}"
    );
    assert!(std::fs::read_to_string(p.path().join("plot.svg"))
        .unwrap()
        .starts_with("<svg"));
}

#[test]
fn summary_only_results_warn_against_recorded_history_and_never_fail() {
    let p = Project::new("");
    let write = |f: &str, v: f64| {
        std::fs::write(
            p.path().join(f),
            format!(r#"[{{"name": "parse", "unit": "ns", "value": {v}}}]"#),
        )
        .unwrap()
    };
    for (i, v) in [100.0, 102.0, 99.0, 101.0, 100.5, 98.5].iter().enumerate() {
        write(&format!("main{i}.json"), *v);
    }
    let files: Vec<String> = (0..6).map(|i| format!("main{i}.json")).collect();
    let mut rec = vec!["--json", "bench-gate", "record"];
    rec.extend(files.iter().map(String::as_str));
    assert_eq!(p.json(&rec[1..])["values_stored"], 6);
    assert_eq!(
        p.json(&rec[1..])["values_stored"],
        0,
        "recording the same runs again is a no-op"
    );
    write("pr.json", 150.0);
    let v = p.json(&["bench-gate", "--head", "pr.json"]);
    assert_eq!(v["verdict"], "warn");
    assert!(v["benchmarks"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("prediction interval"));
    write("pr2.json", 103.0);
    assert_eq!(
        p.json(&["bench-gate", "--head", "pr2.json"])["verdict"],
        "pass"
    );
    p.cmd()
        .args(["bench-gate", "--base", "pr.json"])
        .assert()
        .code(2);
}

#[test]
fn different_env_hashes_make_results_inconclusive() {
    let d = fixtures();
    let p = Project::new("");
    let gb = |arm: &str, flag: &str| -> Vec<String> {
        (1..=3)
            .flat_map(|r| {
                [
                    flag.to_string(),
                    d.join(format!("google-benchmark/generated-r{r}_{arm}.json"))
                        .display()
                        .to_string(),
                ]
            })
            .collect()
    };
    let mut args = vec!["bench-gate".to_string()];
    args.extend(gb("a", "--base"));
    args.extend(gb("b", "--head"));
    args.extend(["--base-env-hash", "aaa", "--head-env-hash", "bbb"].map(String::from));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let v = p.json(&refs);
    assert_eq!(v["verdict"], "inconclusive");
    assert!(v["benchmarks"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("env_hash"));
}
