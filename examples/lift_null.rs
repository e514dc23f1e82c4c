//! The false-positive rate of `evolve`'s proof of lift on its own: paired
//! differences with no true lift (normal, sd 0.028: two evaluations with
//! noise sd 0.02), N held-out scenarios, TRIALS independent runs of the
//! paired bootstrap. Prints how often the lift is "proven" (lower bound > 0)
//! and how often the 95 % interval misses 0.
//!
//! Usage: cargo run --release --example lift_null -- [TRIALS] [N]

use maestro::evolve::lift::lift;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

fn main() {
    let mut args = std::env::args().skip(1);
    let trials: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(40);
    let noise = Normal::new(0.0, 0.028).expect("sd > 0");
    let mut rng = StdRng::seed_from_u64(11);
    let (mut proven, mut missed) = (0u64, 0u64);
    for t in 0..trials {
        let d: Vec<f64> = (0..n).map(|_| noise.sample(&mut rng)).collect();
        let l = lift(&d, 0.02, t);
        proven += l.proven as u64;
        missed += (l.low > 0.0 || l.high < 0.0) as u64;
    }
    println!(
        "{trials} trials, n = {n}: lift proven (false positive) {:.2}%, interval misses 0 {:.2}% (nominal 2.5% and 5%)",
        100.0 * proven as f64 / trials as f64,
        100.0 * missed as f64 / trials as f64
    );
}
