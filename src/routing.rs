//! Routing operations on the state store: `route`, `report`, arms,
//! downshift and statistics. Each write is one transaction; the bandit
//! itself lives in [`crate::bandit`].

use crate::bandit::replay::fnv1a;
use crate::bandit::{policy, Evidence, Posterior, Prior, Rule};
use crate::config::{ArmConfig, Config, Tier};
use crate::error::{input, Result};
use crate::state::{append_event, get_meta, set_meta, Appended, Store};
use rand::Rng;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The moment an operation happens.
#[derive(Clone, Debug)]
pub struct Clock {
    /// Unix time in milliseconds.
    pub now_ms: i64,
    /// UTC date `YYYY-MM-DD`, the budget's day.
    pub day: String,
}

impl Clock {
    /// The current wall-clock time.
    pub fn now() -> Clock {
        Clock::of(time::OffsetDateTime::now_utc())
    }

    /// The moment `ms` milliseconds after the Unix epoch, or `None` out of range.
    pub fn at_ms(ms: i64) -> Option<Clock> {
        let nanos = i128::from(ms) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .map(Clock::of)
    }

    fn of(t: time::OffsetDateTime) -> Clock {
        Clock {
            now_ms: (t.unix_timestamp_nanos() / 1_000_000) as i64,
            day: t.date().to_string(),
        }
    }
}

/// An arm known to the router.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Arm {
    /// Arm id.
    pub id: String,
    /// Model tier.
    pub tier: Tier,
    /// Prior pseudo-observations.
    pub prior: Prior,
    /// `config` or `state` (added with `arms add`).
    pub origin: &'static str,
    /// Retired arms are never routed to.
    pub retired: bool,
}

/// Every arm: state rows (added or retired with `arms`) over config entries.
pub fn all_arms(conn: &Connection, cfg: &Config) -> Result<Vec<Arm>> {
    let mut stmt = conn.prepare("SELECT id, tier, prior_eval, prior_cost, prior_weight, retired_at_ms FROM arms ORDER BY id")?;
    let mut by_id: BTreeMap<String, Arm> = BTreeMap::new();
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<f64>>(2)?,
            r.get::<_, Option<f64>>(3)?,
            r.get::<_, f64>(4)?,
            r.get::<_, Option<i64>>(5)?,
        ))
    })?;
    for row in rows {
        let (id, tier, eval, cost, weight, retired) = row?;
        let tier = Tier::parse(&tier)
            .ok_or_else(|| input(format!("state: arm `{id}` has unknown tier `{tier}`")))?;
        by_id.insert(
            id.clone(),
            Arm {
                id,
                tier,
                prior: Prior { eval, cost, weight },
                origin: "state",
                retired: retired.is_some(),
            },
        );
    }
    for a in &cfg.arms {
        by_id.entry(a.id.clone()).or_insert_with(|| Arm {
            id: a.id.clone(),
            tier: a.tier,
            prior: a.prior(),
            origin: "config",
            retired: false,
        });
    }
    Ok(by_id.into_values().collect())
}

fn active_arms(conn: &Connection, cfg: &Config) -> Result<Vec<Arm>> {
    let arms: Vec<Arm> = all_arms(conn, cfg)?
        .into_iter()
        .filter(|a| !a.retired)
        .collect();
    if arms.is_empty() {
        return Err(input("no active arms: declare [[arms]] in maestro.toml or run `maestro arms add ID --tier TIER`"));
    }
    Ok(arms)
}

/// Statistics stored per arm.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ArmStats {
    /// Decisions routed to the arm.
    pub pulls: i64,
    /// Outcomes reported for the arm.
    pub reports: i64,
    /// Sum of reported evals.
    pub eval_sum: f64,
    /// Sum of reported costs.
    pub cost_sum: f64,
    /// Decayed evidence.
    pub evidence: Evidence,
}

/// Reads one arm's statistics (zero when never used).
pub fn arm_stats(conn: &Connection, arm: &str) -> Result<ArmStats> {
    Ok(conn
        .query_row(
            "SELECT pulls, reports, eval_sum, cost_sum, ev_clock, ev_successes, ev_failures, ev_cost_weight, ev_cost_mean, ev_cost_m2
             FROM arm_stats WHERE arm = ?1",
            [arm],
            |r| {
                Ok(ArmStats {
                    pulls: r.get(0)?,
                    reports: r.get(1)?,
                    eval_sum: r.get(2)?,
                    cost_sum: r.get(3)?,
                    evidence: Evidence {
                        clock: r.get::<_, i64>(4)? as u64,
                        successes: r.get(5)?,
                        failures: r.get(6)?,
                        cost_weight: r.get(7)?,
                        cost_mean: r.get(8)?,
                        cost_m2: r.get(9)?,
                    },
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

fn save_arm_stats(tx: &Transaction, arm: &str, s: &ArmStats) -> Result<()> {
    tx.execute(
        "INSERT INTO arm_stats (arm, pulls, reports, eval_sum, cost_sum, ev_clock, ev_successes, ev_failures, ev_cost_weight, ev_cost_mean, ev_cost_m2)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(arm) DO UPDATE SET pulls = excluded.pulls, reports = excluded.reports, eval_sum = excluded.eval_sum,
           cost_sum = excluded.cost_sum, ev_clock = excluded.ev_clock, ev_successes = excluded.ev_successes,
           ev_failures = excluded.ev_failures, ev_cost_weight = excluded.ev_cost_weight,
           ev_cost_mean = excluded.ev_cost_mean, ev_cost_m2 = excluded.ev_cost_m2",
        params![
            arm,
            s.pulls,
            s.reports,
            s.eval_sum,
            s.cost_sum,
            s.evidence.clock as i64,
            s.evidence.successes,
            s.evidence.failures,
            s.evidence.cost_weight,
            s.evidence.cost_mean,
            s.evidence.cost_m2
        ],
    )?;
    Ok(())
}

/// The decision clock: how many decisions have been made.
fn decision_clock(conn: &Connection) -> Result<u64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM decisions", [], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}

fn posteriors(
    conn: &Connection,
    arms: &[Arm],
    clock: u64,
    half_life: f64,
) -> Result<Vec<(Posterior, ArmStats)>> {
    arms.iter()
        .map(|a| {
            let s = arm_stats(conn, &a.id)?;
            Ok((
                Posterior::new(&a.prior, &s.evidence.at(clock, half_life)),
                s,
            ))
        })
        .collect()
}

/// An alternative the router considered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    /// Arm id.
    pub arm: String,
    /// Model tier.
    pub tier: Tier,
    /// Probability of being the best arm under the posterior.
    pub p_best: f64,
    /// Posterior mean eval.
    pub mean_eval: f64,
    /// Posterior mean cost in USD (`null` while unknown).
    pub mean_cost: Option<f64>,
    /// Outcomes reported for the arm.
    pub n: i64,
}

/// Whether routing is restricted to the downshift tiers, and why.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Downshift {
    /// Routing is restricted.
    pub active: bool,
    /// Why, in words.
    pub reason: Option<String>,
}

/// A routing decision, as printed by `route --json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Unique decision id; `report --decision` takes it.
    pub decision_id: String,
    /// The task routed.
    pub task: String,
    /// The chosen arm.
    pub arm: String,
    /// Its tier.
    pub tier: Tier,
    /// The pick was not the greedy arm.
    pub explored: bool,
    /// Probability that the policy made this pick (for off-policy evaluation).
    pub propensity: f64,
    /// The arm with the best posterior means.
    pub greedy_arm: String,
    /// The exploration cap overrode the sampled arm.
    pub capped: bool,
    /// The decision rule that made the pick.
    #[serde(default)]
    pub rule: Rule,
    /// The objective, in words.
    pub objective: String,
    /// Every eligible arm, best first.
    pub alternatives: Vec<Alternative>,
    /// Downshift state at decision time.
    pub downshift: Downshift,
    /// Task context given with `--context`.
    pub context: BTreeMap<String, String>,
    /// Decision time, Unix milliseconds.
    pub created_at_ms: i64,
    /// This is an earlier pending decision returned again.
    #[serde(default)]
    pub reused: bool,
}

/// What `route` is asked.
#[derive(Clone, Debug)]
pub struct RouteRequest {
    /// Task id.
    pub task: String,
    /// Context pairs.
    pub context: BTreeMap<String, String>,
    /// Force a fresh decision even if one is pending.
    pub fresh: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct ManualDownshift {
    active: bool,
    reason: String,
    actor: String,
    at_ms: i64,
}

fn manual_downshift(conn: &Connection) -> Result<Option<ManualDownshift>> {
    match get_meta(conn, "downshift")? {
        None => Ok(None),
        Some(s) => Ok(serde_json::from_str::<ManualDownshift>(&s)
            .ok()
            .filter(|d| d.active)),
    }
}

/// USD reported as spent on `day`.
pub fn spend_on(conn: &Connection, day: &str) -> Result<f64> {
    Ok(conn
        .query_row("SELECT usd FROM daily_spend WHERE day = ?1", [day], |r| {
            r.get(0)
        })
        .optional()?
        .unwrap_or(0.0))
}

fn audit(tx: &Transaction, at_ms: i64, active: bool, reason: &str, actor: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO downshift_audit (at_ms, active, reason, actor) VALUES (?1, ?2, ?3, ?4)",
        params![at_ms, active, reason, actor],
    )?;
    Ok(())
}

/// Records a budget-pressure transition in the audit table, once per change.
fn note_budget_pressure(tx: &Transaction, clock: &Clock, reason: Option<&str>) -> Result<()> {
    let key = "budget_pressure";
    let was = get_meta(tx, key)?;
    let now = reason.map(|_| clock.day.clone());
    if was != now {
        match (reason, &now) {
            (Some(r), Some(day)) => {
                audit(tx, clock.now_ms, true, r, "budget")?;
                set_meta(tx, key, day)?;
            }
            _ => {
                if was.is_some() {
                    audit(
                        tx,
                        clock.now_ms,
                        false,
                        "budget: spend back under the daily ceiling",
                        "budget",
                    )?;
                }
                tx.execute("DELETE FROM meta WHERE key = ?1", [key])?;
            }
        }
    }
    Ok(())
}

/// Picks an arm for a task, or returns the task's pending decision.
pub fn route<R: Rng>(
    store: &mut Store,
    cfg: &Config,
    req: &RouteRequest,
    clock: &Clock,
    rng: &mut R,
) -> Result<Decision> {
    if req.task.trim().is_empty() {
        return Err(input("--task must not be empty"));
    }
    store.write(|tx| {
        let pending: Option<(String, String)> = tx
            .query_row(
                "SELECT d.id, e.payload FROM decisions d JOIN events e ON e.idem_key = 'route:' || d.id
                 WHERE d.task = ?1 AND d.status = 'pending' ORDER BY d.seq DESC LIMIT 1",
                [&req.task],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, body)) = pending {
            if !req.fresh {
                let mut d: Decision =
                    serde_json::from_str(&body).map_err(|e| input(format!("state: decision {id} is unreadable: {e}")))?;
                d.reused = true;
                return Ok(d);
            }
            tx.execute("UPDATE decisions SET status = 'superseded' WHERE task = ?1 AND status = 'pending'", [&req.task])?;
        }

        let r = &cfg.router;
        let arms = active_arms(tx, cfg)?;
        let t = decision_clock(tx)?;
        let posts = posteriors(tx, &arms, t, r.half_life)?;

        // Manual downshift first, then budget pressure.
        let mut reason = manual_downshift(tx)?.map(|m| format!("downshift on: {} (by {})", m.reason, m.actor));
        let spent = spend_on(tx, &clock.day)?;
        let mut budget_reason = None;
        if let Some(limit) = cfg.budget.daily_usd {
            if spent >= limit {
                budget_reason = Some(format!("budget: spent ${spent:.2} of ${limit:.2} today"));
            }
        }
        let recent: u32 = tx.query_row(
            "SELECT COALESCE(SUM(explored), 0) FROM (SELECT explored FROM decisions ORDER BY seq DESC LIMIT ?1)",
            [i64::from(r.window.saturating_sub(1))],
            |row| row.get(0),
        )?;
        let observed: Vec<Evidence> = posts.iter().map(|p| p.1.evidence.at(t, r.half_life)).collect();
        let objective = r.objective().paced(&observed, r.window);
        let in_tiers = |a: &Arm| r.downshift_tiers.contains(&a.tier);
        let restrict = |reason: &Option<String>| -> Vec<usize> {
            let all: Vec<usize> = (0..arms.len()).collect();
            if reason.is_none() {
                return all;
            }
            let some: Vec<usize> = all.iter().copied().filter(|&i| in_tiers(&arms[i])).collect();
            if some.is_empty() {
                all
            } else {
                some
            }
        };
        let choose = |eligible: &[usize], rng: &mut R| {
            let ps: Vec<Posterior> = eligible.iter().map(|&i| posts[i].0).collect();
            policy::pick(r.policy, &objective, &ps, r.cap(), recent, policy::DRAWS, rng)
        };
        if reason.is_none() && budget_reason.is_some() {
            reason = budget_reason.clone();
        }
        let mut eligible = restrict(&reason);
        let mut pick = choose(&eligible, rng);
        if reason.is_none() {
            if let Some(limit) = cfg.budget.daily_usd {
                let expected = posts[eligible[pick.arm]].0.mean_cost();
                if spent + expected > limit {
                    budget_reason = Some(format!(
                        "budget: ${spent:.2} spent today + ${expected:.2} expected for {} would pass the ${limit:.2} ceiling",
                        arms[eligible[pick.arm]].id
                    ));
                    reason = budget_reason.clone();
                    eligible = restrict(&reason);
                    pick = choose(&eligible, rng);
                }
            }
        }
        note_budget_pressure(tx, clock, budget_reason.as_deref())?;
        if let Some(r0) = &reason {
            if eligible.len() == arms.len() && !arms.iter().all(in_tiers) {
                reason = Some(format!(
                    "{r0}; no active arm in downshift tiers [{}], routing to all arms",
                    r.downshift_tiers.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }

        let chosen = eligible[pick.arm];
        let mut alternatives: Vec<Alternative> = eligible
            .iter()
            .enumerate()
            .map(|(j, &i)| Alternative {
                arm: arms[i].id.clone(),
                tier: arms[i].tier,
                p_best: round6(pick.p_best[j]),
                mean_eval: round6(posts[i].0.mean_eval()),
                mean_cost: posts[i].0.cost_mean.map(round6),
                n: posts[i].1.reports,
            })
            .collect();
        alternatives.sort_by(|a, b| b.p_best.total_cmp(&a.p_best).then_with(|| a.arm.cmp(&b.arm)));
        let id = new_decision_id(clock);
        let decision = Decision {
            decision_id: id.clone(),
            task: req.task.clone(),
            arm: arms[chosen].id.clone(),
            tier: arms[chosen].tier,
            explored: pick.explored,
            propensity: round6(pick.propensity),
            greedy_arm: arms[eligible[pick.greedy]].id.clone(),
            capped: pick.capped,
            rule: pick.rule,
            objective: objective.describe(),
            alternatives,
            downshift: Downshift {
                active: reason.is_some(),
                reason,
            },
            context: req.context.clone(),
            created_at_ms: clock.now_ms,
            reused: false,
        };
        let body = serde_json::to_string(&decision)?;
        append_event(tx, &format!("route:{id}"), "route", clock.now_ms, &body)?;
        tx.execute(
            "INSERT INTO decisions (seq, id, task, arm, explored, propensity, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![(t + 1) as i64, id, req.task, decision.arm, decision.explored, decision.propensity, clock.now_ms],
        )?;
        let mut s = posts[chosen].1.clone();
        s.pulls += 1;
        save_arm_stats(tx, &decision.arm, &s)?;
        Ok(decision)
    })
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A decision id: the time in ms and 64 bits from the OS-seeded thread RNG, not
/// the router's RNG, so that ids made in the same millisecond (a batch, concurrent
/// jobs, or a fixed `router.seed` routing the same task again) do not collide.
fn new_decision_id(clock: &Clock) -> String {
    format!(
        "d{:011x}{:016x}",
        clock.now_ms,
        rand::thread_rng().gen::<u64>()
    )
}

/// Which decision a report is for.
#[derive(Clone, Debug)]
pub enum ReportTarget {
    /// The task's latest decision.
    Task(String),
    /// A decision id.
    Decision(String),
}

/// A reported outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Eval score in [0, 1].
    pub eval: f64,
    /// Cost in USD.
    pub cost_usd: f64,
    /// Prompt tokens.
    pub tokens_in: Option<u64>,
    /// Completion tokens.
    pub tokens_out: Option<u64>,
}

/// The result of `report`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reported {
    /// The decision reported.
    pub decision_id: String,
    /// Its task.
    pub task: String,
    /// Its arm.
    pub arm: String,
    /// The outcome.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The same outcome had already been reported; nothing changed.
    pub duplicate: bool,
    /// Reward under the configured λ.
    pub reward: f64,
}

/// Records an outcome for a decision. Reporting identical values again is a
/// no-op; different values for a reported decision are refused.
pub fn report(
    store: &mut Store,
    cfg: &Config,
    target: &ReportTarget,
    outcome: &Outcome,
    clock: &Clock,
) -> Result<Reported> {
    if !(0.0..=1.0).contains(&outcome.eval) {
        return Err(input(format!("--eval {} must be in [0, 1]", outcome.eval)));
    }
    if !(outcome.cost_usd.is_finite() && outcome.cost_usd >= 0.0) {
        return Err(input(format!(
            "--cost {} must be a number >= 0",
            outcome.cost_usd
        )));
    }
    let half_life = cfg.router.half_life;
    let lambda = cfg.router.lambda;
    store.write(|tx| {
        let row: Option<(String, String, String)> = match target {
            ReportTarget::Decision(id) => tx
                .query_row("SELECT id, task, arm FROM decisions WHERE id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?,
            ReportTarget::Task(task) => tx
                .query_row(
                    "SELECT id, task, arm FROM decisions WHERE task = ?1 AND status != 'superseded' ORDER BY seq DESC LIMIT 1",
                    [task],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?,
        };
        let (id, task, arm) = row.ok_or_else(|| match target {
            ReportTarget::Decision(id) => input(format!("unknown decision `{id}`")),
            ReportTarget::Task(t) => input(format!("no decision for task `{t}`: run `maestro route --task {t}` first")),
        })?;
        let payload = serde_json::to_string(outcome)?;
        let reward = outcome.eval - lambda * outcome.cost_usd;
        let mut reported = Reported {
            decision_id: id.clone(),
            task,
            arm: arm.clone(),
            outcome: outcome.clone(),
            duplicate: false,
            reward,
        };
        match append_event(tx, &format!("report:{id}"), "report", clock.now_ms, &payload)? {
            Appended::Existing(prev) => {
                let prev: Outcome = serde_json::from_str(&prev)?;
                if &prev == outcome {
                    reported.duplicate = true;
                    return Ok(reported);
                }
                return Err(input(format!(
                    "decision {id} was already reported with eval {} and cost {}; refusing different values",
                    prev.eval, prev.cost_usd
                )));
            }
            Appended::New => {}
        }
        tx.execute(
            "INSERT INTO outcomes (decision_id, arm, eval, cost_usd, tokens_in, tokens_out, day, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                arm,
                outcome.eval,
                outcome.cost_usd,
                outcome.tokens_in.map(|v| v as i64),
                outcome.tokens_out.map(|v| v as i64),
                clock.day,
                clock.now_ms
            ],
        )?;
        tx.execute("UPDATE decisions SET status = 'reported' WHERE id = ?1", [&id])?;
        tx.execute(
            "INSERT INTO daily_spend (day, usd) VALUES (?1, ?2) ON CONFLICT(day) DO UPDATE SET usd = usd + excluded.usd",
            params![clock.day, outcome.cost_usd],
        )?;
        let t = decision_clock(tx)?;
        let mut s = arm_stats(tx, &arm)?;
        s.reports += 1;
        s.eval_sum += outcome.eval;
        s.cost_sum += outcome.cost_usd;
        s.evidence.observe(t, half_life, bernoulli_for(&id, outcome.eval), outcome.cost_usd);
        save_arm_stats(tx, &arm, &s)?;
        Ok(reported)
    })
}

/// The Bernoulli trick with a draw derived from the decision id, so that
/// re-applying a report always yields the same evidence.
pub fn bernoulli_for(decision_id: &str, eval: f64) -> bool {
    let u = (fnv1a(decision_id) >> 11) as f64 / (1u64 << 53) as f64;
    crate::bandit::replay::bernoulli(eval, u)
}

/// Adds (or re-activates) an arm in the state.
pub fn add_arm(store: &mut Store, cfg: &Config, arm: &ArmConfig, clock: &Clock) -> Result<Arm> {
    crate::config::validate_arm_id(&arm.id).map_err(input)?;
    crate::config::validate_prior(&arm.id, &arm.prior()).map_err(input)?;
    store.write(|tx| {
        if let Some(existing) = all_arms(tx, cfg)?.into_iter().find(|a| a.id == arm.id) {
            if !existing.retired {
                return Err(input(format!("arm `{}` already exists ({}, tier {})", arm.id, existing.origin, existing.tier)));
            }
        }
        let payload = serde_json::to_string(arm)?;
        append_event(tx, &format!("arm-add:{}:{}", arm.id, clock.now_ms), "arm-add", clock.now_ms, &payload)?;
        tx.execute(
            "INSERT INTO arms (id, tier, prior_eval, prior_cost, prior_weight, added_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO UPDATE SET tier = excluded.tier, prior_eval = excluded.prior_eval, prior_cost = excluded.prior_cost,
               prior_weight = excluded.prior_weight, added_at_ms = excluded.added_at_ms, retired_at_ms = NULL",
            params![arm.id, arm.tier.as_str(), arm.prior_eval, arm.prior_cost, arm.prior_weight, clock.now_ms],
        )?;
        Ok(Arm {
            id: arm.id.clone(),
            tier: arm.tier,
            prior: arm.prior(),
            origin: "state",
            retired: false,
        })
    })
}

/// Retires an arm: it keeps its history but is never routed to again.
pub fn retire_arm(store: &mut Store, cfg: &Config, id: &str, clock: &Clock) -> Result<Arm> {
    store.write(|tx| {
        let arms = all_arms(tx, cfg)?;
        let arm = arms.iter().find(|a| a.id == id).ok_or_else(|| {
            let known: Vec<&str> = arms.iter().map(|a| a.id.as_str()).collect();
            input(format!("unknown arm `{id}` (known: {})", if known.is_empty() { "none".into() } else { known.join(", ") }))
        })?;
        if arm.retired {
            return Ok(arm.clone());
        }
        append_event(tx, &format!("arm-retire:{id}:{}", clock.now_ms), "arm-retire", clock.now_ms, &format!("{{\"id\":{}}}", serde_json::to_string(id)?))?;
        tx.execute(
            "INSERT INTO arms (id, tier, prior_eval, prior_cost, prior_weight, added_at_ms, retired_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
             ON CONFLICT(id) DO UPDATE SET retired_at_ms = excluded.retired_at_ms",
            params![arm.id, arm.tier.as_str(), arm.prior.eval, arm.prior.cost, arm.prior.weight, clock.now_ms],
        )?;
        Ok(Arm {
            retired: true,
            ..arm.clone()
        })
    })
}

/// One audit row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Unix milliseconds.
    pub at_ms: i64,
    /// Downshift state after the transition.
    pub active: bool,
    /// Why.
    pub reason: String,
    /// Who: a user, `budget`, or the SLO controller.
    pub actor: String,
}

/// The manual downshift state, as `stats` and `downshift status` show it.
pub fn downshift_state(conn: &Connection) -> Result<Downshift> {
    let manual = manual_downshift(conn)?;
    Ok(Downshift {
        active: manual.is_some(),
        reason: manual.map(|m| format!("{} (by {})", m.reason, m.actor)),
    })
}

/// Turns the manual downshift on or off; returns whether it changed.
pub fn set_downshift(
    store: &mut Store,
    active: bool,
    reason: &str,
    actor: &str,
    clock: &Clock,
) -> Result<bool> {
    if reason.trim().is_empty() {
        return Err(input("--reason must not be empty"));
    }
    store.write(|tx| {
        let was = manual_downshift(tx)?.is_some();
        if was == active {
            return Ok(false);
        }
        let state = ManualDownshift {
            active,
            reason: reason.to_string(),
            actor: actor.to_string(),
            at_ms: clock.now_ms,
        };
        let body = serde_json::to_string(&state)?;
        append_event(
            tx,
            &format!("downshift:{}:{active}", clock.now_ms),
            "downshift",
            clock.now_ms,
            &body,
        )?;
        set_meta(tx, "downshift", &body)?;
        audit(tx, clock.now_ms, active, reason, actor)?;
        Ok(true)
    })
}

/// The downshift audit trail, newest first.
pub fn audit_log(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT at_ms, active, reason, actor FROM downshift_audit ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(AuditEntry {
            at_ms: r.get(0)?,
            active: r.get(1)?,
            reason: r.get(2)?,
            actor: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Per-arm line of `stats`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArmLine {
    /// Arm id.
    pub arm: String,
    /// Tier.
    pub tier: Tier,
    /// Retired arms keep their history.
    pub retired: bool,
    /// Outcomes reported.
    pub n: i64,
    /// Decisions routed here.
    pub pulls: i64,
    /// Mean reported eval (`null` before the first report).
    pub mean_eval: Option<f64>,
    /// Mean reported cost in USD.
    pub mean_cost: Option<f64>,
    /// Share of all decisions.
    pub traffic_share: f64,
    /// Probability of being best under the posterior (active arms).
    pub p_best: f64,
}

/// The output of `stats`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    /// The objective, in words.
    pub objective: String,
    /// Total decisions.
    pub decisions: i64,
    /// Decisions with a reported outcome.
    pub reported: i64,
    /// Decisions still waiting for a report.
    pub pending: i64,
    /// Share of non-greedy picks over the last `window` decisions.
    pub exploration_share: f64,
    /// The cap on that share.
    pub exploration_cap: f64,
    /// The window, in decisions.
    pub window: u32,
    /// USD reported today (UTC).
    pub spend_today: f64,
    /// Daily ceiling, if any.
    pub budget_daily_usd: Option<f64>,
    /// Manual downshift state.
    pub downshift: Downshift,
    /// Per arm.
    pub arms: Vec<ArmLine>,
}

/// Collects `stats`.
pub fn stats<R: Rng>(conn: &Connection, cfg: &Config, clock: &Clock, rng: &mut R) -> Result<Stats> {
    let r = &cfg.router;
    let arms = all_arms(conn, cfg)?;
    let t = decision_clock(conn)?;
    let posts = posteriors(conn, &arms, t, r.half_life)?;
    let active: Vec<usize> = (0..arms.len()).filter(|&i| !arms[i].retired).collect();
    let mut p_best = vec![0.0; arms.len()];
    if !active.is_empty() {
        let ps: Vec<Posterior> = active.iter().map(|&i| posts[i].0).collect();
        let p = policy::p_best(&r.objective(), &ps, 4 * policy::DRAWS, rng);
        for (j, &i) in active.iter().enumerate() {
            p_best[i] = round6(p[j]);
        }
    }
    let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |row| row.get(0))?) };
    let decisions = count("SELECT count(*) FROM decisions")?;
    let reported = count("SELECT count(*) FROM decisions WHERE status = 'reported'")?;
    let pending = count("SELECT count(*) FROM decisions WHERE status = 'pending'")?;
    let (explored, seen): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(explored), 0), count(*) FROM (SELECT explored FROM decisions ORDER BY seq DESC LIMIT ?1)",
        [r.window],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(Stats {
        objective: r.objective().describe(),
        decisions,
        reported,
        pending,
        exploration_share: if seen > 0 {
            round6(explored as f64 / seen as f64)
        } else {
            0.0
        },
        exploration_cap: r.exploration_cap,
        window: r.window,
        spend_today: round6(spend_on(conn, &clock.day)?),
        budget_daily_usd: cfg.budget.daily_usd,
        downshift: downshift_state(conn)?,
        arms: arms
            .iter()
            .zip(&posts)
            .zip(&p_best)
            .map(|((a, (_, s)), &pb)| ArmLine {
                arm: a.id.clone(),
                tier: a.tier,
                retired: a.retired,
                n: s.reports,
                pulls: s.pulls,
                mean_eval: (s.reports > 0).then(|| round6(s.eval_sum / s.reports as f64)),
                mean_cost: (s.reports > 0).then(|| round6(s.cost_sum / s.reports as f64)),
                traffic_share: if decisions > 0 {
                    round6(s.pulls as f64 / decisions as f64)
                } else {
                    0.0
                },
                p_best: pb,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn decision_ids_made_in_one_millisecond_are_unique() {
        // 32 random bits collided near 77k ids (the birthday bound); 64 must not.
        let clock = Clock {
            now_ms: 1_764_000_000_000,
            day: "2025-11-24".into(),
        };
        let ids: HashSet<String> = (0..200_000).map(|_| new_decision_id(&clock)).collect();
        assert_eq!(ids.len(), 200_000);
        assert!(ids
            .iter()
            .all(|id| id.len() == 28 && id.starts_with("d19ab")));
    }

    #[test]
    fn a_clock_at_a_given_time_has_its_utc_day() {
        let c = Clock::at_ms(1_764_028_799_999).unwrap();
        assert_eq!(c.day, "2025-11-24");
        assert_eq!(Clock::at_ms(1_764_028_800_000).unwrap().day, "2025-11-25");
        assert!(Clock::at_ms(i64::MAX).is_none());
    }
}
