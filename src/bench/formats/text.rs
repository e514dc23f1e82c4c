//! Text formats: `go test -bench`, libtest `cargo bench` (and criterion's
//! `--output-format bencher`, which prints the same lines), Benchmark.js.

use crate::bench::{to_ns, Measure, Run};
use crate::error::{input, Result};

/// Guesses which text format `t` is.
pub fn detect(t: &str) -> Option<&'static str> {
    let lines = || t.lines().map(str::trim);
    if lines().any(|l| l.starts_with("Benchmark") && go_line(l).is_some()) {
        return Some("go");
    }
    if lines().any(|l| l.starts_with("test ") && l.contains(" bench:")) {
        return Some("libtest");
    }
    if lines().any(|l| benchmarkjs_line(l).is_some()) {
        return Some("benchmarkjs");
    }
    None
}

fn number(s: &str) -> Option<f64> {
    s.replace(',', "")
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
}

/// `BenchmarkX-8  1000  1234 ns/op  56 B/op …`: name, then (value, unit) pairs.
fn go_line(l: &str) -> Option<(String, Vec<(f64, String)>)> {
    let mut f = l.split_whitespace();
    let name = f.next()?.strip_prefix("Benchmark")?;
    if name.is_empty() {
        return None;
    }
    let _iters: u64 = f.next()?.parse().ok()?;
    let rest: Vec<&str> = f.collect();
    if rest.len() < 2 || !rest.len().is_multiple_of(2) {
        return None;
    }
    let pairs: Option<Vec<(f64, String)>> = rest
        .chunks(2)
        .map(|c| Some((number(c[0])?, c[1].to_string())))
        .collect();
    Some((name.to_string(), pairs?))
}

/// `go test -bench` output, any number of `-count` repetitions (each line is
/// one raw observation). `key: value` lines become the environment.
pub fn go(text: &str, name: &str) -> Result<Run> {
    let mut run = Run::default();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if let Some((k, v)) = l.split_once(": ") {
            if !k.contains(' ') && ["goos", "goarch", "cpu", "pkg"].contains(&k) {
                run.env.insert(k.into(), v.trim().into());
                continue;
            }
        }
        if !l.starts_with("Benchmark") {
            continue;
        }
        let Some((bname, pairs)) = go_line(l) else {
            // A benchmark line that does not parse is truncated or corrupt.
            if l.split_whitespace().count() >= 3 {
                return Err(input(format!(
                    "{name}:{}: malformed benchmark line `{l}`",
                    i + 1
                )));
            }
            continue;
        };
        for (v, unit) in pairs {
            match unit.as_str() {
                "ns/op" => run.push(&bname, "ns", Measure::WallTime, v, true),
                u if u.ends_with("/s") => {
                    if v > 0.0 {
                        run.push(
                            &format!("{bname} [{u}]"),
                            &format!("1/({u})"),
                            Measure::Other,
                            1.0 / v,
                            true,
                        )
                    }
                }
                u => run.push(&format!("{bname} [{u}]"), u, Measure::Other, v, true),
            }
        }
    }
    Ok(run)
}

/// `test NAME ... bench:   3,296 ns/iter (+/- 521)`: one summary per test.
pub fn libtest(text: &str, name: &str) -> Result<Run> {
    let mut run = Run::default();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        let Some(rest) = l.strip_prefix("test ") else {
            continue;
        };
        let Some((bname, after)) = rest.split_once(" ... bench:") else {
            continue;
        };
        let mut f = after.split_whitespace();
        let bad = || input(format!("{name}:{}: malformed bench line `{l}`", i + 1));
        let v = f.next().and_then(number).ok_or_else(bad)?;
        let unit = f.next().ok_or_else(bad)?;
        let unit = unit.strip_suffix("/iter").unwrap_or(unit);
        let ns = to_ns(v, unit)
            .ok_or_else(|| input(format!("{name}:{}: unknown unit `{unit}`", i + 1)))?;
        run.push(bname.trim(), "ns", Measure::WallTime, ns, false);
    }
    Ok(run)
}

/// `NAME x 1,234 ops/sec ±2.31% (73 runs sampled)` -> (name, ops/sec).
fn benchmarkjs_line(l: &str) -> Option<(String, f64)> {
    let i = l.find(" ops/sec")?;
    let head = &l[..i];
    let x = head.rfind(" x ")?;
    let ops = number(&head[x + 3..])?;
    Some((head[..x].to_string(), ops))
}

/// Benchmark.js cycle lines; ops/sec inverted to ns per op (a summary).
pub fn benchmarkjs(text: &str, name: &str) -> Result<Run> {
    let mut run = Run::default();
    for l in text.lines() {
        if let Some((bname, ops)) = benchmarkjs_line(l.trim()) {
            if ops <= 0.0 {
                return Err(input(format!(
                    "{name}: `{bname}`: {ops} ops/sec must be > 0"
                )));
            }
            run.push(&bname, "ns", Measure::WallTime, 1e9 / ops, false);
        }
    }
    Ok(run)
}
