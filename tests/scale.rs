//! `maestro scale simulate` from the command line.

mod common;
use common::Project;

#[test]
fn fixed_pods_and_autoscaling_report_waits_and_cost() {
    let p = Project::new("[budget]\ndaily_usd = 24\n");
    let fixed = p.json(&[
        "scale",
        "simulate",
        "--poisson",
        "360/h",
        "--service-mean",
        "20s",
        "--pods",
        "4",
        "--duration",
        "6h",
    ]);
    // 0.1 jobs/s × 20 s on 4 pods: utilisation 0.5.
    assert!(fixed["jobs"].as_u64().unwrap() > 1800);
    let waits = ["wait_p50", "wait_p95", "wait_p99"].map(|k| fixed[k].as_f64().unwrap());
    assert!(waits[0] <= waits[1] && waits[1] <= waits[2], "{fixed}");
    assert!(
        (fixed["replica_hours"].as_f64().unwrap() - 24.0).abs() < 0.5,
        "{fixed}"
    );

    // $24 a day at $0.25 per replica-hour affords 4 replicas.
    let auto = p.json(&[
        "scale",
        "simulate",
        "--bursty",
        "1/s,1/m,10m,30m",
        "--max-replicas",
        "20",
        "--cost-per-replica-hour",
        "0.25",
        "--duration",
        "12h",
    ]);
    assert_eq!(auto["budget_replicas"], 4);
    assert_eq!(auto["scaling"]["max_replicas"], 4);
    assert!(auto["peak_replicas"].as_u64().unwrap() <= 4);
    assert!(
        !auto["budget_bound_hours"].as_array().unwrap().is_empty(),
        "{auto}"
    );
    // Never more than the budget's rate ($1 an hour), backlog drain included.
    let cost = auto["cost_usd"].as_f64().unwrap();
    let hours = auto["seconds"].as_f64().unwrap() / 3600.0;
    assert!(cost <= hours + 1e-9, "${cost} over {hours} h");
}

#[test]
fn a_trace_is_replayed_and_bad_traces_name_the_line() {
    let p = Project::new("");
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("t.csv");
    let mut body = String::from("timestamp,queue\n");
    for i in 0..600 {
        body += &format!("{},q\n", 1_767_225_600 + i * 6);
    }
    std::fs::write(&good, body).unwrap();
    let r = p.json(&[
        "scale",
        "simulate",
        "--pods",
        "2",
        "--trace",
        good.to_str().unwrap(),
    ]);
    assert_eq!(r["jobs"], 600);
    let bad = dir.path().join("b.txt");
    std::fs::write(&bad, "1767225600\nyesterday\n").unwrap();
    let out = p
        .cmd()
        .args(["scale", "simulate", "--pods", "2", "--trace"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("b.txt:2: `yesterday`"), "{err}");
    for args in [
        &["scale", "simulate", "--poisson", "3/day"][..],
        &["scale", "simulate", "--bursty", "1/s,2/s"][..],
        &["scale", "simulate", "--poisson", "1", "--pods", "0"][..],
        &["scale", "simulate", "--poisson", "1000000", "--pods", "1"][..],
    ] {
        let out = p.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn plan_finds_the_cheapest_configuration_or_the_throughput_needed() {
    let p = Project::new("");
    // 0.1 jobs/s of 20 s jobs for 6 hours.
    let load = [
        "--poisson",
        "360/h",
        "--service-mean",
        "20s",
        "--duration",
        "6h",
        "--seeds",
        "1",
    ];
    let found = p.json(
        &[
            &[
                "scale",
                "plan",
                "--target-p95",
                "30s",
                "--try-list-length",
                "1,5,50",
            ][..],
            &["--try-polling", "10s", "--try-min-replicas", "1,3"][..],
            &load[..],
        ]
        .concat(),
    );
    let best = &found["best"];
    assert!(best["wait_p95"].as_f64().unwrap() <= 30.0, "{found}");
    // Every configuration that meets the target costs at least as much.
    for c in found["tried"].as_array().unwrap() {
        if c["meets"] == true {
            assert!(
                c["replica_hours"].as_f64() >= best["replica_hours"].as_f64(),
                "{c}"
            );
        }
    }
    assert_eq!(found["tried"].as_array().unwrap().len(), 6);

    // listLength 50 on one or two pods cannot meet 5 s: the plan says how
    // fast a pod would have to be, and exits 1.
    let out = p
        .cmd()
        .args([
            "--json",
            "scale",
            "plan",
            "--target-p95",
            "5s",
            "--try-list-length",
            "50",
        ])
        .args([
            "--try-polling",
            "10s",
            "--try-min-replicas",
            "1",
            "--max-replicas",
            "2",
        ])
        .args(load)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["best"].is_null());
    let need = v["needed_throughput"].as_f64().unwrap();
    assert!(need > 0.05, "now 0.05 jobs/s per pod; needed {need}");
}
