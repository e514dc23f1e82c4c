//! The risk model: feature transforms, a learner, a calibrator, and what it
//! was trained on, saved as one versioned JSON file.

use super::calibrate::{self, Calibrator};
use super::data::Table;
use super::gbm::{self, Gbm};
use super::logistic::{self, Logistic};
use super::metrics::{self, Metrics};
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
    fn percentile(&self, v: f64) -> Option<f64> {
        (!self.percentiles.is_empty())
            .then(|| self.percentiles.iter().filter(|&&q| q < v).count() as f64)
    }

    fn apply(&self, v: f64) -> f64 {
        let v = if self.log1p { v.max(0.0).ln_1p() } else { v };
        (v - self.mean) / self.std
    }
}

/// How to train.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// The calibrator (`None`: choose by the validation split).
    pub calibration: Option<CalibrationKind>,
    /// The share of the newest training rows held out to choose the model
    /// and fit the calibrator.
    pub validation: f64,
    /// The policy threshold, for the metrics.
    pub threshold: f64,
}

/// A calibrator to fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CalibrationKind {
    /// Pool adjacent violators.
    Isotonic,
    /// A logistic fit on the score.
    Platt,
    /// None.
    None,
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

/// A reason in words: what the feature says of the change (for the Kamei
/// change metrics by name), where its value stands among the training
/// changes, and which way it moves the risk.
fn words(r: &Reason) -> String {
    let v = r.value;
    let n = if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}")
    };
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
        "age" => format!("changes files last changed {n} days before, on average"),
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

fn transforms(t: &Table) -> Vec<Transform> {
    (0..t.features.len())
        .map(|j| {
            let col = || t.rows.iter().map(move |r| r[j]);
            let log1p = col().all(|v| v >= 0.0);
            let f = |v: f64| if log1p { v.ln_1p() } else { v };
            let n = t.rows.len().max(1) as f64;
            let mean = col().map(f).sum::<f64>() / n;
            let var = col().map(|v| (f(v) - mean).powi(2)).sum::<f64>() / n;
            let mut sorted: Vec<f64> = col().collect();
            sorted.sort_by(f64::total_cmp);
            let percentiles = (1..100)
                .map(|k| sorted[(k * (sorted.len() - 1)) / 100])
                .collect();
            Transform {
                name: t.features[j].clone(),
                log1p,
                mean,
                std: if var > 0.0 { var.sqrt() } else { 1.0 },
                percentiles,
            }
        })
        .collect()
}

fn design(tf: &[Transform], t: &Table, only: Option<usize>) -> Vec<Vec<f64>> {
    t.rows
        .iter()
        .map(|r| match only {
            Some(j) => vec![tf[j].apply(r[j])],
            None => tf.iter().zip(r).map(|(f, &v)| f.apply(v)).collect(),
        })
        .collect()
}

/// A candidate learner: logistic regression (on every feature, or on one)
/// or boosted trees with at most `trees` rounds.
#[derive(Clone, Debug)]
enum Candidate {
    Logistic { only: Option<usize>, l2: f64 },
    Gbm { trees: usize },
    Blend { l2: f64, trees: usize },
}

impl Candidate {
    fn name(&self, t: &Table) -> String {
        match self {
            Candidate::Logistic { only: None, l2 } => format!("logistic, all features, l2 {l2}"),
            Candidate::Logistic { only: Some(j), .. } => {
                format!("logistic, {} alone", t.features[*j])
            }
            Candidate::Gbm { trees } => format!("boosted trees, {trees} rounds"),
            Candidate::Blend { l2, trees } => {
                format!("mean of logistic (l2 {l2}) and boosted trees ({trees} rounds)")
            }
        }
    }

    /// Fits on `t`; boosted trees stop early on `stop` when given, and the
    /// candidate returned says how many rounds were kept.
    fn fit(
        &self,
        tf: &[Transform],
        t: &Table,
        stop: Option<&Table>,
    ) -> (Learner, Candidate, Option<usize>) {
        match *self {
            Candidate::Logistic { only, l2 } => (
                Learner::Logistic {
                    model: logistic::fit(&design(tf, t, only), &t.labels, None, l2),
                    l2,
                },
                self.clone(),
                only,
            ),
            Candidate::Gbm { trees } => {
                let params = gbm::Params {
                    trees,
                    ..gbm::Params::default()
                };
                let held = stop.map(|s| (design(tf, s, None), s.labels.clone()));
                let (model, kept) = gbm::fit(
                    &design(tf, t, None),
                    &t.labels,
                    &params,
                    held.as_ref().map(|(x, y)| (x.as_slice(), y.as_slice())),
                );
                // Expected values serve the final model's reasons only.
                let expected = if stop.is_none() {
                    gbm::expected_values(&model, &design(tf, t, None))
                } else {
                    Vec::new()
                };
                (
                    Learner::Gbm { model, expected },
                    Candidate::Gbm { trees: kept },
                    None,
                )
            }
            Candidate::Blend { l2, trees } => {
                let (
                    Learner::Logistic {
                        model: logistic, ..
                    },
                    ..,
                ) = Candidate::Logistic { only: None, l2 }.fit(tf, t, stop)
                else {
                    unreachable!("a logistic candidate fits a logistic model")
                };
                let (
                    Learner::Gbm {
                        model: gbm,
                        expected,
                    },
                    Candidate::Gbm { trees: kept },
                    _,
                ) = Candidate::Gbm { trees }.fit(tf, t, stop)
                else {
                    unreachable!("a trees candidate fits trees")
                };
                (
                    Learner::Blend {
                        logistic,
                        gbm,
                        expected,
                    },
                    Candidate::Blend { l2, trees: kept },
                    None,
                )
            }
        }
    }
}

fn predict_with(learner: &Learner, rows: &[Vec<f64>]) -> Vec<f64> {
    rows.iter()
        .map(|x| match learner {
            Learner::Logistic { model, .. } => model.predict(x),
            Learner::Gbm { model, .. } => model.predict(x),
            Learner::Blend { logistic, gbm, .. } => (logistic.predict(x) + gbm.predict(x)) / 2.0,
        })
        .collect()
}

/// A blend's parts as judged: the logistic regression's predictions, and
/// the trees' rounds and predictions.
type Parts = (Option<Vec<f64>>, Option<(usize, Vec<f64>)>);

/// Trains a model on `t` (labels required): candidates are fitted on the
/// older rows and compared on the newest `validation` share by AUC (boosted
/// trees also stop on it); the chosen one is refitted on every row; the
/// calibrator is fitted on the validation rows' out-of-time predictions.
pub fn train(t: &Table, o: &TrainOptions) -> Result<Model> {
    if t.labels.iter().all(|&l| l) || t.labels.iter().all(|&l| !l) {
        return Err(input(
            "the training data needs both labels (0 and 1) to learn from",
        ));
    }
    let order = t.by_time();
    let cut = ((order.len() as f64) * (1.0 - o.validation)).round() as usize;
    let (older, newer) = (t.subset(&order[..cut]), t.subset(&order[cut..]));
    let usable = |s: &Table| s.labels.iter().any(|&l| l) && s.labels.iter().any(|&l| !l);
    let mut candidates: Vec<Candidate> = [0.1, 1.0, 10.0]
        .iter()
        .map(|&l2| Candidate::Logistic { only: None, l2 })
        .collect();
    if let Some(j) = t.features.iter().position(|f| f == "la") {
        candidates.push(Candidate::Logistic {
            only: Some(j),
            l2: 1.0,
        });
    }
    candidates.push(Candidate::Gbm { trees: 400 });
    candidates.push(Candidate::Blend {
        l2: 1.0,
        trees: 400,
    });
    let mut tried = Vec::new();
    let mut chosen: Option<(Candidate, f64, Vec<f64>)> = None;
    if usable(&older) && usable(&newer) {
        let tf = transforms(&older);
        // A blend is judged on its parts' predictions, fitted once each.
        let mut parts: Parts = (None, None);
        for c in &candidates {
            let (fitted, p) = match c {
                Candidate::Blend { .. } => {
                    let (Some(pl), Some((kept, pg))) = (&parts.0, &parts.1) else {
                        continue;
                    };
                    let p: Vec<f64> = pl.iter().zip(pg).map(|(a, b)| (a + b) / 2.0).collect();
                    let Candidate::Blend { l2, .. } = *c else {
                        unreachable!()
                    };
                    (Candidate::Blend { l2, trees: *kept }, p)
                }
                _ => {
                    let (learner, fitted, only) = c.fit(&tf, &older, Some(&newer));
                    let p = predict_with(&learner, &design(&tf, &newer, only));
                    (fitted, p)
                }
            };
            match (&fitted, candidates.last()) {
                (
                    Candidate::Logistic { only: None, l2 },
                    Some(Candidate::Blend { l2: blend_l2, .. }),
                ) if l2 == blend_l2 => parts.0 = Some(p.clone()),
                (Candidate::Gbm { trees }, _) => parts.1 = Some((*trees, p.clone())),
                _ => {}
            }
            let a = metrics::auc(&p, &newer.labels);
            tried.push((fitted.name(t), a));
            if chosen
                .as_ref()
                .is_none_or(|(_, best, _)| a.unwrap_or(0.5) > *best)
            {
                chosen = Some((fitted, a.unwrap_or(0.5), p));
            }
        }
    }
    let (candidate, held) = match chosen {
        Some((c, _, p)) => (c, Some(p)),
        None => (candidates[1].clone(), None),
    };
    let name = candidate.name(t);
    // The calibrator: on the held-out rows' out-of-time predictions.
    let calibrator = match (&held, o.calibration) {
        (_, Some(CalibrationKind::None)) | (None, _) => Calibrator::None,
        (Some(p), Some(CalibrationKind::Platt)) => calibrate::platt(p, &newer.labels),
        (Some(p), Some(CalibrationKind::Isotonic)) => calibrate::isotonic(p, &newer.labels),
        (Some(p), None) => choose_calibrator(p, &newer.labels),
    };
    let validation = held.as_ref().map(|p| {
        let q: Vec<f64> = p.iter().map(|&v| calibrator.apply(v)).collect();
        metrics::metrics(&q, &newer.labels, o.threshold)
    });
    let tf = transforms(t);
    let (learner, _, only) = candidate.fit(&tf, t, None);
    let mut features = tf;
    if let Some(j) = only {
        features = vec![features[j].clone()];
    }
    let n = t.rows.len() as f64;
    Ok(Model {
        format: FORMAT,
        features,
        learner,
        calibrator,
        training: Training {
            rows: t.rows.len(),
            base_rate: t.labels.iter().filter(|&&l| l).count() as f64 / n,
            time_range: (
                t.times.iter().cloned().fold(f64::INFINITY, f64::min),
                t.times.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
            ),
            candidates: tried,
            chosen: name,
            validation,
        },
    })
}

/// Platt or isotonic, whichever has the lower Brier score on the second
/// half of the rows when fitted on the first (in time order).
fn choose_calibrator(p: &[f64], y: &[bool]) -> Calibrator {
    let half = p.len() / 2;
    let (pa, pb, ya, yb) = (&p[..half], &p[half..], &y[..half], &y[half..]);
    let score = |c: &Calibrator| {
        let q: Vec<f64> = pb.iter().map(|&v| c.apply(v)).collect();
        metrics::brier(&q, yb)
    };
    let both = ya.iter().any(|&v| v) && ya.iter().any(|&v| !v);
    if both && score(&calibrate::isotonic(pa, ya)) < score(&calibrate::platt(pa, ya)) {
        calibrate::isotonic(p, y)
    } else {
        calibrate::platt(p, y)
    }
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
