//! Change features from the knowledge graph, measured as of each change so
//! that training never sees the future: the touched files' owners
//! (CODEOWNERS), their coupling (co-change partners so far), and the test
//! failures and incidents of earlier changes to them.

use crate::error::Result;
use crate::graph::codeowners::Owners;
use crate::graph::data::GraphData;
use std::collections::HashMap;

/// The graph feature names, in the order they follow the Kamei metrics.
pub const NAMES: [&str; 6] = [
    "owners",
    "unowned",
    "coupled",
    "cochange_missed",
    "prior_failures",
    "prior_incidents",
];

/// Co-change leaves out commits touching more files than this (code-maat's
/// default `max-changeset-size` is 30 too).
pub const MAX_CHANGESET: usize = 30;
/// A partner shares at least this many commits with a file.
pub const MIN_SUPPORT: u32 = 2;
/// A partner left out of a change counts as missed when at least this share
/// of the file's commits also touched it.
pub const MIN_CONFIDENCE: f64 = 0.2;

/// What the graph knows about each commit, by full hash.
#[derive(Default)]
pub struct Evidence {
    /// Failed or flaky test results on the commit.
    pub failures: HashMap<String, u32>,
    /// When each incident the commit caused started.
    pub incidents: HashMap<String, Vec<i64>>,
    /// CODEOWNERS, when ingested.
    pub owners: Option<Owners>,
}

impl Evidence {
    /// From the graph; `commits` turns a commit or pull request reference
    /// into the commits it stands for (a merge: the commits it brought in).
    pub fn from_graph(
        g: &GraphData,
        mut commits: impl FnMut(Option<&str>, Option<i64>) -> Vec<String>,
    ) -> Result<Evidence> {
        let mut e = Evidence {
            owners: g.owners()?,
            ..Evidence::default()
        };
        for t in g
            .tests
            .iter()
            .filter(|t| t.outcome == "failed" || t.outcome == "flaky")
        {
            for sha in commits(t.sha.as_deref(), t.pr) {
                *e.failures.entry(sha).or_default() += 1;
            }
        }
        for i in &g.incidents {
            for sha in commits(i.commit.as_deref(), i.pr) {
                e.incidents.entry(sha).or_default().push(i.at_s);
            }
        }
        Ok(e)
    }

    /// Distinct owners of `paths`, and how many of them have none (0 for
    /// both without CODEOWNERS).
    pub fn ownership<'a>(&self, paths: impl Iterator<Item = &'a str>) -> (usize, usize) {
        let Some(o) = &self.owners else {
            return (0, 0);
        };
        let mut owners: Vec<&str> = Vec::new();
        let mut unowned = 0;
        for p in paths {
            let of = o.owners_of(p);
            if of.is_empty() {
                unowned += 1;
            }
            for x in of {
                if !owners.contains(&x.as_str()) {
                    owners.push(x);
                }
            }
        }
        (owners.len(), unowned)
    }
}
