//! The arms the router knows: config entries overlaid by state rows that
//! `arms add` and `arms retire` write.

use crate::bandit::Prior;
use crate::clock::Clock;
use crate::config::{ArmConfig, Config, Tier};
use crate::error::{input, Result};
use crate::state::{append_event, Store};
use rusqlite::{params, Connection};
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// Parameters the agent step runs it with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<serde_json::Value>,
}

/// Every arm: state rows (added or retired with `arms`) over config entries.
pub fn all_arms(conn: &Connection, cfg: &Config) -> Result<Vec<Arm>> {
    let mut stmt = conn.prepare("SELECT id, tier, prior_eval, prior_cost, prior_weight, retired_at_ms, params FROM arms ORDER BY id")?;
    let mut by_id: BTreeMap<String, Arm> = BTreeMap::new();
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<f64>>(2)?,
            r.get::<_, Option<f64>>(3)?,
            r.get::<_, f64>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    for row in rows {
        let (id, tier, eval, cost, weight, retired, params) = row?;
        let params = match params {
            None => None,
            Some(p) => Some(
                serde_json::from_str(&p)
                    .map_err(|e| input(format!("state: arm `{id}` has unreadable params: {e}")))?,
            ),
        };
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
                params,
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
            params: a.params.clone(),
        });
    }
    Ok(by_id.into_values().collect())
}

pub(crate) fn active_arms(conn: &Connection, cfg: &Config) -> Result<Vec<Arm>> {
    let arms: Vec<Arm> = all_arms(conn, cfg)?
        .into_iter()
        .filter(|a| !a.retired)
        .collect();
    if arms.is_empty() {
        return Err(input("no active arms: declare [[arms]] in maestro.toml or run `maestro arms add ID --tier TIER`"));
    }
    Ok(arms)
}

/// Adds (or re-activates) an arm in the state.
pub fn add_arm(store: &mut Store, cfg: &Config, arm: &ArmConfig, clock: &Clock) -> Result<Arm> {
    crate::config::validate_arm_id(&arm.id).map_err(input)?;
    crate::config::validate_prior(&arm.id, &arm.prior()).map_err(input)?;
    crate::config::validate_params(&arm.id, arm.params.as_ref()).map_err(input)?;
    store.write(|tx| {
        if let Some(existing) = all_arms(tx, cfg)?.into_iter().find(|a| a.id == arm.id) {
            if !existing.retired {
                return Err(input(format!("arm `{}` already exists ({}, tier {})", arm.id, existing.origin, existing.tier)));
            }
        }
        let payload = serde_json::to_string(arm)?;
        append_event(tx, &format!("arm-add:{}:{}", arm.id, clock.now_ms), "arm-add", clock.now_ms, &payload)?;
        tx.execute(
            "INSERT INTO arms (id, tier, prior_eval, prior_cost, prior_weight, added_at_ms, params) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET tier = excluded.tier, prior_eval = excluded.prior_eval, prior_cost = excluded.prior_cost,
               prior_weight = excluded.prior_weight, added_at_ms = excluded.added_at_ms, retired_at_ms = NULL, params = excluded.params",
            params![
                arm.id,
                arm.tier.as_str(),
                arm.prior_eval,
                arm.prior_cost,
                arm.prior_weight,
                clock.now_ms,
                arm.params.as_ref().map(|p| p.to_string())
            ],
        )?;
        Ok(Arm {
            id: arm.id.clone(),
            tier: arm.tier,
            prior: arm.prior(),
            origin: "state",
            retired: false,
            params: arm.params.clone(),
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
            "INSERT INTO arms (id, tier, prior_eval, prior_cost, prior_weight, added_at_ms, retired_at_ms, params) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET retired_at_ms = excluded.retired_at_ms",
            params![
                arm.id,
                arm.tier.as_str(),
                arm.prior.eval,
                arm.prior.cost,
                arm.prior.weight,
                clock.now_ms,
                arm.params.as_ref().map(|p| p.to_string())
            ],
        )?;
        Ok(Arm {
            retired: true,
            ..arm.clone()
        })
    })
}
