//! A discrete-event simulation of agent workers scaled by KEDA and the HPA:
//! jobs arrive in a queue, ready pods take them first come first served one
//! at a time, the HPA resizes the deployment from the queue length, and new
//! pods start after a delay.
//!
//! The scaling model follows KEDA's redis list scaler behind the HPA:
//! - every `sync` (15 s) the HPA reads the queue length L and wants
//!   ceil(L / list_length) replicas, unless that is within `tolerance` (10 %)
//!   of the current count; scale-up is limited to max(100 %, 4 pods) per
//!   15 s, scale-down to 100 % per 15 s after the highest wish of the last
//!   `down_stabilisation` (300 s);
//! - every `polling` KEDA activates a deployment at zero replicas when
//!   L > `activation`, and scales an active one to zero after `cooldown` with
//!   an empty queue (only when `min_replicas` is 0);
//! - replicas stay within [min_replicas, max_replicas].
//!
//! With autoscaling off the model is an M/G/c queue, which the tests check
//! against Erlang C.

use crate::percentile::nearest_rank;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Exp, LogNormal};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// How jobs arrive.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrivals {
    /// Poisson with this many jobs per second.
    Poisson(f64),
    /// A two-state Markov-modulated Poisson process: `high` jobs/s for
    /// exponential spells of mean `high_s`, `low` jobs/s for spells of mean `low_s`.
    Bursty {
        /// Rate in a burst.
        high: f64,
        /// Rate between bursts.
        low: f64,
        /// Mean burst length, seconds.
        high_s: f64,
        /// Mean calm length, seconds.
        low_s: f64,
    },
    /// Enqueue times in seconds from the start, ascending.
    Trace(Vec<f64>),
}

/// How long a job takes on one pod.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Service {
    /// Mean, seconds.
    pub mean: f64,
    /// Coefficient of variation: 1 is exponential, 0 fixed, others lognormal.
    pub cv: f64,
}

/// The autoscaler's settings; `None` in [`Settings::scaling`] is a fixed
/// number of pods.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Scaling {
    /// KEDA's listLength: target jobs waiting per replica.
    pub list_length: f64,
    /// KEDA's activationListLength: activate from zero above this.
    pub activation: f64,
    /// KEDA's pollingInterval, seconds.
    pub polling: f64,
    /// KEDA's cooldownPeriod, seconds.
    pub cooldown: f64,
    /// minReplicaCount.
    pub min_replicas: u32,
    /// maxReplicaCount.
    pub max_replicas: u32,
    /// Pod start latency, seconds.
    pub start_latency: f64,
    /// The HPA's sync period, seconds.
    pub sync: f64,
    /// The HPA's tolerance.
    pub tolerance: f64,
    /// The HPA's scale-down stabilisation window, seconds.
    pub down_stabilisation: f64,
}

impl Default for Scaling {
    fn default() -> Self {
        Scaling {
            list_length: 5.0,
            activation: 0.0,
            polling: 30.0,
            cooldown: 300.0,
            min_replicas: 1,
            max_replicas: 20,
            start_latency: 30.0,
            sync: 15.0,
            tolerance: 0.1,
            down_stabilisation: 300.0,
        }
    }
}

/// One simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Arrivals.
    pub arrivals: Arrivals,
    /// Service times.
    pub service: Service,
    /// Autoscaling, or a fixed number of pods.
    pub scaling: Option<Scaling>,
    /// Pods when not autoscaling (and at the start when autoscaling).
    pub pods: u32,
    /// Simulated seconds (a trace ends at its last arrival plus the drain).
    pub horizon: f64,
    /// USD per replica-hour.
    pub cost_per_replica_hour: f64,
    /// Replicas the daily budget affords (for the hours it would bind).
    pub budget_replicas: Option<u32>,
    /// RNG seed.
    pub seed: u64,
    /// Jobs whose wait is not counted at the start (warm-up).
    pub warmup_jobs: usize,
}

/// What a simulation measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// Jobs that arrived.
    pub jobs: usize,
    /// Jobs whose wait is counted.
    pub counted: usize,
    /// Mean queue wait, seconds.
    pub wait_mean: f64,
    /// Median queue wait, seconds.
    pub wait_p50: f64,
    /// 95th percentile of queue wait, seconds.
    pub wait_p95: f64,
    /// 99th percentile of queue wait, seconds.
    pub wait_p99: f64,
    /// Pod-hours (starting pods included).
    pub replica_hours: f64,
    /// replica_hours × cost per replica-hour.
    pub cost_usd: f64,
    /// The most pods at once.
    pub peak_replicas: u32,
    /// Hours (from the start) in which the HPA wanted more replicas than
    /// the budget affords.
    pub budget_bound_hours: Vec<u32>,
    /// Simulated seconds.
    pub seconds: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    // Order breaks ties at the same instant: finish work before new arrivals.
    Done,
    Ready,
    Arrival,
    Sync,
    Poll,
}

/// Event times in nanoseconds, so the heap orders integers.
type Event = Reverse<(u64, Kind)>;

/// The deployment's pods.
#[derive(Default)]
struct Pods {
    /// Ready, without a job.
    idle: u32,
    /// Running a job.
    busy: u32,
    /// Created, not ready yet.
    starting: u32,
    /// Busy pods to remove when they finish their job (scale-down).
    draining: u32,
}

impl Pods {
    /// Pods that exist and are paid for.
    fn total(&self) -> u32 {
        self.idle + self.busy + self.starting
    }

    /// The replica count the autoscaler sees: draining pods are gone.
    fn current(&self) -> u32 {
        self.total() - self.draining
    }

    /// A job finished: its pod takes the next one, or goes if draining.
    fn done(&mut self) {
        self.busy -= 1;
        if self.draining > 0 {
            self.draining -= 1;
        } else {
            self.idle += 1;
        }
    }

    /// Moves the deployment to `target` pods: new pods start (ready after
    /// `latency`); removed pods are idle ones first, then busy ones, which
    /// finish their job first.
    fn resize(&mut self, target: u32, heap: &mut BinaryHeap<Event>, t: u64, latency: u64) {
        let current = self.current();
        if target > current {
            let mut add = target - current;
            // Pods being drained are kept instead of started anew.
            let keep = add.min(self.draining);
            self.draining -= keep;
            add -= keep;
            for _ in 0..add {
                self.starting += 1;
                heap.push(Reverse((t + latency, Kind::Ready)));
            }
        } else if target < current {
            let mut remove = current - target;
            let idle = remove.min(self.idle);
            self.idle -= idle;
            remove -= idle;
            // Pods still starting are not cancelled (their Ready event stands);
            // the rest drain from the busy ones.
            self.draining += remove.min(self.busy.saturating_sub(self.draining));
        }
    }
}

fn ns(s: f64) -> u64 {
    (s * 1e9).round().max(0.0) as u64
}

struct Sampler {
    exp: Option<Exp<f64>>,
    logn: Option<LogNormal<f64>>,
    fixed: f64,
}

impl Sampler {
    fn new(s: Service) -> Sampler {
        let mean = s.mean.max(1e-9);
        if (s.cv - 1.0).abs() < 1e-12 {
            Sampler {
                exp: Exp::new(1.0 / mean).ok(),
                logn: None,
                fixed: mean,
            }
        } else if s.cv <= 0.0 {
            Sampler {
                exp: None,
                logn: None,
                fixed: mean,
            }
        } else {
            let sigma2 = (1.0 + s.cv * s.cv).ln();
            Sampler {
                exp: None,
                logn: LogNormal::new(mean.ln() - sigma2 / 2.0, sigma2.sqrt()).ok(),
                fixed: mean,
            }
        }
    }

    fn draw(&self, rng: &mut StdRng) -> f64 {
        match (&self.exp, &self.logn) {
            (Some(e), _) => e.sample(rng),
            (_, Some(l)) => l.sample(rng),
            _ => self.fixed,
        }
    }
}

/// Runs one simulation.
pub fn simulate(s: &Settings) -> Report {
    let mut rng = StdRng::seed_from_u64(s.seed);
    let service = Sampler::new(s.service);
    let mut heap: BinaryHeap<Event> = BinaryHeap::new();
    let horizon = match &s.arrivals {
        Arrivals::Trace(t) => t.last().copied().unwrap_or(0.0).max(s.horizon),
        _ => s.horizon,
    };
    let end = ns(horizon);
    // Arrivals: the first one; each arrival schedules the next.
    let mut trace_i = 0usize;
    let mut burst = true;
    let mut burst_until = 0.0f64;
    let mut next_arrival = |now: f64, rng: &mut StdRng| -> Option<f64> {
        match &s.arrivals {
            Arrivals::Poisson(rate) => Exp::new(*rate).ok().map(|e| now + e.sample(rng)),
            Arrivals::Bursty {
                high,
                low,
                high_s,
                low_s,
            } => {
                let mut t = now;
                loop {
                    if t >= burst_until {
                        burst = !burst;
                        let mean = if burst { *high_s } else { *low_s };
                        burst_until = t + Exp::new(1.0 / mean.max(1e-9)).ok()?.sample(rng);
                    }
                    let rate = if burst { *high } else { *low };
                    let gap = if rate > 0.0 {
                        Exp::new(rate).ok()?.sample(rng)
                    } else {
                        f64::INFINITY
                    };
                    if t + gap <= burst_until {
                        return Some(t + gap);
                    }
                    t = burst_until;
                }
            }
            Arrivals::Trace(times) => {
                let t = times.get(trace_i).copied();
                trace_i += 1;
                t
            }
        }
    };
    if let Some(t) = next_arrival(0.0, &mut rng) {
        heap.push(Reverse((ns(t), Kind::Arrival)));
    }
    let scaling = s.scaling;
    if let Some(sc) = scaling {
        heap.push(Reverse((ns(sc.sync), Kind::Sync)));
        heap.push(Reverse((ns(sc.polling), Kind::Poll)));
    }

    let mut queue: VecDeque<u64> = VecDeque::new(); // arrival times (ns)
    let mut pods = Pods {
        idle: s.pods,
        ..Pods::default()
    };
    let mut waits: Vec<f64> = Vec::new();
    let mut jobs = 0usize;
    let mut pod_ns: u128 = 0; // pod-nanoseconds
    let mut last_t: u64 = 0;
    let mut peak = s.pods;
    let mut wishes: VecDeque<(u64, u32)> = VecDeque::new();
    let mut last_active: u64 = 0;
    let mut bound_hours: Vec<u32> = Vec::new();

    while let Some(Reverse((t, kind))) = heap.pop() {
        if t > end && kind != Kind::Done && kind != Kind::Ready {
            if queue.is_empty() && pods.busy == 0 {
                break;
            }
            if kind == Kind::Arrival {
                continue;
            }
        }
        pod_ns += u128::from(pods.total()) * u128::from(t - last_t);
        last_t = t;
        let now = t as f64 / 1e9;
        match kind {
            Kind::Arrival => {
                jobs += 1;
                queue.push_back(t);
                if let Some(nt) = next_arrival(now, &mut rng) {
                    heap.push(Reverse((ns(nt), Kind::Arrival)));
                }
            }
            Kind::Done => pods.done(),
            Kind::Ready => {
                pods.starting -= 1;
                pods.idle += 1;
            }
            Kind::Sync => {
                let sc = scaling.expect("sync events only with scaling");
                let current = pods.current();
                let len = queue.len() as f64;
                let mut want = if current == 0 {
                    0
                } else {
                    let desired = (len / sc.list_length).ceil() as u32;
                    let ratio = f64::from(desired) / f64::from(current);
                    if (ratio - 1.0).abs() <= sc.tolerance {
                        current
                    } else {
                        desired
                    }
                };
                if let Some(cap) = s.budget_replicas {
                    if want > cap {
                        let h = (now / 3600.0) as u32;
                        if bound_hours.last() != Some(&h) {
                            bound_hours.push(h);
                        }
                    }
                }
                want = want.clamp(sc.min_replicas.max(u32::from(current > 0)), sc.max_replicas);
                // Scale-down takes the highest wish of the stabilisation window.
                wishes.push_back((t, want));
                while wishes
                    .front()
                    .is_some_and(|w| w.0 + ns(sc.down_stabilisation) < t)
                {
                    wishes.pop_front();
                }
                let stable = wishes.iter().map(|w| w.1).max().unwrap_or(want);
                let target = if want > current {
                    want.min(current + current.max(4))
                } else {
                    stable.min(current)
                };
                pods.resize(target, &mut heap, t, ns(sc.start_latency));
                heap.push(Reverse((t + ns(sc.sync), Kind::Sync)));
            }
            Kind::Poll => {
                let sc = scaling.expect("poll events only with scaling");
                let current = pods.current();
                let len = queue.len() as f64;
                if len > 0.0 || pods.busy > 0 {
                    last_active = t;
                }
                if current == 0 && len > sc.activation {
                    pods.resize(sc.min_replicas.max(1), &mut heap, t, ns(sc.start_latency));
                } else if current > 0
                    && sc.min_replicas == 0
                    && len == 0.0
                    && pods.busy == 0
                    && t >= last_active + ns(sc.cooldown)
                {
                    pods.resize(0, &mut heap, t, 0);
                }
                heap.push(Reverse((t + ns(sc.polling), Kind::Poll)));
            }
        }
        // Idle ready pods take waiting jobs.
        while pods.idle > 0 {
            let Some(arrived) = queue.pop_front() else {
                break;
            };
            pods.idle -= 1;
            pods.busy += 1;
            if jobs > s.warmup_jobs + queue.len() {
                waits.push((t - arrived) as f64 / 1e9);
            }
            let d = service.draw(&mut rng);
            heap.push(Reverse((t + ns(d), Kind::Done)));
        }
        peak = peak.max(pods.total());
        if t > end && queue.is_empty() && pods.busy == 0 {
            break;
        }
    }
    let counted = waits.len();
    let wait_mean = if counted > 0 {
        waits.iter().sum::<f64>() / counted as f64
    } else {
        0.0
    };
    waits.sort_by(f64::total_cmp);
    let q = |p: f64| nearest_rank(&waits, p);
    let replica_hours = pod_ns as f64 / 1e9 / 3600.0;
    Report {
        jobs,
        counted,
        wait_mean,
        wait_p50: q(0.5),
        wait_p95: q(0.95),
        wait_p99: q(0.99),
        replica_hours,
        cost_usd: replica_hours * s.cost_per_replica_hour,
        peak_replicas: peak,
        budget_bound_hours: bound_hours,
        seconds: last_t as f64 / 1e9,
    }
}

/// Erlang C: the mean queue wait of M/M/c with arrival rate `lambda` and
/// service rate `mu` per server (infinite when the load reaches c).
pub fn erlang_c_wait(c: u32, lambda: f64, mu: f64) -> f64 {
    let c_f = f64::from(c);
    if lambda / mu >= c_f {
        return f64::INFINITY;
    }
    erlang_c(c, lambda / mu) / (c_f * mu - lambda)
}

/// Erlang C's probability that a job waits, with offered load `a` Erlangs
/// on `c` servers (1 when the load reaches c).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let c_f = f64::from(c);
    if a >= c_f {
        return 1.0;
    }
    // Sum of a^k / k! for k < c, and a^c / c!, by recurrence.
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let top = term * c_f / (c_f - a);
    top / (sum + top)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(c: u32, rho: f64, jobs: f64, seed: u64) -> (Report, f64) {
        let mu = 1.0 / 10.0; // 10 s per job
        let lambda = rho * f64::from(c) * mu;
        let s = Settings {
            arrivals: Arrivals::Poisson(lambda),
            service: Service {
                mean: 10.0,
                cv: 1.0,
            },
            scaling: None,
            pods: c,
            horizon: jobs / lambda,
            cost_per_replica_hour: 0.0,
            budget_replicas: None,
            seed,
            warmup_jobs: 2000,
        };
        (simulate(&s), erlang_c_wait(c, lambda, mu))
    }

    #[test]
    #[ignore = "the full grid; run with --release -- --ignored --nocapture"]
    fn erlang_c_grid() {
        for c in [1, 2, 5, 10, 20] {
            for rho in [0.5, 0.7, 0.85, 0.95] {
                // Enough jobs that about 20,000 of them wait, and at least 1M
                // (4M near saturation, where waits are long and correlated).
                let p = erlang_c(c, rho * f64::from(c));
                let floor = if rho > 0.9 { 4e6 } else { 1e6 };
                let jobs = (2e4 / p).clamp(floor, 5e7);
                let (r, want) = fixed(c, rho, jobs, 7);
                let err = (r.wait_mean - want) / want;
                eprintln!("c {c:2} rho {rho:.2}: simulated {:9.3} s, Erlang C {want:9.3} s, error {:+.2}%", r.wait_mean, 100.0 * err);
            }
        }
    }

    #[test]
    fn erlang_c_matches_known_values() {
        // M/M/1: Wq = rho / (mu - lambda).
        assert!((erlang_c_wait(1, 0.5, 1.0) - 1.0).abs() < 1e-12);
        // M/M/2 with a = 1: P(wait) = 1/3, Wq = (1/3) / (2 - 1).
        assert!((erlang_c_wait(2, 1.0, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        assert!(erlang_c_wait(2, 2.0, 1.0).is_infinite());
    }

    #[test]
    fn fixed_pods_match_erlang_c_within_five_percent() {
        for (c, rho) in [(1, 0.5), (2, 0.7), (5, 0.85), (10, 0.9)] {
            let (r, want) = fixed(c, rho, 400_000.0, 1);
            let err = (r.wait_mean - want).abs() / want;
            assert!(
                err < 0.05,
                "c {c} rho {rho}: simulated {} vs Erlang C {want}",
                r.wait_mean
            );
        }
    }

    #[test]
    fn autoscaling_follows_the_load_and_stays_under_the_cap() {
        let s = Settings {
            arrivals: Arrivals::Bursty {
                high: 2.0,
                low: 0.1,
                high_s: 600.0,
                low_s: 1800.0,
            },
            service: Service {
                mean: 20.0,
                cv: 0.5,
            },
            scaling: Some(Scaling {
                list_length: 5.0,
                max_replicas: 20,
                min_replicas: 0,
                ..Scaling::default()
            }),
            pods: 0,
            horizon: 86_400.0,
            cost_per_replica_hour: 0.5,
            budget_replicas: Some(20),
            seed: 3,
            warmup_jobs: 0,
        };
        let r = simulate(&s);
        assert!(r.jobs > 20_000, "{r:?}");
        assert_eq!(r.counted, r.jobs);
        assert!(r.peak_replicas <= 20 && r.peak_replicas >= 10, "{r:?}");
        // Fewer pod-hours than 20 pods all day, more than the work itself.
        let work_hours = r.jobs as f64 * 20.0 / 3600.0;
        assert!(
            r.replica_hours < 20.0 * 24.0 && r.replica_hours > work_hours,
            "{r:?}"
        );
        assert!((r.cost_usd - 0.5 * r.replica_hours).abs() < 1e-9);
    }
}
