//! `maestro kpi` on a state like the one examples/quickstart.sh makes:
//! the rows with data are there, the ones without are not.

mod common;
use common::Project;

const CONFIG: &str = r#"
[router]
exploration_cap = 0.2
pass_threshold = 0.6

[[arms]]
id = "a@small"
tier = "small"

[[arms]]
id = "a@large"
tier = "large"
"#;

fn keys(v: &serde_json::Value) -> Vec<String> {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn rows_appear_only_with_data_and_agree_with_what_was_recorded() {
    let p = Project::new(CONFIG);
    // Nothing yet: no row at all.
    let v = p.json(&["kpi"]);
    assert!(keys(&v).is_empty(), "{v}");
    let out = p.cmd().arg("kpi").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("No data in the window"));
    // Ten tasks: eval 0.9 on odd ones, 0.3 on even ones, $0.10 each.
    for i in 0..10 {
        let task = format!("t{i}");
        p.ok(&["route", "--task", &task]);
        let eval = if i % 2 == 1 { "0.9" } else { "0.3" };
        p.ok(&["report", "--task", &task, "--eval", eval, "--cost", "0.10"]);
    }
    std::fs::create_dir_all(p.path().join("out")).unwrap();
    std::fs::write(p.path().join("out/a"), "x").unwrap();
    p.ok(&["cache", "put", "k1", "out", "--build-seconds", "30"]);
    p.ok(&["cache", "get", "k1"]);
    let v = p.json(&["kpi", "--since", "7d"]);
    let ks = keys(&v);
    for k in [
        "eval",
        "cost_per_task",
        "cost_per_pr",
        "prs_per_week",
        "exploration_share",
        "cache_hit_rate",
        "cache_time_saved",
    ] {
        assert!(ks.contains(&k.to_string()), "{k} missing: {ks:?}");
    }
    for k in [
        "schema_valid_rate",
        "retries_p95",
        "ttr_high_hours",
        "downshift_time",
        "robustness_delta",
        "max_daily_spend",
    ] {
        assert!(!ks.contains(&k.to_string()), "{k} has no data: {ks:?}");
    }
    let row = |k: &str| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == k)
            .unwrap()
            .clone()
    };
    assert!((row("cost_per_task")["raw"].as_f64().unwrap() - 0.10).abs() < 1e-9);
    // Five passing tasks at $1.00 in all: $0.20 per autonomous PR.
    assert!((row("cost_per_pr")["raw"].as_f64().unwrap() - 0.20).abs() < 1e-9);
    assert_eq!(row("cost_per_pr")["n"], 5);
    assert_eq!(
        row("exploration_share")["target"],
        "≤ 20.0 % (exploration cap)"
    );
    assert_eq!(row("cache_hit_rate")["raw"], 1.0);
    // The build took 30 s; the restore's own time is taken off.
    let saved = row("cache_time_saved")["raw"].as_f64().unwrap();
    assert!(saved > 25.0 && saved <= 30.0, "{saved}");
    assert_eq!(v["weeks"].as_array().unwrap().len(), 1);
    // A downshift adds its row; markdown carries the mermaid trend.
    p.ok(&["downshift", "on", "--reason", "test"]);
    assert!(keys(&p.json(&["kpi"])).contains(&"downshift_time".to_string()));
    let md = p
        .cmd()
        .args(["kpi", "--format", "markdown", "--svg", "trend.svg"])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(
        md.contains("```mermaid\nxychart-beta") && md.contains("line [0.600]"),
        "{md}"
    );
    let svg = std::fs::read_to_string(p.path().join("trend.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<polyline"));
}
