//! Criterion benchmark of one bench-gate decision on fixture-sized input:
//! 3 benchmarks × 10 rounds × 50 raw samples per side (the size of the
//! criterion rounds fixture), parsed from criterion `sample.json` text and
//! compared. The goal is 1000 gates per second.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use maestro::bench::formats::criterion::parse_sample;
use maestro::bench::gate::{compare, Settings};
use maestro::bench::Run;

/// Deterministic pseudo-noise in [0, 1).
fn noise(seed: &mut u64) -> f64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed >> 11) as f64 / (1u64 << 53) as f64
}

/// One side: 10 rounds of sample.json texts for 3 benchmarks.
fn side(slow: f64, seed: &mut u64) -> Vec<Vec<(String, String)>> {
    (0..10)
        .map(|_| {
            (0..3)
                .map(|b| {
                    let iters: Vec<f64> = (1..=50).map(|i| (i * 19) as f64).collect();
                    let times: Vec<f64> = iters
                        .iter()
                        .map(|i| i * 1000.0 * (b + 1) as f64 * slow * (1.0 + 0.05 * noise(seed)))
                        .collect();
                    let text = serde_json::json!({"sampling_mode": "Linear", "iters": iters, "times": times}).to_string();
                    (format!("bench{b}"), text)
                })
                .collect()
        })
        .collect()
}

fn parse(rounds: &[Vec<(String, String)>]) -> Vec<Run> {
    rounds
        .iter()
        .map(|benches| {
            let mut run = Run::default();
            for (name, text) in benches {
                run.series
                    .extend(parse_sample(text, name, name).unwrap().series);
            }
            run
        })
        .collect()
}

fn bench_gate(c: &mut Criterion) {
    let mut seed = 0x2545_f491_4f6c_dd1d;
    let (base, head) = (side(1.0, &mut seed), side(1.12, &mut seed));
    let s = Settings::default();
    c.bench_function(
        "gate: parse + compare, 3 benchmarks x 10 rounds x 50 samples",
        |b| b.iter(|| compare(&parse(black_box(&base)), &parse(black_box(&head)), &s)),
    );
    let (pb, ph) = (parse(&base), parse(&head));
    c.bench_function("gate: compare only", |b| {
        b.iter(|| compare(black_box(&pb), black_box(&ph), &s))
    });
}

criterion_group!(benches, bench_gate);
criterion_main!(benches);
