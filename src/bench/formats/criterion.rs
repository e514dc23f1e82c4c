//! Criterion.rs on-disk results (`target/criterion`): `<bench>/<baseline>/sample.json`
//! with `benchmark.json` naming the benchmark. Both the current layout
//! (`{"iters": [...], "times": [...]}`) and the 0.2-era one (`[[iters], [times]]`)
//! are read; samples become nanoseconds per iteration.

use crate::bench::{Measure, Run};
use crate::error::{input, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Whether `dir` holds criterion results.
pub fn looks_like(dir: &Path) -> bool {
    walkdir::WalkDir::new(dir)
        .max_depth(6)
        .into_iter()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name() == "sample.json")
}

/// One round per baseline directory name matching `baseline` (a glob such as
/// `new`, `base` or `r*_a`), in name order.
pub fn load_dir(dir: &Path, baseline: &str) -> Result<Vec<Run>> {
    let glob = globset::Glob::new(baseline)
        .map_err(|e| input(format!("baseline `{baseline}`: {e}")))?
        .compile_matcher();
    let mut rounds: BTreeMap<String, Run> = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.map_err(|e| input(format!("{}: {e}", dir.display())))?;
        if e.file_name() != "sample.json" {
            continue;
        }
        let base_dir = e.path().parent().unwrap_or(dir);
        let Some(bl) = base_dir.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if bl == "change" || !glob.is_match(bl) {
            continue;
        }
        let bench_dir = base_dir.parent().unwrap_or(dir);
        let fallback = bench_dir
            .strip_prefix(dir)
            .unwrap_or(bench_dir)
            .to_string_lossy()
            .into_owned();
        let bname = std::fs::read_to_string(base_dir.join("benchmark.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["full_id"].as_str().map(str::to_string))
            .unwrap_or(fallback);
        let label = e.path().display().to_string();
        let text =
            std::fs::read_to_string(e.path()).map_err(|err| input(format!("{label}: {err}")))?;
        let one = parse_sample(&text, &label, &bname)?;
        let run = rounds.entry(bl.to_string()).or_insert_with(|| Run {
            source: format!("{}#{bl}", dir.display()),
            format: "criterion".into(),
            ..Default::default()
        });
        run.series.extend(one.series);
    }
    if rounds.is_empty() {
        return Err(input(format!(
            "{}: no criterion baseline matching `{baseline}` (use --base-baseline / --head-baseline)",
            dir.display()
        )));
    }
    Ok(rounds.into_values().collect())
}

/// Parses one `sample.json` for benchmark `bench`.
pub fn parse_sample(text: &str, label: &str, bench: &str) -> Result<Run> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| input(format!("{label}: malformed JSON: {e}")))?;
    let (iters, times) = if let Some(a) = v.as_array() {
        (
            a.first().cloned().unwrap_or_default(),
            a.get(1).cloned().unwrap_or_default(),
        )
    } else {
        (v["iters"].clone(), v["times"].clone())
    };
    let (Some(iters), Some(times)) = (iters.as_array(), times.as_array()) else {
        return Err(input(format!(
            "{label}: expected `iters` and `times` arrays"
        )));
    };
    if iters.len() != times.len() || iters.is_empty() {
        return Err(input(format!(
            "{label}: `iters` ({}) and `times` ({}) must be non-empty and of equal length",
            iters.len(),
            times.len()
        )));
    }
    let mut run = Run::default();
    for (i, t) in iters.iter().zip(times) {
        let (Some(i), Some(t)) = (i.as_f64(), t.as_f64()) else {
            return Err(input(format!("{label}: non-numeric sample")));
        };
        if i <= 0.0 {
            return Err(input(format!("{label}: iteration count {i} must be > 0")));
        }
        run.push(bench, "ns", Measure::WallTime, t / i, true);
    }
    Ok(run)
}
