//! Text formats: `go test -bench`, libtest `cargo bench` (and criterion's
//! `--output-format bencher`, which prints the same lines), Benchmark.js.

use crate::bench::{to_ns, Measure, Run};
use crate::error::{input, Result};

/// Guesses which text format `t` is.
pub fn detect(t: &str) -> Option<&'static str> {
    let lines = || t.lines().map(str::trim);
    if t.contains("<BenchmarkResults") {
        return Some("catch2-xml");
    }
    if lines()
        .any(|l| l.starts_with('{') && l.contains("\"module_path\"") && l.contains("\"profiles\""))
    {
        return Some("gungraun-json");
    }
    if lines().any(|l| l.starts_with("Instructions:")) {
        return Some("iai");
    }
    if lines().any(|l| l.contains("time:") && l.contains('[')) {
        return Some("criterion-text");
    }
    if lines().any(|l| l.starts_with("benchmark name") && l.contains("samples")) {
        return Some("catch2");
    }
    if lines().any(|l| l.starts_with("Benchmark") && l.contains("Iterations") && l.contains("CPU"))
    {
        return Some("google-benchmark-console");
    }
    let go_like = |l: &str| {
        let f: Vec<&str> = l.split_whitespace().collect();
        l.starts_with("Benchmark") && f.len() >= 3 && f[1].parse::<u64>().is_ok()
    };
    if lines().any(go_like) || lines().any(|l| l.starts_with("goos: ") || l.starts_with("pkg: ")) {
        return Some("go");
    }
    if lines().any(|l| l.starts_with("test ") && l.contains(" bench:"))
        || (lines().any(|l| l.starts_with("running "))
            && lines().any(|l| l.starts_with("test result:")))
    {
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
        match to_ns(v, unit) {
            Some(ns) => run.push(bname.trim(), "ns", Measure::WallTime, ns, false),
            // Custom measurements (`cycles/iter` and the like).
            None => run.push(bname.trim(), unit, Measure::Other, v, false),
        }
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

/// `1.23 ns`, `27.4689 us`… -> nanoseconds.
fn amount_ns(v: &str, unit: &str) -> Option<f64> {
    let unit = match unit {
        "us" | "µs" | "μs" => "us",
        u => u,
    };
    to_ns(number(v)?, unit)
}

/// iai and iai-callgrind / gungraun summaries: a benchmark name line, then
/// indented `Instructions: N` (or `N|OLD` with a change). Instruction counts
/// are deterministic, so one value per benchmark decides.
pub fn iai(text: &str, name: &str) -> Result<Run> {
    let mut run = Run::default();
    let mut current: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() {
            continue;
        }
        if !raw.starts_with(' ') && !raw.starts_with('\t') {
            let skip = l.starts_with("Running")
                || l.starts_with("running")
                || l.starts_with("test result")
                || l.starts_with("Gungraun")
                || l.starts_with("Iai")
                || l.contains("Summary");
            if !skip {
                current = Some(l.to_string());
            }
            continue;
        }
        if let Some(rest) = l.strip_prefix("Instructions:") {
            let bname = current.clone().ok_or_else(|| {
                input(format!(
                    "{name}:{}: `Instructions:` before any benchmark name",
                    i + 1
                ))
            })?;
            let first = rest.split_whitespace().next().unwrap_or("");
            let v = first.split('|').next().and_then(number).ok_or_else(|| {
                input(format!(
                    "{name}:{}: malformed instruction count `{}`",
                    i + 1,
                    rest.trim()
                ))
            })?;
            run.push(&bname, "instructions", Measure::Instructions, v, false);
        }
    }
    Ok(run)
}

/// Criterion's human output: `NAME  time: [lo est hi]` (the name may stand
/// alone on the line before); the estimate is a summary.
pub fn criterion_text(text: &str, name: &str) -> Result<Run> {
    let mut run = Run::default();
    let mut prev = String::new();
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if let Some(pos) = t.find("time:") {
            let before = t[..pos].trim();
            let bname = if before.is_empty() {
                prev.clone()
            } else {
                before.to_string()
            };
            let inner = t[pos + 5..]
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']');
            let f: Vec<&str> = inner.split_whitespace().collect();
            let bad = || {
                input(format!(
                    "{name}:{}: malformed criterion time line `{t}`",
                    i + 1
                ))
            };
            if f.len() != 6 || bname.is_empty() {
                return Err(bad());
            }
            let ns = amount_ns(f[2], f[3]).ok_or_else(bad)?;
            run.push(&bname, "ns", Measure::WallTime, ns, false);
        } else if !t.is_empty() && !t.starts_with("Benchmarking") && !t.contains(':') {
            prev = t.to_string();
        }
    }
    Ok(run)
}

/// Catch2 console reporter: the name line (with samples, iterations, and
/// the estimated time), then the mean line `mean low high`.
pub fn catch2(text: &str, name: &str) -> Result<Run> {
    let mut run = Run::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut in_table = false;
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim_end();
        if l.trim_start().starts_with("benchmark name") {
            in_table = true;
            i += 3; // header block
            continue;
        }
        if in_table && l.starts_with('=') {
            in_table = false;
        }
        if in_table && !l.trim().is_empty() && !l.starts_with(' ') && !l.starts_with('-') {
            // `name   samples   iterations   estimated unit`
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() >= 5 && i + 1 < lines.len() {
                let mut bname = f[..f.len() - 4].join(" ");
                // The mean line ends with `mean unit low unit high unit`; words
                // before them continue a long benchmark name.
                let m: Vec<&str> = lines[i + 1].split_whitespace().collect();
                if m.len() > 6 {
                    bname = format!("{bname} {}", m[..m.len() - 6].join(" "));
                }
                let k = m.len().saturating_sub(6);
                let ns = (m.len() >= 6)
                    .then(|| amount_ns(m[k], m[k + 1]))
                    .flatten()
                    .ok_or_else(|| {
                        input(format!(
                            "{name}:{}: malformed mean line for `{bname}`",
                            i + 2
                        ))
                    })?;
                run.push(&bname, "ns", Measure::WallTime, ns, false);
                i += 2;
                continue;
            }
        }
        i += 1;
    }
    Ok(run)
}

fn xml_attr(tag: &str, key: &str) -> Option<String> {
    let pat = format!(" {key}=\"");
    let start = tag.find(&pat)? + pat.len();
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// Catch2 XML reporter: `<BenchmarkResults name=…>` with `<mean value=…>` in ns.
pub fn catch2_xml(text: &str, name: &str) -> Result<Run> {
    let mut run = Run::default();
    let mut rest = text;
    while let Some(pos) = rest.find("<BenchmarkResults") {
        let block_end = rest[pos..]
            .find("</BenchmarkResults>")
            .map(|e| pos + e)
            .ok_or_else(|| {
                input(format!(
                    "{name}: <BenchmarkResults> without its closing tag (truncated file?)"
                ))
            })?;
        let block = &rest[pos..block_end];
        let open_end = block.find('>').unwrap_or(block.len());
        let bname = xml_attr(&block[..open_end], "name")
            .ok_or_else(|| input(format!("{name}: <BenchmarkResults> without a name")))?;
        let mean = block
            .find("<mean")
            .and_then(|m| xml_attr(&block[m..], "value"))
            .and_then(|v| number(&v))
            .ok_or_else(|| input(format!("{name}: `{bname}` has no <mean value=…>")))?;
        run.push(&bname, "ns", Measure::WallTime, mean, false);
        rest = &rest[block_end..];
    }
    Ok(run)
}

/// Google Benchmark console output: `NAME  TIME unit  CPU unit  ITERATIONS`,
/// one line per repetition; `_mean`, `_median`, `_stddev`, `_cv` aggregate
/// lines are skipped when repetitions are present.
pub fn google_benchmark_console(text: &str, name: &str) -> Result<Run> {
    let mut run = Run::default();
    let mut aggregates = Run::default();
    for (i, l) in text.lines().enumerate() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() < 6 || !f[0].starts_with("BM_") && !f[0].contains('/') {
            continue;
        }
        let agg = ["_mean", "_median", "_stddev", "_cv"]
            .iter()
            .find(|s| f[0].ends_with(*s));
        if agg.is_some_and(|a| *a != "_mean") {
            continue;
        }
        let bad = || {
            input(format!(
                "{name}:{}: malformed benchmark line `{}`",
                i + 1,
                l.trim()
            ))
        };
        let cpu = amount_ns(f[3], f[4]).ok_or_else(bad)?;
        let wall = amount_ns(f[1], f[2]).ok_or_else(bad)?;
        match agg {
            Some(&"_mean") => {
                let b = f[0].trim_end_matches("_mean");
                aggregates.push(b, "ns", Measure::CpuTime, cpu, false);
                aggregates.push(b, "ns", Measure::WallTime, wall, false);
            }
            Some(_) => {}
            None => {
                run.push(f[0], "ns", Measure::CpuTime, cpu, true);
                run.push(f[0], "ns", Measure::WallTime, wall, true);
            }
        }
    }
    Ok(if run.series.is_empty() {
        aggregates
    } else {
        run.as_repetitions()
    })
}
