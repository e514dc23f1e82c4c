//! The docs and the CLI cannot drift apart: every subcommand's `--help` runs,
//! and every `--flag` a user page names exists in the `--help` of the
//! subcommands that page documents.

use assert_cmd::Command;
use clap::CommandFactory;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every subcommand path, from the CLI definition (so new ones are covered).
fn paths() -> Vec<Vec<String>> {
    fn walk(c: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for s in c.get_subcommands() {
            let mut p = prefix.to_vec();
            p.push(s.get_name().to_string());
            out.push(p.clone());
            walk(s, &p, out);
        }
    }
    let mut out = Vec::new();
    walk(&maestro::cli::Cli::command(), &[], &mut out);
    out
}

/// The long flags a help text lists.
fn flags_in(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("--") {
        let rest = &text[i + 2..];
        let before = text[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '…') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if name.len() > 1 && name.starts_with(|c: char| c.is_ascii_lowercase()) {
            out.insert(format!("--{}", name.trim_end_matches('-')));
        }
    }
    out
}

/// `maestro PATH --help` for every subcommand: it succeeds, and its flags.
fn help_flags() -> BTreeMap<String, BTreeSet<String>> {
    let mut by_path = BTreeMap::new();
    for p in paths() {
        let out = Command::cargo_bin("maestro")
            .unwrap()
            .args(&p)
            .arg("--help")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "maestro {} --help failed",
            p.join(" ")
        );
        let text = String::from_utf8(out.stdout).unwrap();
        by_path.insert(p.join(" "), flags_in(&text));
    }
    by_path
}

#[test]
fn every_subcommand_has_help_and_the_docs_name_only_real_flags() {
    let help = help_flags();
    assert!(help.len() >= 25, "{:?}", help.keys().collect::<Vec<_>>());
    // Which subcommands each user page documents (a prefix covers its subcommands).
    let pages: &[(&str, &[&str])] = &[
        ("bench-gate.md", &["bench-gate"]),
        ("cache.md", &["cache", "env-hash"]),
        ("pii-scan.md", &["pii-scan"]),
        ("graph.md", &["graph"]),
        ("repro.md", &["repro"]),
        (
            "router.md",
            &[
                "route",
                "report",
                "arms",
                "stats",
                "replay",
                "downshift",
                "exec",
            ],
        ),
        ("risk.md", &["risk"]),
        ("exec.md", &["exec"]),
        ("pr-report.md", &["pr-report", "report"]),
        ("slo.md", &["slo"]),
        ("scale.md", &["scale"]),
        ("evolve.md", &["evolve", "arms", "route", "exec"]),
        ("sbom.md", &["sbom-diff", "sbom", "bump"]),
        ("kpi.md", &["kpi", "report", "exec", "sbom-diff", "bump"]),
        ("configuration.md", &[""]),
        ("exit-codes.md", &[""]),
        ("github-actions.md", &[""]),
        ("state.md", &[""]),
        ("storage.md", &[""]),
        ("architecture.md", &[""]),
        ("guide.md", &[""]),
        ("../README.md", &[""]),
    ];
    // Flags of other programs that the pages quote on purpose.
    let foreign: &[&str] = &[
        "--export-json",           // hyperfine
        "--benchmark_format",      // google-benchmark
        "--output-format",         // criterion's libtest output
        "--save-baseline",         // criterion
        "--baseline",              // criterion (and pii-scan's own)
        "--benchmark-json",        // pytest-benchmark
        "--show-toplevel",         // git
        "--end-of-options",        // git
        "--no-deps",               // pip
        "--unified",               // git diff
        "--benchmark_repetitions", // google-benchmark
        "--bench",                 // cargo bench
        "--example",               // cargo run
        "--test",                  // cargo test
        "--nocapture",             // cargo test
        "--include-ignored",       // cargo test
        "--lib",                   // cargo test
        "--test-threads",          // cargo test
        "--release",               // cargo
        "--locked",                // cargo
        "--frozen",                // cargo
        "--path",                  // cargo install
        "--check",                 // sha256sum
        "--ignore-missing",        // sha256sum
        "--first-parent",          // git log
        "--name-status",           // git log
        "--no-renames",            // git log
        "--numstat",               // git log
        "--use-mailmap",           // git log
        "--show-prefix",           // git rev-parse
        "--junitxml",              // pytest
        "--prepare",               // hyperfine
        "--maestro",               // scripts/eval/pii_*.py
        "--tree",                  // scripts/eval/pii_*.py
        "--labels",                // scripts/eval/pii_precision.py
        "--precise",               // cargo update (bump's commands)
        "--package",               // cargo add
        "--build",                 // cargo add
        "--dev",                   // cargo add, uv add
        "--package-lock-only",     // npm
        "--upgrade-package",       // uv lock
        "--no-sync",               // uv add
        "--check",                 // uv lock
        "--lock",                  // poetry
        "--depth",                 // pnpm update
        "--lockfile-only",         // pnpm
        "--mode",                  // yarn
        "--update",                // bundle lock
        "--conservative",          // bundle lock
        "--with-dependencies",     // composer update
        "--no-install",            // composer update
        "--no-update",             // composer require
        "--all-groups",            // uv export
        "--all-extras",            // uv export
    ];
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut missing = Vec::new();
    for (page, prefixes) in pages {
        let text = std::fs::read_to_string(docs.join(page)).unwrap();
        let known: BTreeSet<&String> = help
            .iter()
            .filter(|(p, _)| prefixes.iter().any(|pre| p.starts_with(pre)))
            .flat_map(|(_, f)| f)
            .collect();
        for f in flags_in(&text) {
            if !known.contains(&f) && !foreign.contains(&f.as_str()) {
                missing.push(format!("{page}: {f}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "flags in docs that no documented subcommand has: {missing:#?}"
    );
}

#[test]
fn format_means_the_output_format_everywhere() {
    let help = help_flags();
    for (path, flags) in &help {
        assert!(flags.contains("--format"), "{path} has no --format");
        assert!(
            !flags.contains("--markdown") && !flags.contains("--plot"),
            "{path}: files are written by --…-out flags"
        );
    }
    assert!(help["bench-gate"].contains("--input-format"));
    assert!(help["bench-gate"].contains("--markdown-out"));
}

#[test]
fn man_writes_a_page_for_every_subcommand() {
    let help = help_flags();
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_maestro"))
        .args(["man", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for path in help.keys().filter(|p| !p.is_empty()) {
        let page = dir
            .path()
            .join(format!("maestro-{}.1", path.replace(' ', "-")));
        let text =
            std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        assert!(text.contains(".TH maestro-"), "{}", page.display());
    }
}

/// Every setting `config show` knows is in docs/configuration.md with its
/// environment variable and the default the binary really has.
#[test]
fn configuration_md_lists_every_key_its_env_var_and_its_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("maestro.toml"), "").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_maestro"))
        .args(["--json", "config", "show"])
        .current_dir(dir.path())
        .env_remove("MAESTRO_STATE")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .unwrap();
    let mut checked = 0;
    for entry in v["values"].as_array().unwrap() {
        let key = entry["key"].as_str().unwrap();
        if key == "arms" {
            continue;
        }
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{key}` |")))
            .unwrap_or_else(|| panic!("configuration.md has no row for `{key}`"));
        let cols: Vec<&str> = row.split(" | ").collect();
        let env = format!("MAESTRO_{}", key.replace('.', "_").to_uppercase());
        assert!(
            cols[1].contains(&format!("`{env}`")),
            "{key}: env column {:?}",
            cols[1]
        );
        let documented = cols[2].trim();
        let value = &entry["value"];
        let ok = match value {
            serde_json::Value::Null => {
                ["—", "none", "random"].contains(&documented) || documented.starts_with('(')
            }
            serde_json::Value::Number(n) => documented.parse::<f64>().ok() == n.as_f64(),
            serde_json::Value::String(s) => documented == format!("`{s}`"),
            other => documented == format!("`{other}`"),
        };
        assert!(
            ok,
            "{key}: configuration.md says {documented}, the binary's default is {value}"
        );
        checked += 1;
    }
    assert!(checked >= 20, "{checked} keys");
}

/// The other direction: every flag of every subcommand is documented
/// somewhere in README.md or docs/ (its `--help` is the reference; the pages
/// say what the flag is for).
#[test]
fn every_flag_is_documented() {
    let help = help_flags();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(root.join("README.md")).unwrap();
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            text += &std::fs::read_to_string(p).unwrap();
        }
    }
    let documented = flags_in(&text);
    let global = [
        "--help",
        "--version",
        "--format",
        "--json",
        "--state",
        "--config",
        "--quiet",
        "--verbose",
    ];
    let mut missing: Vec<String> = help
        .iter()
        .flat_map(|(path, flags)| {
            flags
                .iter()
                .filter(|f| !global.contains(&f.as_str()) && !documented.contains(*f))
                .map(move |f| format!("{path}: {f}"))
        })
        .collect();
    missing.sort();
    assert!(missing.is_empty(), "undocumented flags: {missing:#?}");
}
