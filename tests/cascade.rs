//! Escalation routing (`router.max_attempts > 1`) on a real SQLite state:
//! a model-based property test of chains of attempts, and the CLI contract.

mod common;
use common::Project;
use maestro::clock::Clock;
use maestro::config::{parse, Config};
use maestro::router::{self, DoneReason, Outcome, ReportTarget, RouteRequest, Routed};
use maestro::state::Store;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::HashMap;

const ARMS: [&str; 4] = ["a@small", "b@small", "c@medium", "d@large"];

fn config(max_attempts: u32, extra: &str) -> Config {
    let mut s = format!(
        "[router]\nmax_attempts = {max_attempts}\n# λ = 0: another attempt is always worth it\nlambda = 0\n{extra}\n"
    );
    for (i, a) in ARMS.iter().enumerate() {
        let tier = ["small", "small", "medium", "large"][i];
        s += &format!("[[arms]]\nid = \"{a}\"\ntier = \"{tier}\"\n");
    }
    parse(&s).unwrap()
}

fn clock(i: i64) -> Clock {
    Clock {
        now_ms: 1_700_000_000_000 + i,
        day: "2026-11-25".into(),
    }
}

#[derive(Clone, Debug)]
enum Op {
    Route { task: u8, fresh: bool },
    Report { task: u8, pass: bool, cost: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..3, prop::bool::weighted(0.1)).prop_map(|(task, fresh)| Op::Route { task, fresh }),
        3 => (0u8..3, prop::bool::weighted(0.3), 0u8..3).prop_map(|(task, pass, cost)| Op::Report { task, pass, cost }),
    ]
}

/// One attempt in the model.
#[derive(Clone, Debug)]
struct Attempt {
    id: String,
    arm: String,
    outcome: Option<(bool, u8)>,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, .. ProptestConfig::default() })]

    /// A model of chains predicts every `route` and `report`: the attempt
    /// number, the arms already failed (never offered again), when a task is
    /// done and why, and which reports are refused. At the end every chain
    /// has distinct arms and at most `max_attempts` attempts, and `stats`
    /// counts each task's cost as the sum of its attempts.
    #[test]
    fn chains_follow_the_model(
        ops in proptest::collection::vec(op(), 1..50),
        max_attempts in 1u32..=4,
        rule in prop_oneof![Just("thompson"), Just("ids")],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("state.db")).unwrap();
        let cfg = config(max_attempts, &format!("policy = \"{rule}\""));
        let mut rng = StdRng::seed_from_u64(7);
        // Per task: the current chain (superseded attempts removed).
        let mut chains: HashMap<u8, Vec<Attempt>> = HashMap::new();
        let mut all_chains: Vec<Vec<String>> = Vec::new();
        let mut spent = 0.0;
        for (i, op) in ops.iter().enumerate() {
            match *op {
                Op::Route { task, fresh } => {
                    let req = RouteRequest { task: format!("t{task}"), context: Default::default(), fresh };
                    let got = router::route(&mut store, &cfg, &req, &clock(i as i64), &mut rng).unwrap();
                    let chain = chains.entry(task).or_default();
                    let pending = chain.last().filter(|a| a.outcome.is_none()).cloned();
                    if let (Some(p), false) = (&pending, fresh) {
                        let d = got.decision().expect("a pending decision is returned again");
                        prop_assert!(d.reused);
                        prop_assert_eq!(&d.decision_id, &p.id);
                        continue;
                    }
                    if fresh && pending.is_some() {
                        chain.pop();
                    }
                    let last = chain.last().and_then(|a| a.outcome);
                    let restart = fresh || max_attempts == 1 || chain.is_empty();
                    let expect_done = if restart {
                        None
                    } else if last.is_some_and(|o| o.0) {
                        Some(DoneReason::Passed)
                    } else if chain.len() as u32 >= max_attempts {
                        Some(DoneReason::MaxAttempts)
                    } else if chain.len() == ARMS.len() {
                        Some(DoneReason::NoArmLeft)
                    } else {
                        None
                    };
                    match (got, expect_done) {
                        (Routed::Done(f), Some(why)) => {
                            prop_assert_eq!(f.reason, why);
                            prop_assert!(f.done);
                            prop_assert_eq!(f.attempts.len(), chain.len());
                        }
                        (Routed::Decision(d), None) => {
                            if restart {
                                if !chain.is_empty() {
                                    all_chains.push(chain.iter().map(|a| a.arm.clone()).collect());
                                }
                                chain.clear();
                            }
                            let tried: Vec<String> = chain.iter().map(|a| a.arm.clone()).collect();
                            prop_assert_eq!(d.attempt as usize, chain.len() + 1);
                            prop_assert_eq!(&d.failed_arms, &tried);
                            prop_assert!(!tried.contains(&d.arm), "{} offered again after {:?}", d.arm, tried);
                            prop_assert!(!d.reused && !d.done);
                            chain.push(Attempt { id: d.decision_id.clone(), arm: d.arm.clone(), outcome: None });
                        }
                        (got, want) => prop_assert!(false, "got {:?}, the model expects done = {:?}", got, want),
                    }
                }
                Op::Report { task, pass, cost } => {
                    let o = Outcome {
                        eval: if pass { 0.9 } else { 0.1 },
                        cost_usd: f64::from(cost) * 0.25,
                        tokens_in: None,
                        tokens_out: None,
                        eval_robust: None,
                    };
                    let res = router::report(&mut store, &cfg, &ReportTarget::Task(format!("t{task}")), &o, &clock(i as i64));
                    let chain = chains.entry(task).or_default();
                    let len = chain.len() as u32;
                    match (res, chain.last_mut()) {
                        (Err(_), None) => {}
                        (Ok(r), Some(last)) if last.outcome.is_none() => {
                            prop_assert_eq!(&r.decision_id, &last.id);
                            prop_assert_eq!(r.passed, pass);
                            prop_assert_eq!(r.escalate, !pass && len < max_attempts);
                            last.outcome = Some((pass, cost));
                            spent += o.cost_usd;
                        }
                        (Ok(r), Some(last)) => {
                            prop_assert!(r.duplicate);
                            prop_assert_eq!(last.outcome, Some((pass, cost)));
                        }
                        (Err(_), Some(last)) => {
                            prop_assert!(last.outcome.is_some_and(|o| o != (pass, cost)), "refused a first report");
                        }
                        (Ok(r), None) => prop_assert!(false, "report accepted without a decision: {:?}", r),
                    }
                }
            }
        }
        all_chains.extend(chains.values().filter(|c| !c.is_empty()).map(|c| c.iter().map(|a| a.arm.clone()).collect()));
        for c in &all_chains {
            prop_assert!(c.len() as u32 <= max_attempts, "{:?}", c);
            let mut seen = c.clone();
            seen.sort();
            seen.dedup();
            prop_assert_eq!(seen.len(), c.len(), "an arm repeated in {:?}", c);
        }
        let s = router::stats(store.conn(), &cfg, &clock(0), &mut rng).unwrap();
        if let Some(t) = s.tasks {
            let reported_chains = all_chains.len() - chains.values().filter(|c| c.len() == 1 && c[0].outcome.is_none()).count();
            prop_assert_eq!(t.tasks as usize, reported_chains);
            prop_assert!((t.cost_per_task * t.tasks as f64 - spent).abs() < 1e-4, "{} vs {}", t.cost_per_task * t.tasks as f64, spent);
        } else {
            prop_assert_eq!(max_attempts, 1);
        }
    }
}

const CLI_ARMS: &str = r#"
[router]
max_attempts = 3
seed = 3

[[arms]]
id = "cheap@small"
tier = "small"
prior_eval = 0.6
prior_cost = 0.03
prior_weight = 10

[[arms]]
id = "mid@medium"
tier = "medium"
prior_eval = 0.7
prior_cost = 0.3
prior_weight = 10

[[arms]]
id = "big@large"
tier = "large"
prior_eval = 0.75
prior_cost = 0.7
prior_weight = 10
"#;

#[test]
fn a_failed_attempt_escalates_and_a_passed_task_is_done() {
    let p = Project::new(CLI_ARMS);
    let first = p.json(&["route", "--task", "PR-9"]);
    assert_eq!(first["attempt"], 1);
    assert_eq!(first["done"], false);
    assert!(first["why"].as_str().unwrap().starts_with("attempt 1 of 3"));
    let a1 = first["arm"].as_str().unwrap().to_string();
    let r = p.json(&[
        "report", "--task", "PR-9", "--eval", "0.2", "--cost", "0.05",
    ]);
    assert_eq!(r["passed"], false);
    assert_eq!(r["escalate"], true);
    assert_eq!(r["attempt"], 1);

    let second = p.json(&["route", "--task", "PR-9"]);
    assert_eq!(second["attempt"], 2);
    assert_eq!(second["failed_arms"], serde_json::json!([a1]));
    assert_ne!(second["arm"], first["arm"]);
    let alts: Vec<&str> = second["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["arm"].as_str().unwrap())
        .collect();
    assert!(!alts.contains(&a1.as_str()), "{alts:?}");
    assert!(second["alternatives"][0]["p_pass"].is_number());
    // A retried job gets the same attempt back.
    let again = p.json(&["route", "--task", "PR-9"]);
    assert_eq!(again["decision_id"], second["decision_id"]);
    assert_eq!(again["reused"], true);

    p.json(&["report", "--task", "PR-9", "--eval", "1", "--cost", "0.4"]);
    let done = p.json(&["route", "--task", "PR-9"]);
    assert_eq!(done["done"], true);
    assert_eq!(done["reason"], "passed");
    assert_eq!(done["passed"], true);
    assert_eq!(done["attempts"].as_array().unwrap().len(), 2);
    assert!((done["cost_usd"].as_f64().unwrap() - 0.45).abs() < 1e-9);
    // Text: `done` where a decision prints its arm.
    let out = p.cmd().args(["route", "--task", "PR-9"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("done\n"));

    let stats = p.json(&["stats"]);
    let t = &stats["tasks"];
    assert_eq!(t["tasks"], 1);
    assert_eq!(t["pass_rate"], 1.0);
    assert_eq!(t["attempts_mean"], 2.0);
    assert_eq!(t["paths"][0]["arms"].as_array().unwrap().len(), 2);

    // --new starts a new chain at attempt 1.
    let fresh = p.json(&["route", "--task", "PR-9", "--new"]);
    assert_eq!(fresh["attempt"], 1);
}

#[test]
fn max_attempts_ends_the_chain() {
    let p = Project::new(&CLI_ARMS.replace("max_attempts = 3", "max_attempts = 2"));
    for _ in 0..2 {
        p.json(&["route", "--task", "T"]);
        p.json(&["report", "--task", "T", "--eval", "0", "--cost", "0.1"]);
    }
    let done = p.json(&["route", "--task", "T"]);
    assert_eq!(done["reason"], "max_attempts");
    assert_eq!(done["passed"], false);
    let r = p.json(&["stats"]);
    assert_eq!(r["tasks"]["pass_rate"], 0.0);
    assert_eq!(r["tasks"]["attempts_p95"], 2);
}

#[test]
fn downshift_refuses_an_escalation_out_of_its_tiers_and_audits_it() {
    let p = Project::new(CLI_ARMS);
    p.ok(&["downshift", "on", "--reason", "burn 3x"]);
    let first = p.json(&["route", "--task", "T"]);
    assert_eq!(first["arm"], "cheap@small");
    p.json(&["report", "--task", "T", "--eval", "0", "--cost", "0.03"]);
    let refused = p.json(&["route", "--task", "T"]);
    assert_eq!(refused["done"], true);
    assert_eq!(refused["reason"], "escalation_refused");
    let msg = refused["message"].as_str().unwrap();
    assert!(
        msg.contains("burn 3x") && msg.contains("cheap@small"),
        "{msg}"
    );
    let status = p.json(&["downshift", "status"]);
    let audit = status["audit"].as_array().unwrap();
    assert!(
        audit.iter().any(|a| a["actor"] == "router"
            && a["reason"]
                .as_str()
                .unwrap()
                .contains("escalation of task T refused")),
        "{audit:?}"
    );
    // Once the downshift is off, the task escalates.
    p.ok(&["downshift", "off"]);
    let next = p.json(&["route", "--task", "T"]);
    assert_eq!(next["attempt"], 2);
    assert_ne!(next["arm"], "cheap@small");
}

#[test]
fn a_later_attempt_not_worth_its_cost_ends_the_task() {
    // At λ = 5 the dear arms cost more than a pass is worth.
    let p = Project::new(&CLI_ARMS.replace("seed = 3", "seed = 3\nlambda = 5"));
    let first = p.json(&["route", "--task", "T"]);
    assert_eq!(first["arm"], "cheap@small");
    p.json(&["report", "--task", "T", "--eval", "0", "--cost", "0.03"]);
    let done = p.json(&["route", "--task", "T"]);
    assert_eq!(done["reason"], "not_worth_it", "{done}");
    assert!(done["message"]
        .as_str()
        .unwrap()
        .contains("not worth its cost"));
}

#[test]
fn one_attempt_keeps_routing_a_reported_task_afresh() {
    let p = Project::new(&CLI_ARMS.replace("max_attempts = 3", "max_attempts = 1"));
    let first = p.json(&["route", "--task", "T"]);
    let r = p.json(&["report", "--task", "T", "--eval", "0", "--cost", "0.1"]);
    assert_eq!(r["escalate"], false);
    let next = p.json(&["route", "--task", "T"]);
    assert_eq!(next["attempt"], 1);
    assert_ne!(next["decision_id"], first["decision_id"]);
    assert!(next.get("why").is_none() && next.get("failed_arms").is_none());
    assert!(p.json(&["stats"]).get("tasks").is_none());
}

#[test]
fn bad_escalation_settings_are_refused() {
    for (cfg, what) in [
        ("[router]\nmax_attempts = 0", "max_attempts"),
        ("[router]\nmax_attempts = 9", "max_attempts"),
        ("[router]\npass_threshold = 1.5", "pass_threshold"),
        (
            "[router]\nmax_attempts = 2\nobjective = \"min-cost\"\nmin_eval = 0.7",
            "min-cost",
        ),
    ] {
        let p = Project::new(cfg);
        let out = p.cmd().args(["route", "--task", "T"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{cfg}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(what), "{cfg}: {err}");
    }
}

/// Golden outputs from before escalation existed (fixtures/SOURCES.md):
/// with `max_attempts = 1` routing and replay are unchanged.
#[test]
fn one_attempt_routes_and_replays_exactly_as_before() {
    let p = Project::new(
        "[router]\nseed = 5\n[[arms]]\nid = \"a@small\"\ntier = \"small\"\n[[arms]]\nid = \"b@large\"\ntier = \"large\"\n[[arms]]\nid = \"c@medium\"\ntier = \"medium\"\n",
    );
    let mut got = String::new();
    for i in 1..=60 {
        let task = format!("T{}", i % 7);
        let d = p.json(&["route", "--task", &task]);
        got += &format!(
            "{} {} {}\n",
            d["arm"].as_str().unwrap(),
            d["propensity"],
            if d["explored"].as_bool().unwrap() {
                "True"
            } else {
                "False"
            }
        );
        let eval = if (i * 7) % 10 > 4 { "1" } else { "0" };
        let cost = format!("0.{}", i % 5);
        p.cmd()
            .args([
                "--quiet", "report", "--task", &task, "--eval", eval, "--cost", &cost,
            ])
            .output()
            .unwrap();
    }
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/router");
    let want = std::fs::read_to_string(fixtures.join("single-attempt-routes.txt")).unwrap();
    assert_eq!(got, want);

    let out = p
        .cmd()
        .args(["--quiet", "replay", "--data"])
        .arg(fixtures.join("synthetic-replay.csv"))
        .args(["--policy", "ts,ids,seed,ucb1,egreedy,fixed:b"])
        .args(["--tasks", "300", "--seeds", "3", "--lambda", "0.2"])
        .output()
        .unwrap();
    let want = std::fs::read_to_string(fixtures.join("single-attempt-replay.txt")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
}

#[test]
fn from_state_cuts_the_logged_chains_to_fewer_attempts() {
    let p = Project::new(&CLI_ARMS.replace("seed = 3", "seed = 3\nlambda = 0"));
    let plan: [(&str, &[(&str, &str)]); 4] = [
        ("T1", &[("0", "0.1"), ("1", "0.5")]),
        ("T2", &[("1", "0.1")]),
        ("T3", &[("0", "0.1"), ("0", "0.5"), ("1", "0.9")]),
        ("T4", &[("0", "0.1"), ("0", "0.2"), ("0", "0.3")]),
    ];
    for (task, attempts) in plan {
        for (eval, cost) in attempts {
            let d = p.json(&["route", "--task", task]);
            assert_eq!(d["done"], false, "{d}");
            p.json(&["report", "--task", task, "--eval", eval, "--cost", cost]);
        }
    }
    let r = p.json(&["replay", "--from-state", "--max-attempts", "2"]);
    let t = &r["tasks"];
    assert_eq!(t["max_attempts"], 2);
    assert_eq!(t["logged"]["pass_rate"], 0.75);
    assert!((t["logged"]["cost_per_task"].as_f64().unwrap() - 0.7).abs() < 1e-9);
    assert_eq!(t["logged"]["attempts_mean"], 2.25);
    assert_eq!(t["target"]["pass_rate"], 0.5);
    assert!((t["target"]["cost_per_task"].as_f64().unwrap() - 0.4).abs() < 1e-9);
    assert_eq!(t["target"]["attempts_mean"], 1.75);
    // Later attempts are left out of the per-decision estimates.
    assert_eq!(r["decisions"], 4);
    assert_eq!(r["left_out"]["later_attempts"], 5);
    // T4 failed after three attempts: a fourth is beyond what the log knows.
    let out = p
        .cmd()
        .args(["replay", "--from-state", "--max-attempts", "4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("up to --max-attempts 3"), "{err}");
}
