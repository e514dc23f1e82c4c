//! Criterion benchmarks of the router's hot path: one pick with p_best
//! estimation (what every `route` does), for each decision rule.
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use maestro::bandit::{policy, Evidence, ExplorationCap, Objective, Posterior, Prior, Rule};
use rand::rngs::StdRng;
use rand::SeedableRng;

fn arms(k: usize) -> Vec<Posterior> {
    (0..k)
        .map(|i| {
            let mut ev = Evidence::default();
            for j in 0..200u64 {
                ev.observe(
                    j,
                    0.0,
                    !(j + i as u64).is_multiple_of(3),
                    0.1 * (i + 1) as f64,
                );
            }
            Posterior::new(&Prior::default(), &ev)
        })
        .collect()
}

fn bench_pick(c: &mut Criterion) {
    let cap = ExplorationCap {
        cap: 0.2,
        window: 100,
    };
    let mut rng = StdRng::seed_from_u64(1);
    for (rule, name) in [(Rule::Thompson, "thompson"), (Rule::Ids, "ids")] {
        for k in [2usize, 6, 24] {
            let a = arms(k);
            c.bench_function(&format!("route pick ({name}), {k} arms, 1000 draws"), |b| {
                b.iter(|| {
                    policy::pick(
                        rule,
                        &Objective::Reward { lambda: 0.5 },
                        black_box(&a),
                        cap,
                        5,
                        1000,
                        &mut rng,
                    )
                })
            });
        }
    }
}

criterion_group!(benches, bench_pick);
criterion_main!(benches);
