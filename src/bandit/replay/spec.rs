//! The policies a replay can compare, as `--policy` names them.

use std::fmt;
use std::str::FromStr;

/// A policy to replay.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicySpec {
    /// maestro's router: Thompson sampling under the exploration cap.
    Ts,
    /// maestro's router with information-directed sampling.
    Ids,
    /// The seed document's sampler, defects included.
    Seed,
    /// UCB1.
    Ucb1,
    /// ε-greedy with the given ε.
    EGreedy(f64),
    /// Always the named arm.
    Fixed(String),
    /// Escalation routing with Thompson sampling (`cascade-ts`).
    CascadeTs,
    /// Escalation routing with information-directed sampling (`cascade-ids`).
    CascadeIds,
    /// The named arms in order until one passes (`chain:A>B>C`).
    Chain(Vec<String>),
}

impl PolicySpec {
    /// The arms the policy names, which the data must hold.
    pub fn named_arms(&self) -> &[String] {
        match self {
            PolicySpec::Fixed(a) => std::slice::from_ref(a),
            PolicySpec::Chain(arms) => arms,
            _ => &[],
        }
    }
}

impl FromStr for PolicySpec {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "ts" => Ok(PolicySpec::Ts),
            "ids" => Ok(PolicySpec::Ids),
            "seed" => Ok(PolicySpec::Seed),
            "ucb1" => Ok(PolicySpec::Ucb1),
            "egreedy" => Ok(PolicySpec::EGreedy(0.1)),
            "cascade-ts" => Ok(PolicySpec::CascadeTs),
            "cascade-ids" => Ok(PolicySpec::CascadeIds),
            _ => {
                if let Some(eps) = s.strip_prefix("egreedy:") {
                    match eps.parse::<f64>() {
                        Ok(e) if (0.0..=1.0).contains(&e) => Ok(PolicySpec::EGreedy(e)),
                        _ => Err(format!("`{eps}` is not an epsilon in [0,1]")),
                    }
                } else if let Some(arm) = s.strip_prefix("fixed:").filter(|a| !a.is_empty()) {
                    Ok(PolicySpec::Fixed(arm.to_string()))
                } else if let Some(chain) = s.strip_prefix("chain:") {
                    let arms: Vec<String> = chain.split('>').map(str::to_string).collect();
                    if arms.iter().any(String::is_empty) {
                        return Err(format!("`{s}` is not a chain (expected chain:A>B>C)"));
                    }
                    Ok(PolicySpec::Chain(arms))
                } else {
                    Err(format!("unknown policy `{s}` (expected ts, ids, cascade-ts, cascade-ids, seed, ucb1, egreedy[:EPS], fixed:ARM or chain:A>B>C)"))
                }
            }
        }
    }
}

impl fmt::Display for PolicySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicySpec::Ts => f.write_str("ts"),
            PolicySpec::Ids => f.write_str("ids"),
            PolicySpec::Seed => f.write_str("seed"),
            PolicySpec::Ucb1 => f.write_str("ucb1"),
            PolicySpec::EGreedy(e) => write!(f, "egreedy:{e}"),
            PolicySpec::Fixed(a) => write!(f, "fixed:{a}"),
            PolicySpec::CascadeTs => f.write_str("cascade-ts"),
            PolicySpec::CascadeIds => f.write_str("cascade-ids"),
            PolicySpec::Chain(arms) => write!(f, "chain:{}", arms.join(">")),
        }
    }
}
