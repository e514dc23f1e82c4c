//! `maestro env-hash`.

use super::Ctx;
use crate::envhash::collect::{self, Request};
use crate::envhash::render;
use crate::error::Result;
use clap::Args;
use std::path::PathBuf;

/// `maestro env-hash`.
#[derive(Debug, Args)]
pub struct EnvHashArgs {
    /// Repository root (default: the enclosing git repository, else the working directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Add a lockfile (repeatable).
    #[arg(long = "lockfile", value_name = "PATH")]
    pub lockfiles: Vec<PathBuf>,
    /// Do not detect lockfiles in the tree.
    #[arg(long)]
    pub no_detect: bool,
    /// Hash `TOOL --version` (or a full command line, quoted) (repeatable).
    #[arg(long = "tool", value_name = "TOOL")]
    pub tools: Vec<String>,
    /// Hash an environment variable's value (repeatable).
    #[arg(long = "env", value_name = "NAME")]
    pub env: Vec<String>,
    /// Hash files matching a glob, relative to the root (repeatable).
    #[arg(long = "glob", value_name = "PATTERN")]
    pub globs: Vec<String>,
    /// List every input with its own digest.
    #[arg(long)]
    pub explain: bool,
}

/// Prints the environment hash; in Actions exports `ENV_HASH` and the
/// `env_hash` output.
pub fn exec(ctx: &Ctx, args: EnvHashArgs) -> Result<i32> {
    let cfg = &ctx.cfg().env_hash;
    let root = match args.root {
        Some(r) => ctx.cwd.join(r),
        None => collect::repo_root(&ctx.cwd),
    };
    let with_config = |flags: Vec<String>, config: &[String]| {
        let mut v = config.to_vec();
        v.extend(flags);
        v
    };
    let req = Request {
        root,
        detect: !args.no_detect,
        lockfiles: cfg
            .lockfiles
            .iter()
            .map(Into::into)
            .chain(args.lockfiles)
            .collect(),
        globs: with_config(args.globs, &cfg.globs),
        tools: with_config(args.tools, &cfg.tools),
        env: with_config(args.env, &cfg.env),
    };
    let report = collect::run(&req, &|k| std::env::var(k).ok())?;
    if report.inputs.is_empty() {
        ctx.out
            .warn("env-hash: no inputs found (no lockfiles detected and none named); the hash only marks an empty set");
    }
    let text = if args.explain {
        render::explain(&report)
    } else {
        report.env_hash.clone()
    };
    ctx.out.env(&[("ENV_HASH", report.env_hash.clone())])?;
    ctx.out.outputs(&[("env_hash", report.env_hash.clone())])?;
    ctx.out.result(&report, &text, None)?;
    Ok(0)
}
