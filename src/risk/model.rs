//! The risk model: feature transforms, a learner, a calibrator, and what it
//! was trained on, saved as one versioned JSON file; reading it back and
//! scoring with it.

use super::calibrate::Calibrator;
use super::data::Table;
use super::gbm::{self, Gbm};
use super::logistic::Logistic;
use super::metrics::Metrics;
use crate::error::{input, Result};
use serde::{Deserialize, Serialize};

/// The model file's format version.
pub const FORMAT: u32 = 1;

/// How one feature is turned into the learner's input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transform {
    /// The feature.
    pub name: String,
    /// `ln(1 + x)` first (counts and sizes; only for features never
    /// negative in training).
    pub log1p: bool,
    /// Mean after the log, in training.
    pub mean: f64,
    /// Standard deviation after the log (1 for a constant feature).
    pub std: f64,
    /// The training values' percentiles 1 to 99 (for reasons in words).
    #[serde(default)]
    pub percentiles: Vec<f64>,
}

impl Transform {
    /// The share (0–100) of training values below `v`.
    pub(super) fn percentile(&self, v: f64) -> Option<f64> {
        (!self.percentiles.is_empty())
            .then(|| self.percentiles.iter().filter(|&&q| q < v).count() as f64)
    }

    pub(super) fn apply(&self, v: f64) -> f64 {
        let v = if self.log1p { v.max(0.0).ln_1p() } else { v };
        (v - self.mean) / self.std
    }
}

/// A trained model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// [`FORMAT`].
    pub format: u32,
    /// The features it reads, with their transforms, in order.
    pub features: Vec<Transform>,
    /// The learner.
    pub learner: Learner,
    /// The calibrator.
    pub calibrator: Calibrator,
    /// What it was trained on and how it did.
    pub training: Training,
}

/// A learner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Learner {
    /// L2-penalised logistic regression on the transformed features.
    Logistic {
        /// The fit.
        model: Logistic,
        /// The penalty.
        l2: f64,
    },
    /// Gradient-boosted trees on the transformed features.
    Gbm {
        /// The trees.
        model: Gbm,
        /// Each node's mean value over the training rows (for reasons).
        #[serde(default)]
        expected: Vec<Vec<f64>>,
    },
    /// The mean of a logistic regression's and boosted trees' probabilities.
    Blend {
        /// The logistic regression.
        logistic: Logistic,
        /// The trees.
        gbm: Gbm,
        /// Each node's mean value over the training rows (for reasons).
        #[serde(default)]
        expected: Vec<Vec<f64>>,
    },
}

/// Training metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// Rows trained on.
    pub rows: usize,
    /// Their base rate.
    pub base_rate: f64,
    /// The first and last time in the training data.
    pub time_range: (f64, f64),
    /// The candidates tried and their validation AUC, in order.
    pub candidates: Vec<(String, Option<f64>)>,
    /// The candidate chosen.
    pub chosen: String,
    /// Metrics on the validation rows (the model fitted without them).
    pub validation: Option<Metrics>,
}

pub(super) fn predict_with(learner: &Learner, rows: &[Vec<f64>]) -> Vec<f64> {
    rows.iter()
        .map(|x| match learner {
            Learner::Logistic { model, .. } => model.predict(x),
            Learner::Gbm { model, .. } => model.predict(x),
            Learner::Blend { logistic, gbm, .. } => (logistic.predict(x) + gbm.predict(x)) / 2.0,
        })
        .collect()
}

impl Model {
    /// The calibrated probability of one row whose columns are `names`.
    pub fn columns(&self, names: &[String]) -> Result<Vec<usize>> {
        let missing: Vec<&str> = self
            .features
            .iter()
            .filter(|f| !names.contains(&f.name))
            .map(|f| f.name.as_str())
            .collect();
        if !missing.is_empty() {
            let extra: Vec<&str> = names
                .iter()
                .filter(|n| !self.features.iter().any(|f| &f.name == *n))
                .map(String::as_str)
                .collect();
            return Err(input(format!(
                "the data does not match the model's features: missing {}{}",
                missing.join(", "),
                if extra.is_empty() {
                    String::new()
                } else {
                    format!("; not in the model: {}", extra.join(", "))
                }
            )));
        }
        Ok(self
            .features
            .iter()
            .map(|f| names.iter().position(|n| *n == f.name).expect("checked"))
            .collect())
    }

    /// The calibrated probability of each row of `t`.
    pub fn predict(&self, t: &Table) -> Result<Vec<f64>> {
        let cols = self.columns(&t.features)?;
        let rows: Vec<Vec<f64>> = t
            .rows
            .iter()
            .map(|r| {
                self.features
                    .iter()
                    .zip(&cols)
                    .map(|(f, &c)| f.apply(r[c]))
                    .collect()
            })
            .collect();
        Ok(predict_with(&self.learner, &rows)
            .into_iter()
            .map(|p| self.calibrator.apply(p))
            .collect())
    }

    /// Reads a model file.
    pub fn parse(text: &str, name: &str) -> Result<Model> {
        let m: Model = serde_json::from_str(text).map_err(|e| {
            input(format!(
                "{name}: line {}: not a maestro risk model ({e})",
                e.line()
            ))
        })?;
        if m.format != FORMAT {
            return Err(input(format!(
                "{name}: model format {} (this maestro reads {FORMAT}): train it again",
                m.format
            )));
        }
        m.check()
            .map_err(|why| input(format!("{name}: not a usable model: {why}")))?;
        Ok(m)
    }

    /// Whether the model can score without an index out of range or a loop:
    /// sizes agree, every tree's children come after their parent.
    fn check(&self) -> std::result::Result<(), String> {
        let p = self.features.len();
        if self
            .features
            .iter()
            .any(|f| !(f.std.is_finite() && f.std > 0.0 && f.mean.is_finite()))
        {
            return Err(
                "a feature transform without a finite mean and a positive deviation".into(),
            );
        }
        let logistic = |l: &Logistic| {
            if l.coef.len() == p {
                Ok(())
            } else {
                Err(format!("{} coefficients for {p} features", l.coef.len()))
            }
        };
        // Expected values, when there are any, have one per node.
        let shapes = |g: &Gbm, e: &Vec<Vec<f64>>| {
            if e.is_empty()
                || (e.len() == g.trees.len()
                    && e.iter().zip(&g.trees).all(|(a, b)| a.len() == b.len()))
            {
                Ok(())
            } else {
                Err("expected values that do not match the trees".to_string())
            }
        };
        let trees = |g: &Gbm| {
            for (k, t) in g.trees.iter().enumerate() {
                if t.is_empty() {
                    return Err(format!("tree {k} is empty"));
                }
                for (i, n) in t.iter().enumerate() {
                    if let gbm::Node::Split {
                        feature,
                        left,
                        right,
                        ..
                    } = n
                    {
                        if *feature >= p
                            || *left <= i
                            || *right <= i
                            || *left >= t.len()
                            || *right >= t.len()
                        {
                            return Err(format!("tree {k} node {i} points outside the tree"));
                        }
                    }
                }
            }
            Ok(())
        };
        match &self.learner {
            Learner::Logistic { model, .. } => logistic(model)?,
            Learner::Gbm { model, expected } => {
                trees(model)?;
                shapes(model, expected)?;
            }
            Learner::Blend {
                logistic: l,
                gbm: g,
                expected,
            } => {
                logistic(l)?;
                trees(g)?;
                shapes(g, expected)?;
            }
        }
        if let Calibrator::Isotonic { x, y } = &self.calibrator {
            if x.len() != y.len() || x.is_empty() {
                return Err("an isotonic calibrator whose points do not pair up".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(learner: Learner) -> String {
        serde_json::to_string(&Model {
            format: FORMAT,
            features: vec![Transform {
                name: "la".into(),
                log1p: true,
                mean: 0.0,
                std: 1.0,
                percentiles: Vec::new(),
            }],
            learner,
            calibrator: Calibrator::None,
            training: Training {
                rows: 1,
                base_rate: 0.5,
                time_range: (0.0, 1.0),
                candidates: Vec::new(),
                chosen: String::new(),
                validation: None,
            },
        })
        .unwrap()
    }

    /// A hand-edited model must not make scoring loop or index out of range.
    #[test]
    fn a_model_that_cannot_score_is_refused() {
        let split = |left, right, feature| gbm::Node::Split {
            feature,
            threshold: 1.0,
            left,
            right,
        };
        let leaf = gbm::Node::Leaf { value: 0.1 };
        let ok = Learner::Gbm {
            model: Gbm {
                base: 0.0,
                trees: vec![vec![split(1, 2, 0), leaf.clone(), leaf.clone()]],
            },
            expected: Vec::new(),
        };
        assert!(Model::parse(&model(ok), "m.json").is_ok());
        for bad in [
            vec![split(0, 2, 0), leaf.clone(), leaf.clone()],
            vec![split(1, 5, 0), leaf.clone()],
            vec![split(1, 2, 3), leaf.clone(), leaf.clone()],
            vec![],
        ] {
            let m = Learner::Gbm {
                model: Gbm {
                    base: 0.0,
                    trees: vec![bad],
                },
                expected: Vec::new(),
            };
            let e = Model::parse(&model(m), "m.json").unwrap_err().to_string();
            assert!(e.starts_with("m.json: not a usable model"), "{e}");
        }
        let wrong = Learner::Logistic {
            model: Logistic {
                intercept: 0.0,
                coef: vec![1.0, 2.0],
            },
            l2: 1.0,
        };
        let e = Model::parse(&model(wrong), "m.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 coefficients for 1 features"), "{e}");
    }
}
