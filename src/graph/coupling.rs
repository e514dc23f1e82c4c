//! Logical coupling, as code-maat defines it: files that change in the same
//! commits. Commits that touch more files than `max_changeset` are left out
//! entirely (a mass rename or a formatting sweep says nothing about design).
//! For a pair: `shared` is the commits touching both, `average` the mean of
//! the two files' commit counts, and the degree `100 × shared / average`,
//! printed truncated to an integer. A pair is kept when `average ≥
//! min_revs`, `shared ≥ min_shared`, `degree ≥ min_coupling` and
//! `floor(degree) ≤ max_coupling`.

use std::collections::HashMap;

/// Thresholds (code-maat's defaults).
#[derive(Clone, Copy, Debug)]
pub struct Thresholds {
    /// Least average commit count of the pair.
    pub min_revs: f64,
    /// Least shared commits.
    pub min_shared: u64,
    /// Least degree, in percent.
    pub min_coupling: f64,
    /// Greatest degree, in percent.
    pub max_coupling: f64,
    /// Commits touching more files are left out.
    pub max_changeset: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_revs: 5.0,
            min_shared: 5,
            min_coupling: 30.0,
            max_coupling: 100.0,
            max_changeset: 30,
        }
    }
}

/// One coupled pair.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Pair {
    /// The first file (in path order).
    pub entity: String,
    /// The file it changes with.
    pub coupled: String,
    /// `100 × shared / average`, truncated.
    pub degree: u64,
    /// The mean commit count of the two, rounded up.
    pub average_revs: u64,
    /// Commits touching both.
    pub shared_revs: u64,
}

/// The coupled pairs of `commits` (each the set of paths one commit
/// touched), highest degree first, then highest average.
pub fn coupling(commits: &[Vec<String>], t: &Thresholds) -> Vec<Pair> {
    let (revs, shared) = counts(commits, t.max_changeset);
    let mut out: Vec<Pair> = shared
        .into_iter()
        .filter_map(|((a, b), n)| {
            let average = (revs[a] + revs[b]) as f64 / 2.0;
            let degree = 100.0 * n as f64 / average;
            let keep = average >= t.min_revs
                && n >= t.min_shared
                && degree >= t.min_coupling
                && degree.floor() <= t.max_coupling;
            keep.then(|| Pair {
                entity: a.to_string(),
                coupled: b.to_string(),
                degree: degree as u64,
                average_revs: average.ceil() as u64,
                shared_revs: n,
            })
        })
        .collect();
    out.sort_by(|x, y| {
        (y.degree, y.average_revs, &x.entity, &x.coupled).cmp(&(
            x.degree,
            x.average_revs,
            &y.entity,
            &y.coupled,
        ))
    });
    out
}

/// Commits per file and shared commits per pair (in path order), over the
/// commits touching at most `max_changeset` files.
type Counts<'a> = (HashMap<&'a str, u64>, HashMap<(&'a str, &'a str), u64>);

fn counts(commits: &[Vec<String>], max_changeset: usize) -> Counts<'_> {
    let mut revs: HashMap<&str, u64> = HashMap::new();
    let mut shared: HashMap<(&str, &str), u64> = HashMap::new();
    for files in commits.iter().filter(|f| f.len() <= max_changeset) {
        let mut fs: Vec<&str> = files.iter().map(String::as_str).collect();
        fs.sort_unstable();
        fs.dedup();
        for (i, a) in fs.iter().enumerate() {
            *revs.entry(a).or_default() += 1;
            for b in &fs[i + 1..] {
                *shared.entry((a, b)).or_default() += 1;
            }
        }
    }
    (revs, shared)
}

/// The co-change graph: files as nodes (sorted), an undirected edge between
/// two files sharing at least `min_shared` commits, weighted by that count
/// (each edge given both ways).
pub fn co_change_graph(
    commits: &[Vec<String>],
    max_changeset: usize,
    min_shared: u64,
) -> (Vec<String>, Vec<(usize, usize, f64)>) {
    let (_, shared) = counts(commits, max_changeset);
    let mut pairs: Vec<((&str, &str), u64)> = shared
        .into_iter()
        .filter(|&(_, n)| n >= min_shared)
        .collect();
    pairs.sort_unstable();
    let mut nodes: Vec<&str> = pairs.iter().flat_map(|((a, b), _)| [*a, *b]).collect();
    nodes.sort_unstable();
    nodes.dedup();
    let id = |p: &str| nodes.binary_search(&p).expect("a node of a pair");
    let mut edges = Vec::with_capacity(pairs.len() * 2);
    for ((a, b), n) in &pairs {
        let (i, j) = (id(a), id(b));
        edges.push((i, j, *n as f64));
        edges.push((j, i, *n as f64));
    }
    (nodes.into_iter().map(str::to_string).collect(), edges)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(files: &[&str]) -> Vec<String> {
        files.iter().map(|s| s.to_string()).collect()
    }

    /// Worked by hand. a: 6 commits, b: 4, c: 2; a and b share 4, a and c
    /// share 2; one commit of 4 files is over a max changeset of 3.
    #[test]
    fn the_code_maat_definition_on_a_hand_worked_history() {
        let commits = vec![
            c(&["a", "b"]),
            c(&["a", "b"]),
            c(&["a", "b", "c"]),
            c(&["a", "b"]),
            c(&["a", "c"]),
            c(&["a"]),
            c(&["a", "b", "c", "d"]),
        ];
        let t = Thresholds {
            min_revs: 1.0,
            min_shared: 1,
            min_coupling: 0.0,
            max_coupling: 100.0,
            max_changeset: 3,
        };
        let got = coupling(&commits, &t);
        // a–b: shared 4, average (6 + 4) / 2 = 5, degree 80.
        // b–c: shared 1, average (4 + 2) / 2 = 3, degree 33.3 → 33.
        // a–c: shared 2, average (6 + 2) / 2 = 4, degree 50.
        let rows: Vec<(&str, &str, u64, u64, u64)> = got
            .iter()
            .map(|p| {
                (
                    p.entity.as_str(),
                    p.coupled.as_str(),
                    p.degree,
                    p.average_revs,
                    p.shared_revs,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("a", "b", 80, 5, 4),
                ("a", "c", 50, 4, 2),
                ("b", "c", 33, 3, 1)
            ]
        );
        // code-maat's defaults (max changeset 30) count the 4-file commit:
        // a–b shares 5 of an average (7 + 5) / 2 = 6, degree 83; the other
        // pairs share fewer than 5 commits.
        let d = coupling(&commits, &Thresholds::default());
        assert_eq!(
            d.iter()
                .map(|p| (
                    p.entity.as_str(),
                    p.coupled.as_str(),
                    p.degree,
                    p.average_revs
                ))
                .collect::<Vec<_>>(),
            [("a", "b", 83, 6)]
        );
        // min_coupling compares the unrounded degree; max the floored one.
        let strict = Thresholds {
            min_coupling: 33.4,
            ..t
        };
        assert_eq!(coupling(&commits, &strict).len(), 2);
        let capped = Thresholds {
            max_coupling: 79.0,
            ..t
        };
        assert_eq!(coupling(&commits, &capped).len(), 2);
    }

    #[test]
    fn the_co_change_graph_keeps_pairs_sharing_enough_commits() {
        let commits = vec![c(&["a", "b"]), c(&["a", "b"]), c(&["b", "c"])];
        let (nodes, edges) = co_change_graph(&commits, 30, 2);
        assert_eq!(nodes, ["a", "b"]);
        assert_eq!(edges, [(0, 1, 2.0), (1, 0, 2.0)]);
    }
}
