//! Writing to the server: the ingests' rows as UNWIND batches, each
//! ingest's statements in one transaction.

use super::*;

fn commit_map(c: &CommitRow) -> BoltType {
    Map::new()
        .s("sha", &c.sha)
        .s("author", &c.author)
        .s("email", &c.email)
        .i("at_s", c.at_s)
        .oi("pr", c.pr)
        .os("reverts", c.reverts.as_deref())
        .s("subject", &c.subject)
        .i("parents", c.parents)
        .i("files", c.files)
        .done()
}

const COMMITS: &str = "UNWIND $rows AS r
     MERGE (c:Commit {sha: r.sha})
     SET c.author = r.author, c.email = r.email, c.at_s = r.at_s, c.pr = r.pr,
         c.reverts = r.reverts, c.subject = r.subject, c.parents = r.parents, c.files = r.files";

impl Sink for Bolt {
    fn batch(&self) -> usize {
        self.cfg.batch
    }

    fn tip(&mut self) -> Result<Option<String>> {
        self.tip_value()
    }

    fn set_tip(&mut self, tip: &str) -> Result<()> {
        self.exec(
            "UNWIND $rows AS r MERGE (m:Meta {key: r.key}) SET m.value = r.value",
            Some(vec![Map::new()
                .s("key", crate::graph::TIP)
                .s("value", tip)
                .done()]),
        )
    }

    fn known(&mut self, shas: &[&str]) -> Result<HashSet<String>> {
        let rows = shas.iter().map(|s| Map::new().s("sha", s).done()).collect();
        Ok(self
            .rows(
                "UNWIND $rows AS r MATCH (c:Commit {sha: r.sha}) RETURN c.sha AS sha",
                Some(rows),
            )?
            .iter()
            .filter_map(|r| r.get::<String>("sha").ok())
            .collect())
    }

    fn put_commits(&mut self, commits: &[CommitRow], touches: &[TouchRow]) -> Result<()> {
        // The commits are new (`known` filtered them) and are written with
        // their edges in one transaction, so the edges are created, not
        // merged: merging an edge scans the edges of a busy file or author.
        let mut people: Vec<(&str, &str)> = commits
            .iter()
            .map(|c| (c.email.as_str(), c.author.as_str()))
            .collect();
        people.sort_unstable();
        people.dedup_by(|a, b| a.0 == b.0);
        let mut paths: Vec<&str> = touches.iter().map(|t| t.path.as_str()).collect();
        paths.sort_unstable();
        paths.dedup();
        let prs: Vec<BoltType> = commits
            .iter()
            .filter_map(|c| c.pr.map(|p| Map::new().s("sha", &c.sha).i("pr", p).done()))
            .collect();
        let reverts: Vec<BoltType> = commits
            .iter()
            .filter_map(|c| {
                c.reverts
                    .as_ref()
                    .map(|r| Map::new().s("sha", &c.sha).s("reverted", r).done())
            })
            .collect();
        let touch_rows = touches
            .iter()
            .map(|t| {
                Map::new()
                    .s("sha", &t.sha)
                    .s("path", &t.path)
                    .os("old_path", t.old_path.as_deref())
                    .oi("added", t.added)
                    .oi("deleted", t.deleted)
                    .done()
            })
            .collect();
        self.atomic(vec![
            (COMMITS, commits.iter().map(commit_map).collect()),
            (
                "UNWIND $rows AS r MERGE (p:Person {email: r.email}) SET p.name = r.name",
                people
                    .iter()
                    .map(|(e, n)| Map::new().s("email", e).s("name", n).done())
                    .collect(),
            ),
            (
                "UNWIND $rows AS r MATCH (p:Person {email: r.email}) MATCH (c:Commit {sha: r.sha})
                 CREATE (p)-[:AUTHORED]->(c)",
                commits
                    .iter()
                    .map(|c| Map::new().s("email", &c.email).s("sha", &c.sha).done())
                    .collect(),
            ),
            (
                "UNWIND $rows AS r MERGE (p:PR {number: r.pr})",
                prs.clone(),
            ),
            (
                "UNWIND $rows AS r MATCH (c:Commit {sha: r.sha}) MATCH (p:PR {number: r.pr})
                 CREATE (p)-[:LANDED]->(c)",
                prs,
            ),
            (
                "UNWIND $rows AS r MATCH (c:Commit {sha: r.sha}) MATCH (o:Commit)
                 WHERE o.sha STARTS WITH r.reverted CREATE (c)-[:REVERTS]->(o)",
                reverts,
            ),
            (
                "UNWIND $rows AS r MERGE (f:File {path: r.path})",
                paths.iter().map(|p| Map::new().s("path", p).done()).collect(),
            ),
            (
                "UNWIND $rows AS r MATCH (c:Commit {sha: r.sha}) MATCH (f:File {path: r.path})
                 CREATE (c)-[:TOUCHES {old_path: r.old_path, added: r.added, deleted: r.deleted}]->(f)",
                touch_rows,
            ),
        ])
    }

    fn put_codeowners(&mut self, rules: &[RuleRow]) -> Result<()> {
        // OWNS for the files the graph knows, by the rules' own matcher.
        let files: Vec<String> = self
            .rows("MATCH (f:File) RETURN f.path AS path", None)?
            .iter()
            .filter_map(|r| r.get::<String>("path").ok())
            .collect();
        let g = GraphData {
            codeowners: rules.to_vec(),
            ..GraphData::default()
        };
        let mut owns = Vec::new();
        let mut owners = std::collections::BTreeSet::new();
        if let Some(matcher) = g.owners()? {
            for f in &files {
                for o in matcher.owners_of(f) {
                    owners.insert(o.clone());
                    owns.push(Map::new().s("owner", o).s("path", f).done());
                }
            }
        }
        let rules = rules
            .iter()
            .map(|r| {
                Map::new()
                    .i("line", r.line)
                    .s("pattern", &r.pattern)
                    .s("owners", &r.owners)
                    .done()
            })
            .collect();
        let one = || vec![Map::new().done()];
        self.atomic(vec![
            ("UNWIND $rows AS r MATCH (x:Rule) DETACH DELETE x", one()),
            ("UNWIND $rows AS r MATCH (:Owner)-[o:OWNS]->(:File) DELETE o", one()),
            (
                "UNWIND $rows AS r CREATE (x:Rule {line: r.line, pattern: r.pattern, owners: r.owners})",
                rules,
            ),
            (
                "UNWIND $rows AS r MERGE (:Owner {name: r.name})",
                owners.iter().map(|o| Map::new().s("name", o).done()).collect(),
            ),
            (
                "UNWIND $rows AS r MATCH (o:Owner {name: r.owner}) MATCH (f:File {path: r.path})
                 CREATE (o)-[:OWNS]->(f)",
                owns,
            ),
        ])
    }

    fn put_tests(&mut self, rows: &[TestRow]) -> Result<()> {
        let maps = rows
            .iter()
            .map(|t| {
                Map::new()
                    .s(
                        "key",
                        &format!("{}\u{1f}{}\u{1f}{}", t.run, t.suite, t.name),
                    )
                    .s("test", &format!("{}\u{1f}{}", t.suite, t.name))
                    .s("run", &t.run)
                    .os("sha", t.sha.as_deref())
                    .oi("pr", t.pr)
                    .s("suite", &t.suite)
                    .s("name", &t.name)
                    .os("file", t.file.as_deref())
                    .s("outcome", &t.outcome)
                    .i("attempts", t.attempts)
                    .os("message", t.message.as_deref())
                    .done()
            })
            .collect::<Vec<_>>();
        let failed = |t: &TestRow| t.outcome == "failed" || t.outcome == "flaky";
        let on_commit: Vec<BoltType> = rows
            .iter()
            .zip(&maps)
            .filter(|(t, _)| failed(t) && t.sha.is_some())
            .map(|(_, m)| m.clone())
            .collect();
        let on_pr: Vec<BoltType> = rows
            .iter()
            .zip(&maps)
            .filter(|(t, _)| failed(t) && t.pr.is_some())
            .map(|(_, m)| m.clone())
            .collect();
        self.atomic(vec![
            (
                "UNWIND $rows AS r
                 MERGE (t:Test {key: r.test}) SET t.suite = r.suite, t.name = r.name, t.file = r.file
                 MERGE (x:TestResult {key: r.key})
                 SET x.run = r.run, x.sha = r.sha, x.pr = r.pr, x.suite = r.suite, x.name = r.name,
                     x.file = r.file, x.outcome = r.outcome, x.attempts = r.attempts, x.message = r.message
                 MERGE (x)-[:OF]->(t)",
                maps,
            ),
            (
                "UNWIND $rows AS r MATCH (t:Test {key: r.test}) MATCH (c:Commit {sha: r.sha})
                 MERGE (t)-[f:FAILS {run: r.run}]->(c) SET f.outcome = r.outcome",
                on_commit,
            ),
            (
                "UNWIND $rows AS r MATCH (t:Test {key: r.test}) MATCH (p:PR {number: r.pr})
                 MERGE (t)-[f:FAILS {run: r.run}]->(p) SET f.outcome = r.outcome",
                on_pr,
            ),
        ])
    }

    fn put_incidents(&mut self, rows: &[Incident]) -> Result<()> {
        let maps = rows
            .iter()
            .map(|i| {
                Map::new()
                    .s("id", &i.id)
                    .i("at_s", i.at_s)
                    .s("severity", &i.severity)
                    .s("title", &i.title)
                    .oi("pr", i.pr)
                    .os("sha", i.commit.as_deref())
                    .done()
            })
            .collect::<Vec<_>>();
        let with_pr: Vec<BoltType> = rows
            .iter()
            .zip(&maps)
            .filter(|(i, _)| i.pr.is_some())
            .map(|(_, m)| m.clone())
            .collect();
        let with_commit: Vec<BoltType> = rows
            .iter()
            .zip(&maps)
            .filter(|(i, _)| i.commit.is_some())
            .map(|(_, m)| m.clone())
            .collect();
        self.atomic(vec![
            (
                "UNWIND $rows AS r MERGE (x:Incident {id: r.id})
                 SET x.at_s = r.at_s, x.severity = r.severity, x.title = r.title, x.pr = r.pr, x.sha = r.sha",
                maps,
            ),
            (
                "UNWIND $rows AS r MATCH (x:Incident {id: r.id}) MATCH (p:PR {number: r.pr})
                 MERGE (p)-[:CAUSES]->(x)",
                with_pr,
            ),
            // An abbreviated hash: a prefix scan, for the few incidents that
            // name a commit.
            (
                "UNWIND $rows AS r MATCH (x:Incident {id: r.id}) MATCH (c:Commit)
                 WHERE c.sha STARTS WITH r.sha MERGE (c)-[:CAUSES]->(x)",
                with_commit,
            ),
        ])
    }

    fn put_pr(&mut self, p: &PullRequest) -> Result<bool> {
        let newer = self
            .rows(
                "UNWIND $rows AS r MATCH (p:PR {number: r.number})
                 WHERE p.updated_s IS NOT NULL AND p.updated_s > r.updated_s RETURN p.number AS n",
                Some(vec![Map::new()
                    .i("number", p.number)
                    .i("updated_s", p.updated_s)
                    .done()]),
            )?
            .len();
        if newer > 0 {
            return Ok(false);
        }
        let row = Map::new()
            .i("number", p.number)
            .s("title", &p.title)
            .s("author", &p.author)
            .s("state", &p.state)
            .s("base_sha", &p.base_sha)
            .s("head_sha", &p.head_sha)
            .os("merge_sha", p.merge_sha.as_deref())
            .i("updated_s", p.updated_s)
            .s("labels", &p.labels.join("\n"))
            .done();
        self.exec(
            "UNWIND $rows AS r MERGE (p:PR {number: r.number})
             SET p.title = r.title, p.author = r.author, p.state = r.state, p.base_sha = r.base_sha,
                 p.head_sha = r.head_sha, p.merge_sha = r.merge_sha, p.updated_s = r.updated_s,
                 p.labels = r.labels",
            Some(vec![row]),
        )?;
        Ok(true)
    }

    fn put_lockfile(
        &mut self,
        lockfile: &str,
        packages: &[PackageRow],
        depends: &[DependRow],
    ) -> Result<()> {
        let key = |l: &str, e: &str, n: &str, v: &str| format!("{l}\u{1f}{e}\u{1f}{n}\u{1f}{v}");
        let rows = packages
            .iter()
            .map(|p| {
                Map::new()
                    .s("key", &key(&p.lockfile, &p.ecosystem, &p.name, &p.version))
                    .s("lockfile", &p.lockfile)
                    .s("ecosystem", &p.ecosystem)
                    .s("name", &p.name)
                    .s("version", &p.version)
                    .os("dir", p.dir.as_deref())
                    .done()
            })
            .collect();
        let edges = depends
            .iter()
            .map(|d| {
                Map::new()
                    .s(
                        "a",
                        &key(&d.lockfile, &d.ecosystem, &d.from_name, &d.from_version),
                    )
                    .s(
                        "b",
                        &key(&d.lockfile, &d.ecosystem, &d.to_name, &d.to_version),
                    )
                    .done()
            })
            .collect();
        self.atomic(vec![
            (
                "UNWIND $rows AS r MATCH (p:Package {lockfile: r.lockfile}) DETACH DELETE p",
                vec![Map::new().s("lockfile", lockfile).done()],
            ),
            (
                "UNWIND $rows AS r CREATE (p:Package {key: r.key, lockfile: r.lockfile,
                 ecosystem: r.ecosystem, name: r.name, version: r.version, dir: r.dir})",
                rows,
            ),
            (
                "UNWIND $rows AS r MATCH (a:Package {key: r.a}) MATCH (b:Package {key: r.b})
                 CREATE (a)-[:DEPENDS_ON]->(b)",
                edges,
            ),
        ])
    }
}
