//! Gradient-boosted trees for the logistic loss, on features cut into
//! quantile bins (histograms, as LightGBM and scikit-learn's
//! HistGradientBoosting do): depth-limited trees, Newton leaf values, a
//! fixed learning rate; deterministic.

use super::logistic::sigmoid;
use serde::{Deserialize, Serialize};

/// How to boost.
#[derive(Clone, Debug)]
pub struct Params {
    /// Trees at most.
    pub trees: usize,
    /// The depth of each tree.
    pub depth: usize,
    /// Shrinkage of each tree's values.
    pub learning_rate: f64,
    /// L2 penalty on leaf values.
    pub lambda: f64,
    /// Least hessian (≈ rows × p(1−p)) in a leaf.
    pub min_hessian: f64,
    /// Bins per feature.
    pub bins: usize,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            trees: 300,
            depth: 3,
            learning_rate: 0.05,
            lambda: 1.0,
            min_hessian: 5.0,
            bins: 64,
        }
    }
}

/// One node: a split (`feature`, go left when `x ≤ threshold`) or a leaf.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Node {
    /// A split.
    Split {
        /// The feature's index.
        feature: usize,
        /// The threshold.
        threshold: f64,
        /// The node for `x ≤ threshold`.
        left: usize,
        /// The node for `x > threshold`.
        right: usize,
    },
    /// A leaf's contribution to the logit.
    Leaf {
        /// The value.
        value: f64,
    },
}

/// A boosted model: `logit = base + Σ trees`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gbm {
    /// The starting logit (the base rate's).
    pub base: f64,
    /// Trees, each a list of nodes rooted at 0.
    pub trees: Vec<Vec<Node>>,
}

impl Gbm {
    /// The logit of one row, and each tree's part of it.
    pub fn logit(&self, x: &[f64]) -> f64 {
        self.base + self.trees.iter().map(|t| leaf(t, x)).sum::<f64>()
    }

    /// The probability of one row.
    pub fn predict(&self, x: &[f64]) -> f64 {
        sigmoid(self.logit(x))
    }

    /// Each feature's part of a row's logit (path attribution: a split
    /// credits its feature with the change in the expected value it causes
    /// on the row's path), summing with `base` to the logit.
    pub fn contributions(&self, x: &[f64], expected: &[Vec<f64>]) -> Vec<f64> {
        let features = x.len();
        let mut out = vec![0.0; features];
        for (t, e) in self.trees.iter().zip(expected) {
            let mut at = 0;
            while let (Some(next), Node::Split { feature, .. }) = (t[at].next(x), &t[at]) {
                out[*feature] += e[next] - e[at];
                at = next;
            }
        }
        out
    }
}

fn leaf(t: &[Node], x: &[f64]) -> f64 {
    let mut at = 0;
    while let Some(next) = t[at].next(x) {
        at = next;
    }
    match t[at] {
        Node::Leaf { value } => value,
        Node::Split { .. } => unreachable!("next() ends at a leaf"),
    }
}

impl Node {
    /// The child row `x` goes to from this node, or `None` at a leaf.
    fn next(&self, x: &[f64]) -> Option<usize> {
        match self {
            Node::Leaf { .. } => None,
            Node::Split {
                feature,
                threshold,
                left,
                right,
            } => Some(if x[*feature] <= *threshold {
                *left
            } else {
                *right
            }),
        }
    }
}

/// Bin edges per feature: up to `bins − 1` distinct quantiles.
fn edges(x: &[Vec<f64>], bins: usize) -> Vec<Vec<f64>> {
    let p = x.first().map_or(0, Vec::len);
    (0..p)
        .map(|j| {
            let mut v: Vec<f64> = x.iter().map(|r| r[j]).collect();
            v.sort_by(f64::total_cmp);
            let mut e: Vec<f64> = (1..bins).map(|k| v[(k * (v.len() - 1)) / bins]).collect();
            e.dedup();
            // A threshold equal to the largest value would split nothing.
            e.retain(|&t| t < v[v.len() - 1]);
            e
        })
        .collect()
}

fn bin_of(edges: &[f64], v: f64) -> u8 {
    edges.partition_point(|&e| e < v) as u8
}

/// Fits `trees` boosting rounds on rows `x` and labels `y`; with
/// `validation` rows, the number of trees kept is the one with the least
/// log loss on them (`None` keeps them all), and is returned.
pub fn fit(
    x: &[Vec<f64>],
    y: &[bool],
    params: &Params,
    validation: Option<(&[Vec<f64>], &[bool])>,
) -> (Gbm, usize) {
    let n = x.len();
    let p = x.first().map_or(0, Vec::len);
    let cuts = edges(x, params.bins.clamp(2, 256));
    let binned: Vec<Vec<u8>> = (0..p)
        .map(|j| x.iter().map(|r| bin_of(&cuts[j], r[j])).collect())
        .collect();
    let pos = y.iter().filter(|&&v| v).count() as f64;
    let rate = ((pos + 0.5) / (n as f64 + 1.0)).clamp(1e-6, 1.0 - 1e-6);
    let base = (rate / (1.0 - rate)).ln();
    let mut f = vec![base; n];
    let mut model = Gbm {
        base,
        trees: Vec::new(),
    };
    let mut val_f: Vec<f64> = validation.map_or(Vec::new(), |(vx, _)| vec![base; vx.len()]);
    let (mut best, mut best_loss) = (0, f64::INFINITY);
    let mut g = vec![0.0; n];
    let mut h = vec![0.0; n];
    for round in 0..params.trees {
        for i in 0..n {
            let q = sigmoid(f[i]);
            g[i] = q - f64::from(u8::from(y[i]));
            h[i] = (q * (1.0 - q)).max(1e-12);
        }
        let tree = grow(&binned, &cuts, &g, &h, params);
        for (i, row) in x.iter().enumerate() {
            f[i] += leaf(&tree, row);
        }
        if let Some((vx, vy)) = validation {
            let mut loss = 0.0;
            for (k, row) in vx.iter().enumerate() {
                val_f[k] += leaf(&tree, row);
                let q = sigmoid(val_f[k]).clamp(1e-12, 1.0 - 1e-12);
                loss -= if vy[k] { q.ln() } else { (1.0 - q).ln() };
            }
            if loss < best_loss {
                best_loss = loss;
                best = round + 1;
            }
        }
        model.trees.push(tree);
    }
    if validation.is_some() {
        model.trees.truncate(best.max(1));
    }
    let kept = model.trees.len();
    (model, kept)
}

/// Per feature, the gradient and hessian sums of `rows` in each bin.
type Hist = Vec<(Vec<f64>, Vec<f64>)>;

fn histogram(binned: &[Vec<u8>], cuts: &[Vec<f64>], rows: &[u32], g: &[f64], h: &[f64]) -> Hist {
    use rayon::prelude::*;
    binned
        .par_iter()
        .enumerate()
        .map(|(j, col)| {
            let nb = cuts[j].len() + 1;
            let mut hg = vec![0.0; nb];
            let mut hh = vec![0.0; nb];
            for &i in rows {
                let b = col[i as usize] as usize;
                hg[b] += g[i as usize];
                hh[b] += h[i as usize];
            }
            (hg, hh)
        })
        .collect()
}

/// `parent − child`, bin by bin: the other child's histogram.
fn subtract(parent: &Hist, child: &Hist) -> Hist {
    parent
        .iter()
        .zip(child)
        .map(|((pg, ph), (cg, ch))| {
            (
                pg.iter().zip(cg).map(|(a, b)| a - b).collect(),
                ph.iter().zip(ch).map(|(a, b)| a - b).collect(),
            )
        })
        .collect()
}

/// One tree, grown on the rows' bins; a split node's smaller child gets its
/// histogram from its rows, the larger one by subtraction.
fn grow(binned: &[Vec<u8>], cuts: &[Vec<f64>], g: &[f64], h: &[f64], params: &Params) -> Vec<Node> {
    let n = g.len();
    let mut nodes: Vec<Node> = vec![Node::Leaf { value: 0.0 }];
    let all: Vec<u32> = (0..n as u32).collect();
    let root = histogram(binned, cuts, &all, g, h);
    // (node index, its rows, its histogram, depth)
    let mut open: Vec<(usize, Vec<u32>, Hist, usize)> = vec![(0, all, root, 0)];
    while let Some((id, rows, hist, depth)) = open.pop() {
        let (gs, hs): (f64, f64) = rows.iter().fold((0.0, 0.0), |(a, b), &i| {
            (a + g[i as usize], b + h[i as usize])
        });
        let value = -gs / (hs + params.lambda) * params.learning_rate;
        nodes[id] = Node::Leaf { value };
        if depth >= params.depth || hs < 2.0 * params.min_hessian {
            continue;
        }
        let parent = gs * gs / (hs + params.lambda);
        // The best split; ties go to the lower feature and bin.
        let mut best: Option<(f64, usize, usize)> = None;
        for (j, (hg, hh)) in hist.iter().enumerate() {
            let (mut gl, mut hl) = (0.0, 0.0);
            for b in 0..hg.len().saturating_sub(1) {
                gl += hg[b];
                hl += hh[b];
                let (gr, hr) = (gs - gl, hs - hl);
                if hl < params.min_hessian || hr < params.min_hessian {
                    continue;
                }
                let gain = gl * gl / (hl + params.lambda) + gr * gr / (hr + params.lambda) - parent;
                if gain > 1e-9 && best.is_none_or(|(bg, _, _)| gain > bg) {
                    best = Some((gain, j, b));
                }
            }
        }
        let Some((_, j, b)) = best else { continue };
        let (l, r): (Vec<u32>, Vec<u32>) = rows
            .iter()
            .partition(|&&i| (binned[j][i as usize] as usize) <= b);
        let (left, right) = (nodes.len(), nodes.len() + 1);
        nodes.push(Node::Leaf { value: 0.0 });
        nodes.push(Node::Leaf { value: 0.0 });
        nodes[id] = Node::Split {
            feature: j,
            threshold: cuts[j][b],
            left,
            right,
        };
        if depth + 1 >= params.depth {
            // Children at the last level stay leaves: no histograms.
            open.push((left, l, Vec::new(), depth + 1));
            open.push((right, r, Vec::new(), depth + 1));
            continue;
        }
        let ((small_id, small), (large_id, large)) = if l.len() <= r.len() {
            ((left, l), (right, r))
        } else {
            ((right, r), (left, l))
        };
        let small_hist = histogram(binned, cuts, &small, g, h);
        let large_hist = subtract(&hist, &small_hist);
        open.push((small_id, small, small_hist, depth + 1));
        open.push((large_id, large, large_hist, depth + 1));
    }
    nodes
}

/// Each node's expected value over the training rows that reach it (for
/// [`Gbm::contributions`]).
pub fn expected_values(m: &Gbm, x: &[Vec<f64>]) -> Vec<Vec<f64>> {
    m.trees
        .iter()
        .map(|t| {
            let mut sum = vec![0.0; t.len()];
            let mut count = vec![0.0; t.len()];
            let mut path = Vec::with_capacity(8);
            for row in x {
                path.clear();
                let mut at = 0;
                // Walk to the leaf, then credit its value to every node on
                // the way.
                let value = loop {
                    path.push(at);
                    match t[at].next(row) {
                        Some(next) => at = next,
                        None => match t[at] {
                            Node::Leaf { value } => break value,
                            Node::Split { .. } => unreachable!("next() is None at a leaf"),
                        },
                    }
                };
                for &k in &path {
                    sum[k] += value;
                    count[k] += 1.0;
                }
            }
            sum.iter()
                .zip(&count)
                .map(|(s, c)| if *c > 0.0 { s / c } else { 0.0 })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A label that depends on an interaction (x0 > 0.5 and x1 > 0.5),
    /// which no linear model ranks well: the trees do.
    #[test]
    fn learns_an_interaction_and_stops_on_validation() {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..40 {
            for j in 0..40 {
                let (a, b) = (i as f64 / 40.0, j as f64 / 40.0);
                x.push(vec![a, b, ((i * 7 + j * 13) % 17) as f64]);
                y.push(a > 0.5 && b > 0.5);
            }
        }
        let (m, kept) = fit(&x, &y, &Params::default(), Some((&x, &y)));
        assert!(kept > 10, "{kept}");
        let p: Vec<f64> = x.iter().map(|r| m.predict(r)).collect();
        let auc = crate::risk::metrics::auc(&p, &y).unwrap();
        assert!(auc > 0.99, "{auc}");
        // Contributions sum to the logit.
        let e = expected_values(&m, &x);
        let c = m.contributions(&x[1000], &e);
        let first: f64 = e.iter().map(|t| t[0]).sum();
        let total = m.base + first + c.iter().sum::<f64>();
        assert!((total - m.logit(&x[1000])).abs() < 1e-9);
        // The noise feature gets (almost) nothing.
        assert!(c[2].abs() < c[0].abs().max(c[1].abs()));
    }

    #[test]
    fn the_same_data_gives_the_same_model() {
        let x: Vec<Vec<f64>> = (0..200)
            .map(|i| vec![(i % 13) as f64, (i % 7) as f64])
            .collect();
        let y: Vec<bool> = (0..200).map(|i| i % 13 > 6).collect();
        let a = fit(&x, &y, &Params::default(), None);
        let b = fit(&x, &y, &Params::default(), None);
        assert_eq!(a, b);
    }
}
