//! The CMA-ES that `maestro evolve` uses (the `cmaes` crate, as configured
//! there: active weights, default population) on the 10-dimensional sphere,
//! ellipsoid and Rosenbrock functions: evaluations to reach f < 1e-8, per
//! seed, as CSV. `scripts/bench/cmaes_vs_pycma.sh` runs pycma on the same
//! problems (same start, step and target) and compares the medians.
//!
//! Usage: cargo run --release --example cmaes_functions -- [SEEDS]

use cmaes::{CMAESOptions, DVector};

const DIM: usize = 10;
const TARGET: f64 = 1e-8;
const MAX_EVALS: usize = 100_000;

/// A test function.
type Function = fn(&DVector<f64>) -> f64;

fn sphere(x: &DVector<f64>) -> f64 {
    x.iter().map(|v| v * v).sum()
}

fn ellipsoid(x: &DVector<f64>) -> f64 {
    let n = x.len() as f64;
    x.iter()
        .enumerate()
        .map(|(i, v)| 10f64.powf(6.0 * i as f64 / (n - 1.0)) * v * v)
        .sum()
}

fn rosenbrock(x: &DVector<f64>) -> f64 {
    (0..x.len() - 1)
        .map(|i| 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2))
        .sum()
}

fn main() {
    let seeds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    println!("function,seed,evals,reached");
    // Name, function, start (every coordinate), step.
    let problems: [(&str, Function, f64, f64); 3] = [
        ("sphere", sphere, 3.0, 1.0),
        ("ellipsoid", ellipsoid, 3.0, 1.0),
        ("rosenbrock", rosenbrock, 0.0, 0.5),
    ];
    for (name, f, x0, sigma) in problems {
        for seed in 0..seeds {
            let mut cma = CMAESOptions::new(vec![x0; DIM], sigma)
                .fun_target(TARGET)
                .max_function_evals(MAX_EVALS)
                .tol_fun(1e-15)
                .tol_fun_hist(1e-15)
                .seed(seed + 1)
                .build(f)
                .expect("valid options");
            let r = cma.run();
            let best = r.overall_best.map_or(f64::INFINITY, |b| b.value);
            println!(
                "{name},{},{},{}",
                seed + 1,
                cma.function_evals(),
                best < TARGET
            );
        }
    }
}
