//! From runs to rounds: one observation per round per benchmark and measure,
//! severe outliers counted, disturbed rounds trimmed, and the environment
//! keys that must match between base and head.

use super::stats::{mad_sd, mean, median, quantile};
use super::{Measure, Run, Series};
use serde::Serialize;
use std::collections::BTreeMap;

/// How a round's raw samples are summarised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// 95th percentile.
    P95,
    /// Median.
    Median,
    /// Mean.
    Mean,
}

impl Metric {
    /// Every metric's name, as flags and files spell it.
    pub const NAMES: [&'static str; 3] = ["p95", "median", "mean"];
}

impl std::str::FromStr for Metric {
    type Err = String;

    fn from_str(s: &str) -> Result<Metric, String> {
        match s {
            "p95" => Ok(Metric::P95),
            "median" => Ok(Metric::Median),
            "mean" => Ok(Metric::Mean),
            _ => Err(format!("unknown metric `{s}` (p95, median, mean)")),
        }
    }
}

/// Environment keys that must match for a comparison to mean anything.
const ENV_KEYS: &[&str] = &[
    "env_hash",
    "host_name",
    "num_cpus",
    "mhz_per_cpu",
    "cpu",
    "goos",
    "goarch",
    "machine",
    "system",
    "python_version",
    "node",
];

/// The observations of one benchmark on one side, plus its severe-outlier
/// sample count and total sample count.
#[derive(Default)]
pub(super) struct Obs {
    pub values: Vec<f64>,
    pub unit: String,
    pub outliers: usize,
    pub samples: usize,
}

/// One round's value: the metric over raw samples, or the single summary.
pub fn round_value(s: &Series, metric: Metric) -> f64 {
    if s.values.len() == 1 {
        return s.values[0];
    }
    match metric {
        Metric::P95 => quantile(&s.values, 0.95),
        Metric::Median => median(&s.values),
        Metric::Mean => mean(&s.values),
    }
}

pub(super) fn severe_outliers(v: &[f64]) -> usize {
    if v.len() < 4 {
        return 0;
    }
    let (q1, q3) = (quantile(v, 0.25), quantile(v, 0.75));
    let iqr = q3 - q1;
    v.iter()
        .filter(|&&x| x < q1 - 3.0 * iqr || x > q3 + 3.0 * iqr)
        .count()
}

/// Rounds needed on a side before round-level outliers are looked for.
const TRIM_MIN_ROUNDS: usize = 10;

/// Leaves out the disturbed rounds of both sides: rounds whose log value is
/// beyond 3 IQR of the two sides pooled (interference slows whole rounds, and
/// such one-sided spikes in the base hide regressions). The fences depend on
/// the pooled values only, so under "no change" the kept rounds are still
/// exchangeable and the rank test stays exact. Sides with fewer than
/// [`TRIM_MIN_ROUNDS`] rounds are kept whole. Returns the kept values and the
/// number left out, per side.
#[allow(clippy::type_complexity)]
pub(super) fn trim_rounds(x: &[f64], y: &[f64]) -> ((Vec<f64>, usize), (Vec<f64>, usize)) {
    if x.len().min(y.len()) < TRIM_MIN_ROUNDS || x.iter().chain(y).any(|v| *v <= 0.0) {
        return ((x.to_vec(), 0), (y.to_vec(), 0));
    }
    let pooled: Vec<f64> = x.iter().chain(y).map(|v| v.ln()).collect();
    let (q1, q3) = (quantile(&pooled, 0.25), quantile(&pooled, 0.75));
    let fences = (q1 - 3.0 * (q3 - q1))..=(q3 + 3.0 * (q3 - q1));
    let keep = |v: &[f64]| {
        let kept: Vec<f64> = v
            .iter()
            .copied()
            .filter(|a| fences.contains(&a.ln()))
            .collect();
        let out = v.len() - kept.len();
        (kept, out)
    };
    (keep(x), keep(y))
}

/// Round-to-round spread of a benchmark: 1.4826 · MAD of the log values,
/// each side centred on its own median (so a shift does not count).
pub(super) fn round_spread(x: &[f64], y: &[f64]) -> f64 {
    let centred = |v: &[f64]| -> Vec<f64> {
        let logs: Vec<f64> = v.iter().map(|a| a.max(f64::MIN_POSITIVE).ln()).collect();
        let m = median(&logs);
        logs.iter().map(|l| l - m).collect()
    };
    let residuals: Vec<f64> = centred(x).into_iter().chain(centred(y)).collect();
    mad_sd(&residuals, 0.0)
}

/// Why a benchmark with too many disturbed rounds cannot be decided: more
/// than a quarter of either side.
pub(super) fn disturbed_rounds(nb: usize, xb: usize, nh: usize, xh: usize) -> Option<String> {
    (4 * xb > nb || 4 * xh > nh).then(|| {
        format!(
            "{xb} of {nb} base and {xh} of {nh} head rounds are disturbed (beyond 3 IQR): the runner was too unsteady to decide"
        )
    })
}

/// name -> measure -> observations.
pub(super) fn collect(runs: &[Run], metric: Metric) -> BTreeMap<String, BTreeMap<Measure, Obs>> {
    let mut out: BTreeMap<String, BTreeMap<Measure, Obs>> = BTreeMap::new();
    for r in runs {
        for s in &r.series {
            let o = out
                .entry(s.name.clone())
                .or_default()
                .entry(s.measure)
                .or_default();
            o.unit = s.unit.clone();
            if s.repetitions {
                o.values.extend(&s.values);
            } else {
                o.values.push(round_value(s, metric));
                if s.raw {
                    o.outliers += severe_outliers(&s.values);
                    o.samples += s.values.len();
                }
            }
        }
    }
    out
}

pub(super) fn env_difference(base: &[Run], head: &[Run]) -> Option<String> {
    let (b, h) = (base.first()?, head.first()?);
    for k in ENV_KEYS {
        if let (Some(x), Some(y)) = (b.env.get(*k), h.env.get(*k)) {
            if x != y {
                return Some(format!("environments differ ({k}: `{x}` vs `{y}`)"));
            }
        }
    }
    None
}
