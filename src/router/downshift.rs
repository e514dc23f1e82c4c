//! Restrictions to cheaper tiers: the manual downshift with its audit trail,
//! and the daily budget's pressure.

use crate::clock::Clock;
use crate::error::{input, Result};
use crate::state::{append_event, get_meta, set_meta, Store};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

/// Whether routing is restricted to the downshift tiers, and why.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Downshift {
    /// Routing is restricted.
    pub active: bool,
    /// Why, in words.
    pub reason: Option<String>,
}

/// The manual downshift as stored in the `meta` table.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ManualDownshift {
    active: bool,
    reason: String,
    pub(crate) actor: String,
    at_ms: i64,
}

impl ManualDownshift {
    /// `REASON (by ACTOR)`.
    pub(crate) fn by(&self) -> String {
        format!("{} (by {})", self.reason, self.actor)
    }
}

/// The daily budget on one day: its ceiling, if any, and the spend so far.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    /// `budget.daily_usd`.
    pub limit: Option<f64>,
    /// USD reported today.
    pub spent: f64,
}

impl Budget {
    /// Today's spend (UTC `day`) against `limit`, `budget.daily_usd`.
    pub fn today(conn: &Connection, limit: Option<f64>, day: &str) -> Result<Budget> {
        Ok(Budget {
            limit,
            spent: spend_on(conn, day)?,
        })
    }

    /// Why routing is restricted when the spend has reached the ceiling.
    pub fn exhausted(&self) -> Option<String> {
        let limit = self.limit?;
        (self.spent >= limit)
            .then(|| format!("budget: spent ${:.2} of ${limit:.2} today", self.spent))
    }

    /// Why routing is restricted when `expected` more for `arm` would pass the ceiling.
    pub fn would_pass(&self, expected: f64, arm: &str) -> Option<String> {
        let limit = self.limit?;
        (self.spent + expected > limit).then(|| {
            format!(
                "budget: ${:.2} spent today + ${expected:.2} expected for {arm} would pass the ${limit:.2} ceiling",
                self.spent
            )
        })
    }
}

pub(crate) fn manual_downshift(conn: &Connection) -> Result<Option<ManualDownshift>> {
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

pub(crate) fn audit(
    tx: &Transaction,
    at_ms: i64,
    active: bool,
    reason: &str,
    actor: &str,
) -> Result<()> {
    let prev = chain_head(tx)?;
    let hash = row_hash(&prev, at_ms, active, reason, actor);
    tx.execute(
        "INSERT INTO downshift_audit (at_ms, active, reason, actor, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![at_ms, active, reason, actor, prev, hash],
    )?;
    set_meta(tx, "audit_head", &hash)?;
    Ok(())
}

/// One audit row as stored: id, time, state, reason, actor.
type AuditRow = (i64, i64, bool, String, String);

/// The audit chain's last hash, chaining any rows written before the chain
/// existed (in order) first.
fn chain_head(tx: &Transaction) -> Result<String> {
    let mut prev: String = tx
        .query_row(
            "SELECT hash FROM downshift_audit WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_default();
    let legacy: Vec<AuditRow> = {
        let mut stmt = tx.prepare(
            "SELECT id, at_ms, active, reason, actor FROM downshift_audit
             WHERE hash IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (id, at_ms, active, reason, actor) in legacy {
        let hash = row_hash(&prev, at_ms, active, &reason, &actor);
        tx.execute(
            "UPDATE downshift_audit SET prev_hash = ?1, hash = ?2 WHERE id = ?3",
            params![prev, hash, id],
        )?;
        prev = hash;
    }
    Ok(prev)
}

/// SHA-256 over the previous row's hash and this row's fields.
fn row_hash(prev: &str, at_ms: i64, active: bool, reason: &str, actor: &str) -> String {
    use sha2::{Digest, Sha256};
    let body = serde_json::json!([prev, at_ms, active, reason, actor]).to_string();
    hex::encode(Sha256::digest(body.as_bytes()))
}

/// Checks the audit chain: every row's hash matches its fields and the row
/// before it, and the last row is the recorded head (so a deleted last row
/// shows). Returns what is wrong; empty when the chain holds.
pub fn verify_audit(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT id, at_ms, active, reason, actor, prev_hash, hash FROM downshift_audit ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev = String::new();
    let mut problems = Vec::new();
    let mut last = None;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        // A row written before the chain existed is chained by the next write.
        let Some(hash) = r.get::<_, Option<String>>(6)? else {
            continue;
        };
        let stored_prev: Option<String> = r.get(5)?;
        let reason: String = r.get(3)?;
        let actor: String = r.get(4)?;
        let want = row_hash(&prev, r.get(1)?, r.get(2)?, &reason, &actor);
        if stored_prev.unwrap_or_default() != prev {
            problems.push(format!(
                "row {id}: does not follow the row before it (a row was removed or reordered)"
            ));
        } else if want != hash {
            problems.push(format!(
                "row {id}: its fields do not match its hash (edited)"
            ));
        }
        prev = hash.clone();
        last = Some(hash);
    }
    let head = get_meta(conn, "audit_head")?;
    if head.is_some() && head != last {
        problems.push(
            "the last rows of the trail are missing (the recorded head is not the last row)".into(),
        );
    }
    Ok(problems)
}

/// Records a budget-pressure transition in the audit table, once per change.
pub(crate) fn note_budget_pressure(
    tx: &Transaction,
    clock: &Clock,
    reason: Option<&str>,
) -> Result<()> {
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
        reason: manual.map(|m| m.by()),
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
    store.write(|tx| switch(tx, active, reason, actor, clock))
}

/// Turns the downshift on or off inside a transaction; returns whether it changed.
pub(crate) fn switch(
    tx: &Transaction,
    active: bool,
    reason: &str,
    actor: &str,
    clock: &Clock,
) -> Result<bool> {
    {
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
    }
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
