//! Acceptance study on the real cross-runner history
//! (`fixtures/bench-outputs/history/gab-ghpages-series.csv`: years of CI runs
//! of unchanged example benchmarks on GitHub-hosted runners). For every run
//! after the first, compares the naive rule "more than 10% slower than the
//! previous run" with maestro's summary-only rule (warn only when above the
//! 99.7% prediction interval of the last 30 runs and more than 10% slower).
//! Usage: cargo run --release --example bench_gate_history -- [CSV]
use maestro::bench::gate::Verdict;
use maestro::bench::history::judge;
use std::collections::BTreeMap;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/bench-outputs/history/gab-ghpages-series.csv".into());
    let mut rdr = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // (suite, bench) -> (run_index, value as time-like: lower is better)
    let mut series: BTreeMap<(String, String), Vec<(u64, f64)>> = BTreeMap::new();
    for rec in rdr.records() {
        let r = rec.expect("CSV row");
        let (suite, run, bench, value, unit) = (&r[0], &r[2], &r[5], &r[6], &r[7]);
        let (Ok(run), Ok(v)) = (run.parse::<u64>(), value.replace(',', "").parse::<f64>()) else {
            continue;
        };
        if v <= 0.0 || unit.contains("auxMetric") {
            continue;
        }
        let bigger_is_better = unit.contains("/s") || unit.contains("/sec");
        let v = if bigger_is_better { 1.0 / v } else { v };
        series
            .entry((suite.to_string(), format!("{bench} [{unit}]")))
            .or_default()
            .push((run, v));
    }
    let mut per_suite: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
    for ((suite, _), mut pts) in series {
        pts.sort_by_key(|p| p.0);
        let vals: Vec<f64> = pts.iter().map(|p| p.1).collect();
        let e = per_suite.entry(suite).or_default();
        for i in 1..vals.len() {
            e.0 += 1;
            if vals[i] > 1.10 * vals[i - 1] {
                e.1 += 1;
            }
            let j = judge(&vals[..i], vals[i], 0.10, 0.003);
            match j.verdict {
                Verdict::Warn => e.2 += 1,
                Verdict::Inconclusive => e.3 += 1,
                _ => {}
            }
        }
    }
    println!("| suite | comparisons | naive > 10% vs previous run | maestro warn | maestro: too little history |");
    println!("|---|---|---|---|---|");
    let mut t = (0, 0, 0, 0);
    for (s, (n, naive, warn, inc)) in &per_suite {
        println!(
            "| {s} | {n} | {naive} ({:.1}%) | {warn} ({:.1}%) | {inc} |",
            100.0 * *naive as f64 / *n as f64,
            100.0 * *warn as f64 / *n as f64
        );
        t = (t.0 + n, t.1 + naive, t.2 + warn, t.3 + inc);
    }
    println!(
        "| **all** | {} | {} ({:.1}%) | {} ({:.1}%) | {} |",
        t.0,
        t.1,
        100.0 * t.1 as f64 / t.0 as f64,
        t.2,
        100.0 * t.2 as f64 / t.0 as f64,
        t.3
    );
}
