//! `maestro slo`: replayed incident traces (fixtures/slo/, made by
//! scripts/slo/make_traces.py) drive the downshift in the documented
//! sequence without flapping; the audit chain verifies and catches edits;
//! the gate and bad input behave.

mod common;
use common::Project;
use maestro::clock::{rfc3339, Clock};
use maestro::config::parse;
use maestro::slo::{burn, control, input};
use maestro::state::Store;
use std::path::PathBuf;

const CONFIG: &str = r#"
[[slo]]
name = "agent-success"
objective = 99.5
good = "agent_runs_ok_total"
total = "agent_runs_total"

[[arms]]
id = "a@small"
tier = "small"

[[arms]]
id = "b@large"
tier = "large"
"#;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/slo")
        .join(name)
}

/// 2026-01-01T00:00:00Z, the traces' start.
const START: i64 = 1_767_225_600_000;
const MIN: i64 = 60_000;

/// Evaluates every 5 minutes over the trace on a fresh state; returns the
/// transitions as (time, on/off), and how often a controller without the
/// hold time (off as soon as the alert stops) would have switched.
fn replay(trace: &str) -> (Vec<(String, bool)>, usize, tempfile::TempDir) {
    let cfg = parse(CONFIG).unwrap();
    let text = std::fs::read_to_string(fixture(trace)).unwrap();
    let events = input::from_csv(&text, trace).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("state.db")).unwrap();
    let slos = vec![(cfg.slo[0].clone(), events.clone())];
    let mut transitions = Vec::new();
    let (mut naive, mut naive_on) = (0, false);
    let mut at = START + 60 * MIN;
    while at <= START + 3 * 1440 * MIN {
        let clock = Clock::at_ms(at).unwrap();
        let e = control::evaluate(&mut store, &slos, at, &clock).unwrap();
        match e.action {
            control::Action::Entered => transitions.push((rfc3339(at), true)),
            control::Action::Left => transitions.push((rfc3339(at), false)),
            _ => {}
        }
        let firing = burn(&cfg.slo[0], &events, at).unwrap().downshift;
        if firing != naive_on {
            naive += 1;
            naive_on = firing;
        }
        at += 5 * MIN;
    }
    (transitions, naive, dir)
}

#[test]
fn a_fast_burn_enters_downshift_at_once_and_leaves_after_the_hold() {
    let (t, _, _) = replay("fast-burn.csv");
    assert_eq!(
        t,
        [
            ("2026-01-03T12:05:00Z".to_string(), true),
            ("2026-01-03T14:30:00Z".to_string(), false)
        ]
    );
}

#[test]
fn a_slow_burn_enters_within_the_hour_and_leaves_after_the_window_and_the_hold() {
    let (t, _, _) = replay("slow-burn.csv");
    assert_eq!(t.len(), 2, "{t:?}");
    assert!(t[0].1 && !t[1].1);
    // 3× burn from Jan 2 00:01: the 1h window passes 2× after ~39 minutes
    // of it (0.1 % · (60 − k) + 1.5 % · k ≥ 1 % · 60).
    assert!(
        ("2026-01-02T00:30:00Z".to_string()..="2026-01-02T01:00:00Z".to_string()).contains(&t[0].0),
        "{t:?}"
    );
    // It ends at 18:00; the 1h window falls below 1× once fewer than ~17 of
    // its minutes are elevated (about 18:44), then the 1h hold.
    assert!(
        ("2026-01-02T19:40:00Z".to_string()..="2026-01-02T19:55:00Z".to_string()).contains(&t[1].0),
        "{t:?}"
    );
}

#[test]
fn noise_around_the_threshold_does_not_flap() {
    let (t, naive, dir) = replay("noise.csv");
    eprintln!("noise: {t:?}, a controller without the hold would switch {naive} times");
    assert_eq!(t.len(), 2, "one entry and one exit: {t:?}");
    assert!(t[0].1 && !t[1].1);
    // The trace is noisy: switching as the alert comes and goes would flap.
    assert!(naive >= 10, "naive switches: {naive}");
    // The audit trail holds both transitions, chained.
    let store = Store::open(&dir.path().join("state.db")).unwrap();
    let rows = maestro::router::audit_log(store.conn(), 10).unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.actor == "slo"));
    assert!(
        rows[1].reason.contains("burn") && rows[1].reason.contains("≥ 2×"),
        "{}",
        rows[1].reason
    );
    assert!(rows[0].reason.contains("below 1"), "{}", rows[0].reason);
    assert!(maestro::router::downshift::verify_audit(store.conn())
        .unwrap()
        .is_empty());
}

#[test]
fn the_audit_chain_catches_an_edited_or_removed_row() {
    let p = Project::new(CONFIG);
    let trace = fixture("fast-burn.csv");
    let trace = trace.to_str().unwrap();
    p.ok(&["downshift", "on", "--reason", "before the chain"]);
    p.ok(&["downshift", "off"]);
    for at in ["2026-01-03T12:05:00Z", "2026-01-03T14:30:00Z"] {
        p.ok(&["slo", "evaluate", "--input", trace, "--at", at]);
    }
    let v = p.json(&["slo", "audit", "--verify"]);
    assert_eq!(v["verified"], true, "{v}");
    assert_eq!(v["rows"].as_array().unwrap().len(), 4);

    let conn = rusqlite::Connection::open(p.state()).unwrap();
    let reason: String = conn
        .query_row("SELECT reason FROM downshift_audit WHERE id = 3", [], |r| {
            r.get(0)
        })
        .unwrap();
    conn.execute(
        "UPDATE downshift_audit SET reason = 'nothing happened' WHERE id = 3",
        [],
    )
    .unwrap();
    let out = p.cmd().args(["slo", "audit", "--verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("row 3: its fields do not match its hash"),
        "{text}"
    );

    // Put it back: the chain holds again. Then remove the last row.
    conn.execute(
        "UPDATE downshift_audit SET reason = ?1 WHERE id = 3",
        [&reason],
    )
    .unwrap();
    assert_eq!(p.json(&["slo", "audit", "--verify"])["verified"], true);
    conn.execute("DELETE FROM downshift_audit WHERE id = 4", [])
        .unwrap();
    let out = p
        .cmd()
        .args(["--json", "slo", "audit", "--verify"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = v["problems"].to_string();
    assert!(
        problems.contains("last rows of the trail are missing"),
        "{problems}"
    );
}

#[test]
fn evaluate_drives_route_and_leaves_a_manual_downshift_alone() {
    let p = Project::new(CONFIG);
    let trace = fixture("fast-burn.csv");
    let trace = trace.to_str().unwrap();
    let e = p.json(&[
        "slo",
        "evaluate",
        "--input",
        trace,
        "--at",
        "2026-01-03T12:10:00Z",
    ]);
    assert_eq!(e["action"], "entered");
    let d = p.json(&["route", "--task", "T"]);
    assert_eq!(d["tier"], "small");
    assert!(d["downshift"]["reason"]
        .as_str()
        .unwrap()
        .contains("slo agent-success"));
    // A human's downshift is not turned off by calm burn.
    p.ok(&["downshift", "off"]);
    p.ok(&["downshift", "on", "--reason", "release freeze"]);
    let e = p.json(&[
        "slo",
        "evaluate",
        "--input",
        trace,
        "--at",
        "2026-01-03T20:00:00Z",
    ]);
    assert_eq!(e["action"], "not_ours");
    assert_eq!(e["downshift"], true);
}

#[test]
fn the_gate_fails_on_a_page_or_a_spent_budget() {
    let p = Project::new(CONFIG);
    let trace = fixture("fast-burn.csv");
    let trace = trace.to_str().unwrap();
    let ok = p
        .cmd()
        .args([
            "slo",
            "gate",
            "--input",
            trace,
            "--at",
            "2026-01-03T11:00:00Z",
        ])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
    let out = p
        .cmd()
        .args([
            "--json",
            "slo",
            "gate",
            "--input",
            trace,
            "--at",
            "2026-01-03T12:25:00Z",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["reasons"][0].as_str().unwrap().contains("page-fast"),
        "{v}"
    );
    // A 99.99 % objective: the budget of the three days is spent.
    let out = p
        .cmd()
        .args(["slo", "gate", "--input", trace, "--objective", "99.99"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("error budget is spent"));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let p = Project::new(CONFIG);
    let dir = tempfile::tempdir().unwrap();
    for (name, body, want) in [
        (
            "a.csv",
            "timestamp,good,total\n1,5,3\n",
            "a.csv:2: good (5) is more than total",
        ),
        ("b.json", "{\"status\":\"success\",", "b.json: line 1"),
        (
            "c.csv",
            "when,ok\n",
            "expected the columns timestamp,good,total",
        ),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, body).unwrap();
        let out = p
            .cmd()
            .args(["slo", "burn", "--input"])
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(want) && err.trim().lines().count() == 1,
            "{name}: {err}"
        );
    }
    let out = p
        .cmd()
        .args(["slo", "burn", "--input", "missing.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let bad = Project::new("[[slo]]\nname = \"x\"\nobjective = 100\n");
    let out = bad
        .cmd()
        .args(["slo", "burn", "--input", "x.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("objective = 100"));
}

const SLOTH: &str = "version: prometheus/v1
service: myservice
slos:
  - name: requests-availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
";

/// A Prometheus vector response with Sloth's ratio series at one instant.
fn sloth_vector(id: &str, ratios: &[(&str, &str)]) -> String {
    let series: Vec<String> = ratios
        .iter()
        .map(|(w, r)| {
            format!(
                r#"{{"metric":{{"__name__":"slo:sli_error:ratio_rate{w}","sloth_id":"{id}","sloth_window":"{w}"}},"value":[1767225600,"{r}"]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
        series.join(",")
    )
}

#[test]
fn sloth_objectives_and_recording_rules_gate_a_deploy() {
    let p = Project::new("");
    std::fs::write(p.path().join("slos.yml"), SLOTH).unwrap();
    let id = "myservice-requests-availability";
    // 2 % errors over 5m and 1.6 % over 1h against a 0.1 % budget: 20× and
    // 16× ≥ 14.4, a fast page. 0.12 % over the 30 days: budget overspent.
    let paging = sloth_vector(
        id,
        &[
            ("5m", "0.02"),
            ("30m", "0.01"),
            ("1h", "0.016"),
            ("2h", "0.009"),
            ("6h", "0.004"),
            ("1d", "0.002"),
            ("3d", "0.0015"),
            ("30d", "0.0012"),
        ],
    );
    // `maestro [--json] slo SUB --objectives slos.yml --input FILE` on `json`.
    let run = |args: &[&str], file: &str, json: &str| {
        std::fs::write(p.path().join(file), json).unwrap();
        p.cmd()
            .args(args)
            .args(["--objectives", "slos.yml", "--input", file])
            .output()
            .unwrap()
    };
    let out = run(&["--json", "slo", "gate"], "paging.json", &paging);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let g: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &g["burns"][0];
    assert_eq!(b["name"], id);
    assert!(
        (b["budget_remaining"].as_f64().unwrap() + 0.2).abs() < 1e-9,
        "{b}"
    );
    assert!(b["total"].is_null(), "counts are unknown: {b}");
    let fast = &b["alerts"][0];
    assert_eq!(
        (fast["name"].as_str(), fast["firing"].as_bool()),
        (Some("page-fast"), Some(true))
    );
    assert!((fast["short"]["burn"].as_f64().unwrap() - 20.0).abs() < 1e-9);
    let reasons = g["reasons"].to_string();
    assert!(
        reasons.contains("budget is spent") && reasons.contains("page-fast"),
        "{reasons}"
    );

    // Calm numbers pass, and the text says the counts are unknown.
    let calm = sloth_vector(
        id,
        &[
            ("5m", "0"),
            ("30m", "0"),
            ("1h", "0.0001"),
            ("6h", "0.0002"),
            ("3d", "0.0003"),
            ("30d", "NaN"),
        ],
    );
    let out = run(&["slo", "burn"], "calm.json", &calm);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("event counts unknown") && text.contains("100.0% of the error budget left"),
        "{text}"
    );

    // A missing recording rule is named.
    let partial = sloth_vector(id, &[("5m", "0"), ("1h", "0")]);
    let out = run(&["slo", "burn"], "partial.json", &partial);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("slo:sli_error:ratio_rate30m") && err.trim().lines().count() == 1,
        "{err}"
    );
}

/// An OpenSLO SLO over the counters `counters` (`(key, series)` pairs of
/// its `ratioMetric`).
fn openslo_counting(counters: &[(&str, &str)]) -> String {
    let mut s = "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: runs\nspec:\n  service: agents\n  budgetingMethod: Occurrences\n  timeWindow:\n    - duration: 30d\n      isRolling: true\n  indicator:\n    metadata:\n      name: agent-runs\n    spec:\n      ratioMetric:\n        counter: true\n".to_string();
    for (k, q) in counters {
        s += &format!("        {k}:\n          metricSource:\n            type: Prometheus\n            spec:\n              query: {q}\n");
    }
    s + "  objectives:\n    - target: 0.99\n"
}

#[test]
fn openslo_bad_and_total_counters_give_the_same_burn_as_good_and_total() {
    let p = Project::new("");
    // Two hours a minute apart: 100 runs a minute, 10 of them failing in
    // the last 20 minutes.
    let (mut ok, mut err, mut all) = (Vec::new(), Vec::new(), Vec::new());
    let (mut o, mut e) = (0, 0);
    for m in 0..=120 {
        let t = 1_767_225_600 + 60 * m;
        let bad = if m > 100 { 10 } else { 0 };
        if m > 0 {
            (o, e) = (o + 100 - bad, e + bad);
        }
        ok.push(format!("[{t},\"{o}\"]"));
        err.push(format!("[{t},\"{e}\"]"));
        all.push(format!("[{t},\"{}\"]", 100 * m));
    }
    let series = |name: &str, v: &[String]| {
        format!(
            r#"{{"metric":{{"__name__":"{name}"}},"values":[{}]}}"#,
            v.join(",")
        )
    };
    let json = format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{},{},{}]}}}}"#,
        series("runs_ok_total", &ok),
        series("runs_failed_total", &err),
        series("runs_total", &all)
    );
    std::fs::write(p.path().join("prom.json"), json).unwrap();
    let args = [
        "slo",
        "burn",
        "--objectives",
        "slo.yaml",
        "--input",
        "prom.json",
    ];
    let burn = |counters: &[(&str, &str)]| {
        std::fs::write(p.path().join("slo.yaml"), openslo_counting(counters)).unwrap();
        p.json(&args)
    };
    let by_bad = burn(&[("bad", "runs_failed_total"), ("total", "runs_total")]);
    let by_good = burn(&[("good", "runs_ok_total"), ("total", "runs_total")]);
    assert_eq!(by_bad, by_good);
    // The last hour: 6,000 runs, 200 failed: an error ratio of 1/30 against
    // a 1% budget, the seed alert's burn of 2 passed.
    let seed = by_bad[0]["alerts"]
        .as_array()
        .unwrap_or_else(|| panic!("{by_bad}"))
        .iter()
        .find(|a| a["name"] == "seed")
        .unwrap_or_else(|| panic!("{by_bad}"))
        .clone();
    let hour = &seed["long"];
    assert_eq!(hour["window"], "1h");
    assert_eq!(
        (hour["total"].as_f64(), hour["good"].as_f64()),
        (Some(6000.0), Some(5800.0)),
        "{hour}"
    );
    assert_eq!(
        (seed["firing"].as_bool(), by_bad[0]["bad"].as_f64()),
        (Some(true), Some(200.0))
    );
    // Neither counter: refused, naming what is needed.
    std::fs::write(
        p.path().join("slo.yaml"),
        openslo_counting(&[("total", "runs_total")]),
    )
    .unwrap();
    let (code, err) = p.status(&args);
    assert_eq!(code, Some(2));
    assert!(err.contains("good or bad, and total"), "{err}");
}

#[test]
fn openslo_objectives_read_counters_and_bad_yaml_names_the_line() {
    let p = Project::new("");
    let openslo = "apiVersion: openslo/v1
kind: SLO
metadata:
  name: agent-success
spec:
  service: agents
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 30d
      isRolling: true
  indicator:
    metadata:
      name: agent-runs
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: agent_runs_ok_total
        total:
          metricSource:
            type: Prometheus
            spec:
              query: agent_runs_total
  objectives:
    - displayName: runs succeed
      target: 0.995
";
    std::fs::write(p.path().join("slo.yaml"), openslo).unwrap();
    // The same events as the config-based fast-burn replay, by CSV: the
    // objective and period come from the file.
    let v = p.json(&[
        "slo",
        "burn",
        "--objectives",
        "slo.yaml",
        "--input",
        fixture("fast-burn.csv").to_str().unwrap(),
        "--at",
        "2026-01-03T12:25:00Z",
    ]);
    assert_eq!(v[0]["name"], "agent-success");
    assert_eq!(v[0]["objective"], 99.5);
    assert_eq!(v[0]["period"], "30d");
    assert_eq!(v[0]["page"], true, "{v}");

    std::fs::write(
        p.path().join("bad.yaml"),
        "apiVersion: openslo/v1\nkind: SLO\nmetadata: [\n",
    )
    .unwrap();
    let csv = fixture("fast-burn.csv");
    let (code, err) = p.status(&[
        "slo",
        "burn",
        "--objectives",
        "bad.yaml",
        "--input",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("bad.yaml:") && err.trim().lines().count() == 1,
        "{err}"
    );
}
