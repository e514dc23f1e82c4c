//! `scale plan`: the cheapest KEDA configuration whose simulated queue-wait
//! p95 meets a target under the budget's replica cap, found by simulating
//! every combination of the candidate settings; when none meets it, the
//! per-pod throughput that would.

use super::sim::{simulate, Settings};
use serde::Serialize;

/// The search space and the target.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// Arrivals, service, budget and seed; `scaling` is the template whose
    /// list length, polling and min replicas the search varies.
    pub base: Settings,
    /// Target queue-wait p95, seconds.
    pub target_p95: f64,
    /// listLength values to try.
    pub list_lengths: Vec<f64>,
    /// pollingInterval values to try, seconds.
    pub pollings: Vec<f64>,
    /// minReplicaCount values to try.
    pub min_replicas: Vec<u32>,
    /// Seeds each candidate is simulated with; its p95 is the worst of them.
    pub seeds: u64,
}

/// One configuration tried.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Candidate {
    /// listLength.
    pub list_length: f64,
    /// pollingInterval, seconds.
    pub polling: f64,
    /// minReplicaCount.
    pub min_replicas: u32,
    /// maxReplicaCount.
    pub max_replicas: u32,
    /// Worst queue-wait p95 over the seeds, seconds.
    pub wait_p95: f64,
    /// Mean cost over the seeds, USD.
    pub cost_usd: f64,
    /// Mean replica-hours over the seeds.
    pub replica_hours: f64,
    /// p95 ≤ target.
    pub meets: bool,
}

/// The plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// The cheapest configuration that meets the target, if any.
    pub best: Option<Candidate>,
    /// Every configuration tried, cheapest first among those that meet it,
    /// then by p95.
    pub tried: Vec<Candidate>,
    /// When none meets the target: the per-pod throughput (jobs per second)
    /// at which the fastest configuration tried would, if any up to 100×
    /// the current does.
    pub needed_throughput: Option<f64>,
    /// The current per-pod throughput, jobs per second.
    pub throughput: f64,
}

fn evaluate(req: &Request, settings: &Settings) -> (f64, f64, f64) {
    let mut p95 = 0.0f64;
    let mut cost = 0.0;
    let mut hours = 0.0;
    for seed in 0..req.seeds.max(1) {
        let mut s = settings.clone();
        s.seed = req.base.seed + seed;
        let r = simulate(&s);
        p95 = p95.max(r.wait_p95);
        cost += r.cost_usd;
        hours += r.replica_hours;
    }
    let n = req.seeds.max(1) as f64;
    (p95, cost / n, hours / n)
}

/// Searches the space; see the module docs.
pub fn plan(req: &Request) -> Plan {
    let template = req.base.scaling.unwrap_or_default();
    let mut tried = Vec::new();
    for &list_length in &req.list_lengths {
        for &polling in &req.pollings {
            for &min in &req.min_replicas {
                let mut s = req.base.clone();
                let sc = super::sim::Scaling {
                    list_length,
                    polling,
                    min_replicas: min.min(template.max_replicas),
                    ..template
                };
                s.scaling = Some(sc);
                s.pods = sc.min_replicas;
                let (wait_p95, cost_usd, replica_hours) = evaluate(req, &s);
                tried.push(Candidate {
                    list_length,
                    polling,
                    min_replicas: sc.min_replicas,
                    max_replicas: sc.max_replicas,
                    wait_p95,
                    cost_usd,
                    replica_hours,
                    meets: wait_p95 <= req.target_p95,
                });
            }
        }
    }
    tried.sort_by(|a, b| {
        b.meets.cmp(&a.meets).then(if a.meets {
            a.replica_hours.total_cmp(&b.replica_hours)
        } else {
            a.wait_p95.total_cmp(&b.wait_p95)
        })
    });
    let best = tried.first().copied().filter(|c| c.meets);
    let throughput = 1.0 / req.base.service.mean;
    let needed_throughput = if best.is_some() {
        None
    } else {
        tried.first().and_then(|fastest| needed(req, fastest))
    };
    Plan {
        best,
        tried,
        needed_throughput,
        throughput,
    }
}

/// The per-pod throughput at which `c` meets the target: bisection on the
/// service time's scale, up to 100× faster pods.
fn needed(req: &Request, c: &Candidate) -> Option<f64> {
    let at = |factor: f64| {
        let mut s = req.base.clone();
        s.service.mean = req.base.service.mean / factor;
        let sc = super::sim::Scaling {
            list_length: c.list_length,
            polling: c.polling,
            min_replicas: c.min_replicas,
            ..req.base.scaling.unwrap_or_default()
        };
        s.scaling = Some(sc);
        s.pods = sc.min_replicas;
        evaluate(req, &s).0 <= req.target_p95
    };
    let (mut lo, mut hi) = (1.0f64, 100.0f64);
    if !at(hi) {
        return None;
    }
    for _ in 0..20 {
        let mid = (lo * hi).sqrt();
        if at(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
        if hi / lo < 1.01 {
            break;
        }
    }
    Some(hi / req.base.service.mean)
}
