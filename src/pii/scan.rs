//! Scanning files: walk (gitignore-aware, in parallel), skip and list what
//! cannot be scanned, run the value and flow detectors, apply inline
//! `maestro:allow` comments and the policy, and fingerprint every finding.

use super::class::{FileClass, Treatment};
use super::flows::{self, Lang, Unparsed};
use super::lexicon::Data;
use super::policy::Policy;
use super::values::{self, Entity};
use super::{redact, Action, Finding, Kind, Skipped};
use crate::git::Changed;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The default parse budget: 10 million parser operations, a few seconds on
/// a 2-core CI runner for the worst files seen (minified bundles).
pub const PARSE_BUDGET: u64 = 100_000;

/// How to scan.
pub struct Settings {
    /// Rules, excludes and options.
    pub policy: Policy,
    /// Parse budget per file, in parser progress checks (each about 100
    /// parse operations): a file that needs more is scanned for values only.
    pub parse_budget: u64,
    /// Only these lines count (diff mode).
    pub changed: Option<Changed>,
    /// Run the value detectors.
    pub values: bool,
    /// Run the flow detectors.
    pub flows: bool,
}

impl Settings {
    /// Both detector families, the policy's options, the default parse budget.
    pub fn new(policy: Policy) -> Settings {
        Settings {
            policy,
            parse_budget: PARSE_BUDGET,
            changed: None,
            values: true,
            flows: true,
        }
    }
}

/// What a scan found.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    /// Findings, by path and line.
    pub findings: Vec<Finding>,
    /// Files not (fully) scanned, with the reason.
    pub skipped: Vec<Skipped>,
    /// Files scanned.
    pub files: usize,
    /// Bytes scanned.
    pub bytes: u64,
    /// Value candidates under `min_confidence` (counted, not listed).
    pub below_threshold: usize,
    /// Findings suppressed by a `maestro:allow` comment with a reason.
    pub allowed: usize,
    /// Findings whose rule the policy turns off.
    pub off: usize,
    /// Findings a file class's defaults leave out (sample values in tests
    /// and docs, serials in certificate bundles, hashes in lockfiles).
    pub by_file_class: usize,
    /// Files scanned, by file class.
    pub classes: BTreeMap<FileClass, usize>,
}

/// Whether `rule` is covered by an allow comment's rule spec.
fn allow_covers(spec: &str, rule: &str) -> bool {
    spec == "*"
        || spec == rule
        || (spec.ends_with('/') && rule.starts_with(spec))
        || rule.ends_with(&format!("/{spec}"))
}

/// `maestro:allow <rule> -- <reason>` on a line: (rule, reason).
fn allow_comment(line: &str) -> Option<(String, Option<String>)> {
    let i = line.find("maestro:allow")?;
    let rest = line[i + "maestro:allow".len()..].trim();
    let (rule, reason) = match rest.split_once("--") {
        Some((r, why)) => (
            r.trim(),
            Some(why.trim().trim_end_matches("*/").trim().to_string()),
        ),
        None => (rest.split_whitespace().next().unwrap_or(""), None),
    };
    let reason = reason.filter(|r| !r.is_empty());
    Some((
        rule.split_whitespace().next().unwrap_or("*").to_string(),
        reason,
    ))
}

/// Block for a blocking kind of value at or above `block`, else warn; and
/// why, in words (for `explain`).
fn value_action(e: Entity, test: bool, confidence: f64, block: f64) -> (Action, String) {
    if matches!(e, Entity::Email | Entity::Phone | Entity::IpAddress) {
        let why = format!(
            "{} values warn: alone they rarely identify a person",
            e.name()
        );
        return (Action::Warn, why);
    }
    if test {
        return (Action::Warn, "a published sample value warns".into());
    }
    threshold_action(confidence, block)
}

/// Block at or above `block`, and the comparison in words.
fn threshold_action(confidence: f64, block: f64) -> (Action, String) {
    let blocks = confidence >= block;
    let why = format!(
        "confidence {confidence:.2} {} the block threshold {block:.2}",
        if blocks { "reaches" } else { "is below" }
    );
    (if blocks { Action::Block } else { Action::Warn }, why)
}

fn flow_reason(f: &flows::Flow) -> String {
    let what = format!("{}: {}", f.data.category(), f.data.name());
    match &f.via {
        Some((var, line)) => format!(
            "`{var}` holds `{}` ({what}, assigned on line {line}) and is passed to `{}`; {}",
            f.source,
            f.sink_name,
            f.sink.why()
        ),
        None => format!(
            "`{}` ({what}) is passed to `{}`; {}",
            f.source,
            f.sink_name,
            f.sink.why()
        ),
    }
}

/// A flow's confidence and what it rests on, in words.
fn flow_score(f: &flows::Flow) -> (f64, &'static str) {
    if f.on_person {
        (
            0.9,
            "a personal field of a person-like object reaches a sink",
        )
    } else if f.data == Data::Credential && !super::lexicon::weak_credential(&f.source) {
        (0.8, "a credential reaches a sink")
    } else if f.data == Data::Credential {
        (0.6, "a `token` with no word that makes it an authentication token (it may be an object's id) reaches a sink")
    } else {
        (
            0.6,
            "a personal field name, not on a person-like object, reaches a sink",
        )
    }
}

/// Scans one file's text. `rel` is its path as reported.
pub fn scan_text(rel: &str, text: &str, s: &Settings, report: &mut Report) {
    let file_class = FileClass::of(rel, text);
    if s.policy.treatment(file_class) == Treatment::Off {
        return;
    }
    *report.classes.entry(file_class).or_default() += 1;
    // Rust keeps its unit tests in the code file: those lines are tests.
    let tests = std::cell::OnceCell::new();
    let class_at = |line: usize| {
        let tests = tests.get_or_init(|| match file_class {
            FileClass::Code => super::class::rust_test_lines(rel, text),
            _ => Vec::new(),
        });
        let c = if tests.iter().any(|&(a, b)| (a..=b).contains(&line)) {
            FileClass::Test
        } else {
            file_class
        };
        let effect = match s.policy.treatment(c) {
            Treatment::Code => FileClass::Code.effect(),
            _ => c.effect(),
        };
        (c, effect)
    };
    let block = s.policy.options.block_confidence;
    let opts = values::Options {
        ip_private: s.policy.options.ip_private,
        only: Vec::new(),
    };
    let lines: Vec<&str> = text.split('\n').collect();
    // Where each line starts, from the line lengths (one pass over the text).
    let line_starts: Vec<usize> = lines
        .iter()
        .scan(0, |off, l| {
            let start = *off;
            *off += l.len() + 1;
            Some(start)
        })
        .collect();
    let line_of = |off: usize| line_starts.partition_point(|&x| x <= off);
    let longest = lines.iter().map(|l| l.len()).max().unwrap_or(0);

    // Values, by line (for redaction of every snippet).
    let hits = if s.values {
        values::scan(text, &opts)
    } else {
        Vec::new()
    };
    let mut by_line: BTreeMap<usize, Vec<(usize, usize, &'static str)>> = BTreeMap::new();
    for h in &hits {
        let l = line_of(h.start);
        let ls = line_starts[l - 1];
        by_line
            .entry(l)
            .or_default()
            .push((h.start - ls, h.end - ls, h.entity.name()));
    }
    let snippet = |l: usize| -> String {
        let line = lines.get(l - 1).copied().unwrap_or("");
        redact(line, by_line.get(&l).map_or(&[][..], |v| &v[..]))
    };
    let mut raw: Vec<Finding> = Vec::new();
    for h in &hits {
        let l = line_of(h.start);
        let (class, effect) = class_at(l);
        if effect.drop_values
            || (effect.drop_test_values && h.test_value)
            || (effect.authors_emails && h.entity == Entity::Email)
        {
            report.by_file_class += 1;
            continue;
        }
        if h.confidence < s.policy.options.min_confidence {
            report.below_threshold += 1;
            continue;
        }
        let col = text[line_starts[l - 1]..h.start].chars().count() + 1;
        let (action, decided) = value_action(h.entity, h.test_value, h.confidence, block);
        raw.push(Finding {
            rule: h.entity.rule().into(),
            entity: h.entity.name().into(),
            kind: Kind::Value,
            action,
            confidence: (h.confidence * 100.0).round() / 100.0,
            reason: h.why.clone(),
            path: rel.into(),
            line: l,
            column: col,
            snippet: snippet(l),
            fingerprint: String::new(),
            file_class: class,
            test_value: h.test_value,
            steps: h.steps.clone(),
            decided: vec![decided],
        });
    }

    // Flows.
    if let Some(lang) = Lang::from_path(rel).filter(|_| s.flows) {
        if longest > 10_000 {
            report.skipped.push(Skipped {
                path: rel.into(),
                reason: format!(
                    "a line of {longest} bytes (minified?): values scanned, flows not analysed"
                ),
            });
        } else {
            match flows::scan(lang, text, s.parse_budget) {
                Ok(fl) => {
                    for f in fl {
                        let (confidence, basis) = flow_score(&f);
                        let (action, decided) = threshold_action(confidence, block);
                        raw.push(Finding {
                            rule: f.sink.rule().into(),
                            entity: f.data.name().into(),
                            kind: Kind::Flow,
                            action,
                            confidence,
                            reason: flow_reason(&f),
                            path: rel.into(),
                            line: f.line,
                            column: f.column,
                            snippet: snippet(f.line),
                            fingerprint: String::new(),
                            file_class: class_at(f.line).0,
                            test_value: false,
                            steps: vec![(basis.into(), confidence)],
                            decided: vec![decided],
                        });
                    }
                }
                Err(Unparsed::TooLong(budget)) => report.skipped.push(Skipped {
                    path: rel.into(),
                    reason: format!(
                        "parsing needed more than {budget}00 parser operations: values scanned, flows not analysed"
                    ),
                }),
                Err(Unparsed::Grammar(e)) => report.skipped.push(Skipped {
                    path: rel.into(),
                    reason: format!("no parser ({e}): values scanned, flows not analysed"),
                }),
            }
        }
    }

    // Inline allows (same line or the line above), then the policy.
    let mut out = Vec::new();
    let mut flagged_allows = std::collections::HashSet::new();
    for mut f in raw {
        let allow = [f.line, f.line.saturating_sub(1)]
            .into_iter()
            .filter(|&l| l >= 1)
            .find_map(|l| {
                allow_comment(lines.get(l - 1)?)
                    .filter(|(spec, _)| allow_covers(spec, &f.rule))
                    .map(|a| (l, a))
            });
        if let Some((l, (_, reason))) = allow {
            if reason.is_some() {
                report.allowed += 1;
                continue;
            }
            if flagged_allows.insert(l) {
                out.push(Finding {
                    rule: "pii/control/allow-without-reason".into(),
                    entity: "suppression".into(),
                    kind: Kind::Control,
                    action: Action::Warn,
                    confidence: 1.0,
                    reason: "`maestro:allow` needs a reason (`maestro:allow <rule> -- <why>`); the finding it was meant to allow still counts".into(),
                    path: rel.into(),
                    line: l,
                    column: 1,
                    snippet: snippet(l),
                    fingerprint: String::new(),
                    file_class: f.file_class,
                    test_value: false,
                    steps: Vec::new(),
                    decided: vec!["a suppression without a reason always warns".into()],
                });
            }
        }
        let (class, effect) = class_at(f.line);
        if effect.at_most_warn && f.action == Action::Block {
            f.action = Action::Warn;
            let why = format!("in {}: {}", class.place(), class.describe());
            f.reason.push_str(&format!(" ({why})"));
            f.decided.push(why);
        }
        let by_policy = s.policy.action(&f.rule, f.action);
        if by_policy != f.action {
            f.decided.push(format!(
                "the policy sets {} to {}",
                f.rule,
                by_policy.name()
            ));
        }
        f.action = by_policy;
        if f.action == Action::Off {
            report.off += 1;
            continue;
        }
        out.push(f);
    }
    if let Some(changed) = &s.changed {
        let ranges = changed.get(rel).map_or(&[][..], |v| &v[..]);
        out.retain(|f| ranges.iter().any(|&(a, b)| (a..=b).contains(&f.line)));
    }
    out.sort_by(|a, b| (a.line, a.column, &a.rule).cmp(&(b.line, b.column, &b.rule)));
    // Fingerprints: rule, path, redacted line, occurrence.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for f in &mut out {
        let key = (f.rule.clone(), f.snippet.clone());
        let n = seen.entry(key).or_insert(0);
        *n += 1;
        let mut h = Sha256::new();
        h.update(format!("{}\0{}\0{}\0{}", f.rule, f.path, f.snippet, n));
        f.fingerprint = hex::encode(&h.finalize()[..16]);
    }
    report.findings.extend(out);
}

/// Reads and scans one file, or says why it was skipped.
fn scan_file(
    p: &Path,
    rel: &str,
    meta: &std::io::Result<std::fs::Metadata>,
    max: u64,
    s: &Settings,
    on_file: &(dyn Fn(u64) + Sync),
) -> Report {
    let mut r = Report::default();
    let mut skip = |why: String| {
        r.skipped.push(Skipped {
            path: rel.to_string(),
            reason: why,
        });
    };
    let meta = match meta {
        Ok(m) => m,
        Err(e) => {
            skip(format!("unreadable: {e}"));
            return r;
        }
    };
    if meta.len() > max {
        skip(format!(
            "{} bytes, over the {max}-byte limit (options.max_file_size)",
            meta.len()
        ));
        return r;
    }
    let bytes = match std::fs::read(p) {
        Ok(b) => b,
        Err(e) => {
            skip(format!("unreadable: {e}"));
            return r;
        }
    };
    on_file(bytes.len() as u64);
    if bytes[..bytes.len().min(8192)].contains(&0) {
        skip("binary file".into());
        return r;
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            skip(format!("not valid UTF-8 (at byte {})", e.valid_up_to()));
            return r;
        }
    };
    r.files = 1;
    r.bytes = bytes.len() as u64;
    scan_text(rel, text, s, &mut r);
    r
}

/// Scans files and directories under `root`. `only` restricts the scan to
/// those paths (relative to `root`), e.g. from `--files-from` or a diff.
pub fn scan_paths(
    root: &Path,
    paths: &[PathBuf],
    only: Option<&[String]>,
    s: &Settings,
    on_file: &(dyn Fn(u64) + Sync),
) -> Report {
    let mut report = Report::default();
    let max = s.policy.max_file_size().unwrap_or(1 << 20);
    let excludes = super::policy::globset_of(&s.policy.paths.exclude).unwrap_or_default();
    let rel_of = |p: &Path| -> String {
        let r = p.strip_prefix(root).unwrap_or(p);
        r.to_string_lossy()
            .replace('\\', "/")
            .trim_start_matches("./")
            .to_string()
    };
    let mut files: Vec<PathBuf> = Vec::new();
    match only {
        Some(list) => {
            for f in list {
                let p = root.join(f);
                if p.is_file() {
                    files.push(p);
                } else {
                    report.skipped.push(Skipped {
                        path: f.clone(),
                        reason: "not a file (deleted or missing)".into(),
                    });
                }
            }
        }
        None => {
            for p in paths {
                let walker = ignore::WalkBuilder::new(p)
                    .hidden(false)
                    .filter_entry(|e| e.file_name() != ".git")
                    .build();
                for e in walker {
                    match e {
                        Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                            files.push(e.into_path())
                        }
                        Ok(_) => {}
                        Err(err) => report.skipped.push(Skipped {
                            path: p.display().to_string(),
                            reason: format!("cannot walk: {err}"),
                        }),
                    }
                }
            }
        }
    }
    files.sort();
    files.dedup();
    // Largest first, every worker taking the next file from one queue: the
    // run ends on small files on all threads, not on one thread finishing a
    // large file alone (rayon's halving leaves the large files to one).
    type Entry = (PathBuf, String, std::io::Result<std::fs::Metadata>);
    let mut files: Vec<Entry> = files
        .into_par_iter()
        .filter_map(|p| {
            let rel = rel_of(&p);
            let m = (!excludes.is_match(&rel)).then(|| std::fs::metadata(&p))?;
            Some((p, rel, m))
        })
        .collect();
    files.sort_by_key(|(_, _, m)| std::cmp::Reverse(m.as_ref().map_or(0, |m| m.len())));
    let next = AtomicUsize::new(0);
    let results: Vec<Vec<Report>> = rayon::broadcast(|_| {
        let mut out = Vec::new();
        while let Some((p, rel, meta)) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
            out.push(scan_file(p, rel, meta, max, s, on_file));
        }
        out
    });
    for r in results.into_iter().flatten() {
        report.findings.extend(r.findings);
        report.skipped.extend(r.skipped);
        report.files += r.files;
        report.bytes += r.bytes;
        report.below_threshold += r.below_threshold;
        report.allowed += r.allowed;
        report.off += r.off;
        report.by_file_class += r.by_file_class;
        for (c, n) in r.classes {
            *report.classes.entry(c).or_default() += n;
        }
    }
    report.findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule).cmp(&(&b.path, b.line, b.column, &b.rule))
    });
    report.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::new(Policy::default())
    }

    /// A file whose parse needs more than the budget is scanned for values
    /// only and listed as skipped with the reason; within it, flows count.
    #[test]
    fn a_parse_over_budget_skips_flows_with_the_reason() {
        let text: String = (0..300)
            .map(|i| format!("def f{i}(user):\n    logger.info(user.email)\n"))
            .collect::<String>()
            + "card = '4111 1111 1111 1111'\n";
        let mut s = settings();
        let mut full = Report::default();
        scan_text("a.py", &text, &s, &mut full);
        assert!(full.findings.iter().any(|f| f.rule == "pii/flow/logger"));
        assert!(full.skipped.is_empty());
        s.parse_budget = 1;
        let mut r = Report::default();
        scan_text("a.py", &text, &s, &mut r);
        assert!(
            r.findings.iter().all(|f| f.kind == Kind::Value),
            "{:?}",
            r.findings
        );
        assert!(r.findings.iter().any(|f| f.rule == "pii/value/credit-card"));
        assert_eq!(r.skipped.len(), 1);
        assert!(
            r.skipped[0]
                .reason
                .contains("more than 100 parser operations"),
            "{}",
            r.skipped[0].reason
        );
    }

    #[test]
    fn findings_have_reasons_and_never_the_value() {
        let mut r = Report::default();
        scan_text(
            "a.py",
            "logger.info(user.email)\nx = 'card 4012-8888-8888-1881'\n",
            &settings(),
            &mut r,
        );
        assert_eq!(r.findings.len(), 2, "{:?}", r.findings);
        let flow = &r.findings[0];
        assert_eq!(flow.rule, "pii/flow/logger");
        assert!(
            flow.reason.contains("`user.email`") && flow.reason.contains("logger.info"),
            "{}",
            flow.reason
        );
        let card = &r.findings[1];
        assert_eq!(card.snippet, "x = 'card [CREDIT_CARD]'");
        assert_eq!(card.action, Action::Warn, "a published test card");
        assert_ne!(flow.fingerprint, card.fingerprint);
    }

    #[test]
    fn allow_comments_need_a_reason() {
        let mut r = Report::default();
        let src = "# maestro:allow pii/flow/logger -- audited: hashed upstream\nlogger.info(user.email)\nlogger.info(user.phone)  # maestro:allow pii/flow/logger\n";
        scan_text("a.py", src, &settings(), &mut r);
        assert_eq!(r.allowed, 1);
        let rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(
            rules,
            ["pii/control/allow-without-reason", "pii/flow/logger"]
        );
    }
}
