//! JSON formats: hyperfine, Google Benchmark, pytest-benchmark, JMH, Bencher
//! Metric Format, github-action-benchmark custom.

use crate::bench::{to_ns, Measure, Run};
use crate::error::{input, Result};
use serde_json::Value;

fn parse_json(text: &str, name: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| input(format!("{name}: malformed JSON: {e}")))
}

fn missing(name: &str, what: &str) -> anyhow::Error {
    input(format!("{name}: {what}"))
}

/// Guesses which JSON format `t` is.
pub fn detect(t: &str) -> Option<&'static str> {
    let first_line = t.lines().next().unwrap_or("");
    if let Ok(v) = serde_json::from_str::<Value>(first_line) {
        if v.get("sample").is_some() && v.get("name").is_some() && t.lines().count() >= 1 {
            return Some("benchmarkjs-samples");
        }
    }
    let v: Value = serde_json::from_str(t).ok()?;
    if let Some(o) = v.as_object() {
        if o.get("results")
            .and_then(|r| r.as_array())
            .is_some_and(|r| r.first().is_some_and(|x| x.get("command").is_some()))
        {
            return Some("hyperfine");
        }
        if o.contains_key("iters") && o.contains_key("times") {
            return Some("criterion");
        }
        let gbench_entries = o
            .get("benchmarks")
            .and_then(|b| b.as_array())
            .is_some_and(|b| {
                b.first()
                    .is_some_and(|x| x.get("run_type").is_some() || x.get("time_unit").is_some())
            });
        if o.contains_key("benchmarks") && (o.contains_key("context") || gbench_entries) {
            return Some("google-benchmark");
        }
        if o.contains_key("benchmarks") && o.contains_key("machine_info") {
            return Some("pytest-benchmark");
        }
        if !o.is_empty()
            && o.values().all(|m| {
                m.as_object()
                    .is_some_and(|m| m.values().all(|x| x.get("value").is_some()))
            })
        {
            return Some("bmf");
        }
    }
    if let Some(a) = v.as_array() {
        let first = a.first()?;
        if a.len() == 2
            && a.iter()
                .all(|x| x.as_array().is_some_and(|v| v.iter().all(Value::is_number)))
        {
            return Some("criterion"); // 0.2-era sample.json: [[iters], [times]]
        }
        if first.get("primaryMetric").is_some() {
            return Some("jmh");
        }
        if first.get("value").is_some() && first.get("name").is_some() {
            return Some("gab-custom");
        }
    }
    None
}

/// `hyperfine --export-json`: per command the raw `times` (seconds).
pub fn hyperfine(text: &str, name: &str) -> Result<Run> {
    let v = parse_json(text, name)?;
    let results = v["results"]
        .as_array()
        .ok_or_else(|| missing(name, "no `results` array (hyperfine --export-json)"))?;
    let mut run = Run::default();
    for r in results {
        let cmd = r["command"]
            .as_str()
            .ok_or_else(|| missing(name, "a result without `command`"))?;
        match r["times"].as_array() {
            Some(times) if !times.is_empty() => {
                for t in times {
                    let s = t
                        .as_f64()
                        .ok_or_else(|| missing(name, "non-numeric value in `times`"))?;
                    run.push(cmd, "s", Measure::WallTime, s, true);
                }
            }
            _ => {
                let m = r["mean"].as_f64().ok_or_else(|| {
                    missing(name, &format!("`{cmd}` has neither `times` nor `mean`"))
                })?;
                run.push(cmd, "s", Measure::WallTime, m, false);
            }
        }
        if let Some(u) = r["user"].as_f64() {
            // hyperfine records CPU time as means only: user plus system.
            let cpu = u + r["system"].as_f64().unwrap_or(0.0);
            run.push(cmd, "s", Measure::CpuTime, cpu, false);
        }
    }
    Ok(run)
}

/// Google Benchmark `--benchmark_format=json`: per-repetition iterations
/// (aggregates are skipped when repetitions are present), CPU and real time.
pub fn google_benchmark(text: &str, name: &str) -> Result<Run> {
    let v = parse_json(text, name)?;
    let benches = v["benchmarks"]
        .as_array()
        .ok_or_else(|| missing(name, "no `benchmarks` array"))?;
    let mut run = Run::default();
    if let Some(ctx) = v["context"].as_object() {
        for k in [
            "host_name",
            "num_cpus",
            "mhz_per_cpu",
            "library_build_type",
            "executable",
        ] {
            if let Some(x) = ctx.get(k) {
                run.env
                    .insert(k.into(), x.to_string().trim_matches('"').to_string());
            }
        }
    }
    // Repetitions when there are any; otherwise the `mean` aggregates.
    let has_iterations = benches
        .iter()
        .any(|b| b["run_type"].as_str() != Some("aggregate"));
    for b in benches {
        let aggregate = b["run_type"].as_str() == Some("aggregate");
        if b.get("error_occurred").is_some_and(|e| e == true)
            || (aggregate && (has_iterations || b["aggregate_name"].as_str() != Some("mean")))
        {
            continue;
        }
        let bname = b["run_name"]
            .as_str()
            .or_else(|| b["name"].as_str())
            .ok_or_else(|| missing(name, "a benchmark without `name`"))?;
        let unit = b["time_unit"].as_str().unwrap_or("ns");
        let raw = b["repetitions"].as_u64().unwrap_or(1) > 1;
        for (key, measure) in [
            ("cpu_time", Measure::CpuTime),
            ("real_time", Measure::WallTime),
        ] {
            let Some(t) = b[key].as_f64() else { continue };
            let ns = to_ns(t, unit)
                .ok_or_else(|| missing(name, &format!("unknown time_unit `{unit}`")))?;
            run.push(bname, "ns", measure, ns, raw);
        }
    }
    Ok(run)
}

/// pytest-benchmark `--benchmark-json`: raw `stats.data` (seconds) when
/// saved with `--benchmark-save-data`, else the mean.
pub fn pytest_benchmark(text: &str, name: &str) -> Result<Run> {
    let v = parse_json(text, name)?;
    let benches = v["benchmarks"]
        .as_array()
        .ok_or_else(|| missing(name, "no `benchmarks` array"))?;
    let mut run = Run::default();
    if let Some(m) = v["machine_info"].as_object() {
        for k in ["node", "machine", "python_version", "system"] {
            if let Some(x) = m.get(k).and_then(Value::as_str) {
                run.env.insert(k.into(), x.into());
            }
        }
        if let Some(b) = m
            .get("cpu")
            .and_then(|c| c["brand_raw"].as_str().or(c["brand"].as_str()))
        {
            run.env.insert("cpu".into(), b.into());
        }
    }
    for b in benches {
        let bname = b["fullname"]
            .as_str()
            .or_else(|| b["name"].as_str())
            .ok_or_else(|| missing(name, "a benchmark without `name`"))?;
        let stats = &b["stats"];
        // Numbers only: trimmed exports carry placeholders such as "… omitted".
        let data: Vec<f64> = stats["data"]
            .as_array()
            .map(|d| d.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        match data.len() {
            n if n >= 2 => {
                for s in data {
                    run.push(bname, "s", Measure::WallTime, s, true);
                }
            }
            _ => {
                let m = stats["mean"]
                    .as_f64()
                    .ok_or_else(|| missing(name, &format!("`{bname}` has no `stats.mean`")))?;
                run.push(bname, "s", Measure::WallTime, m, false);
            }
        }
    }
    Ok(run)
}

/// JMH `-rf json`: `primaryMetric.rawData` per fork and iteration;
/// throughput modes (`ops/…`) are inverted to time per operation.
pub fn jmh(text: &str, name: &str) -> Result<Run> {
    let v = parse_json(text, name)?;
    let arr = v
        .as_array()
        .ok_or_else(|| missing(name, "expected a JSON array of JMH results"))?;
    let mut run = Run::default();
    for b in arr {
        let mut bname = b["benchmark"]
            .as_str()
            .ok_or_else(|| missing(name, "a result without `benchmark`"))?
            .to_string();
        if let Some(p) = b["params"].as_object() {
            let ps: Vec<String> = p
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect();
            bname = format!("{bname}:{}", ps.join(","));
        }
        let pm = &b["primaryMetric"];
        let unit = pm["scoreUnit"].as_str().unwrap_or("");
        let (per_op, time_unit) = match unit.split_once('/') {
            Some(("ops", t)) => (true, t),
            Some((t, "op")) => (false, t),
            _ => {
                return Err(missing(
                    name,
                    &format!("`{bname}`: unsupported scoreUnit `{unit}`"),
                ))
            }
        };
        let convert = |x: f64| -> Option<f64> {
            if per_op {
                // ops per time unit -> ns per op
                (x > 0.0)
                    .then(|| to_ns(1.0, time_unit).map(|ns| ns / x))
                    .flatten()
            } else {
                to_ns(x, time_unit)
            }
        };
        let mut pushed = false;
        if let Some(forks) = pm["rawData"].as_array() {
            for it in forks.iter().filter_map(Value::as_array).flatten() {
                if let Some(ns) = it.as_f64().and_then(convert) {
                    run.push(&bname, "ns/op", Measure::WallTime, ns, true);
                    pushed = true;
                }
            }
        }
        if !pushed {
            let s = pm["score"]
                .as_f64()
                .and_then(convert)
                .ok_or_else(|| missing(name, &format!("`{bname}` has no score")))?;
            run.push(&bname, "ns/op", Measure::WallTime, s, false);
        }
    }
    Ok(run)
}

/// Bencher Metric Format: `{bench: {measure: {value}}}`; throughput measures
/// are inverted.
pub fn bmf(text: &str, name: &str) -> Result<Run> {
    let v = parse_json(text, name)?;
    let o = v
        .as_object()
        .ok_or_else(|| missing(name, "expected a JSON object (Bencher Metric Format)"))?;
    let mut run = Run::default();
    for (bname, measures) in o {
        let ms = measures
            .as_object()
            .ok_or_else(|| missing(name, &format!("`{bname}`: expected an object of measures")))?;
        for (m, val) in ms {
            let x = val["value"]
                .as_f64()
                .ok_or_else(|| missing(name, &format!("`{bname}.{m}` has no numeric `value`")))?;
            let (measure, value, unit) = match m.as_str() {
                "latency" => (Measure::WallTime, x, "ns"),
                "instructions" | "estimated-cycles" | "cycles" => {
                    (Measure::Instructions, x, m.as_str())
                }
                "throughput" if x > 0.0 => (Measure::WallTime, 1.0 / x, "1/throughput"),
                _ => (Measure::Other, x, m.as_str()),
            };
            let series = if measure == Measure::Other {
                format!("{bname} [{m}]")
            } else {
                bname.clone()
            };
            run.push(&series, unit, measure, value, false);
        }
    }
    Ok(run)
}

/// github-action-benchmark `customSmallerIsBetter` / `customBiggerIsBetter`:
/// `[{name, unit, value}]`. Units ending in `/s` (or `ops`) are treated as
/// bigger-is-better and inverted.
pub fn gab_custom(text: &str, name: &str) -> Result<Run> {
    let v = parse_json(text, name)?;
    let arr = v
        .as_array()
        .ok_or_else(|| missing(name, "expected a JSON array of {name, unit, value}"))?;
    let mut run = Run::default();
    for b in arr {
        let bname = b["name"]
            .as_str()
            .ok_or_else(|| missing(name, "an entry without `name`"))?;
        let unit = b["unit"].as_str().unwrap_or("");
        let x = b["value"]
            .as_f64()
            .ok_or_else(|| missing(name, &format!("`{bname}` has no numeric `value`")))?;
        let bigger = unit.ends_with("/s") || unit.ends_with("/sec") || unit.contains("ops");
        if bigger {
            if x <= 0.0 {
                return Err(missing(
                    name,
                    &format!("`{bname}`: throughput {x} must be > 0"),
                ));
            }
            run.push(
                bname,
                &format!("1/({unit})"),
                Measure::Other,
                1.0 / x,
                false,
            );
        } else {
            let (m, val) = match to_ns(x, unit) {
                Some(ns) => (Measure::WallTime, ns),
                None => (Measure::Other, x),
            };
            run.push(bname, unit, m, val, false);
        }
    }
    Ok(run)
}

/// Benchmark.js raw samples, one JSON object per line:
/// `{"name": …, "sample": [seconds…]}` (what `benchmark.stats.sample` holds).
pub fn benchmarkjs_samples(text: &str, name: &str) -> Result<Run> {
    let mut run = Run::default();
    for (i, l) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(l)
            .map_err(|e| input(format!("{name}:{}: malformed JSON: {e}", i + 1)))?;
        let bname = v["name"]
            .as_str()
            .ok_or_else(|| missing(name, &format!("line {}: no `name`", i + 1)))?;
        let sample = v["sample"]
            .as_array()
            .ok_or_else(|| missing(name, &format!("line {}: no `sample` array", i + 1)))?;
        for x in sample.iter().filter_map(Value::as_f64) {
            run.push(bname, "s", Measure::WallTime, x, true);
        }
    }
    Ok(run)
}

/// iai-callgrind / gungraun `--output-format=json` lines (mixed with other
/// output): per benchmark the callgrind totals; `Ir` is instructions.
pub fn gungraun_json(text: &str, name: &str) -> Result<Run> {
    let mut run = Run::default();
    for (i, l) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with('{'))
    {
        let v: Value = serde_json::from_str(l)
            .map_err(|e| input(format!("{name}:{}: malformed JSON: {e}", i + 1)))?;
        let module = v["module_path"]
            .as_str()
            .ok_or_else(|| missing(name, &format!("line {}: no `module_path`", i + 1)))?;
        let bname = match v["id"].as_str() {
            Some(id) => format!("{module} {id}"),
            None => module.to_string(),
        };
        let Some(profiles) = v["profiles"].as_array() else {
            continue;
        };
        for p in profiles {
            let Some(metrics) = p["summaries"]["total"]["summary"]["Callgrind"].as_object() else {
                continue;
            };
            for (metric, m) in metrics {
                let both = &m["metrics"];
                let first = both["Both"][0].clone();
                let val = [first, both["Left"].clone(), both["Right"].clone()]
                    .into_iter()
                    .find_map(|x| x["Int"].as_f64().or_else(|| x["Float"].as_f64()));
                let Some(val) = val else { continue };
                if metric == "Ir" {
                    run.push(&bname, "instructions", Measure::Instructions, val, false);
                } else {
                    run.push(
                        &format!("{bname} [{metric}]"),
                        metric,
                        Measure::Other,
                        val,
                        false,
                    );
                }
            }
        }
    }
    Ok(run)
}
