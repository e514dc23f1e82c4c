//! `maestro cache put | get | stats | gc`.

use super::Ctx;
use crate::cache::ledger::{self, Op};
use crate::cache::ops::{self, PutOptions};
use crate::clock::Clock;
use crate::error::{input, Result, EXIT_GATE, EXIT_OK};
use crate::output::markdown::text_table;
use crate::storage::{self, Location, ObjectStore};
use clap::Subcommand;
use rand::Rng;
use std::path::PathBuf;

/// `maestro cache`.
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Archive PATHs (tar + zstd) under KEY; an existing KEY is left untouched.
    Put {
        /// Cache key, e.g. `linux-cargo-$ENV_HASH`.
        key: String,
        /// Files or directories, relative to the working directory.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Where entries live: a directory or s3://bucket/prefix [config: cache.store].
        #[arg(long, value_name = "URL")]
        store: Option<String>,
        /// zstd level, 1-22 [config: cache.level, default 3].
        #[arg(long, value_parser = clap::value_parser!(i32).range(1..=22))]
        level: Option<i32>,
        /// How long producing PATHs took, so hits can report time saved.
        #[arg(long, value_name = "SECONDS")]
        build_seconds: Option<f64>,
    },
    /// Restore KEY, else the newest entry matching each --restore-key prefix in
    /// order. Exit 0 on a hit, 1 on a miss, 2 on a rejected entry.
    Get {
        /// Cache key.
        key: String,
        /// Fallback key prefix (repeatable, tried in order).
        #[arg(long = "restore-key", value_name = "PREFIX")]
        restore_keys: Vec<String>,
        /// Directory to restore into (default: the working directory).
        #[arg(long, value_name = "DIR")]
        dest: Option<PathBuf>,
        /// Where entries live [config: cache.store].
        #[arg(long, value_name = "URL")]
        store: Option<String>,
    },
    /// Hit rate (overall and by key prefix), bytes and time saved.
    Stats,
    /// Delete old and least-recently-used entries (dry run unless --yes).
    Gc {
        /// Delete entries unused for longer than this, e.g. `7d`, `12h`.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        max_age: Option<std::time::Duration>,
        /// Keep at most this much, e.g. `10GiB`, `500MB`.
        #[arg(long, value_name = "SIZE", value_parser = crate::units::parse_size)]
        max_size: Option<u64>,
        /// Really delete.
        #[arg(long)]
        yes: bool,
        /// Where entries live [config: cache.store].
        #[arg(long, value_name = "URL")]
        store: Option<String>,
    },
}

fn parse_duration(s: &str) -> std::result::Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("`{s}`: {e} (e.g. 7d, 12h, 30m)"))
}

/// Runs a `cache` subcommand.
pub fn exec(ctx: &Ctx, cmd: CacheCommand) -> Result<i32> {
    let signing_key = std::env::var("MAESTRO_CACHE_SIGNING_KEY")
        .ok()
        .filter(|k| !k.is_empty());
    if let (Some(k), Some(_)) = (&signing_key, &ctx.out.github) {
        // maestro never prints the key; the mask covers anything else that might.
        eprintln!("{}", crate::output::github::mask(k));
    }
    let key_bytes = signing_key.as_deref().map(str::as_bytes);
    match cmd {
        CacheCommand::Put {
            key,
            paths,
            store,
            level,
            build_seconds,
        } => {
            let os = open(ctx, store.as_deref())?;
            let total: u64 = paths.iter().map(|p| tree_size(&ctx.cwd.join(p))).sum();
            let bar = ctx.out.progress(total, "archive");
            let r = ops::put(
                os.as_ref(),
                &ctx.cwd,
                &key,
                &paths,
                &PutOptions {
                    level: level.unwrap_or(ctx.cfg().cache.level),
                    signing_key: key_bytes,
                    build_seconds,
                    tick: &|n| bar.inc(n),
                    now_ms: Clock::now().now_ms,
                },
            )?;
            bar.finish_and_clear();
            note(ctx, "put", &key, None, &r.outcome, r.bytes, r.millis, 0);
            let text = match r.outcome.as_str() {
                "stored" => format!(
                    "stored {key} in {}: {} paths, {} -> {} bytes, {} ms",
                    os.describe(),
                    r.entries,
                    r.total_bytes,
                    r.bytes,
                    r.millis
                ),
                _ => format!("{key} already exists in {}; left untouched", os.describe()),
            };
            ctx.out.result(&r, &text, None)?;
            Ok(EXIT_OK)
        }
        CacheCommand::Get {
            key,
            restore_keys,
            dest,
            store,
        } => {
            let os = open(ctx, store.as_deref())?;
            let dest = dest.map_or_else(|| ctx.cwd.clone(), |d| ctx.cwd.join(d));
            let bar = ctx.out.progress(0, "extract");
            let r = ops::get(
                os.as_ref(),
                &dest,
                &key,
                &restore_keys,
                key_bytes,
                &|p| match p {
                    ops::Progress::Total(n) => bar.set_length(n),
                    ops::Progress::Read(n) => bar.inc(n),
                },
            )?;
            bar.finish_and_clear();
            note(
                ctx,
                "get",
                &key,
                r.matched_key.clone(),
                &r.outcome,
                r.bytes,
                r.millis,
                r.saved_millis,
            );
            ctx.out.outputs(&[
                ("cache-hit", (r.outcome == "hit").to_string()),
                ("matched-key", r.matched_key.clone().unwrap_or_default()),
            ])?;
            let (text, code) = match r.outcome.as_str() {
                "hit" | "restore-hit" => (
                    format!(
                        "{}: restored {} ({} paths, {} bytes, {} ms)",
                        r.outcome,
                        r.matched_key.as_deref().unwrap_or(""),
                        r.entries,
                        r.bytes,
                        r.millis
                    ),
                    EXIT_OK,
                ),
                "rejected" => {
                    let why = r.error.clone().unwrap_or_default();
                    ctx.out.result(&r, &format!("rejected: {why}"), None)?;
                    return Err(input(why));
                }
                _ => (format!("miss: no entry for {key}"), EXIT_GATE),
            };
            ctx.out.result(&r, &text, None)?;
            Ok(code)
        }
        CacheCommand::Stats => {
            let s = ctx.read_state(|st| ledger::stats(st.conn()))?;
            ctx.out.result(&s, &stats_text(&s), None)?;
            Ok(EXIT_OK)
        }
        CacheCommand::Gc {
            max_age,
            max_size,
            yes,
            store,
        } => {
            if max_age.is_none() && max_size.is_none() {
                return Err(input("cache gc: give --max-age and/or --max-size"));
            }
            let os = open(ctx, store.as_deref())?;
            let hits = ctx.read_state(|st| ledger::last_hits(st.conn()))?;
            let last_hit = |k: &str| hits.get(k).copied();
            let plan = ops::gc(
                os.as_ref(),
                Clock::now().now_ms,
                max_age.map(|d| d.as_millis() as i64),
                max_size,
                &last_hit,
                yes,
            )?;
            let rows: Vec<Vec<String>> = plan
                .iter()
                .filter(|e| e.delete)
                .map(|e| {
                    vec![
                        e.key.clone(),
                        e.bytes.to_string(),
                        e.reason.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            let freed: u64 = plan.iter().filter(|e| e.delete).map(|e| e.bytes).sum();
            let verb = if yes {
                "deleted"
            } else {
                "would delete (dry run; --yes to delete)"
            };
            let text = format!(
                "{}{verb} {} of {} entries, {freed} bytes",
                if rows.is_empty() {
                    String::new()
                } else {
                    text_table(&["KEY", "BYTES", "REASON"], &rows)
                },
                rows.len(),
                plan.len()
            );
            ctx.out.result(&plan, &text, None)?;
            Ok(EXIT_OK)
        }
    }
}

/// The cache's object store: `--store`, else `cache.store`.
fn open(ctx: &Ctx, flag: Option<&str>) -> Result<Box<dyn ObjectStore>> {
    let loc = flag.unwrap_or(&ctx.cfg().cache.store);
    storage::open(&Location::parse(loc, "cache store")?, &ctx.cwd)
}

/// Records an operation in the state. A cache hit stays a hit when the
/// state cannot be written: the failure is a warning.
#[allow(clippy::too_many_arguments)]
fn note(
    ctx: &Ctx,
    op: &'static str,
    key: &str,
    matched_key: Option<String>,
    outcome: &str,
    bytes: u64,
    millis: u64,
    saved_millis: u64,
) {
    let rec = Op {
        id: format!("{:016x}", rand::thread_rng().gen::<u64>()),
        at_ms: Clock::now().now_ms,
        op,
        key: key.to_string(),
        matched_key,
        outcome: outcome.to_string(),
        bytes,
        millis,
        saved_millis,
    };
    if let Err(e) = ctx.write_state(|s| ledger::record(s, &rec)) {
        ctx.out.warn(&format!(
            "cache {op}: not recorded in the state: {}",
            crate::error::one_line(&e)
        ));
    }
}

fn tree_size(p: &std::path::Path) -> u64 {
    walkdir::WalkDir::new(p)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

fn stats_text(s: &ledger::Stats) -> String {
    let row = |name: &str, r: &ledger::Rates| {
        vec![
            name.to_string(),
            r.gets.to_string(),
            r.hits.to_string(),
            r.restore_hits.to_string(),
            r.misses.to_string(),
            r.rejected.to_string(),
            format!("{:.1}%", r.hit_rate * 100.0),
        ]
    };
    let mut rows = vec![row("(all)", &s.overall)];
    rows.extend(s.by_prefix.iter().map(|(p, r)| row(p, r)));
    format!(
        "{}puts: {} stored, {} already present; {} bytes uploaded, {} bytes restored; {:.1}s of build time saved",
        text_table(&["PREFIX", "GETS", "HITS", "RESTORE", "MISS", "REJECTED", "HIT RATE"], &rows),
        s.puts_stored,
        s.puts_existing,
        s.bytes_uploaded,
        s.bytes_restored,
        s.seconds_saved
    )
}
