//! One policy's state during one replay run: what it has seen, and its pick.

use super::{PolicySpec, ReplayData, ReplaySettings};
use crate::bandit::baselines::{egreedy_pick, seed_pick, ucb1_pick, Means};
use crate::bandit::cascade::{self, bit, ArmSet, CascadeModel, CascadeParams};
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
    Cascade {
        rule: Rule,
        params: CascadeParams,
        cap: ExplorationCap,
        pass_threshold: f64,
        model: CascadeModel,
        /// Per arm: the sum and count of observed costs.
        costs: Vec<(f64, f64)>,
        recent: std::collections::VecDeque<bool>,
    },
    Chain(Vec<usize>, f64),
}

/// What happened to one task: every attempt until one passed, the policy
/// stopped, or attempts ran out.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct TaskRun {
    /// Arms attempted, in order.
    pub arms: Vec<usize>,
    /// Attempts that were non-greedy.
    pub explored: u32,
    /// The best eval among the attempts.
    pub eval: f64,
    /// Sum of the attempts' costs.
    pub cost: f64,
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
            PolicySpec::Fixed(a) => Runner::Fixed(index(data, a)),
            PolicySpec::CascadeTs | PolicySpec::CascadeIds => Runner::Cascade {
                rule: if *spec == PolicySpec::CascadeIds {
                    Rule::Ids
                } else {
                    Rule::Thompson
                },
                params: CascadeParams {
                    lambda: s.lambda,
                    latency_weight: s.latency_weight,
                    max_attempts: s.max_attempts,
                    pool_weight: cascade::POOL_WEIGHT,
                },
                cap: s.cap,
                pass_threshold: s.pass_threshold,
                model: CascadeModel::new(k),
                costs: vec![(0.0, 0.0); k],
                recent: std::collections::VecDeque::new(),
            },
            PolicySpec::Chain(arms) => Runner::Chain(
                arms.iter().map(|a| index(data, a)).collect(),
                s.pass_threshold,
            ),
        }
    }

    /// Runs one task: a single attempt, or attempts until one passes.
    pub(crate) fn task(&mut self, t: usize, data: &ReplayData, rng: &mut StdRng) -> TaskRun {
        let mut run = TaskRun::default();
        let attempt = |run: &mut TaskRun, a: usize, explored: bool| {
            run.arms.push(a);
            run.explored += u32::from(explored);
            run.eval = if run.arms.len() == 1 {
                data.eval[t][a]
            } else {
                run.eval.max(data.eval[t][a])
            };
            run.cost += data.cost[t][a];
        };
        match self {
            Runner::Chain(arms, pass_threshold) => {
                for &a in arms.iter() {
                    attempt(&mut run, a, false);
                    if data.eval[t][a] >= *pass_threshold {
                        break;
                    }
                }
            }
            Runner::Cascade {
                rule,
                params,
                cap,
                pass_threshold,
                model,
                costs,
                recent,
            } => {
                let all: Vec<usize> = (0..data.arms.len()).collect();
                let mut failed: ArmSet = 0;
                while run.arms.len() < params.max_attempts as usize && run.arms.len() < all.len() {
                    let explored_recent = recent.iter().filter(|&&x| x).count() as u32;
                    let c = cascade::pick(
                        *rule,
                        model,
                        params,
                        failed,
                        &all,
                        *cap,
                        explored_recent,
                        if *rule == Rule::Ids {
                            super::CASCADE_IDS_DRAWS
                        } else {
                            0
                        },
                        rng,
                    );
                    let Some(a) = c.arm else { break };
                    recent.push_back(c.explored);
                    if recent.len() >= cap.window as usize {
                        recent.pop_front();
                    }
                    attempt(&mut run, a, c.explored);
                    let passed = data.eval[t][a] >= *pass_threshold;
                    learn(model, costs, a, failed, passed, data.cost[t][a]);
                    if passed {
                        break;
                    }
                    failed |= bit(a);
                }
            }
            _ => {
                let (a, explored) = self.pick(rng);
                self.observe(a, data.eval[t][a], data.cost[t][a], rng);
                attempt(&mut run, a, explored);
            }
        }
        run
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
            Runner::Cascade { .. } | Runner::Chain(..) => {
                unreachable!("cascades run whole tasks")
            }
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
            Runner::Fixed(_) | Runner::Chain(..) => {}
            Runner::Cascade {
                pass_threshold,
                model,
                costs,
                ..
            } => {
                // A warm start: an attempt on a fresh task.
                learn(model, costs, arm, 0, eval >= *pass_threshold, cost);
            }
        }
    }
}

/// Records a cascade's attempt of `arm` after `failed`: its cell, and its
/// mean cost over every attempt so far.
fn learn(
    model: &mut CascadeModel,
    costs: &mut [(f64, f64)],
    arm: usize,
    failed: ArmSet,
    passed: bool,
    cost: f64,
) {
    model.observe(arm, failed, passed);
    let (sum, n) = &mut costs[arm];
    *sum += cost;
    *n += 1.0;
    model.cost[arm] = *sum / *n;
}

fn index(data: &ReplayData, arm: &str) -> usize {
    data.arms.iter().position(|x| x == arm).unwrap_or(0)
}
