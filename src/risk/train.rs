//! Training: candidate learners fitted on the older rows and judged on the
//! newest, the chosen one refitted on every row, a calibrator fitted out of
//! time.

use super::calibrate::{self, Calibrator};
use super::data::Table;
use super::gbm;
use super::logistic;
use super::metrics;
use super::model::{predict_with, Learner, Model, Training, Transform, FORMAT};
use crate::error::{input, Result};
use serde::{Deserialize, Serialize};

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
    /// The learner family (`None`: every candidate).
    pub learner: Option<LearnerKind>,
}

/// A family of candidate learners.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LearnerKind {
    /// Logistic regression (every penalty, and lines added alone).
    Logistic,
    /// Boosted trees.
    Gbm,
    /// The mean of logistic regression and boosted trees.
    Blend,
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
    // A blend is judged on its parts, so asking for one keeps them too.
    let keep = |c: &Candidate| {
        matches!(
            (o.learner, c),
            (None | Some(LearnerKind::Blend), _)
                | (Some(LearnerKind::Logistic), Candidate::Logistic { .. })
                | (Some(LearnerKind::Gbm), Candidate::Gbm { .. })
        )
    };
    candidates.retain(keep);
    let only_blend = o.learner == Some(LearnerKind::Blend);
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
            if only_blend && !matches!(fitted, Candidate::Blend { .. }) {
                continue;
            }
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
        // Too few rows of one label to judge: the first of the family.
        None => (
            candidates
                .iter()
                .find(|c| !matches!(c, Candidate::Logistic { only: Some(_), .. }))
                .map(|c| match c {
                    Candidate::Logistic { .. } => Candidate::Logistic {
                        only: None,
                        l2: 1.0,
                    },
                    other => other.clone(),
                })
                .expect("every family has a candidate"),
            None,
        ),
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
