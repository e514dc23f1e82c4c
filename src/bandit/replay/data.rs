//! Replay data: every arm's logged outcome on every task, read from CSV.

use crate::error::{input, Result};
use crate::units::MAX_USD;
use std::collections::HashMap;
use std::io::Read;

/// Outcomes of every arm on every task.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayData {
    /// Task ids, in first-seen order.
    pub tasks: Vec<String>,
    /// Arm ids, in first-seen order.
    pub arms: Vec<String>,
    /// `eval[task][arm]` in [0, 1].
    pub eval: Vec<Vec<f64>>,
    /// `cost[task][arm]` in USD.
    pub cost: Vec<Vec<f64>>,
}

impl ReplayData {
    /// Reads CSV with columns `instance_id`, `arm`, `resolved` or `eval`, and
    /// `cost_usd` (others are ignored). `name` is used in error messages.
    /// Only arms in `keep` are loaded when it is given.
    pub fn from_csv<R: Read>(reader: R, name: &str, keep: Option<&[String]>) -> Result<ReplayData> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let headers = rdr
            .headers()
            .map_err(|e| input(format!("{name}: cannot read the CSV header: {e}")))?
            .clone();
        let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h));
        let missing = |what: &str| {
            input(format!(
                "{name}: missing column `{what}` (header: {})",
                headers.iter().collect::<Vec<_>>().join(",")
            ))
        };
        let c_task = col(&["instance_id", "task"]).ok_or_else(|| missing("instance_id"))?;
        let c_arm = col(&["arm"]).ok_or_else(|| missing("arm"))?;
        let c_eval =
            col(&["eval", "resolved", "score"]).ok_or_else(|| missing("resolved` or `eval"))?;
        let c_cost = col(&["cost_usd", "cost"]).ok_or_else(|| missing("cost_usd"))?;

        let mut task_ix: HashMap<String, usize> = HashMap::new();
        let mut arm_ix: HashMap<String, usize> = HashMap::new();
        let mut data = ReplayData {
            tasks: Vec::new(),
            arms: Vec::new(),
            eval: Vec::new(),
            cost: Vec::new(),
        };
        if let Some(keep) = keep {
            for a in keep {
                arm_ix.insert(a.clone(), data.arms.len());
                data.arms.push(a.clone());
            }
        }
        let mut seen: Vec<Vec<bool>> = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| input(format!("{name}:{line}: malformed CSV: {e}")))?;
            let field = |c: usize| rec.get(c).unwrap_or("");
            let arm = field(c_arm);
            let a = match arm_ix.get(arm) {
                Some(&a) => a,
                None if keep.is_some() => continue,
                None => {
                    arm_ix.insert(arm.to_string(), data.arms.len());
                    data.arms.push(arm.to_string());
                    for row in seen.iter_mut() {
                        row.push(false);
                    }
                    for row in data.eval.iter_mut().chain(data.cost.iter_mut()) {
                        row.push(0.0);
                    }
                    data.arms.len() - 1
                }
            };
            let eval = parse_num(field(c_eval))
                .filter(|v| (0.0..=1.0).contains(v))
                .ok_or_else(|| {
                    input(format!(
                        "{name}:{line}: `{}` is not an eval in [0,1]",
                        field(c_eval)
                    ))
                })?;
            let cost = parse_num(field(c_cost))
                .filter(|v| (0.0..=MAX_USD).contains(v))
                .ok_or_else(|| {
                    input(format!(
                        "{name}:{line}: `{}` is not a cost in [0, {MAX_USD}]",
                        field(c_cost)
                    ))
                })?;
            let task = field(c_task);
            let t = *task_ix.entry(task.to_string()).or_insert_with(|| {
                data.tasks.push(task.to_string());
                data.eval.push(vec![0.0; data.arms.len()]);
                data.cost.push(vec![0.0; data.arms.len()]);
                seen.push(vec![false; data.arms.len()]);
                data.tasks.len() - 1
            });
            if seen[t][a] {
                return Err(input(format!(
                    "{name}:{line}: duplicate outcome for task `{task}` and arm `{arm}`"
                )));
            }
            seen[t][a] = true;
            data.eval[t][a] = eval;
            data.cost[t][a] = cost;
        }
        if data.tasks.is_empty() {
            return Err(input(format!("{name}: no outcomes for the selected arms")));
        }
        for (a, arm) in data.arms.iter().enumerate() {
            let missing = seen.iter().filter(|row| !row[a]).count();
            if missing == data.tasks.len() {
                return Err(input(format!("{name}: no outcomes for arm `{arm}`")));
            }
            if missing > 0 {
                return Err(input(format!(
                    "{name}: arm `{arm}` has no outcome for {missing} of {} tasks; replay needs every arm on every task",
                    data.tasks.len()
                )));
            }
        }
        Ok(data)
    }

    /// Mean eval and cost of each arm over all tasks.
    pub fn arm_means(&self) -> (Vec<f64>, Vec<f64>) {
        let n = self.tasks.len() as f64;
        let k = self.arms.len();
        let mut e = vec![0.0; k];
        let mut c = vec![0.0; k];
        for t in 0..self.tasks.len() {
            for a in 0..k {
                e[a] += self.eval[t][a] / n;
                c[a] += self.cost[t][a] / n;
            }
        }
        (e, c)
    }
}

fn parse_num(s: &str) -> Option<f64> {
    match s {
        "true" | "True" | "TRUE" => Some(1.0),
        "false" | "False" | "FALSE" => Some(0.0),
        _ => s.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}
