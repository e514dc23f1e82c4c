//! Reading the whole graph back from the server, in the order SQLite gives.

use super::*;

impl Bolt {
    /// The whole graph, in the order [`GraphData::sort`] gives.
    pub fn load(&self) -> Result<GraphData> {
        let s = |r: &Row, k: &str| r.get::<String>(k).unwrap_or_default();
        let os = |r: &Row, k: &str| r.get::<Option<String>>(k).ok().flatten();
        let i = |r: &Row, k: &str| r.get::<i64>(k).unwrap_or_default();
        let oi = |r: &Row, k: &str| r.get::<Option<i64>>(k).ok().flatten();
        let mut g = GraphData::default();
        for r in self.rows(
            "MATCH (c:Commit) RETURN c.sha AS sha, c.author AS author, c.email AS email, c.at_s AS at_s,
             c.pr AS pr, c.reverts AS reverts, c.subject AS subject, c.parents AS parents, c.files AS files",
            None,
        )? {
            g.commits.push(CommitRow {
                sha: s(&r, "sha"),
                author: s(&r, "author"),
                email: s(&r, "email"),
                at_s: i(&r, "at_s"),
                pr: oi(&r, "pr"),
                reverts: os(&r, "reverts"),
                subject: s(&r, "subject"),
                parents: i(&r, "parents"),
                files: i(&r, "files"),
            });
        }
        for r in self.rows(
            "MATCH (c:Commit)-[t:TOUCHES]->(f:File) RETURN c.sha AS sha, f.path AS path,
             t.old_path AS old_path, t.added AS added, t.deleted AS deleted",
            None,
        )? {
            g.touches.push(TouchRow {
                sha: s(&r, "sha"),
                path: s(&r, "path"),
                old_path: os(&r, "old_path"),
                added: oi(&r, "added"),
                deleted: oi(&r, "deleted"),
            });
        }
        for r in self.rows(
            "MATCH (r:Rule) RETURN r.line AS line, r.pattern AS pattern, r.owners AS owners",
            None,
        )? {
            g.codeowners.push(RuleRow {
                line: i(&r, "line"),
                pattern: s(&r, "pattern"),
                owners: s(&r, "owners"),
            });
        }
        for r in self.rows(
            "MATCH (x:TestResult) RETURN x.run AS run, x.sha AS sha, x.pr AS pr, x.suite AS suite,
             x.name AS name, x.file AS file, x.outcome AS outcome, x.attempts AS attempts, x.message AS message",
            None,
        )? {
            g.tests.push(TestRow {
                run: s(&r, "run"),
                sha: os(&r, "sha"),
                pr: oi(&r, "pr"),
                suite: s(&r, "suite"),
                name: s(&r, "name"),
                file: os(&r, "file"),
                outcome: s(&r, "outcome"),
                attempts: i(&r, "attempts"),
                message: os(&r, "message"),
            });
        }
        for r in self.rows(
            "MATCH (x:Incident) RETURN x.id AS id, x.at_s AS at_s, x.severity AS severity,
             x.title AS title, x.pr AS pr, x.sha AS sha",
            None,
        )? {
            g.incidents.push(Incident {
                id: s(&r, "id"),
                at_s: i(&r, "at_s"),
                severity: s(&r, "severity"),
                title: s(&r, "title"),
                pr: oi(&r, "pr"),
                commit: os(&r, "sha"),
            });
        }
        for r in self.rows(
            "MATCH (p:PR) WHERE p.updated_s IS NOT NULL RETURN p.number AS number, p.title AS title,
             p.author AS author, p.state AS state, p.base_sha AS base_sha, p.head_sha AS head_sha,
             p.merge_sha AS merge_sha, p.updated_s AS updated_s, p.labels AS labels",
            None,
        )? {
            g.prs.push(PullRequest {
                number: i(&r, "number"),
                title: s(&r, "title"),
                author: s(&r, "author"),
                state: s(&r, "state"),
                base_sha: s(&r, "base_sha"),
                head_sha: s(&r, "head_sha"),
                merge_sha: os(&r, "merge_sha"),
                updated_s: i(&r, "updated_s"),
                labels: s(&r, "labels")
                    .split('\n')
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
            });
        }
        for r in self.rows(
            "MATCH (p:Package) RETURN p.lockfile AS lockfile, p.ecosystem AS ecosystem,
             p.name AS name, p.version AS version, p.dir AS dir",
            None,
        )? {
            g.packages.push(PackageRow {
                lockfile: s(&r, "lockfile"),
                ecosystem: s(&r, "ecosystem"),
                name: s(&r, "name"),
                version: s(&r, "version"),
                dir: os(&r, "dir"),
            });
        }
        for r in self.rows(
            "MATCH (a:Package)-[:DEPENDS_ON]->(b:Package) RETURN a.lockfile AS lockfile,
             a.ecosystem AS ecosystem, a.name AS from_name, a.version AS from_version,
             b.name AS to_name, b.version AS to_version",
            None,
        )? {
            g.depends.push(DependRow {
                lockfile: s(&r, "lockfile"),
                ecosystem: s(&r, "ecosystem"),
                from_name: s(&r, "from_name"),
                from_version: s(&r, "from_version"),
                to_name: s(&r, "to_name"),
                to_version: s(&r, "to_version"),
            });
        }
        g.tip = self.tip_value()?;
        g.sort();
        Ok(g)
    }

    pub(super) fn tip_value(&self) -> Result<Option<String>> {
        Ok(self
            .rows(
                &format!(
                    "MATCH (m:Meta {{key: '{}'}}) RETURN m.value AS value",
                    crate::graph::TIP
                ),
                None,
            )?
            .first()
            .and_then(|r| r.get::<String>("value").ok()))
    }
}
