//! The gate: per benchmark, one observation per round on each side, the
//! Hodges-Lehmann ratio head/base with distribution-free bounds, a one-sided
//! Mann-Whitney test, Holm's correction over all benchmarks, and a verdict
//! with its reason in words.

use super::rounds::{collect, disturbed_rounds, env_difference, round_spread, trim_rounds, Obs};
pub use super::rounds::{round_value, Metric};
use super::stats::{hodges_lehmann_ratio, holm, mann_whitney, median};
pub use super::Verdict;
use super::{Measure, Run};
use serde::Serialize;
use std::collections::BTreeMap;

/// Gate settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Round summary statistic.
    pub metric: Metric,
    /// Relative slowdown that matters (0.10 = 10%).
    pub threshold: f64,
    /// Family-wise false-alarm rate (0.003).
    pub alpha: f64,
    /// Rounds needed on each side to decide.
    pub min_rounds: usize,
    /// Share of severe outlier samples above which a result is inconclusive.
    pub outlier_limit: f64,
    /// Judge on this measure only (`--measure`); by default the steadiest
    /// one both sides have that covers at least half of the wall time.
    pub measure: Option<Measure>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            metric: Metric::P95,
            threshold: 0.10,
            alpha: 0.003,
            min_rounds: 5,
            outlier_limit: 0.025,
            measure: None,
        }
    }
}

/// One benchmark's result.
#[derive(Clone, Debug, Serialize)]
pub struct BenchResult {
    /// Benchmark name.
    pub name: String,
    /// What was compared.
    pub measure: Measure,
    /// Unit of `base` and `head`.
    pub unit: String,
    /// Median of the base observations.
    pub base: f64,
    /// Median of the head observations.
    pub head: f64,
    /// Hodges-Lehmann estimate of head / base.
    pub ratio: f64,
    /// Lower confidence bound of the ratio (at the benchmark's Holm level).
    pub ci_low: f64,
    /// Upper confidence bound of the ratio.
    pub ci_high: f64,
    /// One-sided Mann-Whitney p-value for "head is slower".
    pub p_value: f64,
    /// Two-sided Mann-Whitney p-value.
    pub p_two_sided: f64,
    /// Observations on each side.
    pub n_base: usize,
    /// Observations on the head side.
    pub n_head: usize,
    /// Base rounds left out as disturbed (beyond 3 IQR of both sides pooled).
    pub excluded_base: usize,
    /// Head rounds left out as disturbed.
    pub excluded_head: usize,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in words.
    pub reason: String,
}

/// The whole gate.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Overall verdict: the most severe of the benchmarks'.
    pub verdict: Verdict,
    /// Metric used for rounds.
    pub metric: Metric,
    /// Threshold.
    pub threshold: f64,
    /// Family-wise level.
    pub alpha: f64,
    /// Rounds read on each side.
    pub rounds_base: usize,
    /// Rounds read on the head side.
    pub rounds_head: usize,
    /// Per benchmark, most severe first.
    pub benchmarks: Vec<BenchResult>,
}

/// The measure to judge a benchmark on: `wanted` if both sides have it;
/// otherwise the steadiest both have (instructions, then CPU time, then wall
/// time), except that CPU time that is only a mean per round (hyperfine's
/// user + system) is passed over when it covers less than half of the wall
/// time sampled run by run: the command waits (I/O, a child process,
/// `sleep`), and wall time is what its users read. CPU time measured per
/// repetition (Google Benchmark) stays first: on a busy runner the wall time
/// of CPU-bound code is mostly time spent descheduled.
fn choose_measure(
    b: &BTreeMap<Measure, Obs>,
    h: &BTreeMap<Measure, Obs>,
    wanted: Option<Measure>,
) -> Option<Measure> {
    if let Some(w) = wanted {
        return (b.contains_key(&w) && h.contains_key(&w)).then_some(w);
    }
    let covers_wall = |side: &BTreeMap<Measure, Obs>| match (
        side.get(&Measure::CpuTime),
        side.get(&Measure::WallTime),
    ) {
        (Some(cpu), Some(wall)) if cpu.samples == 0 && wall.samples > 0 => {
            mean_of(&cpu.values) >= 0.5 * mean_of(&wall.values)
        }
        _ => true,
    };
    b.keys()
        .copied()
        .filter(|m| h.contains_key(m))
        .find(|&m| m != Measure::CpuTime || (covers_wall(b) && covers_wall(h)))
}

fn mean_of(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// The result of a benchmark with no measure to compare on.
fn no_measure(
    name: &str,
    b: &BTreeMap<Measure, Obs>,
    h: &BTreeMap<Measure, Obs>,
    wanted: Option<Measure>,
) -> BenchResult {
    let has = |side: &BTreeMap<Measure, Obs>| {
        side.keys().map(|m| m.name()).collect::<Vec<_>>().join(", ")
    };
    let reason = match wanted {
        Some(w) => format!(
            "no {} on both sides (base has {}; head has {})",
            w.name(),
            has(b),
            has(h)
        ),
        None => format!(
            "no measure on both sides (base has {}; head has {})",
            has(b),
            has(h)
        ),
    };
    BenchResult::undecided(name, wanted.unwrap_or(Measure::Other), reason)
}

impl BenchResult {
    /// An `inconclusive` result with nothing measured, and why.
    fn undecided(name: &str, measure: Measure, reason: String) -> BenchResult {
        BenchResult {
            name: name.to_string(),
            measure,
            unit: String::new(),
            base: f64::NAN,
            head: f64::NAN,
            ratio: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            p_value: f64::NAN,
            p_two_sided: f64::NAN,
            n_base: 0,
            n_head: 0,
            excluded_base: 0,
            excluded_head: 0,
            verdict: Verdict::Inconclusive,
            reason,
        }
    }
}

/// A base of zero has no ratio: a zero base with a non-zero head in every
/// round is a regression in absolute terms (0 allocations to 3), zero on
/// both sides is a pass, and a base zero in only some rounds cannot be judged.
fn zero_base(base: &[f64], head: &[f64], unit: &str) -> Option<(Verdict, String)> {
    if !base.contains(&0.0) {
        return None;
    }
    let all_zero = |v: &[f64]| v.iter().all(|x| *x == 0.0);
    Some(if all_zero(base) && all_zero(head) {
        (Verdict::Pass, format!("0 {unit} on both sides"))
    } else if all_zero(base) && head.iter().all(|x| *x > 0.0) {
        (
            Verdict::Fail,
            format!(
                "from 0 to {} {unit} in every round: a cost where there was none (a ratio to a zero base is undefined)",
                median(head)
            ),
        )
    } else {
        (
            Verdict::Inconclusive,
            "the base is 0 in some rounds: a ratio is undefined, cannot judge".to_string(),
        )
    })
}

/// Compares the two sides.
pub fn compare(base: &[Run], head: &[Run], s: &Settings) -> Report {
    compare_with_history(base, head, s, &|_, _| Vec::new())
}

/// Compares the two sides; benchmarks with too few rounds to test are judged
/// against `history(name, measure)` (recorded summaries, oldest first) when
/// there is enough of it.
pub fn compare_with_history(
    base: &[Run],
    head: &[Run],
    s: &Settings,
    history: &dyn Fn(&str, Measure) -> Vec<f64>,
) -> Report {
    let (b, h) = (collect(base, s.metric), collect(head, s.metric));
    let env_diff = env_difference(base, head);
    let mut results = Vec::new();
    let mut testable = Vec::new(); // (index in results, p one-sided greater, p less)
    let mut kept: Vec<(Vec<f64>, Vec<f64>)> = Vec::new(); // the rounds tested, per testable
    let names: std::collections::BTreeSet<&String> = b.keys().chain(h.keys()).collect();
    for name in names {
        let from_history = |hm: &BTreeMap<Measure, Obs>| -> Option<BenchResult> {
            let (&measure, y) = hm.iter().next()?;
            let past = history(name, measure);
            let j = super::history::judge(&past, median(&y.values), s.threshold, s.alpha);
            (j.verdict != Verdict::Inconclusive).then(|| BenchResult {
                name: name.clone(),
                measure,
                unit: y.unit.clone(),
                base: median(&past[past.len().saturating_sub(super::history::WINDOW)..]),
                head: median(&y.values),
                ratio: j.ratio,
                ci_low: j.lower,
                ci_high: j.upper,
                p_value: f64::NAN,
                p_two_sided: f64::NAN,
                n_base: past.len().min(super::history::WINDOW),
                n_head: y.values.len(),
                excluded_base: 0,
                excluded_head: 0,
                verdict: j.verdict,
                reason: j.reason,
            })
        };
        let few = |m: &BTreeMap<Measure, Obs>| {
            m.values()
                .next()
                .is_none_or(|o| o.values.len() < s.min_rounds)
        };
        if let Some(hm) = h.get(name) {
            let no_test = b.get(name).is_none_or(few) || few(hm);
            let deterministic = hm.contains_key(&Measure::Instructions) && b.contains_key(name);
            if no_test && !deterministic {
                if let Some(r) = from_history(hm) {
                    results.push(r);
                    continue;
                }
            }
        }
        let (Some(bm), Some(hm)) = (b.get(name), h.get(name)) else {
            let side = if b.contains_key(name) { "base" } else { "head" };
            results.push(BenchResult::undecided(
                name,
                Measure::Other,
                format!(
                    "only in {side}: nothing to compare (without a base, {} recorded runs are needed; see `bench-gate record`)",
                    super::history::MIN_HISTORY
                ),
            ));
            continue;
        };
        let Some(measure) = choose_measure(bm, hm, s.measure) else {
            results.push(no_measure(name, bm, hm, s.measure));
            continue;
        };
        let (x, y) = (&bm[&measure], &hm[&measure]);
        // Disturbed rounds are left out unless the head has clearly more of
        // them than the base: then it may be slow intermittently itself.
        let ((xv, xo), (yv, yo)) = match trim_rounds(&x.values, &y.values) {
            (bx, hy) if measure != Measure::Instructions && hy.1 < bx.1 + 3 => (bx, hy),
            _ => ((x.values.clone(), 0), (y.values.clone(), 0)),
        };
        let t = mann_whitney(&xv, &yv);
        let (ratio, lo, hi) = hodges_lehmann_ratio(&xv, &yv, 0.05);
        let mut r = BenchResult {
            name: name.clone(),
            measure,
            unit: x.unit.clone(),
            base: median(&xv),
            head: median(&yv),
            ratio,
            ci_low: lo,
            ci_high: hi,
            p_value: t.p_greater,
            p_two_sided: t.p_two_sided,
            n_base: xv.len(),
            n_head: yv.len(),
            excluded_base: xo,
            excluded_head: yo,
            verdict: Verdict::Pass,
            reason: String::new(),
        };
        if let Some((verdict, reason)) = zero_base(&xv, &yv, &x.unit) {
            (r.verdict, r.reason) = (verdict, reason);
            if r.head == 0.0 {
                (r.ratio, r.ci_low, r.ci_high) = (1.0, 1.0, 1.0);
            }
            results.push(r);
            continue;
        }
        if measure == Measure::Instructions {
            // Deterministic counters: one value per side decides.
            let limit = 1.0 + s.threshold;
            r.ratio = r.head / r.base;
            r.ci_low = r.ratio;
            r.ci_high = r.ratio;
            let pct = (r.ratio - 1.0) * 100.0;
            (r.verdict, r.reason) = if r.ratio > limit {
                (Verdict::Fail, format!("{pct:+.2}% instructions, beyond the {:.0}% threshold (instruction counts are deterministic)", s.threshold * 100.0))
            } else if r.ratio < 1.0 / limit {
                (Verdict::Improved, format!("{pct:+.2}% instructions"))
            } else {
                (
                    Verdict::Pass,
                    format!(
                        "{pct:+.2}% instructions, within the {:.0}% threshold",
                        s.threshold * 100.0
                    ),
                )
            };
            results.push(r);
            continue;
        }
        let samples = x.samples + y.samples;
        let outlier_share = if samples == 0 {
            0.0
        } else {
            (x.outliers + y.outliers) as f64 / samples as f64
        };
        if x.values.len() < s.min_rounds || y.values.len() < s.min_rounds {
            r.verdict = Verdict::Inconclusive;
            r.reason = format!(
                "only {} base and {} head rounds; at least {} each are needed to decide",
                x.values.len(),
                y.values.len(),
                s.min_rounds
            );
        } else if let Some(d) = &env_diff {
            r.verdict = Verdict::Inconclusive;
            r.reason = d.clone();
        } else if outlier_share > s.outlier_limit {
            r.verdict = Verdict::Inconclusive;
            r.reason = format!(
                "{:.1}% of samples are severe outliers (limit {:.1}%): the runner was disturbed",
                outlier_share * 100.0,
                s.outlier_limit * 100.0
            );
        } else if let Some(why) = disturbed_rounds(x.values.len(), xo, y.values.len(), yo) {
            r.verdict = Verdict::Inconclusive;
            r.reason = why;
        } else {
            testable.push((results.len(), t.p_greater, t.p_less));
            kept.push((xv, yv));
        }
        results.push(r);
    }
    // Holm over all 2m one-sided claims ("slower" and "faster" for each
    // benchmark that can be decided): the family-wise error of every verdict
    // the gate states is at most alpha.
    let claims: Vec<f64> = testable
        .iter()
        .map(|t| t.1)
        .chain(testable.iter().map(|t| t.2))
        .collect();
    let mut up = holm(&claims, s.alpha);
    let down = up.split_off(testable.len());
    for (k, &(i, _, _)) in testable.iter().enumerate() {
        let r = &mut results[i];
        let (x, y) = &kept[k];
        let (_, lo, _) = hodges_lehmann_ratio(x, y, up[k].1);
        let (_, _, hi) = hodges_lehmann_ratio(x, y, down[k].1);
        let pct = |v: f64| (v - 1.0) * 100.0;
        let limit = 1.0 + s.threshold;
        // Too noisy to decide from the estimate: rounds vary by more than the
        // threshold. Then a verdict needs its whole Holm-level bound beyond
        // the threshold, not just beyond 1.
        let spread = round_spread(x, y);
        let noisy = spread > s.threshold;
        let (fail_at, improve_at) = if noisy {
            (limit, 1.0 / limit)
        } else {
            (1.0, 1.0)
        };
        if up[k].0 && r.ratio > limit && lo > 1.0 {
            r.ci_low = lo;
            let slower = format!(
                "{:+.1}% slower (at least {:+.1}% at {:.2}% error)",
                pct(r.ratio),
                pct(lo),
                up[k].1 * 100.0
            );
            (r.verdict, r.reason) = if lo > fail_at {
                (
                    Verdict::Fail,
                    format!(
                        "{slower}, beyond the {:.0}% threshold; p = {:.2e}",
                        s.threshold * 100.0,
                        r.p_value
                    ),
                )
            } else {
                (
                    Verdict::Inconclusive,
                    format!(
                        "{slower}, but rounds vary by ±{:.1}%, more than the {:.0}% threshold: too noisy to show the slowdown is beyond it",
                        spread * 100.0,
                        s.threshold * 100.0
                    ),
                )
            };
        } else if down[k].0 && r.ratio < 1.0 / limit && hi < improve_at {
            r.ci_high = hi;
            r.verdict = Verdict::Improved;
            r.reason = format!(
                "{:+.1}% faster, beyond the {:.0}% threshold",
                pct(r.ratio),
                s.threshold * 100.0
            );
        } else if r.ci_high > limit && r.ratio <= limit && !up[k].0 {
            r.verdict = Verdict::Inconclusive;
            r.reason = format!(
                "{:+.1}%, but too noisy to rule out a regression beyond {:.0}% (95% bound {:+.1}%)",
                pct(r.ratio),
                s.threshold * 100.0,
                pct(r.ci_high)
            );
        } else if up[k].0 && r.ratio > 1.0 {
            r.reason = format!(
                "{:+.1}% slower, significant but within the {:.0}% threshold",
                pct(r.ratio),
                s.threshold * 100.0
            );
        } else if r.ratio > limit {
            r.verdict = Verdict::Inconclusive;
            r.reason = format!(
                "{:+.1}%, but not significant after Holm correction (p = {:.2e} > {:.2e}): too noisy to decide",
                pct(r.ratio),
                r.p_value,
                up[k].1
            );
        } else {
            r.reason = format!(
                "{:+.1}%, within the {:.0}% threshold",
                pct(r.ratio),
                s.threshold * 100.0
            );
        }
    }
    for r in &mut results {
        if r.excluded_base + r.excluded_head > 0 {
            r.reason += &format!(
                " ({} base and {} head rounds left out as disturbed)",
                r.excluded_base, r.excluded_head
            );
        }
    }
    // An undefined number never passes: "cannot judge" says what it is.
    for r in results.iter_mut() {
        let numbers = [r.base, r.head, r.ratio];
        if r.verdict == Verdict::Pass
            && numbers.iter().any(|v| !v.is_finite())
            && !(r.base == 0.0 && r.head == 0.0)
        {
            r.verdict = Verdict::Inconclusive;
            r.reason = format!(
                "cannot judge: the ratio of {} to {} is undefined",
                r.head, r.base
            );
        }
    }
    results.sort_by(|a, b| a.verdict.cmp(&b.verdict).then(b.ratio.total_cmp(&a.ratio)));
    Report {
        verdict: results
            .iter()
            .map(|r| r.verdict)
            .min()
            .unwrap_or(Verdict::Pass),
        metric: s.metric,
        threshold: s.threshold,
        alpha: s.alpha,
        rounds_base: base.len(),
        rounds_head: head.len(),
        benchmarks: results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(name: &str, rounds: &[f64]) -> Vec<Run> {
        rounds
            .iter()
            .map(|&v| {
                let mut r = Run::default();
                r.push(name, "ns", Measure::WallTime, v, false);
                r
            })
            .collect()
    }

    #[test]
    fn a_clear_regression_fails_and_noise_does_not() {
        let s = Settings::default();
        let base: Vec<f64> = (0..10).map(|i| 100.0 + (i % 3) as f64).collect();
        let slow: Vec<f64> = base.iter().map(|v| v * 1.3).collect();
        let r = compare(&runs("b", &base), &runs("b", &slow), &s);
        assert_eq!(r.verdict, Verdict::Fail, "{:?}", r.benchmarks[0]);
        let same: Vec<f64> = (0..10).map(|i| 100.0 + ((i + 1) % 3) as f64).collect();
        let r = compare(&runs("b", &base), &runs("b", &same), &s);
        assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.benchmarks[0]);
        let fast: Vec<f64> = base.iter().map(|v| v * 0.7).collect();
        assert_eq!(
            compare(&runs("b", &base), &runs("b", &fast), &s).verdict,
            Verdict::Improved
        );
    }

    #[test]
    fn instruction_counts_decide_from_one_run() {
        let run = |v: f64| {
            let mut r = Run::default();
            r.push("b", "instructions", Measure::Instructions, v, false);
            vec![r]
        };
        let s = Settings::default();
        assert_eq!(
            compare(&run(1000.0), &run(1150.0), &s).verdict,
            Verdict::Fail
        );
        assert_eq!(
            compare(&run(1000.0), &run(1050.0), &s).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn too_few_rounds_or_other_machines_are_inconclusive() {
        let s = Settings::default();
        let r = compare(
            &runs("b", &[1.0, 1.0, 1.0]),
            &runs("b", &[2.0, 2.0, 2.0]),
            &s,
        );
        assert_eq!(r.verdict, Verdict::Inconclusive);
        assert!(r.benchmarks[0].reason.contains("rounds"));
        let mut base = runs("b", &[1.0; 6]);
        let mut head = runs("b", &[2.0; 6]);
        base[0].env.insert("host_name".into(), "a".into());
        head[0].env.insert("host_name".into(), "b".into());
        let r = compare(&base, &head, &s);
        assert!(r.benchmarks[0].reason.contains("environments differ"));
        // A 2x slowdown, but measured on other machines: not a failure.
        assert_eq!(r.verdict, Verdict::Inconclusive);
    }

    /// `n` log-normal round values around `level` with log spread `sd`
    /// (normal quantiles, so the tests are deterministic).
    fn spread_rounds(n: usize, level: f64, sd: f64) -> Vec<f64> {
        (0..n)
            .map(|i| {
                level * (sd * super::super::stats::norm_quantile((i as f64 + 0.5) / n as f64)).exp()
            })
            .collect()
    }

    #[test]
    fn disturbed_base_rounds_are_left_out_and_do_not_hide_a_regression() {
        let s = Settings::default();
        let mut base = spread_rounds(20, 100.0, 0.02);
        let head = spread_rounds(20, 115.0, 0.02);
        // Interference slowed three base rounds far past every head round.
        for v in &mut base[..3] {
            *v *= 2.5;
        }
        let r = compare(&runs("b", &base), &runs("b", &head), &s);
        let b = &r.benchmarks[0];
        assert_eq!((b.excluded_base, b.excluded_head), (3, 0), "{b:?}");
        assert_eq!(b.verdict, Verdict::Fail, "{b:?}");
    }

    #[test]
    fn a_head_with_more_slow_rounds_is_kept_whole() {
        let s = Settings::default();
        let base = spread_rounds(20, 100.0, 0.02);
        let mut head = spread_rounds(20, 100.0, 0.02);
        for v in &mut head[..4] {
            *v *= 2.0;
        }
        let r = compare(&runs("b", &base), &runs("b", &head), &s);
        let b = &r.benchmarks[0];
        assert_eq!((b.excluded_base, b.excluded_head), (0, 0), "{b:?}");
        assert_eq!(b.n_head, 20);
    }

    #[test]
    fn rounds_noisier_than_the_threshold_need_the_bound_beyond_it() {
        let s = Settings::default();
        let base = spread_rounds(60, 100.0, 0.2);
        let head = spread_rounds(60, 120.0, 0.2);
        let r = compare(&runs("b", &base), &runs("b", &head), &s);
        let b = &r.benchmarks[0];
        assert_eq!(b.verdict, Verdict::Inconclusive, "{b:?}");
        assert!(b.reason.contains("rounds vary"), "{}", b.reason);
        assert!(b.ci_low > 1.0 && b.ci_low <= 1.1, "{b:?}");
        // The same shift on steady rounds fails.
        let r = compare(
            &runs("b", &spread_rounds(60, 100.0, 0.05)),
            &runs("b", &spread_rounds(60, 120.0, 0.05)),
            &s,
        );
        assert_eq!(r.verdict, Verdict::Fail, "{:?}", r.benchmarks[0]);
    }

    #[test]
    fn a_small_but_real_slowdown_within_threshold_passes() {
        let s = Settings::default();
        let base: Vec<f64> = (0..20).map(|i| 100.0 + (i % 5) as f64 * 0.1).collect();
        let head: Vec<f64> = base.iter().map(|v| v * 1.03).collect();
        let r = compare(&runs("b", &base), &runs("b", &head), &s);
        assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.benchmarks[0]);
        assert!(r.benchmarks[0].reason.contains("within"));
    }
}
