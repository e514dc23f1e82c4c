//! Fills a state file with N routed-and-reported decisions through the
//! library's own route/report path, for benchmarks. Decisions are 30 s apart
//! and end now, so the state spans days of spend like a real one.
//!
//! `cargo run --release --example seed_state -- STATE CONFIG N`

use maestro::clock::Clock;
use maestro::config::Resolved;
use maestro::router::{self, Outcome, ReportTarget, RouteRequest};
use maestro::state::Store;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::Path;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, state, config, n] = args.as_slice() else {
        anyhow::bail!("usage: seed_state STATE CONFIG N");
    };
    let n: usize = n.parse()?;
    let cwd = std::env::current_dir()?;
    let overrides = maestro::config::Overrides {
        config_file: Some(config.into()),
        state: Some(state.clone()),
    };
    let cfg = Resolved::load(&cwd, &overrides)?.config;
    let mut store = Store::open(Path::new(state))?;
    let mut rng = StdRng::seed_from_u64(7);
    let end = Clock::now().now_ms;
    for i in 0..n {
        let at = end - 30_000 * (n - i) as i64;
        let clock = Clock::at_ms(at).ok_or_else(|| anyhow::anyhow!("time {at} ms out of range"))?;
        let later = Clock::at_ms(at + 20_000).expect("20 s after an in-range time");
        let task = format!("seed-{i}");
        let req = RouteRequest {
            task: task.clone(),
            context: Default::default(),
            fresh: false,
        };
        let d = router::route(&mut store, &cfg, &req, &clock, &mut rng)?
            .decision()
            .ok_or_else(|| anyhow::anyhow!("task {} is done", req.task))?;
        let eval = if d.arm.ends_with("@large") { 0.8 } else { 0.6 };
        let o = Outcome {
            eval: f64::from(u8::from(rng.gen::<f64>() < eval)),
            cost_usd: if d.arm.ends_with("@large") { 0.8 } else { 0.1 },
            tokens_in: None,
            tokens_out: None,
            eval_robust: None,
        };
        router::report(&mut store, &cfg, &ReportTarget::Task(task), &o, &later)?;
        if (i + 1) % 20_000 == 0 {
            eprintln!("{} decisions", i + 1);
        }
    }
    Ok(())
}
