//! One policy's state during one replay run: what it has seen, and its pick.

use super::{PolicySpec, ReplayData, ReplaySettings};
use crate::bandit::baselines::{egreedy_pick, seed_pick, ucb1_pick, Means};
use crate::bandit::draw::bernoulli;
use crate::bandit::policy::{pick, ExplorationCap, Objective, Rule};
use crate::bandit::posterior::{Evidence, Posterior, Prior};
use rand::rngs::StdRng;
use rand::Rng;

/// The state of one policy during one run.
pub(crate) enum Runner {
    Router {
        rule: Rule,
        objective: Objective,
        cap: ExplorationCap,
        half_life: f64,
        evidence: Vec<Evidence>,
        clock: u64,
        recent: std::collections::VecDeque<bool>,
    },
    Seed {
        lambda: f64,
        means: Means,
        objective: Objective,
    },
    Ucb1 {
        means: Means,
        objective: Objective,
        t: u64,
    },
    EGreedy {
        eps: f64,
        means: Means,
        objective: Objective,
    },
    Fixed(usize),
}

impl Runner {
    pub(crate) fn new(spec: &PolicySpec, data: &ReplayData, s: &ReplaySettings) -> Runner {
        let k = data.arms.len();
        match spec {
            PolicySpec::Ts | PolicySpec::Ids => Runner::Router {
                rule: if *spec == PolicySpec::Ids {
                    Rule::Ids
                } else {
                    Rule::Thompson
                },
                objective: s.objective,
                cap: s.cap,
                half_life: s.half_life,
                evidence: vec![Evidence::default(); k],
                clock: 0,
                recent: std::collections::VecDeque::new(),
            },
            PolicySpec::Seed => Runner::Seed {
                lambda: s.lambda,
                means: Means::new(k),
                objective: Objective::Reward { lambda: s.lambda },
            },
            PolicySpec::Ucb1 => Runner::Ucb1 {
                means: Means::new(k),
                objective: s.objective,
                t: 0,
            },
            PolicySpec::EGreedy(eps) => Runner::EGreedy {
                eps: *eps,
                means: Means::new(k),
                objective: s.objective,
            },
            PolicySpec::Fixed(a) => {
                Runner::Fixed(data.arms.iter().position(|x| x == a).unwrap_or(0))
            }
        }
    }

    /// Returns the chosen arm and whether the pick was non-greedy.
    pub(crate) fn pick(&mut self, rng: &mut StdRng) -> (usize, bool) {
        match self {
            Runner::Router {
                rule,
                objective,
                cap,
                half_life,
                evidence,
                clock,
                recent,
            } => {
                let aged: Vec<Evidence> =
                    evidence.iter().map(|e| e.at(*clock, *half_life)).collect();
                let posts: Vec<Posterior> = aged
                    .iter()
                    .map(|e| Posterior::new(&Prior::default(), e))
                    .collect();
                let explored_recent = recent.iter().filter(|&&x| x).count() as u32;
                let objective = objective.paced(&aged, cap.window);
                let p = pick(*rule, &objective, &posts, *cap, explored_recent, 0, rng);
                recent.push_back(p.explored);
                if recent.len() >= cap.window as usize {
                    recent.pop_front();
                }
                *clock += 1;
                (p.arm, p.explored)
            }
            Runner::Seed {
                lambda,
                means,
                objective,
            } => {
                let a = seed_pick(means, *lambda, rng);
                (a, a != means.greedy(objective))
            }
            Runner::Ucb1 {
                means,
                objective,
                t,
            } => {
                *t += 1;
                let a = ucb1_pick(means, objective, *t);
                (a, a != means.greedy(objective))
            }
            Runner::EGreedy {
                eps,
                means,
                objective,
            } => {
                let a = egreedy_pick(means, objective, *eps, rng);
                (a, a != means.greedy(objective))
            }
            Runner::Fixed(a) => (*a, false),
        }
    }

    pub(crate) fn observe(&mut self, arm: usize, eval: f64, cost: f64, rng: &mut StdRng) {
        match self {
            Runner::Router {
                half_life,
                evidence,
                clock,
                ..
            } => {
                let success = bernoulli(eval, rng.gen());
                evidence[arm].observe(*clock, *half_life, success, cost);
            }
            Runner::Seed { means, .. }
            | Runner::Ucb1 { means, .. }
            | Runner::EGreedy { means, .. } => means.observe(arm, eval, cost),
            Runner::Fixed(_) => {}
        }
    }
}
