//! `scale observe`: what KEDA's redis scaler would see for a BullMQ queue,
//! read from the real keys of a running redis.
//!
//! BullMQ (v4–v6) keeps, under `<prefix>:<queue>:`, the waiting job ids in
//! the list `wait` (new jobs pushed on the left, workers take from the
//! right), prioritized ones in the sorted set `prioritized` (score =
//! priority × 2³² + insertion counter), those of a paused queue in `paused`
//! (before v6), running ones in `active` and future ones in `delayed`; each
//! job is a hash `<prefix>:<queue>:<id>` whose `timestamp` (ms) and `delay`
//! (ms) say since when it may run. Ages are measured against the redis
//! server's clock (`TIME`), so a skewed runner clock does not matter.

use crate::error::{infra, input, Result};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Prioritized entries read at most to find the oldest.
pub const MAX_SCAN: isize = 100_000;

/// What the queue looks like now.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observation {
    /// The queue.
    pub queue: String,
    /// Jobs in `wait`.
    pub wait: u64,
    /// Jobs in `prioritized`.
    pub prioritized: u64,
    /// Jobs in `paused` (BullMQ before v6).
    pub paused_jobs: u64,
    /// Jobs running.
    pub active: u64,
    /// Jobs scheduled for later.
    pub delayed: u64,
    /// The queue is paused (`meta.paused`).
    pub paused: bool,
    /// wait + prioritized: what the manifest's scaler targets.
    pub waiting: u64,
    /// Seconds the job workers take next from `wait` has been waiting (with
    /// FIFO jobs, BullMQ's default, the oldest in `wait`).
    pub next_wait_age_s: Option<f64>,
    /// Seconds the oldest prioritized job has been waiting (among the first
    /// [`MAX_SCAN`] by priority).
    pub oldest_prioritized_age_s: Option<f64>,
    /// The larger of the two.
    pub oldest_age_s: Option<f64>,
    /// The redis server's time, Unix ms.
    pub server_time_ms: i64,
}

/// The URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            let user = cred.split(':').next().unwrap_or("");
            let shown = if cred.contains(':') {
                format!("{user}:***")
            } else {
                "***".into()
            };
            format!("{}{}{}", &url[..s + 3], shown, &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Connects, retrying until `timeout` has passed.
fn connect(url: &str, timeout: Duration) -> Result<redis::Connection> {
    let shown = crate::output::safe::one_line(&redact(url)).into_owned();
    let client = redis::Client::open(url)
        .map_err(|e| input(format!("--redis `{shown}`: not a redis URL: {e}")))?;
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(infra(format!(
                "redis at {shown} unreachable for {} s: {}",
                timeout.as_secs_f64(),
                crate::output::safe::one_line(&last)
            )));
        }
        match client.get_connection_with_timeout(left) {
            Ok(c) => {
                c.set_read_timeout(Some(left.max(Duration::from_millis(100))))
                    .map_err(|e| infra(format!("redis at {shown}: {e}")))?;
                c.set_write_timeout(Some(left.max(Duration::from_millis(100))))
                    .map_err(|e| infra(format!("redis at {shown}: {e}")))?;
                return Ok(c);
            }
            Err(e) if e.kind() == redis::ErrorKind::AuthenticationFailed => {
                return Err(input(format!(
                    "redis at {shown} refused the credentials: {}",
                    crate::output::safe::one_line(&e.to_string())
                )))
            }
            Err(e) => {
                last = e.to_string();
                std::thread::sleep(left.min(Duration::from_millis(200)));
            }
        }
    }
}

fn failed(e: redis::RedisError) -> anyhow::Error {
    let m = crate::output::safe::one_line(&e.to_string()).into_owned();
    if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
        infra(format!("redis: {m}"))
    } else {
        input(format!("redis: {m}"))
    }
}

/// When the job `id` became ready to run (timestamp + delay, ms), if known.
fn ready_at(con: &mut redis::Connection, base: &str, id: &str) -> Result<Option<f64>> {
    let (ts, delay): (Option<String>, Option<String>) = redis::cmd("HMGET")
        .arg(format!("{base}{id}"))
        .arg("timestamp")
        .arg("delay")
        .query(con)
        .map_err(failed)?;
    let num = |s: Option<String>| s.and_then(|s| s.parse::<f64>().ok());
    Ok(num(ts).map(|t| t + num(delay).unwrap_or(0.0)))
}

/// Reads the queue's keys.
pub fn observe(url: &str, prefix: &str, queue: &str, timeout: Duration) -> Result<Observation> {
    let mut con = connect(url, timeout)?;
    let base = format!("{prefix}:{queue}:");
    let k = |s: &str| format!("{base}{s}");
    let (time, wait, prioritized, paused_jobs, active, delayed, paused): (
        Vec<String>,
        u64,
        u64,
        u64,
        u64,
        u64,
        Option<String>,
    ) = redis::pipe()
        .cmd("TIME")
        .cmd("LLEN")
        .arg(k("wait"))
        .cmd("ZCARD")
        .arg(k("prioritized"))
        .cmd("LLEN")
        .arg(k("paused"))
        .cmd("LLEN")
        .arg(k("active"))
        .cmd("ZCARD")
        .arg(k("delayed"))
        .cmd("HGET")
        .arg(k("meta"))
        .arg("paused")
        .query(&mut con)
        .map_err(failed)?;
    let secs: i64 = time.first().and_then(|s| s.parse().ok()).unwrap_or(0);
    let micros: i64 = time.get(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let now_ms = secs * 1000 + micros / 1000;
    let age = |ready: f64| ((now_ms as f64 - ready) / 1000.0).max(0.0);
    // The right end of `wait` is taken next; BullMQ 5 may leave a "0:…"
    // marker there.
    let tail: Vec<String> = redis::cmd("LRANGE")
        .arg(k("wait"))
        .arg(-2)
        .arg(-1)
        .query(&mut con)
        .map_err(failed)?;
    let next = tail.iter().rev().find(|id| !id.starts_with("0:"));
    let next_wait_age_s = match next {
        Some(id) => ready_at(&mut con, &base, id)?.map(age),
        None => None,
    };
    let mut oldest_prioritized: Option<f64> = None;
    if prioritized > 0 {
        let entries: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(k("prioritized"))
            .arg(0)
            .arg(MAX_SCAN - 1)
            .arg("WITHSCORES")
            .query(&mut con)
            .map_err(failed)?;
        // The lowest insertion counter (score mod 2³²) was added first.
        if let Some((id, _)) = entries
            .iter()
            .min_by(|a, b| (a.1 % 4_294_967_296.0).total_cmp(&(b.1 % 4_294_967_296.0)))
        {
            oldest_prioritized = ready_at(&mut con, &base, id)?.map(age);
        }
    }
    let oldest_age_s = match (next_wait_age_s, oldest_prioritized) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    Ok(Observation {
        queue: queue.to_string(),
        wait,
        prioritized,
        paused_jobs,
        active,
        delayed,
        paused: paused.is_some_and(|p| p != "0"),
        waiting: wait + prioritized,
        next_wait_age_s,
        oldest_prioritized_age_s: oldest_prioritized,
        oldest_age_s,
        server_time_ms: now_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("redis://user:s3cret@host:6379/0"),
            "redis://user:***@host:6379/0"
        );
        assert_eq!(redact("rediss://tok@host"), "rediss://***@host");
        assert_eq!(redact("redis://host:6379"), "redis://host:6379");
    }

    #[test]
    fn an_unreachable_redis_is_an_infrastructure_error_within_the_timeout() {
        // A port nothing listens on: bind one, then close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let t0 = Instant::now();
        let err = observe(
            &format!("redis://127.0.0.1:{port}"),
            "bull",
            "q",
            Duration::from_millis(600),
        )
        .unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 3, "{err}");
        assert!(err.to_string().contains("unreachable"), "{err}");
        assert!(t0.elapsed() < Duration::from_secs(3));
        let bad = observe("http://x", "bull", "q", Duration::from_millis(100)).unwrap_err();
        assert_eq!(crate::error::exit_code(&bad), 2, "{bad}");
    }
}
