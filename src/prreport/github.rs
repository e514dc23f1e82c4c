//! Posting the comment through GitHub's REST API: find the comment that
//! carries the marker on the pull request (paging through its comments)
//! and edit it, or create it. 5xx answers and rate limits are retried with
//! backoff; a refusal names the permission the token lacks.

use super::MARKER;
use crate::error::{infra, input, Result};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// Where to post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The API's base URL (`GITHUB_API_URL`; GitHub Enterprise has its own).
    pub api: String,
    /// `owner/name`.
    pub repo: String,
    /// The pull request's number.
    pub pr: u64,
    /// The token (`GITHUB_TOKEN`).
    pub token: String,
}

/// The pull request number of an Actions event payload
/// (`pull_request.number`, `issue.number`, or `number`).
pub fn pr_of_event(path: &Path) -> Result<Option<u64>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| input(format!("{}: {e}", path.display())))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        input(format!(
            "{}: line {}: not JSON: {e}",
            path.display(),
            e.line()
        ))
    })?;
    Ok(v["pull_request"]["number"]
        .as_u64()
        .or(v["issue"]["number"].as_u64())
        .or(v["number"].as_u64()))
}

/// The target from flags, then the Actions environment.
pub fn target(
    pr: Option<u64>,
    repo: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Target> {
    let token = env("GITHUB_TOKEN")
        .ok_or_else(|| input("--post needs a token in GITHUB_TOKEN (in Actions: env: GITHUB_TOKEN: ${{ github.token }})"))?;
    let repo = repo.or_else(|| env("GITHUB_REPOSITORY")).ok_or_else(|| {
        input("--post needs the repository: --repo OWNER/NAME or GITHUB_REPOSITORY")
    })?;
    if repo.split('/').count() != 2 || repo.contains(['?', '#', ' ']) || repo.contains("..") {
        return Err(input(format!("repository `{repo}`: expected OWNER/NAME")));
    }
    let pr = match pr {
        Some(n) => n,
        None => env("GITHUB_EVENT_PATH")
            .map(|p| pr_of_event(Path::new(&p)))
            .transpose()?
            .flatten()
            .ok_or_else(|| {
                input("--post needs the pull request: --pr N, or an Actions event that names one")
            })?,
    };
    let api = env("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
    Ok(Target {
        api: api.trim_end_matches('/').to_string(),
        repo,
        pr,
        token,
    })
}

/// What `post` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Posted {
    /// A new comment, by id.
    Created(u64),
    /// The existing comment, edited in place.
    Updated(u64),
}

struct Client<'a> {
    agent: ureq::Agent,
    t: &'a Target,
    /// Sleeps between retries (shortened in tests through the environment).
    backoff: Duration,
}

impl Client<'_> {
    /// One request with retries: on a network error, a 5xx, or a rate limit
    /// (429, or 403 with a `retry-after` or an exhausted quota) up to four
    /// times, waiting `retry-after` (at most a minute) or 1, 2, 4, 8 × the
    /// backoff. Returns the status and body.
    fn send(&self, method: &str, url: &str, body: Option<&str>) -> Result<(u16, String)> {
        let mut wait = self.backoff;
        for attempt in 0..5 {
            let auth = format!("Bearer {}", self.t.token);
            let res = match (method, body) {
                ("GET", _) => self.with_headers_get(url, &auth).call(),
                (m, Some(b)) => {
                    let r = if m == "PATCH" {
                        self.agent.patch(url)
                    } else {
                        self.agent.post(url)
                    };
                    r.header("Authorization", &auth)
                        .header("Accept", "application/vnd.github+json")
                        .header("X-GitHub-Api-Version", "2022-11-28")
                        .header("User-Agent", "maestro")
                        .content_type("application/json")
                        .send(b)
                }
                _ => unreachable!("POST and PATCH carry a body"),
            };
            let last = attempt == 4;
            match res {
                Err(e) if last => {
                    return Err(infra(format!(
                        "GitHub API {method} {}: {e}",
                        self.path(url)
                    )))
                }
                Err(_) => {}
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let header = |k: &str| {
                        resp.headers()
                            .get(k)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string)
                    };
                    let retry_after = header("retry-after").and_then(|s| s.parse::<u64>().ok());
                    let exhausted = header("x-ratelimit-remaining").as_deref() == Some("0");
                    let text = resp.into_body().read_to_string().unwrap_or_default();
                    let limited = status == 429
                        || (status == 403
                            && (retry_after.is_some() || exhausted || text.contains("rate limit")));
                    if (status >= 500 || limited) && !last {
                        if let Some(s) = retry_after {
                            wait = Duration::from_secs(s.min(60)).max(self.backoff);
                        }
                    } else {
                        return Ok((status, text));
                    }
                }
            }
            std::thread::sleep(wait);
            wait *= 2;
        }
        unreachable!("the last attempt returns")
    }

    fn with_headers_get(
        &self,
        url: &str,
        auth: &str,
    ) -> ureq::RequestBuilder<ureq::typestate::WithoutBody> {
        self.agent
            .get(url)
            .header("Authorization", auth)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header("User-Agent", "maestro")
    }

    /// The URL without the host, for messages.
    fn path<'u>(&self, url: &'u str) -> &'u str {
        url.strip_prefix(&self.t.api).unwrap_or(url)
    }

    /// `Ok` for 2xx; a refusal in words naming the permission.
    fn check(&self, what: &str, url: &str, status: u16, body: &str) -> Result<()> {
        if (200..300).contains(&status) {
            return Ok(());
        }
        let msg = serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or_default();
        let hint = match status {
            401 => " (the token is not valid)",
            403 | 404 => {
                " (the token needs `pull-requests: write` on this repository: in a workflow, `permissions: pull-requests: write`)"
            }
            _ => "",
        };
        Err(infra(format!(
            "GitHub API: {what} ({}) answered {status}{}{hint}",
            self.path(url),
            if msg.is_empty() {
                String::new()
            } else {
                format!(": {}", crate::output::safe::one_line(&msg))
            }
        )))
    }
}

/// Edits the comment carrying the marker, or creates one. `backoff` is the
/// first wait between retries (a second in use).
pub fn post(t: &Target, body: &str, backoff: Duration) -> Result<Posted> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into();
    let c = Client { agent, t, backoff };
    let base = format!("{}/repos/{}/issues", t.api, t.repo);
    let mut found = None;
    // Our comment is usually near the start; a PR with thousands of
    // comments is read page by page up to 30 pages.
    for page in 1..=30 {
        let url = format!("{base}/{}/comments?per_page=100&page={page}", t.pr);
        let (status, text) = c.send("GET", &url, None)?;
        c.check("listing the pull request's comments", &url, status, &text)?;
        let list: Vec<Value> = serde_json::from_str(&text)
            .map_err(|e| infra(format!("GitHub API: comments are not JSON: {e}")))?;
        found = list
            .iter()
            .find(|x| x["body"].as_str().is_some_and(|b| b.contains(MARKER)))
            .and_then(|x| x["id"].as_u64());
        if found.is_some() || list.len() < 100 {
            break;
        }
    }
    let payload = serde_json::json!({ "body": body }).to_string();
    match found {
        Some(id) => {
            let url = format!("{base}/comments/{id}");
            let (status, text) = c.send("PATCH", &url, Some(&payload))?;
            c.check("editing the comment", &url, status, &text)?;
            Ok(Posted::Updated(id))
        }
        None => {
            let url = format!("{base}/{}/comments", t.pr);
            let (status, text) = c.send("POST", &url, Some(&payload))?;
            c.check("creating the comment", &url, status, &text)?;
            let id = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["id"].as_u64())
                .unwrap_or(0);
            Ok(Posted::Created(id))
        }
    }
}
