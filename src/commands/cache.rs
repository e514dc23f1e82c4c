//! `maestro cache put | get | stats | gc`.

use super::Ctx;
use crate::cache::ledger::{self, Op};
use crate::cache::ops::{self, PutOptions};
use crate::cache::outcome::GetOutcome;
use crate::cache::render;
use crate::clock::Clock;
use crate::error::{input, Result, EXIT_GATE, EXIT_OK};
use crate::storage::{self, Location, ObjectStore};
use crate::units::MAX_SECONDS;
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
        /// Store an unsigned entry even in a cache that holds signed ones.
        #[arg(long)]
        allow_unsigned: bool,
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
        /// Restore unsigned entries; without a signing key, restore from a
        /// cache that holds signed entries without checking.
        #[arg(long)]
        allow_unsigned: bool,
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
    let signing_key = match std::env::var("MAESTRO_CACHE_SIGNING_KEY") {
        // A secret missing on a fork's pull request expands to exactly this.
        Ok(k) if k.trim().is_empty() => {
            return Err(input(
                "MAESTRO_CACHE_SIGNING_KEY is set but empty (a missing secret?): unset it to use the cache unsigned",
            ))
        }
        Ok(k) => Some(k),
        Err(_) => None,
    };
    if let Some(k) = &signing_key {
        // maestro never prints the key; the mask covers anything else that might.
        ctx.out.mask(k);
    }
    let key_bytes = signing_key.as_deref().map(str::as_bytes);
    match cmd {
        CacheCommand::Put {
            key,
            paths,
            store,
            level,
            build_seconds,
            allow_unsigned,
        } => {
            let os = open(ctx, store.as_deref())?;
            if let Some(s) = build_seconds.filter(|s| !(0.0..=MAX_SECONDS).contains(s)) {
                return Err(input(format!(
                    "--build-seconds {s} must be in [0, {MAX_SECONDS}]"
                )));
            }
            let bar = ctx
                .out
                .progress(ops::input_bytes(&ctx.cwd, &paths), "archive");
            let r = ops::put(
                os.as_ref(),
                &ctx.cwd,
                &key,
                &paths,
                &PutOptions {
                    level: level.unwrap_or(ctx.cfg().cache.level),
                    signing_key: key_bytes,
                    allow_unsigned,
                    build_seconds,
                    tick: &|n| bar.inc(n),
                    now_ms: Clock::now().now_ms,
                },
            )?;
            bar.finish_and_clear();
            let op = Op::put(&r);
            note(ctx, op);
            ctx.out
                .result(&r, &render::put_text(&r, &os.describe()), None)?;
            Ok(EXIT_OK)
        }
        CacheCommand::Get {
            key,
            restore_keys,
            dest,
            store,
            allow_unsigned,
        } => {
            let os = open(ctx, store.as_deref())?;
            let dest = dest.map_or_else(|| ctx.cwd.clone(), |d| ctx.cwd.join(d));
            let bar = ctx.out.progress(0, "extract");
            let r = ops::get(
                os.as_ref(),
                &dest,
                &key,
                &restore_keys,
                ops::Verify {
                    key: key_bytes,
                    allow_unsigned,
                },
                &|p| match p {
                    ops::Progress::Total(n) => bar.set_length(n),
                    ops::Progress::Read(n) => bar.inc(n),
                },
            )?;
            bar.finish_and_clear();
            note(ctx, Op::get(&r));
            ctx.out.outputs(&[
                ("cache-hit", (r.outcome == GetOutcome::Hit).to_string()),
                ("matched-key", r.matched_key.clone().unwrap_or_default()),
            ])?;
            ctx.out.result(&r, &render::get_text(&r), None)?;
            match r.outcome {
                GetOutcome::Hit | GetOutcome::RestoreHit => Ok(EXIT_OK),
                GetOutcome::Miss => Ok(EXIT_GATE),
                GetOutcome::Rejected => Err(input(r.error.clone().unwrap_or_default())),
            }
        }
        CacheCommand::Stats => {
            let s = ctx.read_state(|st| ledger::stats(st.conn()))?;
            ctx.out.result(&s, &render::stats_text(&s), None)?;
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
            ctx.out.result(&plan, &render::gc_text(&plan, yes), None)?;
            Ok(EXIT_OK)
        }
    }
}

/// The cache's object store: `--store` (against the working directory), else
/// `cache.store` (a relative path from the file or the default against the
/// project root, like the state; `file://` against the working directory).
fn open(ctx: &Ctx, flag: Option<&str>) -> Result<Box<dyn ObjectStore>> {
    let (loc, base) = match flag {
        Some(f) => (f, ctx.cwd.clone()),
        None => {
            let loc = ctx.cfg().cache.store.as_str();
            (loc, ctx.resolved.base("cache.store", loc, &ctx.cwd))
        }
    };
    storage::open(&Location::parse(loc, "cache store")?, &base)
}

/// Records an operation in the state under a fresh id. A cache hit stays a
/// hit when the state cannot be written: the failure is a warning.
fn note(ctx: &Ctx, mut op: Op) {
    op.id = format!("{:016x}", rand::thread_rng().gen::<u64>());
    op.at_ms = Clock::now().now_ms;
    if let Err(e) = ctx.write_state(|s| ledger::record(s, &op)) {
        ctx.out.warn(&format!(
            "cache {}: not recorded in the state: {}",
            op.op,
            crate::error::one_line(&e)
        ));
    }
}
