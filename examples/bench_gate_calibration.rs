//! Calibration study for `bench-gate`: simulated gates of 20 benchmarks × 20
//! rounds under noise models fitted to the fixtures, with deterministic seeds.
//! Reports the false-`fail` rate on A/A gates and the detection rate of one
//! regressed benchmark (+15%, +12.5%) among 20.
//! Usage: cargo run --release --example bench_gate_calibration -- [GATES] [FIXTURES_DIR]
use maestro::bench::gate::{compare, Settings, Verdict};
use maestro::bench::{formats, stats, Measure, Run};
use rand::{rngs::StdRng, Rng, SeedableRng};
use rand_distr::{Distribution, Normal, StudentT};
use std::path::Path;

/// A noise model for one benchmark's rounds.
#[derive(Clone, Copy, Debug)]
struct Noise {
    name: &'static str,
    /// Round-to-round log-scale spread.
    between: f64,
    /// Sample-to-sample log-scale spread inside a round.
    within: f64,
    /// Student-t degrees of freedom for the round effect (heavy tails); 0 = normal.
    df: f64,
    /// Probability that a round is hit by interference, and its slowdown range.
    spike_p: f64,
    spike: (f64, f64),
    /// Probability that a single sample is hit (a context switch).
    sample_spike_p: f64,
}

const BENCHES: usize = 20;
const ROUNDS: usize = 20;
const SAMPLES: usize = 30;

fn side(rng: &mut StdRng, noise: &Noise, slow: &[f64]) -> Vec<Run> {
    let t = StudentT::new(noise.df.max(1.0)).unwrap();
    let n01 = Normal::new(0.0, 1.0).unwrap();
    (0..ROUNDS)
        .map(|_| {
            let mut run = Run::default();
            for (b, &factor) in slow.iter().enumerate() {
                let eps = if noise.df > 0.0 {
                    // Unit-variance t.
                    t.sample(rng) * ((noise.df - 2.0).max(0.5) / noise.df).sqrt()
                } else {
                    n01.sample(rng)
                };
                let mut level = 1000.0 * factor * (noise.between * eps).exp();
                if rng.gen::<f64>() < noise.spike_p {
                    level *= rng.gen_range(noise.spike.0..noise.spike.1);
                }
                for _ in 0..SAMPLES {
                    let mut v = level * (noise.within * n01.sample(rng)).exp();
                    if rng.gen::<f64>() < noise.sample_spike_p {
                        v *= rng.gen_range(1.5..3.0);
                    }
                    run.push(&format!("bench{b:02}"), "ns", Measure::WallTime, v, true);
                }
            }
            run
        })
        .collect()
}

struct Outcome {
    false_fail_gates: usize,
    aa_inconclusive: f64,
    detected: usize,
    /// Misses whose estimate stayed within the threshold, and the others.
    missed_within: usize,
    missed_other: usize,
}

fn study(noise: &Noise, gates: usize, slowdown: f64, seed: u64) -> Outcome {
    let s = Settings::default();
    let mut out = Outcome {
        false_fail_gates: 0,
        aa_inconclusive: 0.0,
        detected: 0,
        missed_within: 0,
        missed_other: 0,
    };
    for g in 0..gates {
        let mut rng = StdRng::seed_from_u64(seed ^ (g as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let flat = vec![1.0; BENCHES];
        let base = side(&mut rng, noise, &flat);
        // A/A gate.
        let aa = compare(&base, &side(&mut rng, noise, &flat), &s);
        if aa.benchmarks.iter().any(|b| b.verdict == Verdict::Fail) {
            out.false_fail_gates += 1;
        }
        out.aa_inconclusive += aa
            .benchmarks
            .iter()
            .filter(|b| b.verdict == Verdict::Inconclusive)
            .count() as f64
            / BENCHES as f64;
        // One regressed benchmark among twenty.
        let mut slow = flat.clone();
        slow[g % BENCHES] = 1.0 + slowdown;
        let ab = compare(&base, &side(&mut rng, noise, &slow), &s);
        let target = format!("bench{:02}", g % BENCHES);
        match ab.benchmarks.iter().find(|b| b.name == target) {
            Some(b) if b.verdict == Verdict::Fail => out.detected += 1,
            Some(b) if b.ratio <= 1.0 + s.threshold => out.missed_within += 1,
            other => {
                out.missed_other += 1;
                if std::env::var_os("CALIB_DEBUG").is_some() {
                    if let Some(b) = other {
                        eprintln!("miss: {:?} {:.3} {}", b.verdict, b.ratio, b.reason);
                    }
                }
            }
        }
    }
    out.aa_inconclusive /= gates as f64;
    out
}

/// Median round-to-round coefficient of variation of the round p95 values in
/// a set of runs (one value per benchmark per round).
fn round_cv(runs: &[Run]) -> Option<f64> {
    // By (name, measure); the gate uses the steadiest measure a benchmark has.
    let mut by: std::collections::BTreeMap<(String, Measure), Vec<f64>> = Default::default();
    for r in runs {
        for s in &r.series {
            let v = by.entry((s.name.clone(), s.measure)).or_default();
            if s.repetitions {
                v.extend(&s.values);
            } else {
                v.push(stats::quantile(&s.values, 0.95));
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    by.retain(|(name, _), _| seen.insert(name.clone()));
    let cvs: Vec<f64> = by
        .values()
        .filter(|v| v.len() >= 3)
        .map(|v| {
            let logs: Vec<f64> = v.iter().map(|x| x.ln()).collect();
            let m = stats::mean(&logs);
            (logs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (logs.len() - 1) as f64).sqrt()
        })
        .collect();
    (!cvs.is_empty()).then(|| stats::median(&cvs))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let gates: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let dir = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "../shared/data/bench".into());
    let dir = Path::new(&dir);
    // Calibrate the round-level spread on the fixtures' A runs.
    let load =
        |p: &str, baseline: &str| formats::load(&dir.join(p), None, baseline).unwrap_or_default();
    let gb: Vec<Run> = ["r1_a", "r2_a", "r3_a"]
        .iter()
        .flat_map(|r| load(&format!("google-benchmark/generated-{r}.json"), "new"))
        .collect();
    let go = load("go/generated-raw_a.txt", "new");
    let crit = load("criterion/generated-rounds", "r*_a");
    let cv = |runs: &[Run], fallback: f64, what: &str| {
        let v = round_cv(runs).unwrap_or(fallback);
        println!(
            "calibration: {what}: round-to-round log spread {:.2}%",
            v * 100.0
        );
        v
    };
    let quiet = cv(&gb, 0.01, "Google Benchmark cpu_time repetitions (quiet)");
    let ci = cv(&go, 0.05, "go -count lines on a loaded runner");
    let hostile = cv(
        &crit,
        0.2,
        "criterion p95 per round, load 11 on 2 cores (hostile)",
    );
    let models = [
        Noise {
            name: "quiet (Google Benchmark fit)",
            between: quiet,
            within: 0.02,
            df: 0.0,
            spike_p: 0.0,
            spike: (1.0, 1.01),
            sample_spike_p: 0.0,
        },
        Noise {
            name: "shared CI runner (go fit), t3 tails + 5% spikes",
            between: ci,
            within: 0.05,
            df: 3.0,
            spike_p: 0.05,
            spike: (1.2, 2.0),
            sample_spike_p: 0.005,
        },
        Noise {
            name: "hostile (criterion fit), t3 tails + 10% spikes",
            between: hostile,
            within: 0.10,
            df: 3.0,
            spike_p: 0.10,
            spike: (1.2, 2.0),
            sample_spike_p: 0.01,
        },
    ];
    println!("\n{gates} gates per cell; {BENCHES} benchmarks × {ROUNDS} rounds × {SAMPLES} samples; metric p95, threshold 10%, α 0.003 (Holm)\n");
    println!("| noise model | round spread | A/A gates with a false fail | A/A benchmarks inconclusive | detected at +15% | detected at +12.5% | +12.5% misses: estimate ≤ +10% / other |");
    println!("|---|---|---|---|---|---|---|");
    for (i, m) in models.iter().enumerate() {
        let a = study(m, gates, 0.15, 1000 + i as u64);
        let b = study(m, gates, 0.125, 2000 + i as u64);
        println!(
            "| {} | {:.2}% | {:.2}% ({}/{}) | {:.1}% | {:.1}% | {:.1}% | {} / {} |",
            m.name,
            m.between * 100.0,
            100.0 * (a.false_fail_gates + b.false_fail_gates) as f64 / (2 * gates) as f64,
            a.false_fail_gates + b.false_fail_gates,
            2 * gates,
            50.0 * (a.aa_inconclusive + b.aa_inconclusive),
            100.0 * a.detected as f64 / gates as f64,
            100.0 * b.detected as f64 / gates as f64,
            b.missed_within,
            b.missed_other,
        );
    }
}
