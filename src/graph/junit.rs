//! JUnit XML as test runners write it (pytest, Maven Surefire, Gradle, Jest,
//! go-junit-report, cargo-nextest): `testsuites` › `testsuite` (nested or
//! not) › `testcase` with `failure`, `error` or `skipped`. Flaky reruns are
//! read in both forms runners use: Surefire's `flakyFailure`/`flakyError`
//! (passed on a rerun) and `rerunFailure`/`rerunError` (failed every rerun),
//! and the same test listed once per attempt.

use crate::error::{input, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use serde::Serialize;
use std::collections::BTreeMap;

/// What became of a test in one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Passed on the first attempt.
    Passed,
    /// Skipped.
    Skipped,
    /// Failed, then passed on a rerun.
    Flaky,
    /// Failed (or errored) on every attempt.
    Failed,
}

impl Outcome {
    /// The word stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Skipped => "skipped",
            Outcome::Flaky => "flaky",
            Outcome::Failed => "failed",
        }
    }

    /// The stored word back.
    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Passed,
            Outcome::Skipped,
            Outcome::Flaky,
            Outcome::Failed,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// One test's result in a report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestResult {
    /// The class or suite that holds it.
    pub suite: String,
    /// The test's name.
    pub name: String,
    /// The source file, when the runner names it.
    pub file: Option<String>,
    /// What became of it.
    pub outcome: Outcome,
    /// Attempts seen (reruns count).
    pub attempts: u32,
    /// The first line of the last failure's message.
    pub message: Option<String>,
}

/// The attributes of `e` that maestro reads.
fn attr(e: &BytesStart, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// An attempt's result as the elements inside a `testcase` tell it.
#[derive(Default)]
struct Case {
    suite: String,
    name: String,
    file: Option<String>,
    failed: bool,
    skipped: bool,
    reruns_failed: u32,
    reruns_flaky: u32,
    message: Option<String>,
}

/// Reads a JUnit XML report; `name` is the file's name for errors.
pub fn parse(text: &str, name: &str) -> Result<Vec<TestResult>> {
    let mut r = Reader::from_str(text);
    r.config_mut().check_end_names = true;
    // Positions are byte offsets, not always on a character's boundary.
    let line_at = |pos: u64| {
        let end = (pos as usize).min(text.len());
        text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    };
    let mut suites: Vec<String> = Vec::new();
    let mut open: Vec<(String, u64)> = Vec::new();
    let mut case: Option<Case> = None;
    let mut seen_root = false;
    // (suite, name) → results of each attempt in document order.
    let mut found: BTreeMap<(String, String), Vec<Case>> = BTreeMap::new();
    loop {
        let pos = r.buffer_position();
        let ev = r.read_event().map_err(|e| {
            input(format!(
                "{name}: line {}: not well-formed XML ({e})",
                line_at(r.error_position())
            ))
        })?;
        let (start, empty) = match &ev {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let tag = e.local_name().as_ref().to_owned();
            if !seen_root {
                if tag != "testsuites" && tag != "testsuite" {
                    return Err(input(format!(
                        "{name}: line {}: <{}> is not a JUnit report (want <testsuites> or <testsuite>)",
                        line_at(pos),
                        crate::output::safe::one_line(&tag)
                    )));
                }
                seen_root = true;
            }
            match tag.as_str() {
                "testsuite" => suites.push(attr(&e, "name").unwrap_or_default()),
                "testcase" => {
                    case = Some(Case {
                        suite: attr(&e, "classname")
                            .filter(|c| !c.is_empty())
                            .or_else(|| suites.last().cloned())
                            .unwrap_or_default(),
                        name: attr(&e, "name").unwrap_or_default(),
                        file: attr(&e, "file"),
                        ..Case::default()
                    })
                }
                "failure" | "error" | "skipped" | "flakyFailure" | "flakyError"
                | "rerunFailure" | "rerunError" => {
                    if let Some(c) = case.as_mut() {
                        match tag.as_str() {
                            "failure" | "error" => c.failed = true,
                            "skipped" => c.skipped = true,
                            "flakyFailure" | "flakyError" => c.reruns_flaky += 1,
                            _ => c.reruns_failed += 1,
                        }
                        if tag != "skipped" {
                            if let Some(m) = attr(&e, "message").or_else(|| attr(&e, "type")) {
                                c.message = Some(
                                    crate::output::safe::one_line(m.lines().next().unwrap_or(""))
                                        .into_owned(),
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
            if !empty {
                open.push((tag.clone(), pos));
            } else {
                close(&tag, &mut suites, &mut case, &mut found);
            }
            continue;
        }
        match ev {
            Event::End(e) => {
                let tag = e.local_name().as_ref().to_owned();
                open.pop();
                close(&tag, &mut suites, &mut case, &mut found);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some((tag, pos)) = open.last() {
        return Err(input(format!(
            "{name}: line {}: <{}> is never closed: the report is truncated",
            line_at(*pos),
            crate::output::safe::one_line(tag)
        )));
    }
    if !seen_root {
        return Err(input(format!("{name}: empty: not a JUnit report")));
    }
    Ok(found.into_values().map(merge).collect())
}

fn close(
    tag: &str,
    suites: &mut Vec<String>,
    case: &mut Option<Case>,
    found: &mut BTreeMap<(String, String), Vec<Case>>,
) {
    match tag {
        "testsuite" => {
            suites.pop();
        }
        "testcase" => {
            if let Some(c) = case.take() {
                found
                    .entry((c.suite.clone(), c.name.clone()))
                    .or_default()
                    .push(c);
            }
        }
        _ => {}
    }
}

/// One test's attempts as one result.
fn merge(attempts: Vec<Case>) -> TestResult {
    let last = attempts.last().expect("at least one attempt");
    let tries: u32 = attempts
        .iter()
        .map(|c| 1 + c.reruns_failed + c.reruns_flaky)
        .sum();
    let any_pass = attempts
        .iter()
        .any(|c| !c.failed && !c.skipped && c.reruns_failed == 0);
    let any_fail = attempts
        .iter()
        .any(|c| c.failed || c.reruns_failed > 0 || c.reruns_flaky > 0);
    let outcome = if attempts.iter().all(|c| c.skipped) {
        Outcome::Skipped
    } else if any_fail && any_pass {
        Outcome::Flaky
    } else if any_fail {
        Outcome::Failed
    } else {
        Outcome::Passed
    };
    TestResult {
        suite: last.suite.clone(),
        name: last.name.clone(),
        file: attempts.iter().find_map(|c| c.file.clone()),
        outcome,
        attempts: tries,
        message: attempts.iter().rev().find_map(|c| c.message.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="pytest">
    <testcase classname="tests.test_a" name="test_ok" time="0.01" file="tests/test_a.py"/>
    <testcase classname="tests.test_a" name="test_bad"><failure message="assert 1 == 2&#10;more">trace</failure></testcase>
    <testcase classname="tests.test_a" name="test_skip"><skipped message="later"/></testcase>
    <testcase classname="tests.test_a" name="test_retry"><failure message="timeout"/></testcase>
    <testcase classname="tests.test_a" name="test_retry"/>
  </testsuite>
  <testsuite name="surefire">
    <testcase name="flaky" classname="com.x.T"><flakyFailure message="race"/></testcase>
    <testcase name="broken" classname="com.x.T"><rerunFailure message="npe"/><rerunFailure message="npe"/><failure message="npe"/></testcase>
    <testcase name="errs"><error type="IOError"/></testcase>
  </testsuite>
</testsuites>"#;

    #[test]
    fn reads_outcomes_reruns_and_messages() {
        let got = parse(REPORT, "r.xml").unwrap();
        let by = |n: &str| got.iter().find(|t| t.name == n).unwrap();
        assert_eq!(got.len(), 7);
        assert_eq!(by("test_ok").outcome, Outcome::Passed);
        assert_eq!(by("test_ok").file.as_deref(), Some("tests/test_a.py"));
        assert_eq!(by("test_bad").outcome, Outcome::Failed);
        assert_eq!(by("test_bad").message.as_deref(), Some("assert 1 == 2"));
        assert_eq!(by("test_skip").outcome, Outcome::Skipped);
        assert_eq!(by("test_retry").outcome, Outcome::Flaky);
        assert_eq!(by("test_retry").attempts, 2);
        assert_eq!(by("flaky").outcome, Outcome::Flaky);
        assert_eq!(by("broken").outcome, Outcome::Failed);
        assert_eq!(by("broken").attempts, 3);
        assert_eq!(by("errs").outcome, Outcome::Failed);
        assert_eq!(
            by("errs").suite,
            "surefire",
            "no classname: the suite's name"
        );
        assert_eq!(by("errs").message.as_deref(), Some("IOError"));
    }

    #[test]
    fn a_truncated_report_names_the_unclosed_element() {
        let cut = &REPORT[..REPORT.find("<testcase name=\"broken\"").unwrap() + 30];
        let e = parse(cut, "r.xml").unwrap_err().to_string();
        assert!(e.starts_with("r.xml: line "), "{e}");
        assert!(e.contains("truncated") || e.contains("well-formed"), "{e}");
        let e = parse("<html><body/></html>", "r.xml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a JUnit report"), "{e}");
        let e = parse("", "r.xml").unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = parse("<testsuite><testcase></testsuite>", "r.xml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1"), "{e}");
    }

    /// Found by the fuzzer: an error position inside a byte-order mark.
    #[test]
    fn an_error_inside_a_multibyte_character_is_reported_not_a_panic() {
        let e = parse("\u{feff}*<", "r.xml").unwrap_err().to_string();
        assert!(e.starts_with("r.xml: line 1"), "{e}");
    }

    #[test]
    fn outcomes_round_trip_through_their_words() {
        for o in [
            Outcome::Passed,
            Outcome::Skipped,
            Outcome::Flaky,
            Outcome::Failed,
        ] {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
    }
}
