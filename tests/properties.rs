//! Property tests on a real SQLite state: report idempotency and count
//! conservation under random operation sequences, plus the drift check.

use maestro::bandit::policy;
use maestro::clock::Clock;
use maestro::config::{parse, Config};
use maestro::router::{self, Outcome, ReportTarget, RouteRequest};
use maestro::state::Store;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rusqlite::Connection;

fn config(extra: &str) -> Config {
    parse(&format!(
        "{extra}\n[[arms]]\nid = \"x@small\"\ntier = \"small\"\n[[arms]]\nid = \"y@large\"\ntier = \"large\"\n[[arms]]\nid = \"z@medium\"\ntier = \"medium\"\n"
    ))
    .unwrap()
}

fn clock(i: i64) -> Clock {
    Clock {
        now_ms: 1_700_000_000_000 + i,
        day: "2026-11-25".into(),
    }
}

fn route(
    store: &mut Store,
    cfg: &Config,
    task: &str,
    fresh: bool,
    rng: &mut StdRng,
    i: i64,
) -> router::Decision {
    let req = RouteRequest {
        task: task.into(),
        context: Default::default(),
        fresh,
    };
    router::route(store, cfg, &req, &clock(i), rng)
        .unwrap()
        .decision()
        .expect("single-attempt routing always decides")
}

fn scalar(conn: &Connection, sql: &str) -> f64 {
    conn.query_row(sql, [], |r| r.get::<_, f64>(0)).unwrap()
}

#[derive(Clone, Debug)]
enum Op {
    Route { task: u8, fresh: bool },
    Report { task: u8, eval: u8, cost: u8 },
    Repeat,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..6, any::<bool>()).prop_map(|(task, fresh)| Op::Route { task, fresh }),
        (0u8..6, 0u8..=10, 0u8..5).prop_map(|(task, eval, cost)| Op::Report { task, eval, cost }),
        Just(Op::Repeat),
    ]
}

/// What the model expects of a task's decisions.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    Pending,
    Superseded,
    Reported(Outcome),
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    /// A model of the router's contract predicts every route and report:
    /// `route` returns the task's pending decision unless `fresh` (which
    /// supersedes it), else a new one; a report goes to the task's latest
    /// decision that was not superseded, is accepted once, repeated with
    /// the same values as a duplicate, and refused with different values or
    /// with no decision. The state's counts and sums must equal the model's.
    #[test]
    fn route_and_report_follow_the_model_and_counts_are_conserved(
        ops in proptest::collection::vec(op(), 1..60),
        rule in prop_oneof![Just("thompson"), Just("ids")],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("state.db")).unwrap();
        let cfg = config(&format!("[router]\nhalf_life = 20\npolicy = \"{rule}\""));
        let mut rng = StdRng::seed_from_u64(1);
        let mut last: Option<(u8, Outcome)> = None;
        // Per task, its decisions in order: (id, status).
        let mut model: std::collections::HashMap<u8, Vec<(String, Status)>> = Default::default();
        for (i, op) in ops.iter().enumerate() {
            let (task, outcome) = match op {
                Op::Route { task, fresh } => {
                    let d = route(&mut store, &cfg, &format!("t{task}"), *fresh, &mut rng, i as i64);
                    let decisions = model.entry(*task).or_default();
                    let pending = decisions.iter_mut().find(|(_, s)| *s == Status::Pending);
                    match (pending, *fresh) {
                        (Some((id, _)), false) => prop_assert_eq!(&d.decision_id, id, "the pending decision again"),
                        (pending, _) => {
                            if let Some((_, s)) = pending {
                                *s = Status::Superseded;
                            }
                            prop_assert!(decisions.iter().all(|(id, _)| *id != d.decision_id), "a new decision");
                            decisions.push((d.decision_id.clone(), Status::Pending));
                        }
                    }
                    continue;
                }
                Op::Report { task, eval, cost } => (*task, Outcome {
                    eval: f64::from(*eval) / 10.0,
                    cost_usd: f64::from(*cost) * 0.25,
                    tokens_in: None,
                    tokens_out: None,
                    eval_robust: None,
                }),
                Op::Repeat => match &last {
                    Some(l) => l.clone(),
                    None => continue,
                },
            };
            last = Some((task, outcome.clone()));
            let target = model
                .get_mut(&task)
                .and_then(|ds| ds.iter_mut().rev().find(|(_, s)| *s != Status::Superseded));
            let got = router::report(&mut store, &cfg, &ReportTarget::Task(format!("t{task}")), &outcome, &clock(i as i64));
            match (target, got) {
                (None, Ok(r)) => prop_assert!(false, "t{task} has no decision, but the report was accepted: {r:?}"),
                (None, Err(_)) => {}
                (Some((id, s)), got) => match (s.clone(), got) {
                    (Status::Pending, Ok(r)) => {
                        prop_assert_eq!(&r.decision_id, &*id);
                        prop_assert!(!r.duplicate);
                        *s = Status::Reported(outcome.clone());
                    }
                    (Status::Reported(prev), Ok(r)) => {
                        prop_assert_eq!(&r.decision_id, &*id);
                        prop_assert!(r.duplicate);
                        prop_assert_eq!(prev, outcome);
                    }
                    (Status::Reported(prev), Err(_)) => prop_assert_ne!(prev, outcome),
                    (s, got) => prop_assert!(false, "t{task}: model {s:?}, router {got:?}"),
                },
            }
        }
        let accepted: Vec<&Outcome> = model
            .values()
            .flatten()
            .filter_map(|(_, s)| match s { Status::Reported(o) => Some(o), _ => None })
            .collect();
        let conn = store.conn();
        let outcomes = scalar(conn, "SELECT count(*) FROM outcomes");
        prop_assert_eq!(outcomes as usize, accepted.len());
        prop_assert_eq!(scalar(conn, "SELECT count(*) FROM decisions") as usize, model.values().map(Vec::len).sum::<usize>());
        let pending = model.values().flatten().filter(|(_, s)| *s == Status::Pending).count();
        prop_assert_eq!(scalar(conn, "SELECT count(*) FROM decisions WHERE status = 'pending'") as usize, pending);
        prop_assert_eq!(scalar(conn, "SELECT COALESCE(SUM(reports), 0) FROM arm_stats"), outcomes);
        prop_assert_eq!(scalar(conn, "SELECT count(*) FROM events WHERE kind = 'report'"), outcomes);
        let eval_sum: f64 = accepted.iter().map(|o| o.eval).sum();
        let cost_sum: f64 = accepted.iter().map(|o| o.cost_usd).sum();
        prop_assert!((scalar(conn, "SELECT COALESCE(SUM(eval_sum), 0) FROM arm_stats") - eval_sum).abs() < 1e-9);
        prop_assert!((scalar(conn, "SELECT COALESCE(SUM(cost_sum), 0) FROM arm_stats") - cost_sum).abs() < 1e-9);
        prop_assert!((scalar(conn, "SELECT COALESCE(SUM(usd), 0) FROM daily_spend") - cost_sum).abs() < 1e-9);
        prop_assert_eq!(scalar(conn, "SELECT COALESCE(SUM(pulls), 0) FROM arm_stats"), scalar(conn, "SELECT count(*) FROM decisions"));
    }
}

proptest! {
    /// The two-arm mixes IDS considers contain the distribution with the least
    /// information ratio: no pair at any of 201 mixing weights does better.
    #[test]
    fn least_information_ratio_beats_a_grid_search(
        arms in proptest::collection::vec((0.0f64..1.0, 1e-6f64..1.0), 1..6),
    ) {
        let (regret, gain): (Vec<f64>, Vec<f64>) = arms.into_iter().unzip();
        let ratio = |w: &dyn Fn(usize) -> f64| {
            let d: f64 = (0..regret.len()).map(|i| w(i) * regret[i]).sum();
            let v: f64 = (0..regret.len()).map(|i| w(i) * gain[i]).sum();
            d * d / v
        };
        let plan = policy::least_information_ratio(&regret, &gain);
        let got = ratio(&|i| plan.weight(i));
        for i in 0..regret.len() {
            for j in 0..regret.len() {
                for step in 0..=200 {
                    let q = f64::from(step) / 200.0;
                    let w = |k: usize| {
                        f64::from(u8::from(k == i)) * q + f64::from(u8::from(k == j)) * (1.0 - q)
                    };
                    let r = ratio(&w);
                    prop_assert!(got <= r * (1.0 + 1e-9) + 1e-15, "{plan:?}: {got} > {r} at ({i}, {j}, {q})");
                }
            }
        }
    }
}

/// Acceptance 2: with a half-life, the router re-learns after the better arm
/// changes, with either decision rule.
#[test]
fn drift_is_followed_with_a_half_life() {
    drift_with("thompson");
    drift_with("ids");
}

fn drift_with(rule: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("state.db")).unwrap();
    let cfg = parse(&format!(
        "[router]\nhalf_life = 60\npolicy = \"{rule}\"\n[[arms]]\nid = \"X\"\ntier = \"small\"\n[[arms]]\nid = \"Y\"\ntier = \"small\"\n",
    ))
    .unwrap();
    let mut rng = StdRng::seed_from_u64(11);
    let mut outcome_rng = StdRng::seed_from_u64(12);
    let mut picks = Vec::new();
    for i in 0..600 {
        let task = format!("t{i}");
        let d = route(&mut store, &cfg, &task, false, &mut rng, i);
        let good = (i < 300) == (d.arm == "X");
        let p = if good { 0.8 } else { 0.4 };
        let eval = f64::from(u8::from(rand::Rng::gen::<f64>(&mut outcome_rng) < p));
        let o = Outcome {
            eval,
            cost_usd: 0.1,
            tokens_in: None,
            tokens_out: None,
            eval_robust: None,
        };
        router::report(&mut store, &cfg, &ReportTarget::Task(task), &o, &clock(i)).unwrap();
        picks.push(d.arm);
    }
    let y_last = picks[450..].iter().filter(|a| *a == "Y").count();
    let x_first = picks[150..300].iter().filter(|a| *a == "X").count();
    eprintln!("drift ({rule}): X {x_first}/150 before the change, Y {y_last}/150 at the end");
    assert!(
        x_first >= 105,
        "{rule}: X picked {x_first} of 150 before the drift"
    );
    assert!(
        y_last >= 105,
        "{rule}: Y picked {y_last} of the last 150 (need >= 70%)"
    );
}

/// Without a half-life the same drift is followed far more slowly, which is
/// what the setting is for.
#[test]
fn without_half_life_old_evidence_dominates_longer() {
    let run = |half_life: f64| {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("state.db")).unwrap();
        let cfg = parse(&format!(
            "[router]\nhalf_life = {half_life}\n[[arms]]\nid = \"X\"\ntier = \"small\"\n[[arms]]\nid = \"Y\"\ntier = \"small\"\n"
        ))
        .unwrap();
        let mut rng = StdRng::seed_from_u64(21);
        let mut y = 0;
        for i in 0..450 {
            let task = format!("t{i}");
            let d = route(&mut store, &cfg, &task, false, &mut rng, i);
            let good = (i < 300) == (d.arm == "X");
            let o = Outcome {
                eval: if good { 0.8 } else { 0.4 },
                cost_usd: 0.1,
                tokens_in: None,
                tokens_out: None,
                eval_robust: None,
            };
            router::report(&mut store, &cfg, &ReportTarget::Task(task), &o, &clock(i)).unwrap();
            if i >= 300 && d.arm == "Y" {
                y += 1;
            }
        }
        y
    };
    assert!(
        run(60.0) > run(0.0),
        "half-life did not speed up re-learning"
    );
}

/// Arbitrary text, weighted towards what a hostile pull request would try.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,30}",
        "[:\n\r\t \\x1b\\x85a-z%]{0,30}",
        Just("x\n::error::INJECTED".to_string()),
        Just("::set-output name=a::b".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever text a finding, a decision or an SBOM component carries, the
    /// Actions runner executes nothing of what maestro prints for people.
    #[test]
    fn no_untrusted_text_runs_as_a_workflow_command(
        path in hostile(), reason in hostile(), snippet in hostile(),
        task in hostile(), name in hostile(), version in hostile(),
    ) {
        use maestro::output::safe::{guard, runner};
        let finding = maestro::pii::Finding {
            rule: "pii/value/email".into(),
            entity: "EMAIL_ADDRESS".into(),
            kind: maestro::pii::Kind::Value,
            action: maestro::pii::Action::Block,
            confidence: 0.9,
            reason: reason.clone(),
            path: path.clone(),
            line: 1,
            column: 1,
            snippet,
            fingerprint: "f".into(),
            file_class: maestro::pii::class::FileClass::Code,
            test_value: false,
            steps: vec![(reason.clone(), 0.9)],
            decided: vec![reason.clone()],
        };
        let explained = maestro::pii::explain::text(&finding);
        let report = maestro::pii::scan::Report {
            findings: vec![finding],
            skipped: vec![maestro::pii::Skipped { path: path.clone(), reason: reason.clone() }],
            ..Default::default()
        };
        let mut decision: maestro::router::Decision = serde_json::from_value(serde_json::json!({
            "decision_id": "d1", "task": task, "arm": name, "tier": "small", "explored": false,
            "propensity": 1.0, "greedy_arm": name, "capped": false, "objective": reason,
            "alternatives": [], "downshift": {"active": true, "reason": reason},
            "context": {}, "created_at_ms": 0
        })).unwrap();
        decision.reused = true;
        let sbom_text = format!(
            "{{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{{\"type\":\"library\",\"name\":{},\"version\":{}}}]}}",
            serde_json::to_string(&name).unwrap(),
            serde_json::to_string(&version).unwrap()
        );
        let empty = maestro::sbom::parse("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[]}", "base").unwrap();
        let texts = [
            maestro::pii::render::text(&report, None, 1, 0),
            maestro::pii::render::markdown(&report, None, 1, 0),
            maestro::router::render::decision_text(&decision),
            maestro::router::render::downshift_change_text(true, true, &reason, &task),
            explained,
        ];
        for t in texts.iter() {
            prop_assert!(runner::commands(&guard(t, true)).is_empty(), "{}", t);
        }
        if let Ok(head) = maestro::sbom::parse(&sbom_text, "head") {
            let r = maestro::sbom::report::Report::build(
                &empty, &head, None,
                maestro::sbom::gate::FailOn::High, maestro::sbom::gate::FailOn::Medium, None,
            );
            for t in [maestro::sbom::render::text(&r), maestro::sbom::render::markdown(&r)] {
                prop_assert!(runner::commands(&guard(&t, true)).is_empty(), "{}", t);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// However valid card numbers sit among other numbers, words and
    /// separators, no finding's snippet shows one.
    #[test]
    fn no_snippet_shows_a_card_number(
        parts in proptest::collection::vec(prop_oneof![
            Just("4539148803436467".to_string()),
            Just("5425233430109903".to_string()),
            Just("4539 1488 0343 6467".to_string()),
            "[0-9]{10,19}",
            Just("jane.doe@corp-mail.net".to_string()),
            Just("card".to_string()),
            Just("0.".to_string()),
            "[ ,;:|\n]",
            "[a-z]{1,6}",
        ], 1..30),
    ) {
        let text = parts.join(" ");
        let mut report = maestro::pii::scan::Report::default();
        let settings = maestro::pii::scan::Settings::new(Default::default());
        maestro::pii::scan::scan_text("t.txt", &text, &settings, &mut report);
        for f in &report.findings {
            for c in ["4539148803436467", "5425233430109903", "4539 1488 0343 6467"] {
                prop_assert!(!f.snippet.contains(c), "{} in {:?} of {:?}", c, f.snippet, text);
            }
        }
    }
}
