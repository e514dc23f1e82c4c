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

/// 0.1 jobs/s of 20 s jobs for 6 hours, one seed.
const LOAD: [&str; 8] = [
    "--poisson",
    "360/h",
    "--service-mean",
    "20s",
    "--duration",
    "6h",
    "--seeds",
    "1",
];

#[test]
fn plan_finds_the_cheapest_configuration_or_the_throughput_needed() {
    let p = Project::new("");
    let load = LOAD;
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

#[test]
fn manifest_from_a_plan_is_capped_by_the_budget_and_parses_back() {
    // $24 a day at $0.25 per replica-hour affords 4 replicas.
    let p = Project::new("[budget]\ndaily_usd = 24\n");
    let base = [
        "scale",
        "manifest",
        "--queue",
        "agents",
        "--deployment",
        "agent-worker",
        "--namespace",
        "ci",
        "--redis-address-from-env",
        "REDIS_ADDRESS",
        "--cost-per-replica-hour",
        "0.25",
    ];
    let load = [
        &LOAD[..],
        &["--try-polling", "10s", "--try-min-replicas", "1,3"],
    ]
    .concat();
    let v = p.json(&[&base[..], &load[..]].concat());
    let m = &v["manifest"];
    assert_eq!(v["budget_replicas"], 4);
    assert_eq!(m["spec"]["maxReplicaCount"], 4);
    let best = &v["plan"]["best"];
    assert_eq!(
        m["spec"]["triggers"][0]["metadata"]["listLength"],
        format!("{}", best["list_length"].as_f64().unwrap())
    );
    assert_eq!(m["spec"]["pollingInterval"], 10);
    assert_eq!(
        m["spec"]["triggers"][1]["metadata"]["listName"],
        "bull:agents:prioritized"
    );
    // The text form is YAML for the same object, with where it came from.
    let out = p
        .cmd()
        .args([&base[..], &load[..]].concat())
        .output()
        .unwrap();
    assert!(out.status.success());
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(
        yaml.starts_with("# Generated by maestro scale manifest"),
        "{yaml}"
    );
    assert!(yaml.contains("# From `maestro scale plan`"), "{yaml}");
    let back: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(&back, m);

    // Pinned settings, no plan: the seed's listLength 50.
    let pinned = p.json(
        &[
            &base[..],
            &[
                "--list-length",
                "50",
                "--polling",
                "10s",
                "--min-replicas",
                "1",
            ][..],
        ]
        .concat(),
    );
    assert_eq!(
        pinned["manifest"]["spec"]["triggers"][0]["metadata"]["listLength"],
        "50"
    );
    assert!(pinned["plan"].is_null());

    // Neither a plan nor settings; a hostile name; a budget of nothing.
    for (args, want) in [
        (vec![], "give an arrival model"),
        (
            vec!["--list-length", "5", "--name", "x\n::error::boom"],
            "is not a Kubernetes name",
        ),
        (vec!["--list-length", "2.5"], "whole number"),
    ] {
        let out = p
            .cmd()
            .args([&base[..], &args[..]].concat())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains(want) && err.trim().lines().count() == 1,
            "{err}"
        );
    }
    let broke = Project::new("[budget]\ndaily_usd = 1\n");
    let out = broke
        .cmd()
        .args([&base[..], &["--list-length", "5"][..]].concat())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("affords no replica"));
}

#[test]
fn manifest_says_so_when_no_plan_meets_the_target() {
    // Two replicas of 20 s jobs cannot keep p95 under 5 s.
    let p = Project::new("");
    let out = p
        .cmd()
        .args([
            "--json",
            "scale",
            "manifest",
            "--queue",
            "q",
            "--deployment",
            "w",
            "--redis-address",
            "redis:6379",
            "--target-p95",
            "5s",
            "--max-replicas",
            "2",
            "--poisson",
            "360/h",
            "--service-mean",
            "20s",
            "--duration",
            "2h",
            "--seeds",
            "1",
            "--try-list-length",
            "50",
            "--try-polling",
            "10s",
            "--try-min-replicas",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["best"].is_null() && v.get("manifest").is_none(), "{v}");
}

/// Runs scripts/bullmq/enqueue.cjs with the real BullMQ client.
fn enqueue(dir: &str, url: &str, queue: &str, plan: &str) -> serde_json::Value {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new("node")
        .arg(format!("{root}/scripts/bullmq/enqueue.cjs"))
        .args([url, queue, plan])
        .env("NODE_PATH", format!("{dir}/node_modules"))
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn observe_reads_what_bullmq_enqueued() {
    let Some(url) = common::service("MAESTRO_TEST_REDIS_URL", "run scripts/services/redis start")
    else {
        return;
    };
    let Some(dir) = common::service(
        "MAESTRO_TEST_BULLMQ_DIR",
        "run scripts/services/bullmq install",
    ) else {
        return;
    };
    let p = Project::new("");
    let queue = format!("observe-{}", std::process::id());
    let observe = |extra: &[&str]| {
        p.json(
            &[
                &[
                    "scale",
                    "observe",
                    "--redis",
                    url.as_str(),
                    "--queue",
                    queue.as_str(),
                ][..],
                extra,
            ]
            .concat(),
        )
    };
    // Nothing enqueued yet: zeros, no ages.
    let empty = observe(&[]);
    assert_eq!(empty["waiting"], 0);
    assert!(empty["oldest_age_s"].is_null());

    let first = enqueue(&dir, &url, &queue, r#"{"plain": 3, "prioritized": [5, 1]}"#);
    assert!(
        first["bullmq"].as_str().unwrap().starts_with("5."),
        "{first}"
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    enqueue(
        &dir,
        &url,
        &queue,
        r#"{"plain": 2, "prioritized": [2], "delayed": 4}"#,
    );
    let v = observe(&["--list-length", "3"]);
    assert_eq!(v["wait"], 5, "{v}");
    assert_eq!(v["prioritized"], 3, "{v}");
    assert_eq!(v["delayed"], 4, "{v}");
    assert_eq!(v["waiting"], 8, "{v}");
    assert_eq!(v["desired_replicas"], 3, "{v}");
    assert_eq!(v["paused"], false);
    // The next job in wait is the first one added, 1.5 s before the rest;
    // the oldest prioritized is the priority-5 job of the first batch, not
    // the priority-1 job that runs first.
    let next = v["next_wait_age_s"].as_f64().unwrap();
    let prio = v["oldest_prioritized_age_s"].as_f64().unwrap();
    assert!((1.4..30.0).contains(&next), "{v}");
    assert!((1.4..30.0).contains(&prio), "{v}");
    assert!(v["oldest_age_s"].as_f64().unwrap() >= next.max(prio));

    // A paused queue says so.
    enqueue(&dir, &url, &queue, r#"{"pause": true}"#);
    assert_eq!(observe(&[])["paused"], true);
}

#[test]
fn observe_exits_3_when_redis_does_not_answer_in_time() {
    let p = Project::new("");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let t0 = std::time::Instant::now();
    let out = p
        .cmd()
        .args([
            "scale",
            "observe",
            "--redis",
            &format!("redis://user:hunter2@127.0.0.1:{port}"),
            "--queue",
            "q",
            "--timeout",
            "1s",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(t0.elapsed() < std::time::Duration::from_secs(5));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("unreachable") && !err.contains("hunter2"),
        "{err}"
    );
}
