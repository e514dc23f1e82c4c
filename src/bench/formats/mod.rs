//! Format adapters: detection and dispatch. Each parser gets the text and
//! the file name for messages, and returns one [`Run`] or a one-line error
//! that names the file and what is wrong.

pub mod criterion;
pub mod json;
pub mod text;

use super::{Measure, Run};
use crate::error::{input, Result};
use std::path::Path;

/// Formats `--format` accepts.
pub const FORMATS: &[&str] = &[
    "criterion",
    "hyperfine",
    "google-benchmark",
    "go",
    "pytest-benchmark",
    "libtest",
    "jmh",
    "bmf",
    "gab-custom",
    "benchmarkjs",
    "iai",
    "criterion-text",
    "catch2",
    "catch2-xml",
    "google-benchmark-console",
    "benchmarkjs-samples",
    "gungraun-json",
];

/// Loads PATH: a criterion directory (one round per matching baseline), a
/// directory of result files (one round each, in name order), or one file.
pub fn load(path: &Path, format: Option<&str>, baseline: &str) -> Result<Vec<Run>> {
    if let Some(f) = format {
        if !FORMATS.contains(&f) {
            return Err(input(format!(
                "--input-format {f}: unknown format (one of: auto, {})",
                FORMATS.join(", ")
            )));
        }
    }
    let meta = std::fs::metadata(path).map_err(|e| input(format!("{}: {e}", path.display())))?;
    if meta.is_dir() {
        if format.is_none_or(|f| f == "criterion") && criterion::looks_like(path) {
            return criterion::load_dir(path, baseline);
        }
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| input(format!("{}: {e}", path.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && !is_doc(p))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(input(format!(
                "{}: no benchmark result files in this directory",
                path.display()
            )));
        }
        return files.iter().map(|f| load_file(f, format)).collect();
    }
    Ok(vec![load_file(path, format)?])
}

fn is_doc(p: &Path) -> bool {
    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    n.ends_with(".md") || n.starts_with('.')
}

/// Loads one file.
pub fn load_file(path: &Path, format: Option<&str>) -> Result<Run> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| input(format!("{name}: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| input(format!("{name}: not UTF-8 text")))?;
    let mut run = parse(&text, &name, format)?;
    run.source = name;
    Ok(run)
}

/// Parses text in `format` (or the detected one).
pub fn parse(text: &str, name: &str, format: Option<&str>) -> Result<Run> {
    let format = match format {
        Some(f) => f.to_string(),
        None => detect(text).ok_or_else(|| {
            input(format!(
                "{name}: cannot tell the benchmark format (give --input-format: {})",
                FORMATS.join(", ")
            ))
        })?,
    };
    let mut run = match format.as_str() {
        "criterion" => criterion::parse_sample(text, name, name)?,
        "hyperfine" => json::hyperfine(text, name)?,
        "google-benchmark" => json::google_benchmark(text, name)?.as_repetitions(),
        "pytest-benchmark" => json::pytest_benchmark(text, name)?,
        "jmh" => json::jmh(text, name)?.as_repetitions(),
        "bmf" => json::bmf(text, name)?,
        "gab-custom" => json::gab_custom(text, name)?,
        "go" => text::go(text, name)?.as_repetitions(),
        "libtest" => text::libtest(text, name)?,
        "benchmarkjs" => text::benchmarkjs(text, name)?,
        "iai" => text::iai(text, name)?,
        "criterion-text" => text::criterion_text(text, name)?,
        "catch2" => text::catch2(text, name)?,
        "catch2-xml" => text::catch2_xml(text, name)?,
        "google-benchmark-console" => text::google_benchmark_console(text, name)?,
        "benchmarkjs-samples" => json::benchmarkjs_samples(text, name)?,
        "gungraun-json" => json::gungraun_json(text, name)?,
        other => return Err(input(format!("{name}: unknown format `{other}`"))),
    };
    if run.series.is_empty() {
        return Err(input(format!(
            "{name}: no benchmark results found ({format} format)"
        )));
    }
    if let Some(s) = run
        .series
        .iter()
        .find(|s| s.values.iter().any(|v| !v.is_finite()))
    {
        return Err(input(format!(
            "{name}: `{}` has a value out of range",
            s.name
        )));
    }
    // A negative time or count is a broken file, not a fast benchmark.
    if let Some((s, v)) = run
        .series
        .iter()
        .filter(|s| s.measure != Measure::Other)
        .find_map(|s| s.values.iter().find(|v| **v < 0.0).map(|v| (s, v)))
    {
        return Err(input(format!(
            "{name}: `{}` has a negative value ({v} {}); times and counts cannot be negative",
            s.name, s.unit
        )));
    }
    run.format = format;
    Ok(run)
}

/// Guesses the format from the content.
pub fn detect(text: &str) -> Option<String> {
    let t = text.trim_start();
    let f = if t.starts_with('{') || t.starts_with('[') {
        json::detect(t)?
    } else {
        text::detect(t)?
    };
    Some(f.to_string())
}
