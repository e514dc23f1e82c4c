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

#[cfg(test)]
mod tests {
    use super::*;

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
