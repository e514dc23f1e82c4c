//! A gate report as text, markdown (the PR comment and step summary) and an
//! SVG plot of base vs head observations.

use super::gate::{self, Report, Settings};
use super::{Run, Verdict};
use crate::output::markdown::{table, text_table};

fn fmt_value(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    if unit == "ns" {
        return match v {
            v if v >= 1e9 => format!("{:.3} s", v / 1e9),
            v if v >= 1e6 => format!("{:.3} ms", v / 1e6),
            v if v >= 1e3 => format!("{:.3} µs", v / 1e3),
            v => format!("{v:.2} ns"),
        };
    }
    if unit == "s" {
        return fmt_value(v * 1e9, "ns");
    }
    format!("{v:.4} {unit}")
}

fn pct(r: f64) -> String {
    if r.is_finite() {
        format!("{:+.1}%", (r - 1.0) * 100.0)
    } else {
        "-".into()
    }
}

fn rows(report: &Report) -> Vec<Vec<String>> {
    report
        .benchmarks
        .iter()
        .map(|r| {
            vec![
                r.verdict.word().to_string(),
                r.name.clone(),
                fmt_value(r.base, &r.unit),
                fmt_value(r.head, &r.unit),
                pct(r.ratio),
                format!("{} … {}", pct(r.ci_low), pct(r.ci_high)),
                r.reason.clone(),
            ]
        })
        .collect()
}

const HEADER: [&str; 7] = [
    "VERDICT",
    "BENCHMARK",
    "BASE MEDIAN",
    "HEAD MEDIAN",
    "CHANGE (HL)",
    "CI",
    "REASON",
];

/// What the columns are, under the table.
const LEGEND: &str = "BASE/HEAD MEDIAN: median over the rounds of each round's metric; \
CHANGE (HL): the Hodges-Lehmann change, the median of every head/base ratio, so it can differ \
from the ratio of the two medians; CI: its confidence interval at the Holm-adjusted level.";

/// The report for people: one row per benchmark, then the verdict line.
pub fn text(report: &Report) -> String {
    format!(
        "{}{LEGEND}\nbench-gate: {} ({} benchmarks; {} base and {} head rounds; metric {:?}, threshold {:.0}%)",
        text_table(&HEADER, &rows(report)),
        report.verdict.word(),
        report.benchmarks.len(),
        report.rounds_base,
        report.rounds_head,
        report.metric,
        report.threshold * 100.0
    )
}

/// The PR comment / step summary: decided results first, passes folded.
pub fn markdown(report: &Report) -> String {
    let mut md = format!(
        "### Benchmarks: {}\n\n{} benchmarks, {} base and {} head rounds, round metric `{:?}`, threshold {:.0}%, \
         family-wise confidence {:.1}% (Holm).\n\n",
        report.verdict.word(),
        report.benchmarks.len(),
        report.rounds_base,
        report.rounds_head,
        report.metric,
        report.threshold * 100.0,
        (1.0 - report.alpha) * 100.0
    );
    let all = rows(report);
    let (loud, quiet): (Vec<_>, Vec<_>) = all.into_iter().partition(|r| r[0] != "pass");
    let table = |rs: &[Vec<String>]| table(&HEADER, rs);
    if !loud.is_empty() {
        md.push_str(&table(&loud));
    }
    if !quiet.is_empty() {
        md.push_str(&format!(
            "\n<details><summary>{} passing benchmarks</summary>\n\n{}\n</details>\n",
            quiet.len(),
            table(&quiet)
        ));
    }
    md.push_str(&format!("\n<sub>{LEGEND}</sub>\n"));
    md
}

/// Per benchmark, base (blue) and head (orange) observations on a log
/// scale around the base median.
pub fn svg(report: &Report, base: &[Run], head: &[Run], s: &Settings) -> String {
    let obs = |runs: &[Run], name: &str| -> Vec<f64> {
        let mut v = Vec::new();
        for r in runs {
            for se in r.series.iter().filter(|x| x.name == name) {
                if se.repetitions {
                    v.extend(&se.values);
                } else if !se.values.is_empty() {
                    v.push(gate::round_value(se, s.metric));
                }
            }
        }
        v
    };
    let (w, row, left) = (900.0, 28.0, 320.0);
    let h = 40.0 + row * report.benchmarks.len() as f64;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <text x=\"{left}\" y=\"14\">-50%</text><text x=\"{}\" y=\"14\">0</text><text x=\"{}\" y=\"14\">+100%</text>\n",
        left + (w - left - 20.0) / 2.0 - 4.0,
        w - 60.0
    );
    // x maps log2(ratio) in [-1, 1] onto the plot width.
    let x = |ratio: f64| left + (ratio.log2().clamp(-1.0, 1.0) + 1.0) / 2.0 * (w - left - 20.0);
    for (i, r) in report.benchmarks.iter().enumerate() {
        let y = 30.0 + row * i as f64;
        let colour = match r.verdict {
            Verdict::Fail => "#c00",
            Verdict::Inconclusive | Verdict::Warn => "#a60",
            _ => "#333",
        };
        out.push_str(&format!(
            "<text x=\"4\" y=\"{}\" fill=\"{colour}\">{}</text>\n<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{}\" stroke=\"#ccc\"/>\n",
            y + 4.0,
            xml_escape(&format!("{} {}", r.verdict.word(), r.name)),
            x(1.0),
            x(1.0),
            y + row - 6.0
        ));
        let m = r.base;
        for (vals, dy, c) in [
            (obs(base, &r.name), 0.0, "#1f77b4"),
            (obs(head, &r.name), 10.0, "#ff7f0e"),
        ] {
            for v in vals.iter().filter(|v| v.is_finite() && m > 0.0) {
                out.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{c}\" fill-opacity=\"0.6\"/>\n",
                    x(v / m),
                    y + dy
                ));
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
