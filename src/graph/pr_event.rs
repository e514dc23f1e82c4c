//! A GitHub `pull_request` (or `pull_request_target`) event payload, as
//! Actions writes it to `$GITHUB_EVENT_PATH`.

use crate::error::{input, Result};
use serde::{Deserialize, Serialize};

/// What the graph keeps of a pull request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PullRequest {
    /// Its number.
    pub number: i64,
    /// Its title.
    pub title: String,
    /// The author's login.
    pub author: String,
    /// `open`, `closed` or `merged`.
    pub state: String,
    /// The base commit it was compared with.
    pub base_sha: String,
    /// The head commit.
    pub head_sha: String,
    /// The commit it landed as, once merged.
    pub merge_sha: Option<String>,
    /// When GitHub last updated it (seconds since the epoch).
    pub updated_s: i64,
    /// Its labels, sorted.
    pub labels: Vec<String>,
}

#[derive(Deserialize)]
struct Event {
    pull_request: Option<Pr>,
}

#[derive(Deserialize)]
struct Pr {
    number: i64,
    #[serde(default)]
    title: String,
    user: Option<User>,
    #[serde(default)]
    state: String,
    #[serde(default)]
    merged: bool,
    merge_commit_sha: Option<String>,
    updated_at: Option<String>,
    base: Ref,
    head: Ref,
    #[serde(default)]
    labels: Vec<Label>,
}

#[derive(Deserialize)]
struct User {
    login: String,
}

#[derive(Deserialize)]
struct Ref {
    sha: String,
}

#[derive(Deserialize)]
struct Label {
    name: String,
}

fn is_sha(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads the pull request out of an event payload.
pub fn parse(text: &str, name: &str) -> Result<PullRequest> {
    let e: Event = serde_json::from_str(text).map_err(|e| {
        input(format!(
            "{name}: line {}: not a pull_request event ({e})",
            e.line()
        ))
    })?;
    let p = e.pull_request.ok_or_else(|| {
        input(format!(
            "{name}: no pull_request object: not a pull_request event (push and other events carry none)"
        ))
    })?;
    if p.number <= 0 {
        return Err(input(format!("{name}: pull request number {}", p.number)));
    }
    for (what, sha) in [("base", &p.base.sha), ("head", &p.head.sha)] {
        if !is_sha(sha) {
            return Err(input(format!(
                "{name}: {what}.sha {:?} is not a commit hash",
                crate::output::safe::one_line(sha)
            )));
        }
    }
    let updated_s = p
        .updated_at
        .as_deref()
        .map(|t| {
            super::incidents::parse_time(t).ok_or_else(|| {
                input(format!(
                    "{name}: updated_at {:?} is not a time",
                    crate::output::safe::one_line(t)
                ))
            })
        })
        .transpose()?
        .unwrap_or(0);
    let mut labels: Vec<String> = p.labels.into_iter().map(|l| l.name).collect();
    labels.sort();
    Ok(PullRequest {
        number: p.number,
        title: p.title,
        author: p.user.map(|u| u.login).unwrap_or_default(),
        state: if p.merged { "merged".into() } else { p.state },
        base_sha: p.base.sha.to_ascii_lowercase(),
        head_sha: p.head.sha.to_ascii_lowercase(),
        merge_sha: p
            .merge_commit_sha
            .filter(|s| p.merged && is_sha(s))
            .map(|s| s.to_ascii_lowercase()),
        updated_s,
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_actions_payload() {
        let text = r#"{"action": "closed", "number": 12, "pull_request": {
            "number": 12, "title": "Fix ::error:: parsing", "user": {"login": "ann"},
            "state": "closed", "merged": true, "merge_commit_sha": "abcdef0123456789",
            "updated_at": "2026-02-03T04:05:06Z",
            "base": {"sha": "1111111111111111", "ref": "main"},
            "head": {"sha": "2222222222222222", "ref": "fix"},
            "labels": [{"name": "bug"}, {"name": "a11y"}]}}"#;
        let p = parse(text, "event.json").unwrap();
        assert_eq!(p.number, 12);
        assert_eq!(p.state, "merged");
        assert_eq!(p.merge_sha.as_deref(), Some("abcdef0123456789"));
        assert_eq!(p.labels, ["a11y", "bug"]);
        assert_eq!(p.updated_s, 1770091506);
    }

    #[test]
    fn other_events_and_bad_payloads_are_refused() {
        let e = parse(r#"{"ref": "refs/heads/main", "commits": []}"#, "e.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no pull_request object"), "{e}");
        let e = parse(
            r#"{"pull_request": {"number": 1, "base": {"sha": "x;rm"}, "head": {"sha": "abcdef1"}}}"#,
            "e.json",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("base.sha"), "{e}");
        let e = parse("{", "e.json").unwrap_err().to_string();
        assert!(e.starts_with("e.json: line 1:"), "{e}");
    }
}
