//! `maestro scale simulate | plan | manifest | observe`.

use super::Ctx;
use crate::error::{input, Result};
use crate::output::safe::one_line;
use crate::scale::manifest::{Redis, Spec};
use crate::scale::observe::Observation;
use crate::scale::plan::{Plan, Request};
use crate::scale::sim::{self, Arrivals, Scaling, Service, Settings};
use crate::units::parse_duration;
use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::PathBuf;

/// `maestro scale …`.
#[derive(Debug, Subcommand)]
pub enum ScaleCommand {
    /// Simulate the worker queue under KEDA and the HPA (or fixed pods):
    /// queue wait p50/p95/p99, replica-hours, cost, hours the budget binds.
    Simulate(SimulateArgs),
    /// The cheapest listLength / pollingInterval / minReplicaCount that meets
    /// a queue-wait p95 target under the budget, or the per-pod throughput
    /// that would.
    Plan(PlanArgs),
    /// A KEDA ScaledObject for the workers' BullMQ queue, its settings from a
    /// plan (given an arrival model) or the flags, maxReplicaCount capped by
    /// the budget, validated against KEDA's CRD.
    Manifest(ManifestArgs),
    /// What KEDA's scaler sees for a BullMQ queue now: waiting and
    /// prioritized jobs and the oldest one's age, from a running redis.
    Observe(ObserveArgs),
}

/// `scale observe`.
#[derive(Debug, Args)]
pub struct ObserveArgs {
    /// redis URL: redis://[user:password@]host:port[/db], rediss:// for TLS.
    #[arg(long, env = "MAESTRO_REDIS_URL")]
    pub redis: String,
    /// The BullMQ queue.
    #[arg(long)]
    pub queue: String,
    /// BullMQ's key prefix.
    #[arg(long, default_value = "bull")]
    pub prefix: String,
    /// Give up (exit 3) when redis does not answer within this long.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Also show the replicas KEDA would want at this listLength.
    #[arg(long)]
    pub list_length: Option<u64>,
}

/// `scale manifest`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("redis").required(true).args(["redis_address", "redis_address_from_env"]))]
pub struct ManifestArgs {
    /// The BullMQ queue the workers take jobs from.
    #[arg(long)]
    pub queue: String,
    /// The Deployment of the workers.
    #[arg(long)]
    pub deployment: String,
    /// The ScaledObject's name (default: the deployment's).
    #[arg(long)]
    pub name: Option<String>,
    /// Its namespace.
    #[arg(long)]
    pub namespace: Option<String>,
    /// BullMQ's key prefix.
    #[arg(long, default_value = "bull")]
    pub prefix: String,
    /// BullMQ's major version: from 4, prioritized jobs wait in a sorted set
    /// that is counted too.
    #[arg(long, default_value_t = 5)]
    pub bullmq_version: u32,
    /// redis as host:port.
    #[arg(long)]
    pub redis_address: Option<String>,
    /// The workers' environment variable that holds redis's host:port.
    #[arg(long)]
    pub redis_address_from_env: Option<String>,
    /// The workers' environment variable that holds the redis password.
    #[arg(long)]
    pub password_from_env: Option<String>,
    /// Connect to redis with TLS.
    #[arg(long)]
    pub tls: bool,
    /// The plan's search and target; with no arrival model the settings come
    /// from --list-length, --polling, --min-replicas and --max-replicas.
    #[command(flatten)]
    pub plan: PlanArgs,
}

/// `scale plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Target queue-wait p95.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub target_p95: std::time::Duration,
    /// listLength values to try (default 1,2,3,5,10,20,50).
    #[arg(long = "try-list-length", value_delimiter = ',')]
    pub try_list_length: Vec<f64>,
    /// pollingInterval values to try (default 5s,10s,30s).
    #[arg(long = "try-polling", value_delimiter = ',', value_parser = parse_duration)]
    pub try_polling: Vec<std::time::Duration>,
    /// minReplicaCount values to try (default 0,1,2,5).
    #[arg(long = "try-min-replicas", value_delimiter = ',')]
    pub try_min_replicas: Vec<u32>,
    /// Seeds per configuration; its p95 is the worst of them.
    #[arg(long, default_value_t = 3)]
    pub seeds: u64,
    /// The load, the pods and the budget.
    #[command(flatten)]
    pub sim: SimulateArgs,
}

/// `scale simulate`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("arrivals").args(["poisson", "bursty", "trace"]))]
pub struct SimulateArgs {
    /// Poisson arrivals at RATE jobs per second, or per minute or hour with
    /// a unit: 2, 30/m, 1000/h.
    #[arg(long, value_name = "RATE")]
    pub poisson: Option<String>,
    /// Bursts: HIGH,LOW,BURST,CALM: rates in and between bursts, and the
    /// mean lengths of each (e.g. 2/s,6/m,10m,30m).
    #[arg(long, value_name = "HIGH,LOW,BURST,CALM")]
    pub bursty: Option<String>,
    /// Enqueue times, one per line (Unix seconds or RFC 3339), or CSV with a
    /// `timestamp` column.
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Mean service time of one job on one pod.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub service_mean: std::time::Duration,
    /// Coefficient of variation of service times: 1 exponential, 0 fixed,
    /// others lognormal.
    #[arg(long, default_value_t = 1.0)]
    pub service_cv: f64,
    /// Simulated time (a trace runs to its last job).
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    pub duration: std::time::Duration,
    /// A fixed number of pods instead of autoscaling.
    #[arg(long, conflicts_with_all = ["list_length", "min_replicas", "max_replicas"])]
    pub pods: Option<u32>,
    /// KEDA listLength: jobs waiting per replica.
    #[arg(long)]
    pub list_length: Option<f64>,
    /// KEDA pollingInterval.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub polling: std::time::Duration,
    /// KEDA cooldownPeriod (scale to zero after this long idle, with --min-replicas 0).
    #[arg(long, default_value = "300s", value_parser = parse_duration)]
    pub cooldown: std::time::Duration,
    /// minReplicaCount.
    #[arg(long)]
    pub min_replicas: Option<u32>,
    /// maxReplicaCount (capped further by [budget] daily_usd and --cost-per-replica-hour).
    #[arg(long)]
    pub max_replicas: Option<u32>,
    /// Pod start latency.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub start_latency: std::time::Duration,
    /// USD per replica-hour.
    #[arg(long, default_value_t = 0.0)]
    pub cost_per_replica_hour: f64,
    /// RNG seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The most jobs one simulation may generate.
const MAX_JOBS: f64 = 5e7;

/// A rate: a number of jobs per second, or per `/m` or `/h`.
fn rate(s: &str) -> std::result::Result<f64, String> {
    let (num, per) = match s.trim().split_once('/') {
        Some((n, u)) => (n, u.trim()),
        None => (s.trim(), "s"),
    };
    let div = match per {
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("`{s}`: the unit is /s, /m or /h")),
    };
    match num.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x / div),
        _ => Err(format!("`{s}` is not a rate (e.g. 2, 30/m, 1000/h)")),
    }
}

/// Reads enqueue times, shifted so the first is 0.
fn trace(text: &str, name: &str) -> Result<Vec<f64>> {
    let mut lines = text.lines().enumerate().peekable();
    let mut col = None;
    if let Some((_, first)) = lines.peek() {
        if first.contains("timestamp") {
            col = first.split(',').position(|h| h.trim() == "timestamp");
            lines.next();
        }
    }
    let mut times = Vec::new();
    for (i, line) in lines {
        let field = match col {
            Some(c) => line.split(',').nth(c).unwrap_or(""),
            None => line,
        };
        if field.trim().is_empty() {
            continue;
        }
        let t = crate::slo::input::parse_time(field).ok_or_else(|| {
            input(format!(
                "{name}:{}: `{}` is neither Unix seconds nor RFC 3339",
                i + 1,
                crate::output::safe::one_line(field.trim())
            ))
        })?;
        times.push(t as f64 / 1000.0);
    }
    if times.is_empty() {
        return Err(input(format!("{name}: no enqueue times")));
    }
    times.sort_by(f64::total_cmp);
    let t0 = times[0];
    Ok(times.into_iter().map(|t| t - t0).collect())
}

#[derive(Serialize)]
struct Simulated {
    arrivals: String,
    service_mean_s: f64,
    service_cv: f64,
    scaling: Option<Scaling>,
    pods: Option<u32>,
    budget_replicas: Option<u32>,
    #[serde(flatten)]
    report: sim::Report,
}

/// Runs a `scale` subcommand.
pub fn exec(ctx: &Ctx, cmd: ScaleCommand) -> Result<i32> {
    match cmd {
        ScaleCommand::Simulate(a) => simulate(ctx, &a),
        ScaleCommand::Plan(p) => plan(ctx, &p),
        ScaleCommand::Manifest(m) => manifest(ctx, &m),
        ScaleCommand::Observe(o) => observe(ctx, &o),
    }
}

/// The arrival model the flags describe, and it in words.
fn arrivals(ctx: &Ctx, a: &SimulateArgs) -> Result<Option<(Arrivals, String)>> {
    Ok(Some(match (&a.poisson, &a.bursty, &a.trace) {
        (Some(r), _, _) => {
            let r = rate(r).map_err(|e| input(format!("--poisson {e}")))?;
            (Arrivals::Poisson(r), format!("Poisson, {:.4} jobs/s", r))
        }
        (_, Some(b), _) => {
            let parts: Vec<&str> = b.split(',').collect();
            let [high, low, burst, calm] = parts.as_slice() else {
                return Err(input(format!(
                    "--bursty `{b}`: expected HIGH,LOW,BURST,CALM"
                )));
            };
            let r = |x: &str| rate(x).map_err(|e| input(format!("--bursty {e}")));
            let d = |x: &str| {
                parse_duration(x)
                    .map(|d| d.as_secs_f64())
                    .map_err(|e| input(format!("--bursty {e}")))
            };
            let (h, l, hs, ls) = (r(high)?, r(low)?, d(burst)?, d(calm)?);
            (
                Arrivals::Bursty {
                    high: h,
                    low: l,
                    high_s: hs,
                    low_s: ls,
                },
                format!(
                    "bursts of {h:.4} jobs/s (mean {hs} s) between {l:.4} jobs/s (mean {ls} s)"
                ),
            )
        }
        (_, _, Some(p)) => {
            let name = p.display().to_string();
            let t = trace(&ctx.read_file(p)?, &name)?;
            let n = t.len();
            (Arrivals::Trace(t), format!("trace {name}, {n} jobs"))
        }
        _ => return Ok(None),
    }))
}

/// Replicas the daily budget affords: floor(daily / (24 × cost per replica-hour)).
fn budget_replicas(ctx: &Ctx, a: &SimulateArgs) -> Result<Option<u32>> {
    if !(a.cost_per_replica_hour.is_finite() && a.cost_per_replica_hour >= 0.0) {
        return Err(input("--cost-per-replica-hour must be ≥ 0"));
    }
    Ok(
        match (ctx.cfg().budget.daily_usd, a.cost_per_replica_hour) {
            (Some(d), c) if c > 0.0 => Some((d / (24.0 * c)).floor().min(1e6) as u32),
            _ => None,
        },
    )
}

/// The autoscaling the flags describe (none with --pods), capped by the budget.
fn scaling(a: &SimulateArgs, budget_replicas: Option<u32>) -> Result<Option<Scaling>> {
    if a.pods.is_some() {
        return Ok(None);
    }
    let d = Scaling::default();
    let max = a.max_replicas.unwrap_or(d.max_replicas);
    let max = budget_replicas.map_or(max, |b| max.min(b));
    let s = Scaling {
        list_length: a.list_length.unwrap_or(d.list_length),
        polling: a.polling.as_secs_f64(),
        cooldown: a.cooldown.as_secs_f64(),
        min_replicas: a.min_replicas.unwrap_or(d.min_replicas).min(max),
        max_replicas: max,
        start_latency: a.start_latency.as_secs_f64(),
        ..d
    };
    if s.list_length.is_nan() || s.list_length <= 0.0 {
        return Err(input("--list-length must be > 0"));
    }
    Ok(Some(s))
}

/// The simulation the flags describe, and the arrivals in words.
fn settings(ctx: &Ctx, a: &SimulateArgs) -> Result<(Settings, String)> {
    let (arrivals, described) = arrivals(ctx, a)?.ok_or_else(|| {
        input("give the arrivals: --poisson RATE, --bursty HIGH,LOW,BURST,CALM or --trace FILE")
    })?;
    // A bound on the work: the simulation keeps every wait to report percentiles.
    let peak_rate = match &arrivals {
        Arrivals::Poisson(r) => *r,
        Arrivals::Bursty { high, low, .. } => high.max(*low),
        Arrivals::Trace(_) => 0.0,
    };
    if peak_rate * a.duration.as_secs_f64() > MAX_JOBS {
        return Err(input(format!(
            "{described} for {} s would simulate more than {MAX_JOBS} jobs; shorten --duration",
            a.duration.as_secs()
        )));
    }
    if !(a.service_cv.is_finite() && a.service_cv >= 0.0) {
        return Err(input("--service-cv must be ≥ 0"));
    }
    let budget_replicas = budget_replicas(ctx, a)?;
    let scaling = scaling(a, budget_replicas)?;
    let pods = a
        .pods
        .unwrap_or_else(|| scaling.map_or(1, |s| s.min_replicas));
    if a.pods == Some(0) {
        return Err(input("--pods must be at least 1"));
    }
    let settings = Settings {
        arrivals,
        service: Service {
            mean: a.service_mean.as_secs_f64(),
            cv: a.service_cv,
        },
        scaling,
        pods,
        horizon: a.duration.as_secs_f64(),
        cost_per_replica_hour: a.cost_per_replica_hour,
        budget_replicas,
        seed: a.seed,
        warmup_jobs: 0,
    };
    Ok((settings, described))
}

fn simulate(ctx: &Ctx, a: &SimulateArgs) -> Result<i32> {
    let (settings, described) = settings(ctx, a)?;
    let (scaling, pods, budget_replicas) =
        (settings.scaling, settings.pods, settings.budget_replicas);
    let report = sim::simulate(&settings);
    let text = format!(
        "{described}; service {} s (cv {}); {}\n\
         jobs {}, queue wait p50 {:.1} s, p95 {:.1} s, p99 {:.1} s, mean {:.1} s\n\
         replica-hours {:.2}, cost ${:.2}, peak {} pods{}",
        settings.service.mean,
        settings.service.cv,
        match &scaling {
            Some(s) => format!(
                "KEDA listLength {}, polling {} s, {}–{} replicas, start {} s",
                s.list_length, s.polling, s.min_replicas, s.max_replicas, s.start_latency
            ),
            None => format!("{pods} fixed pods"),
        },
        report.jobs,
        report.wait_p50,
        report.wait_p95,
        report.wait_p99,
        report.wait_mean,
        report.replica_hours,
        report.cost_usd,
        report.peak_replicas,
        match (&budget_replicas, report.budget_bound_hours.is_empty()) {
            (Some(b), false) => format!(
                "\nthe daily budget ({b} replicas) binds in hours {:?}",
                report.budget_bound_hours
            ),
            (Some(b), true) => format!("\nthe daily budget ({b} replicas) never binds"),
            _ => String::new(),
        }
    );
    ctx.out.outputs(&[
        ("wait_p95", format!("{:.3}", report.wait_p95)),
        ("cost_usd", format!("{:.4}", report.cost_usd)),
    ])?;
    let out = Simulated {
        arrivals: described,
        service_mean_s: settings.service.mean,
        service_cv: settings.service.cv,
        scaling,
        pods: a.pods,
        budget_replicas,
        report,
    };
    ctx.out.result(&out, &text, None)?;
    Ok(0)
}

/// Runs the plan's search: the request, the plan, and the plan in words.
fn search(ctx: &Ctx, p: &PlanArgs) -> Result<(Request, Plan, String)> {
    if p.sim.pods.is_some() {
        return Err(input(
            "scale plan searches autoscaling settings; drop --pods",
        ));
    }
    let (base, described) = settings(ctx, &p.sim)?;
    let or = |v: &[f64], d: &[f64]| if v.is_empty() { d.to_vec() } else { v.to_vec() };
    let list_lengths = or(&p.try_list_length, &[1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0]);
    if list_lengths.iter().any(|&l| l.is_nan() || l <= 0.0) {
        return Err(input("--try-list-length values must be > 0"));
    }
    let pollings: Vec<f64> = if p.try_polling.is_empty() {
        vec![5.0, 10.0, 30.0]
    } else {
        p.try_polling.iter().map(|d| d.as_secs_f64()).collect()
    };
    let min_replicas = if p.try_min_replicas.is_empty() {
        vec![0, 1, 2, 5]
    } else {
        p.try_min_replicas.clone()
    };
    let target = p.target_p95.as_secs_f64();
    let req = Request {
        base,
        target_p95: target,
        list_lengths,
        pollings,
        min_replicas,
        seeds: p.seeds,
    };
    let plan = crate::scale::plan::plan(&req);
    let line = |c: &crate::scale::plan::Candidate| {
        format!(
            "listLength {}, pollingInterval {} s, {}–{} replicas: p95 {:.1} s, {:.1} replica-hours, ${:.2}",
            c.list_length, c.polling, c.min_replicas, c.max_replicas, c.wait_p95, c.replica_hours, c.cost_usd
        )
    };
    let mut text = format!(
        "{described}; service {} s; target p95 {target} s; {} configurations × {} seeds\n",
        req.base.service.mean,
        plan.tried.len(),
        req.seeds.max(1)
    );
    match (&plan.best, plan.needed_throughput) {
        (Some(b), _) => text += &format!("cheapest that meets it: {}", line(b)),
        (None, Some(t)) => {
            text += &format!(
                "none meets it; the fastest, {}\nit would meet it at {:.4} jobs/s per pod ({:.1} s a job; now {:.4} jobs/s, {:.1} s)",
                line(&plan.tried[0]),
                t,
                1.0 / t,
                plan.throughput,
                1.0 / plan.throughput
            )
        }
        (None, None) => {
            text += &format!(
                "none meets it, and none would with pods up to 100× faster; the fastest: {}",
                plan.tried.first().map(line).unwrap_or_default()
            )
        }
    }
    Ok((req, plan, text))
}

fn plan(ctx: &Ctx, p: &PlanArgs) -> Result<i32> {
    let (_, plan, text) = search(ctx, p)?;
    ctx.out
        .outputs(&[("meets", plan.best.is_some().to_string())])?;
    ctx.out.result(&plan, &text, None)?;
    Ok(if plan.best.is_some() { 0 } else { 1 })
}

/// `scale manifest`'s result.
#[derive(Serialize)]
struct Manifest {
    manifest: serde_json::Value,
    budget_replicas: Option<u32>,
    plan: Option<Plan>,
}

fn manifest(ctx: &Ctx, m: &ManifestArgs) -> Result<i32> {
    let sim = &m.plan.sim;
    if sim.pods.is_some() {
        return Err(input(
            "scale manifest writes autoscaling settings; drop --pods",
        ));
    }
    let budget_replicas = budget_replicas(ctx, sim)?;
    let (scaling, plan, why) = match arrivals(ctx, sim)? {
        Some(_) => {
            let (req, plan, text) = search(ctx, &m.plan)?;
            let Some(best) = plan.best else {
                ctx.out.outputs(&[("meets", "false".into())])?;
                ctx.out
                    .result(&plan, &format!("no manifest: {text}"), None)?;
                return Ok(1);
            };
            let base = req.base.scaling.expect("plan settings autoscale");
            let s = Scaling {
                list_length: best.list_length,
                polling: best.polling,
                min_replicas: best.min_replicas,
                max_replicas: best.max_replicas,
                ..base
            };
            let why = format!(
                "# From `maestro scale plan`: simulated queue-wait p95 {:.1} s (target {} s), {:.1} replica-hours a day, ${:.2}.",
                best.wait_p95,
                req.target_p95,
                best.replica_hours * 86400.0 / req.base.horizon.max(1.0),
                best.cost_usd * 86400.0 / req.base.horizon.max(1.0)
            );
            (s, Some(plan), why)
        }
        None => {
            if sim.list_length.is_none() {
                return Err(input(
                    "give an arrival model (--poisson, --bursty or --trace) for a plan, or --list-length to pin the settings",
                ));
            }
            let s = scaling(sim, budget_replicas)?.expect("no --pods");
            (s, None, "# Settings as given (not planned).".to_string())
        }
    };
    let spec = Spec {
        name: m.name.clone().unwrap_or_else(|| m.deployment.clone()),
        namespace: m.namespace.clone(),
        deployment: m.deployment.clone(),
        queue: m.queue.clone(),
        prefix: m.prefix.clone(),
        bullmq_major: m.bullmq_version,
        redis: match (&m.redis_address, &m.redis_address_from_env) {
            (Some(a), _) => Redis::Address(a.clone()),
            (None, Some(e)) => Redis::AddressFromEnv(e.clone()),
            (None, None) => unreachable!("clap requires one"),
        },
        password_from_env: m.password_from_env.clone(),
        tls: m.tls,
        scaling,
    };
    let doc = crate::scale::manifest::build(&spec)?;
    let problems = crate::scale::manifest::validate(&doc)?;
    if !problems.is_empty() {
        // maestro built something KEDA would refuse: a bug, never printed.
        anyhow::bail!(
            "the manifest does not match KEDA's ScaledObject schema: {}",
            problems.join("; ")
        );
    }
    let cap = match budget_replicas {
        Some(b) => format!(
            "# maxReplicaCount {} = min(--max-replicas, {b} that the daily budget affords at ${}/replica-hour).",
            scaling.max_replicas, sim.cost_per_replica_hour
        ),
        None => format!(
            "# maxReplicaCount {}: no budget cap ([budget] daily_usd and --cost-per-replica-hour not both set).",
            scaling.max_replicas
        ),
    };
    let yaml = format!(
        "# Generated by maestro scale manifest; validated against KEDA v2.20 ScaledObject CRD.\n{why}\n{cap}\n{}",
        crate::scale::manifest::to_yaml(&doc)?
    );
    ctx.out.outputs(&[
        ("meets", "true".into()),
        ("max_replicas", scaling.max_replicas.to_string()),
        ("list_length", scaling.list_length.to_string()),
    ])?;
    let out = Manifest {
        manifest: doc,
        budget_replicas,
        plan,
    };
    ctx.out.result(&out, yaml.trim_end(), None)?;
    Ok(0)
}

/// `scale observe`'s result.
#[derive(Serialize)]
struct Observed {
    #[serde(flatten)]
    observation: Observation,
    list_length: Option<u64>,
    desired_replicas: Option<u64>,
}

fn observe(ctx: &Ctx, o: &ObserveArgs) -> Result<i32> {
    if o.list_length == Some(0) {
        return Err(input("--list-length must be at least 1"));
    }
    let obs = crate::scale::observe::observe(&o.redis, &o.prefix, &o.queue, o.timeout)?;
    let desired = o.list_length.map(|l| obs.waiting.div_ceil(l));
    let secs = |x: Option<f64>| x.map_or("-".to_string(), |s| format!("{s:.1} s"));
    let mut text = format!(
        "queue {}: {} waiting ({} in wait, {} prioritized), {} active, {} delayed{}\n\
         oldest waiting {} (next in wait {}, oldest prioritized {})",
        one_line(&obs.queue),
        obs.waiting,
        obs.wait,
        obs.prioritized,
        obs.active,
        obs.delayed,
        if obs.paused {
            format!(", PAUSED ({} in paused)", obs.paused_jobs)
        } else {
            String::new()
        },
        secs(obs.oldest_age_s),
        secs(obs.next_wait_age_s),
        secs(obs.oldest_prioritized_age_s),
    );
    if let (Some(l), Some(d)) = (o.list_length, desired) {
        text += &format!(
            "\nat listLength {l} KEDA wants {d} replicas (ceil({} / {l}))",
            obs.waiting
        );
    }
    ctx.out.outputs(&[
        ("waiting", obs.waiting.to_string()),
        (
            "oldest_age_s",
            obs.oldest_age_s
                .map_or(String::new(), |a| format!("{a:.3}")),
        ),
    ])?;
    let out = Observed {
        observation: obs,
        list_length: o.list_length,
        desired_replicas: desired,
    };
    ctx.out.result(&out, &text, None)?;
    Ok(0)
}
