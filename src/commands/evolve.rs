//! `maestro evolve run | scenarios check`.

use super::Ctx;
use crate::clock::Clock;
use crate::config::ArmConfig;
use crate::error::{input, Result};
use crate::evolve::lift::{lift, Lift};
use crate::evolve::optimise::{optimise, Trial};
use crate::evolve::protocol::{point_hash, Cache, Evaluator, Outcome, Status};
use crate::evolve::scenario::{self, Scenario};
use crate::evolve::space::{Point, Space};
use crate::output::markdown::{table, text_table};
use crate::output::safe::one_line;
use crate::units::parse_duration;
use clap::{Args, Subcommand};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `maestro evolve …`.
#[derive(Debug, Subcommand)]
pub enum EvolveCommand {
    /// Optimise the parameters on the training scenarios, prove the lift on
    /// the held-out ones, and optionally deploy the winners as router arms.
    Run(RunArgs),
    /// The scenario registry.
    #[command(subcommand)]
    Scenarios(ScenariosCommand),
}

/// `maestro evolve scenarios …`.
#[derive(Debug, Subcommand)]
pub enum ScenariosCommand {
    /// Validate a registry: every file parses, ids are unique, assertions are sound.
    Check {
        /// The registry directory.
        dir: PathBuf,
        /// Only scenarios with one of these tags.
        #[arg(long, value_delimiter = ',')]
        tags: Vec<String>,
    },
}

/// `evolve run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario registry directory.
    #[arg(long)]
    pub scenarios: PathBuf,
    /// The parameter space file (TOML, YAML or JSON).
    #[arg(long)]
    pub space: PathBuf,
    /// The evaluation command (run with `sh -c`, once per candidate,
    /// scenario and replicate).
    #[arg(long)]
    pub eval_cmd: String,
    /// Only scenarios with one of these tags (a task family).
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Evaluations run in parallel (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Distinct candidates the optimiser may evaluate (the baseline included).
    #[arg(long, default_value_t = 100)]
    pub budget: usize,
    /// Share of the scenarios held out from the optimiser to prove the lift.
    #[arg(long, default_value_t = 0.3)]
    pub holdout: f64,
    /// Evaluations of each candidate on each scenario (for noisy agents).
    #[arg(long, default_value_t = 1)]
    pub replicates: u32,
    /// Seed of the split, the optimiser and the bootstrap.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Kill an evaluation after this long (scored 0, named).
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// The evaluation cache (default: .maestro/evolve.db beside the config).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Candidates, best on the training scenarios first, re-evaluated on the
    /// held-out ones.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// The lift that counts as the target being met.
    #[arg(long, default_value_t = 0.02)]
    pub target: f64,
    /// Register the best N candidates (when the lift is proven) as router
    /// arms `BASE@HASH` with their parameters.
    #[arg(long, requires = "base_arm")]
    pub deploy_top: Option<usize>,
    /// The arm the deployed variants derive from (tier and cost prior).
    #[arg(long)]
    pub base_arm: Option<String>,
    /// How many observations the deployed arms' prior (their held-out score) is worth.
    #[arg(long, default_value_t = 2.0)]
    pub prior_weight: f64,
}

/// Runs an `evolve` subcommand.
pub fn exec(ctx: &Ctx, cmd: EvolveCommand) -> Result<i32> {
    match cmd {
        EvolveCommand::Scenarios(ScenariosCommand::Check { dir, tags }) => check(ctx, &dir, &tags),
        EvolveCommand::Run(a) => run(ctx, &a),
    }
}

fn check(ctx: &Ctx, dir: &std::path::Path, tags: &[String]) -> Result<i32> {
    let scenarios = scenario::load(&ctx.cwd.join(dir), tags)?;
    let mut by_tag: BTreeMap<String, usize> = BTreeMap::new();
    for s in &scenarios {
        for t in &s.tags {
            *by_tag.entry(t.clone()).or_default() += 1;
        }
    }
    let judges = scenarios
        .iter()
        .flat_map(|s| &s.asserts)
        .filter(|a| a.kind == "judge")
        .count();
    #[derive(Serialize)]
    struct Checked {
        scenarios: usize,
        assertions: usize,
        judges: usize,
        tags: BTreeMap<String, usize>,
        ids: Vec<String>,
    }
    let out = Checked {
        scenarios: scenarios.len(),
        assertions: scenarios.iter().map(|s| s.asserts.len()).sum(),
        judges,
        tags: by_tag.clone(),
        ids: scenarios.iter().map(|s| s.id.clone()).collect(),
    };
    let tags_text = if by_tag.is_empty() {
        "no tags".to_string()
    } else {
        by_tag
            .iter()
            .map(|(t, n)| format!("{} {n}", one_line(t)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = format!(
        "{}: {} scenarios, {} assertions ({} judges); tags: {tags_text}",
        dir.display(),
        out.scenarios,
        out.assertions,
        judges
    );
    ctx.out.result(&out, &text, None)?;
    Ok(0)
}

/// A candidate's held-out result.
#[derive(Clone, Debug, Serialize)]
struct Ranked {
    rank: usize,
    hash: String,
    params: Point,
    train: f64,
    held_out: f64,
    delta: f64,
}

#[derive(Serialize)]
struct Counts {
    run: u64,
    cached: u64,
    crash: u64,
    timeout: u64,
}

#[derive(Serialize)]
struct Failure {
    candidate: String,
    scenario: String,
    status: Status,
    detail: String,
}

#[derive(Serialize)]
struct Report {
    train_scenarios: Vec<String>,
    held_out_scenarios: Vec<String>,
    budget: usize,
    candidates_evaluated: usize,
    seed: u64,
    evaluations: Counts,
    failures: Vec<Failure>,
    baseline: Ranked,
    top: Vec<Ranked>,
    lift: Lift,
    verdict: String,
    deployed: Vec<String>,
    not_deployed: Option<String>,
}

/// The held-out split: scenarios ranked by a hash of (seed, id), the first
/// `share` held out (at least 2, leaving at least 1 to train on).
fn split(
    scenarios: &[Scenario],
    share: f64,
    seed: u64,
) -> Result<(Vec<&Scenario>, Vec<&Scenario>)> {
    use sha2::{Digest, Sha256};
    let n = scenarios.len();
    let held = ((share * n as f64).round() as usize).max(2);
    if n < 3 || held >= n {
        return Err(input(format!(
            "{n} scenarios cannot be split into a training part and a held-out part of at least 2 (--holdout {share})"
        )));
    }
    let mut ranked: Vec<(String, &Scenario)> = scenarios
        .iter()
        .map(|s| {
            let h = hex::encode(Sha256::digest(format!("{seed}\0{}", s.id).as_bytes()));
            (h, s)
        })
        .collect();
    ranked.sort_by(|a, b| a.0.cmp(&b.0));
    let held_out: Vec<&Scenario> = ranked[..held].iter().map(|x| x.1).collect();
    let train: Vec<&Scenario> = ranked[held..].iter().map(|x| x.1).collect();
    Ok((train, held_out))
}

/// Mean score per scenario (over replicates), in scenario order.
fn per_scenario(outcomes: &[Outcome], scenarios: &[&Scenario]) -> Vec<f64> {
    scenarios
        .iter()
        .map(|s| {
            let v: Vec<f64> = outcomes
                .iter()
                .filter(|o| o.scenario == s.id)
                .map(|o| o.score)
                .collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        })
        .collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn run(ctx: &Ctx, a: &RunArgs) -> Result<i32> {
    if !(a.holdout > 0.0 && a.holdout < 1.0) {
        return Err(input("--holdout must be in (0, 1)"));
    }
    if a.budget == 0 || a.replicates == 0 || a.top == 0 {
        return Err(input("--budget, --replicates and --top must be at least 1"));
    }
    if a.budget > 1_000_000 || a.replicates > 1000 || a.top > 1000 {
        return Err(input(
            "--budget is at most 1,000,000, --replicates and --top at most 1000",
        ));
    }
    if !(a.prior_weight.is_finite() && a.prior_weight >= 0.0) {
        return Err(input("--prior-weight must be ≥ 0"));
    }
    // Caught for the whole run, not only while an evaluation runs: Ctrl-C
    // between two evaluations stops the run the same way (exit 130, the
    // finished evaluations cached).
    let watch = crate::exec::signals::Watch::start()?;
    let space = Space::parse(&ctx.read_file(&a.space)?, &a.space.display().to_string())?;
    let scenarios = scenario::load(&ctx.cwd.join(&a.scenarios), &a.tags)?;
    let (train, held_out) = split(&scenarios, a.holdout, a.seed)?;
    // The base arm is checked before anything is spent.
    let base = match &a.base_arm {
        Some(id) => {
            let arms = ctx.read_state(|s| crate::router::all_arms(s.conn(), ctx.cfg()))?;
            Some(
                arms.into_iter()
                    .find(|x| &x.id == id && !x.retired)
                    .ok_or_else(|| {
                        input(format!(
                            "--base-arm `{}` is not an active arm",
                            one_line(id)
                        ))
                    })?,
            )
        }
        None => None,
    };
    let cache_path = a
        .cache
        .clone()
        .map(|p| ctx.cwd.join(p))
        .unwrap_or_else(|| ctx.resolved.root.join(".maestro/evolve.db"));
    let cache = Cache::open(&cache_path)?;
    let jobs = a
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let mut ev = Evaluator::new(&a.eval_cmd, a.timeout, jobs, &ctx.cwd, &cache)?;
    let total =
        (a.budget * train.len() + (a.top + 1) * held_out.len()) as u64 * a.replicates as u64;
    let bar = ctx.out.progress(total, "evaluating");
    let tick = bar.clone();
    ev.tick = Box::new(move || tick.inc(1));
    // Every evaluation, with its candidate's hash.
    let record: std::sync::Mutex<Vec<(String, Outcome)>> = Default::default();
    let objective = |points: &[Point]| -> Result<Vec<f64>> {
        let mut scores = Vec::new();
        for p in points {
            let o = ev.score(p, &train, a.replicates)?;
            scores.push(mean(&per_scenario(&o, &train)));
            let h = point_hash(p);
            record
                .lock()
                .expect("outcomes")
                .extend(o.into_iter().map(|x| (h.clone(), x)));
        }
        Ok(scores)
    };
    let trials = optimise(&space, &objective, a.budget, a.seed)?;
    // The best on the training scenarios, then the baseline, on held-out ones.
    let mut ranked: Vec<&Trial> = trials.iter().collect();
    ranked.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.order.cmp(&y.order)));
    let baseline_trial = &trials[0];
    let held = |p: &Point| -> Result<Vec<f64>> {
        let o = ev.score(p, &held_out, a.replicates)?;
        let h = point_hash(p);
        let per = per_scenario(&o, &held_out);
        record
            .lock()
            .expect("outcomes")
            .extend(o.into_iter().map(|x| (h.clone(), x)));
        Ok(per)
    };
    let base_held = held(&baseline_trial.point)?;
    let mut top = Vec::new();
    let mut best_diffs = Vec::new();
    for (i, t) in ranked.iter().take(a.top).enumerate() {
        let per = held(&t.point)?;
        if i == 0 {
            best_diffs = per.iter().zip(&base_held).map(|(c, b)| c - b).collect();
        }
        top.push(Ranked {
            rank: i + 1,
            hash: point_hash(&t.point)[..8].to_string(),
            params: t.point.clone(),
            train: t.score,
            held_out: mean(&per),
            delta: mean(&per) - mean(&base_held),
        });
    }
    bar.finish_and_clear();
    let outcomes = record.into_inner().expect("outcomes");
    let l = lift(&best_diffs, a.target, a.seed);
    let verdict = if !l.proven {
        "no lift proven".to_string()
    } else if l.target_met {
        format!("lift proven; +{} target met", a.target)
    } else {
        format!("lift proven; +{} target not met", a.target)
    };
    watch.check()?;
    // Deploy.
    let mut deployed = Vec::new();
    let mut not_deployed = None;
    if let (Some(n), Some(base)) = (a.deploy_top, &base) {
        if !l.proven {
            not_deployed = Some("no lift proven, so nothing was deployed".to_string());
        } else {
            let base_mean = mean(&base_held);
            let clock = Clock::now();
            for r in top.iter().filter(|r| r.held_out > base_mean).take(n) {
                let id = format!("{}@{}", base.id, r.hash);
                let arm = ArmConfig {
                    id: id.clone(),
                    tier: base.tier,
                    prior_eval: Some(r.held_out.clamp(0.0, 1.0)),
                    prior_cost: base.prior.cost,
                    prior_weight: a.prior_weight,
                    params: Some(serde_json::to_value(&r.params)?),
                };
                let added = ctx.write_state(|s| {
                    match crate::router::add_arm(s, ctx.cfg(), &arm, &clock) {
                        Ok(_) => Ok(true),
                        Err(e) if e.to_string().contains("already exists") => Ok(false),
                        Err(e) => Err(e),
                    }
                })?;
                if added {
                    deployed.push(id);
                }
            }
        }
    }
    let baseline = Ranked {
        rank: 0,
        hash: point_hash(&baseline_trial.point)[..8].to_string(),
        params: baseline_trial.point.clone(),
        train: baseline_trial.score,
        held_out: mean(&base_held),
        delta: 0.0,
    };
    let counts = Counts {
        run: outcomes.iter().filter(|o| !o.1.cached).count() as u64,
        cached: outcomes.iter().filter(|o| o.1.cached).count() as u64,
        crash: outcomes
            .iter()
            .filter(|o| o.1.status == Status::Crash)
            .count() as u64,
        timeout: outcomes
            .iter()
            .filter(|o| o.1.status == Status::Timeout)
            .count() as u64,
    };
    let failures: Vec<Failure> = outcomes
        .iter()
        .filter(|o| o.1.status != Status::Ok)
        .map(|(h, o)| Failure {
            candidate: h[..8].to_string(),
            scenario: o.scenario.clone(),
            status: o.status,
            detail: o.detail.clone(),
        })
        .collect();
    let report = Report {
        train_scenarios: train.iter().map(|s| s.id.clone()).collect(),
        held_out_scenarios: held_out.iter().map(|s| s.id.clone()).collect(),
        budget: a.budget,
        candidates_evaluated: trials.len(),
        seed: a.seed,
        evaluations: counts,
        failures,
        baseline,
        top,
        lift: l,
        verdict,
        deployed,
        not_deployed,
    };
    ctx.out.outputs(&[
        ("verdict", report.verdict.clone()),
        ("lift", format!("{:.4}", report.lift.mean)),
        ("lift_low", format!("{:.4}", report.lift.low)),
        ("deployed", report.deployed.join(",")),
    ])?;
    let md = markdown(&report);
    ctx.out.summary(&md)?;
    ctx.out.result(&report, &text(&report), Some(&md))?;
    Ok(0)
}

fn rows(r: &Report) -> Vec<Vec<String>> {
    std::iter::once(&r.baseline)
        .chain(&r.top)
        .map(|c| {
            vec![
                if c.rank == 0 {
                    "baseline".into()
                } else {
                    format!("#{}", c.rank)
                },
                c.hash.clone(),
                format!("{:.4}", c.train),
                format!("{:.4}", c.held_out),
                if c.rank == 0 {
                    "-".into()
                } else {
                    format!("{:+.4}", c.delta)
                },
                serde_json::to_string(&c.params).unwrap_or_default(),
            ]
        })
        .collect()
}

const HEADER: [&str; 6] = [
    "CANDIDATE",
    "HASH",
    "TRAIN",
    "HELD-OUT",
    "Δ HELD-OUT",
    "PARAMS",
];

fn headline(r: &Report) -> String {
    let l = &r.lift;
    format!(
        "{}: best on train vs baseline on {} held-out scenarios (paired): {:+.4}, 95% interval [{:+.4}, {:+.4}]",
        r.verdict, l.n, l.mean, l.low, l.high
    )
}

fn text(r: &Report) -> String {
    let c = &r.evaluations;
    let mut s = format!(
        "{} training and {} held-out scenarios; {} of {} candidates evaluated (seed {})\n\
         evaluations: {} run, {} from the cache, {} crashed, {} timed out\n{}\n{}",
        r.train_scenarios.len(),
        r.held_out_scenarios.len(),
        r.candidates_evaluated,
        r.budget,
        r.seed,
        c.run,
        c.cached,
        c.crash,
        c.timeout,
        headline(r),
        text_table(&HEADER, &rows(r))
    );
    for f in r.failures.iter().take(10) {
        s += &format!(
            "\n{} on candidate {} scenario {}: {}",
            match f.status {
                Status::Crash => "crash",
                Status::Timeout => "timeout",
                Status::Ok => "ok",
            },
            f.candidate,
            one_line(&f.scenario),
            one_line(&f.detail)
        );
    }
    if r.failures.len() > 10 {
        s += &format!(
            "\n… and {} more failed evaluations (--json lists them)",
            r.failures.len() - 10
        );
    }
    if !r.deployed.is_empty() {
        s += &format!("\ndeployed as arms: {}", r.deployed.join(", "));
    }
    if let Some(n) = &r.not_deployed {
        s += &format!("\n{n}");
    }
    s
}

fn markdown(r: &Report) -> String {
    format!(
        "### maestro evolve\n\n{}\n\n{}\n{}",
        headline(r),
        table(&HEADER, &rows(r)),
        if r.deployed.is_empty() {
            String::new()
        } else {
            format!(
                "\nDeployed as router arms: {}\n",
                r.deployed
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    )
}
