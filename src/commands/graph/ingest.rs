//! `graph ingest`: each source parsed whole before the graph is opened.

use super::*;

pub(super) fn ingest_git(ctx: &Ctx, a: GitArgs) -> Result<i32> {
    let repo = ctx.cwd.join(a.repo.as_deref().unwrap_or(Path::new(".")));
    if !repo.is_dir() {
        return Err(input(format!("{}: not a directory", repo.display())));
    }
    // Before the graph is opened: a wrong directory writes nothing.
    graph::head(&repo)?;
    let date = a.since.as_deref().filter(|s| {
        time::Date::parse(s, &time::format_description::well_known::Iso8601::DATE).is_ok()
    });
    let o = IngestOptions {
        since_date: date.map(str::to_string),
        since_rev: a.since.clone().filter(|_| date.is_none()),
        lines: a.lines,
    };
    let bar = ctx.out.counter("commits");
    let r = ingest(ctx, &a.target, |sink| {
        graph::ingest_git(sink, &repo, &o, |n| bar.set_position(n as u64))
    })?;
    bar.finish_and_clear();
    if let Some(w) = &r.warning {
        ctx.out.warn(&one_line(w));
    }
    let text = format!(
        "{}: {} commits read, {} new, {} file touches; tip {}",
        one_line(&r.range),
        r.read,
        r.new,
        r.touches,
        &r.tip[..r.tip.len().min(12)]
    );
    ctx.out.result(&r, &text, None)?;
    Ok(EXIT_OK)
}

pub(super) fn ingest_codeowners(ctx: &Ctx, a: FileArgs) -> Result<i32> {
    let name = a.file.display().to_string();
    let text = ctx.read_file(&a.file)?;
    // Parsed before the graph is opened: a malformed file writes nothing.
    let owners = graph::codeowners::Owners::parse(&text, &name)?;
    let rows = graph::codeowner_rows(&owners);
    ingest(ctx, &a.target, |sink| sink.put_codeowners(&rows))?;
    let v = serde_json::json!({"file": name, "rules": rows.len()});
    let text = format!("{}: {} rules", one_line(&name), rows.len());
    ctx.out.result(&v, &text, None)?;
    Ok(EXIT_OK)
}

/// A commit hash as given, checked.
fn sha_arg(s: &str, flag: &str) -> Result<String> {
    let s = s.trim();
    if (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(input(format!(
            "{flag} {:?}: want a commit hash (7 to 64 hexadecimal characters)",
            one_line(s)
        )))
    }
}

pub(super) fn ingest_junit(ctx: &Ctx, a: JunitArgs) -> Result<i32> {
    let commit = a
        .commit
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| sha_arg(c, "--commit"))
        .transpose()?;
    let pr = a.pr.map(|p| p as i64).or_else(|| {
        let r = std::env::var("GITHUB_REF").ok()?;
        r.strip_prefix("refs/pull/")?
            .split('/')
            .next()?
            .parse()
            .ok()
    });
    // Every report parsed before the graph is opened.
    let mut texts = Vec::new();
    let mut merged: BTreeMap<(String, String), graph::junit::TestResult> = BTreeMap::new();
    for f in &a.files {
        let text = ctx.read_file(f)?;
        for t in graph::junit::parse(&text, &f.display().to_string())? {
            match merged.entry((t.suite.clone(), t.name.clone())) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(t);
                }
                // The same test in two reports (matrix jobs): the worse
                // outcome, attempts added.
                std::collections::btree_map::Entry::Occupied(mut e) => {
                    let m = e.get_mut();
                    m.attempts += t.attempts;
                    if t.outcome > m.outcome {
                        m.outcome = t.outcome;
                        m.message = t.message.or(m.message.take());
                    }
                }
            }
        }
        texts.push(text);
    }
    let run = match (&a.run, std::env::var("GITHUB_RUN_ID").ok()) {
        (Some(r), _) if !r.trim().is_empty() => r.trim().to_string(),
        (_, Some(id)) if !id.is_empty() => match std::env::var("GITHUB_RUN_ATTEMPT") {
            Ok(n) if !n.is_empty() => format!("{id}/{n}"),
            _ => id,
        },
        _ => {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            for t in &texts {
                h.update((t.len() as u64).to_le_bytes());
                h.update(t);
            }
            h.update(commit.as_deref().unwrap_or(""));
            h.update(pr.unwrap_or(0).to_le_bytes());
            format!("sha256:{}", &hex::encode(h.finalize())[..16])
        }
    };
    let rows: Vec<TestRow> = merged
        .into_values()
        .map(|t| TestRow {
            run: run.clone(),
            sha: commit.clone(),
            pr,
            suite: t.suite,
            name: t.name,
            file: t.file,
            outcome: t.outcome.as_str().to_string(),
            attempts: i64::from(t.attempts),
            message: t.message,
        })
        .collect();
    ingest(ctx, &a.target, |sink| sink.put_tests(&rows))?;
    let count = |o: &str| rows.iter().filter(|r| r.outcome == o).count();
    let v = serde_json::json!({
        "run": run, "commit": commit, "pr": pr, "tests": rows.len(),
        "failed": count("failed"), "flaky": count("flaky"),
        "skipped": count("skipped"), "passed": count("passed"),
    });
    let text = format!(
        "run {}: {} tests, {} failed, {} flaky, {} skipped",
        one_line(&run),
        rows.len(),
        count("failed"),
        count("flaky"),
        count("skipped")
    );
    ctx.out.result(&v, &text, None)?;
    Ok(EXIT_OK)
}

/// Where a file sits in its repository: (path from the root, directory
/// from the root). Outside a repository, relative to the working directory.
fn in_repo(ctx: &Ctx, f: &Path) -> (String, String) {
    let full = ctx.cwd.join(f);
    let name = full
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = full.parent().unwrap_or(&ctx.cwd).to_path_buf();
    let prefix = crate::git::run(&dir, &["rev-parse", "--show-prefix"])
        .map(|p| p.trim().trim_end_matches('/').to_string())
        .unwrap_or_else(|_| {
            let rel = dir.strip_prefix(&ctx.cwd).unwrap_or(&dir);
            rel.to_string_lossy().replace('\\', "/")
        });
    let path = if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    };
    (path, prefix)
}

pub(super) fn ingest_lockfile(ctx: &Ctx, a: LockfileArgs) -> Result<i32> {
    // Every lockfile read before the graph is opened.
    let mut locks = Vec::new();
    for f in &a.files {
        let lock = crate::lockfile::read(&ctx.cwd.join(f)).map_err(|e| {
            // Name the file as the user wrote it.
            let full = ctx.cwd.join(f).display().to_string();
            input(e.to_string().replace(&full, &f.display().to_string()))
        })?;
        let (path, dir) = in_repo(ctx, f);
        let (packages, depends) = data::lockfile_rows(&lock, &path, &dir);
        locks.push((path, packages, depends));
    }
    ingest(ctx, &a.target, |sink| {
        for (path, p, d) in &locks {
            sink.put_lockfile(path, p, d)?;
        }
        Ok(())
    })?;
    let v: Vec<serde_json::Value> = locks
        .iter()
        .map(|(path, p, d)| {
            serde_json::json!({"lockfile": path, "packages": p.len(), "dependencies": d.len(),
                "own": p.iter().filter(|x| x.dir.is_some()).count()})
        })
        .collect();
    let text = locks
        .iter()
        .map(|(path, p, d)| {
            format!(
                "{}: {} packages ({} of the project's own), {} dependencies",
                one_line(path),
                p.len(),
                p.iter().filter(|x| x.dir.is_some()).count(),
                d.len()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    ctx.out.result(&v, &text, None)?;
    Ok(EXIT_OK)
}

pub(super) fn ingest_incidents(ctx: &Ctx, a: FileArgs) -> Result<i32> {
    let name = a.file.display().to_string();
    let rows = graph::incidents::parse(&ctx.read_file(&a.file)?, &name)?;
    ingest(ctx, &a.target, |sink| sink.put_incidents(&rows))?;
    let linked = rows
        .iter()
        .filter(|i| i.pr.is_some() || i.commit.is_some())
        .count();
    let v = serde_json::json!({"file": name, "incidents": rows.len(), "with_cause": linked});
    let text = format!(
        "{}: {} incidents, {linked} naming the change that caused them",
        one_line(&name),
        rows.len()
    );
    ctx.out.result(&v, &text, None)?;
    Ok(EXIT_OK)
}

pub(super) fn ingest_pr(ctx: &Ctx, a: PrArgs) -> Result<i32> {
    let name = a.file.display().to_string();
    let pr = graph::pr_event::parse(&ctx.read_file(&a.file)?, &name)?;
    let written = ingest(ctx, &a.target, |sink| sink.put_pr(&pr))?;
    let v = serde_json::json!({"pr": pr, "written": written});
    let text = if written {
        format!("#{} {} ({})", pr.number, one_line(&pr.title), pr.state)
    } else {
        format!(
            "#{}: the graph holds a newer event; nothing written",
            pr.number
        )
    };
    ctx.out.result(&v, &text, None)?;
    Ok(EXIT_OK)
}
