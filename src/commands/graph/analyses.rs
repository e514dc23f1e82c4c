//! `graph stats | coupling | hotspots | centrality`.

use super::*;

pub(super) fn stats(ctx: &Ctx, t: Target) -> Result<i32> {
    let s = graph::stats(&load(ctx, &t)?)?;
    let mut text = format!(
        "{} commits, {} authors, {} files, {} file touches, {} reverts\n{} pull requests, {} linked to files and an author ({:.1} %)",
        s.commits,
        s.authors,
        s.files,
        s.touches,
        s.reverts,
        s.prs,
        s.prs_linked,
        s.prs_linked_share * 100.0
    );
    if s.codeowners_rules > 0 {
        text.push_str(&format!(
            "\nCODEOWNERS: {} rules; {} of the files touched have an owner ({:.1} %); {} pull requests touch an owned file",
            s.codeowners_rules,
            s.files_owned,
            s.codeowners_coverage * 100.0,
            s.prs_with_owner
        ));
    }
    if s.test_results > 0 {
        text.push_str(&format!(
            "\ntests: {} results; {} tests failed and {} were flaky in some run",
            s.test_results, s.tests_failed, s.tests_flaky
        ));
    }
    if s.incidents > 0 {
        text.push_str(&format!(
            "\nincidents: {}, {} linked to a change in the graph",
            s.incidents, s.incidents_linked
        ));
    }
    if s.pr_events > 0 {
        text.push_str(&format!("\npull request events: {}", s.pr_events));
    }
    if s.lockfiles > 0 {
        text.push_str(&format!(
            "\nlockfiles: {}, {} packages, {} dependencies",
            s.lockfiles, s.packages, s.dependencies
        ));
    }
    ctx.out.result(&s, &text, None)?;
    Ok(EXIT_OK)
}

pub(super) fn coupling(ctx: &Ctx, a: CouplingArgs) -> Result<i32> {
    for (flag, v) in [
        ("--min-coupling", a.min_coupling),
        ("--max-coupling", a.max_coupling),
        ("--min-revs", a.min_revs),
    ] {
        if !v.is_finite() || v < 0.0 {
            return Err(input(format!("{flag} {v}: want a number of 0 or more")));
        }
    }
    let sets = graph::changesets(&load(ctx, &a.list.target)?, !a.list.include_all);
    let t = graph::coupling::Thresholds {
        min_revs: a.min_revs,
        min_shared: a.min_shared_revs,
        min_coupling: a.min_coupling,
        max_coupling: a.max_coupling,
        max_changeset: a.max_changeset_size,
    };
    let mut pairs = graph::coupling::coupling(&sets, &t);
    pairs.truncate(a.list.top);
    let rows: Vec<Vec<String>> = pairs
        .iter()
        .map(|p| {
            vec![
                format!("{} %", p.degree),
                p.average_revs.to_string(),
                p.shared_revs.to_string(),
                format!("{} ↔ {}", p.entity, p.coupled),
            ]
        })
        .collect();
    let mut text = text_table(&["degree", "avg-revs", "shared", "files"], &rows)
        .trim_end()
        .to_string();
    text.push_str(&format!(
        "\n{} pairs over {} commits",
        pairs.len(),
        sets.len()
    ));
    ctx.out.result(&pairs, &text, None)?;
    Ok(EXIT_OK)
}

pub(super) fn hotspots(ctx: &Ctx, a: HotspotsArgs) -> Result<i32> {
    let since = match &a.since {
        Some(d) => {
            let date = time::Date::parse(d, &time::format_description::well_known::Iso8601::DATE)
                .map_err(|_| input(format!("--since {}: want YYYY-MM-DD", one_line(d))))?;
            date.midnight().assume_utc().unix_timestamp()
        }
        None => i64::MIN,
    };
    let g = load(ctx, &a.list.target)?;
    let rows = graph::hotspots(&g, since, a.list.top, a.list.include_all);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|h| {
            vec![
                h.revisions.to_string(),
                h.authors.to_string(),
                h.churn.map_or("-".to_string(), |c| c.to_string()),
                h.path.clone(),
            ]
        })
        .collect();
    let mut text = text_table(&["revisions", "authors", "churn", "file"], &cells)
        .trim_end()
        .to_string();
    text.push_str(&format!("\n{} files", rows.len()));
    ctx.out.result(&rows, &text, None)?;
    Ok(EXIT_OK)
}

/// Exact betweenness up to this many BFS steps (files × directed edges).
const EXACT_STEPS: usize = 200_000_000;

/// One node's centrality.
#[derive(Debug, serde::Serialize)]
struct Central {
    #[serde(skip)]
    name: String,
    /// The file (file kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    /// The package (package kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<String>,
    pagerank: f64,
    degree: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    betweenness: Option<f64>,
}

pub(super) fn centrality(ctx: &Ctx, a: CentralityArgs) -> Result<i32> {
    let g = load(ctx, &a.list.target)?;
    let (names, edges, note) = match a.kind {
        Kind::File => {
            let sets = graph::changesets(&g, !a.list.include_all);
            let (nodes, edges) =
                graph::coupling::co_change_graph(&sets, a.max_changeset_size, a.min_shared_revs);
            let note = format!(
                "co-change graph: {} files, {} pairs sharing {} commits or more",
                nodes.len(),
                edges.len() / 2,
                a.min_shared_revs
            );
            (nodes, edges, note)
        }
        Kind::Package => {
            let (nodes, edges) = graph::package_graph(&g);
            let note = format!(
                "dependency graph: {} packages, {} dependencies",
                nodes.len(),
                edges.len()
            );
            (nodes, edges, note)
        }
    };
    let n = names.len();
    let rank = graph::centrality::pagerank(n, &edges, 0.85, 1e-10);
    // Files: degree in the undirected graph; packages: dependents (in-degree).
    let mut degree = vec![0usize; n];
    for &(i, j, _) in &edges {
        degree[if a.kind == Kind::File { i } else { j }] += 1;
    }
    let between = (a.kind == Kind::File).then(|| {
        let mut adj = vec![Vec::new(); n];
        for &(i, j, _) in &edges {
            adj[i].push(j);
        }
        let k = a
            .betweenness_samples
            .unwrap_or(if n * edges.len() <= EXACT_STEPS {
                0
            } else {
                1000
            });
        let sources = graph::centrality_sample(n, k, a.seed);
        let b = graph::centrality::betweenness(&adj, sources.as_deref());
        (b, sources.map(|s| s.len()))
    });
    let samples = between.as_ref().and_then(|b| b.1);
    let between = between.map(|b| b.0);
    let mut rows: Vec<Central> = names
        .into_iter()
        .enumerate()
        .map(|(i, name)| Central {
            path: (a.kind == Kind::File).then(|| name.clone()),
            package: (a.kind == Kind::Package).then(|| name.clone()),
            name,
            pagerank: rank[i],
            degree: degree[i],
            betweenness: between.as_ref().map(|b| b[i]),
        })
        .collect();
    rows.sort_by(|x, y| y.pagerank.total_cmp(&x.pagerank).then(x.name.cmp(&y.name)));
    rows.truncate(a.list.top);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![format!("{:.6}", r.pagerank), r.degree.to_string()];
            if let Some(b) = r.betweenness {
                v.push(format!("{b:.6}"));
            }
            v.push(r.name.clone());
            v
        })
        .collect();
    let header: &[&str] = match a.kind {
        Kind::File => &["pagerank", "degree", "betweenness", "file"],
        Kind::Package => &["pagerank", "dependents", "package"],
    };
    let mut text = text_table(header, &cells).trim_end().to_string();
    text.push('\n');
    text.push_str(&note);
    if let Some(k) = samples {
        text.push_str(&format!(
            "; betweenness estimated from {k} sampled files (--betweenness-samples 0: exact)"
        ));
    }
    ctx.out.result(&rows, &text, None)?;
    Ok(EXIT_OK)
}
