//! `maestro cache put | get | stats | gc`.

use super::Ctx;
use crate::cache::ledger::{self, Op};
use crate::cache::ops::{self, PutOptions};
use crate::cli::CacheCommand;
use crate::clock::Clock;
use crate::error::{input, Result, EXIT_GATE, EXIT_OK};
use crate::output::markdown::text_table;
use crate::storage::s3::{S3Settings, S3Store};
use crate::storage::{local::LocalDir, Location, ObjectStore};
use rand::Rng;

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
    Ok(match Location::parse(loc, "cache store")? {
        Location::Local(p) => Box::new(LocalDir::new(ctx.cwd.join(p))),
        Location::S3 { bucket, key } => {
            Box::new(S3Store::new(&bucket, &key, &S3Settings::from_env()?)?)
        }
    })
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
