//! `bench-gate`: read benchmark results in many formats, compare a base and
//! a head side round by round, and decide whether a change really regressed.
//!
//! Every format adapter turns a file (or a criterion directory) into one
//! [`Run`]: named [`Series`] of observations in a unit where lower is better
//! (throughputs are inverted on the way in). A round is one run; the gate
//! treats each round's summary as one observation, because samples inside a
//! round share the machine's state and are not independent.

pub mod formats;
pub mod gate;
pub mod history;
pub mod record;
pub mod render;
pub mod rounds;
pub mod stats;

use serde::Serialize;
use std::collections::BTreeMap;

/// A verdict, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// A real regression beyond the threshold.
    Fail,
    /// A summary-only result far outside its recorded history (never fails).
    Warn,
    /// Cannot decide (too few rounds, too noisy, outliers, different machines).
    Inconclusive,
    /// A real improvement beyond the threshold.
    Improved,
    /// No regression beyond the threshold.
    Pass,
}

impl Verdict {
    /// The word printed and set as the `verdict` output.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Improved => "improved",
            Verdict::Pass => "pass",
        }
    }
}

/// What a series' values measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// Instruction counts or other deterministic counters.
    Instructions,
    /// CPU time.
    CpuTime,
    /// Wall-clock time.
    WallTime,
    /// Something else where lower is better (bytes, a custom metric).
    Other,
}

impl Measure {
    /// Every name `--measure` takes.
    pub const NAMES: [&'static str; 3] = ["wall", "cpu", "instructions"];

    /// The name printed in reasons.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Instructions => "instructions",
            Measure::CpuTime => "CPU time",
            Measure::WallTime => "wall time",
            Measure::Other => "other measure",
        }
    }
}

impl std::str::FromStr for Measure {
    type Err = String;

    fn from_str(s: &str) -> Result<Measure, String> {
        match s {
            "wall" => Ok(Measure::WallTime),
            "cpu" => Ok(Measure::CpuTime),
            "instructions" => Ok(Measure::Instructions),
            _ => Err(format!("unknown measure `{s}` (wall, cpu, instructions)")),
        }
    }
}

/// One benchmark's observations in one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// Benchmark name, as the tool prints it.
    pub name: String,
    /// Unit of the values (after inversion of throughputs: `ns`, `s`, `instructions`, `s/op`…).
    pub unit: String,
    /// What the values measure.
    pub measure: Measure,
    /// Raw per-iteration samples when the format has them, else one summary value.
    pub values: Vec<f64>,
    /// The values are raw samples (not a single summary statistic).
    pub raw: bool,
    /// Each value is a whole repetition (a `go test -count` line, a Google
    /// Benchmark repetition, a JMH iteration): an observation of its own,
    /// rather than one timing sample inside a round.
    pub repetitions: bool,
}

/// One run of a benchmark suite: one round.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Run {
    /// The file or directory it came from.
    pub source: String,
    /// The detected format.
    pub format: String,
    /// Environment facts the format records (host, CPU, OS…).
    pub env: BTreeMap<String, String>,
    /// Every series.
    pub series: Vec<Series>,
}

impl Run {
    /// Adds a value to the series `name`/`measure`, creating it if needed.
    pub fn push(&mut self, name: &str, unit: &str, measure: Measure, value: f64, raw: bool) {
        match self
            .series
            .iter_mut()
            .find(|s| s.name == name && s.measure == measure)
        {
            Some(s) => {
                s.values.push(value);
                s.raw |= raw;
            }
            None => self.series.push(Series {
                name: name.to_string(),
                unit: unit.to_string(),
                measure,
                values: vec![value],
                raw,
                repetitions: false,
            }),
        }
    }
}

impl Run {
    /// Marks every series as made of repetitions (see [`Series::repetitions`]).
    pub fn as_repetitions(mut self) -> Run {
        for s in &mut self.series {
            s.repetitions = s.values.len() > 1;
        }
        self
    }
}

/// Converts an amount with a time unit to nanoseconds.
pub fn to_ns(value: f64, unit: &str) -> Option<f64> {
    let f = match unit.trim() {
        "ns" | "ns/iter" | "ns/op" => 1.0,
        "us" | "µs" | "μs" | "us/op" => 1e3,
        "ms" | "ms/op" => 1e6,
        "s" | "sec" | "s/op" => 1e9,
        "ps" => 1e-3,
        "m" | "min" => 60e9,
        _ => return None,
    };
    Some(value * f)
}
