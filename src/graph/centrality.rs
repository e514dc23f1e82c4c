//! Centrality on the graphs maestro builds: PageRank by power iteration, as
//! networkx computes it (damping 0.85, weighted edges, the rank of nodes
//! without out-edges spread evenly over all nodes, stop when the L1 change
//! falls below `n × tol`).

/// PageRank of `n` nodes over weighted directed `edges` (`from`, `to`,
/// `weight`); an undirected graph passes each edge both ways.
pub fn pagerank(n: usize, edges: &[(usize, usize, f64)], damping: f64, tol: f64) -> Vec<f64> {
    if n == 0 {
        return Vec::new();
    }
    let mut out_weight = vec![0.0; n];
    for &(a, _, w) in edges {
        out_weight[a] += w;
    }
    let uniform = 1.0 / n as f64;
    let mut x = vec![uniform; n];
    for _ in 0..1000 {
        let dangling: f64 = (0..n).filter(|&i| out_weight[i] == 0.0).map(|i| x[i]).sum();
        let base = (1.0 - damping) * uniform + damping * dangling * uniform;
        let mut next = vec![base; n];
        for &(a, b, w) in edges {
            next[b] += damping * x[a] * w / out_weight[a];
        }
        let err: f64 = next.iter().zip(&x).map(|(p, q)| (p - q).abs()).sum();
        x = next;
        if err < n as f64 * tol {
            break;
        }
    }
    x
}

/// Betweenness centrality of an unweighted graph (`adj[i]` the neighbours
/// of `i`; an undirected graph lists each edge both ways), by Brandes'
/// algorithm, normalised as networkx does for an undirected graph
/// (÷ (n−1)(n−2)). With `sources`, only those nodes start shortest paths and
/// the sums are scaled by n / |sources| (an unbiased estimate).
pub fn betweenness(adj: &[Vec<usize>], sources: Option<&[usize]>) -> Vec<f64> {
    let n = adj.len();
    let mut cb = vec![0.0; n];
    let all: Vec<usize>;
    let sources = match sources {
        Some(s) => s,
        None => {
            all = (0..n).collect();
            &all
        }
    };
    let mut sigma = vec![0.0f64; n];
    let mut dist = vec![-1i64; n];
    let mut delta = vec![0.0f64; n];
    let mut preds: Vec<Vec<usize>> = vec![Vec::<usize>::new(); n];
    let mut order: Vec<usize> = Vec::with_capacity(n);
    let mut queue = std::collections::VecDeque::with_capacity(n);
    for &s in sources {
        for v in order.drain(..) {
            sigma[v] = 0.0;
            dist[v] = -1;
            delta[v] = 0.0;
            preds[v].clear();
        }
        sigma[s] = 1.0;
        dist[s] = 0;
        queue.push_back(s);
        while let Some(v) = queue.pop_front() {
            order.push(v);
            for &w in &adj[v] {
                if dist[w] < 0 {
                    dist[w] = dist[v] + 1;
                    queue.push_back(w);
                }
                if dist[w] == dist[v] + 1 {
                    sigma[w] += sigma[v];
                    preds[w].push(v);
                }
            }
        }
        for &w in order.iter().rev() {
            for &v in &preds[w] {
                delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w]);
            }
            if w != s {
                cb[w] += delta[w];
            }
        }
    }
    // Each undirected path is counted from both ends: halve, then
    // normalise, then scale up a sample.
    let scale = if n > 2 {
        1.0 / ((n - 1) * (n - 2)) as f64
    } else {
        0.0
    };
    let sample = if sources.is_empty() {
        0.0
    } else {
        n as f64 / sources.len() as f64
    };
    for c in &mut cb {
        *c *= scale * sample;
    }
    cb
}

/// Spearman's rank correlation of two score lists (ties get their mean
/// rank).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    fn ranks(x: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..x.len()).collect();
        idx.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
        let mut r = vec![0.0; x.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
                j += 1;
            }
            let mean = (i + j) as f64 / 2.0 + 1.0;
            for k in i..=j {
                r[idx[k]] = mean;
            }
            i = j + 1;
        }
        r
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a path of n nodes, node i lies on the shortest path of i·(n−1−i)
    /// pairs; networkx divides by (n−1)(n−2)/2 pairs.
    #[test]
    fn betweenness_on_a_path_and_a_star_by_hand() {
        let n = 6;
        let adj: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                let mut v = Vec::new();
                if i > 0 {
                    v.push(i - 1);
                }
                if i + 1 < n {
                    v.push(i + 1);
                }
                v
            })
            .collect();
        let got = betweenness(&adj, None);
        for (i, g) in got.iter().enumerate() {
            let want = (i * (n - 1 - i)) as f64 / ((n - 1) * (n - 2) / 2) as f64;
            assert!((g - want).abs() < 1e-12, "node {i}: {g} vs {want}");
        }
        // A star: the centre is on every path between two leaves (1.0).
        let star = vec![vec![1, 2, 3, 4], vec![0], vec![0], vec![0], vec![0]];
        let got = betweenness(&star, None);
        assert!((got[0] - 1.0).abs() < 1e-12);
        assert!(got[1..].iter().all(|&x| x == 0.0));
        // Sampling every node is exact; sampling from the centre alone
        // sees no path through it, from a leaf 1/4 of them, scaled by 5.
        assert_eq!(betweenness(&star, Some(&[0, 1, 2, 3, 4])), got);
        let from_leaf = betweenness(&star, Some(&[1]));
        assert!((from_leaf[0] - 5.0 * 3.0 / 12.0).abs() < 1e-12);
    }

    /// Two equal shortest paths split the credit: a square a–b–d, a–c–d.
    #[test]
    fn betweenness_splits_between_equal_paths() {
        let adj = vec![vec![1, 2], vec![0, 3], vec![0, 3], vec![1, 2]];
        let got = betweenness(&adj, None);
        for g in got {
            assert!((g - 0.5 / 3.0).abs() < 1e-12, "{g}");
        }
    }

    #[test]
    fn spearman_of_orders() {
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 1.0, 2.0], &[1.0, 1.0, 2.0]) - 1.0).abs() < 1e-12);
    }

    /// A directed, weighted graph with a node no edge leaves (4) and one no
    /// edge enters (3).
    #[test]
    fn matches_networkx_on_a_weighted_graph_with_a_dangling_node() {
        let edges = [
            (0, 1, 1.0),
            (0, 2, 2.0),
            (1, 2, 1.0),
            (2, 0, 1.0),
            (3, 2, 1.0),
            (3, 4, 3.0),
        ];
        let got = pagerank(5, &edges, 0.85, 1e-12);
        let want = NETWORKX;
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{got:?} vs {want:?}");
        }
        assert!((got.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    /// networkx 3.6.1, `nx.pagerank(G, alpha=0.85, tol=1e-12, max_iter=1000)`
    /// on the graph above (nodes 0..4, edges with `weight`).
    const NETWORKX: [f64; 5] = [
        0.3649429177771174,
        0.14497333244844793,
        0.38043538670496774,
        0.04157283907847038,
        0.06807552399099667,
    ];
}
