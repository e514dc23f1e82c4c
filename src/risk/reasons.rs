//! A score's reasons: each feature's part in a change's logit, in words.

use super::gbm::Gbm;
use super::logistic::Logistic;
use super::model::{predict_with, Learner, Model};
use crate::error::Result;
use serde::Serialize;

/// A scored change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explained {
    /// The calibrated probability that the change induces a defect.
    pub probability: f64,
    /// Every feature's part, largest first.
    pub reasons: Vec<Reason>,
}

/// One feature's part in a score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    /// The feature.
    pub feature: String,
    /// Its value for this change.
    pub value: f64,
    /// The share (0–100) of training changes with a lower value.
    pub percentile: Option<f64>,
    /// Its part in the logit (positive raises the risk).
    pub part: f64,
    /// In words.
    pub text: String,
}

/// A number for people: whole numbers with thousands separated
/// (`1,240`), others to two places.
fn number(v: f64) -> String {
    if v.fract() != 0.0 || v.abs() >= 1e15 {
        return format!("{v:.2}");
    }
    let digits = (v.abs() as i64).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// A reason in words: what the feature says of the change (for the Kamei
/// change metrics by name), where its value stands among the training
/// changes, and which way it moves the risk.
fn words(r: &Reason) -> String {
    let v = r.value;
    let n = number(v);
    let what = match r.feature.as_str() {
        "la" => format!("adds {n} lines"),
        "ld" => format!("deletes {n} lines"),
        "nf" => format!("touches {n} files"),
        "nd" => format!("touches {n} directories"),
        "ns" => format!("touches {n} subsystems"),
        "entropy" | "ent" => format!("spreads its changes across files (entropy {n})"),
        "lt" => format!("changes files of {n} lines"),
        "fix" => {
            if v > 0.0 {
                "is a bug fix".into()
            } else {
                "is not a bug fix".into()
            }
        }
        "ndev" => format!("changes files {n} developers touched before"),
        "age" => format!(
            "changes files last changed {} days before, on average",
            if v >= 1.0 {
                number(v.round())
            } else {
                format!("{v:.1}")
            }
        ),
        "nuc" => format!("changes files changed {n} times before"),
        "exp" => format!("is by an author with {n} earlier changes"),
        "rexp" => format!("is by an author with recent experience {n}"),
        "sexp" => format!("is by an author with {n} earlier changes to these subsystems"),
        other => format!("{other} = {n}"),
    };
    let rank = match r.percentile {
        Some(p) if p >= 90.0 => format!(" (top {:.0} % of the training changes)", 100.0 - p),
        Some(p) if p <= 10.0 => format!(" (bottom {:.0} % of the training changes)", p.max(1.0)),
        _ => String::new(),
    };
    let way = if r.part > 0.0 { "raises" } else { "lowers" };
    format!("{what}{rank}: {way} the risk")
}

impl Model {
    /// One change's calibrated probability and each feature's part in it
    /// (on the logit scale, against the average training change: exact for
    /// logistic regression, path attribution for trees, the mean of both
    /// for a blend).
    pub fn explain(&self, names: &[String], row: &[f64]) -> Result<Explained> {
        let cols = self.columns(names)?;
        let x: Vec<f64> = self
            .features
            .iter()
            .zip(&cols)
            .map(|(f, &c)| f.apply(row[c]))
            .collect();
        let linear =
            |l: &Logistic| -> Vec<f64> { l.coef.iter().zip(&x).map(|(c, v)| c * v).collect() };
        let trees = |g: &Gbm, e: &Vec<Vec<f64>>| -> Vec<f64> {
            if e.is_empty() {
                vec![0.0; x.len()]
            } else {
                g.contributions(&x, e)
            }
        };
        let parts = match &self.learner {
            Learner::Logistic { model, .. } => linear(model),
            Learner::Gbm { model, expected } => trees(model, expected),
            Learner::Blend {
                logistic,
                gbm,
                expected,
            } => linear(logistic)
                .iter()
                .zip(trees(gbm, expected))
                .map(|(a, b)| (a + b) / 2.0)
                .collect(),
        };
        let p = self.calibrator.apply(predict_with(&self.learner, &[x])[0]);
        let mut reasons: Vec<Reason> = self
            .features
            .iter()
            .zip(&cols)
            .zip(parts)
            .map(|((f, &c), part)| Reason {
                feature: f.name.clone(),
                value: row[c],
                percentile: f.percentile(row[c]),
                part,
                text: String::new(),
            })
            .collect();
        reasons.sort_by(|a, b| b.part.abs().total_cmp(&a.part.abs()));
        for r in &mut reasons {
            r.text = words(r);
        }
        Ok(Explained {
            probability: p,
            reasons,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_read_like_the_issue_says() {
        assert_eq!(number(1240.0), "1,240");
        assert_eq!(number(1_234_567.0), "1,234,567");
        assert_eq!(number(999.0), "999");
        assert_eq!(number(-1240.0), "-1,240");
        assert_eq!(number(0.6), "0.60");
        assert_eq!(number(0.0), "0");
    }
}
