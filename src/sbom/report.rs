//! The sbom-diff report: drift, vulnerabilities new / persisting / resolved,
//! the gate's count, upgrades, unscannable components. It is the `--json`
//! document; [`super::render`] turns it into text and markdown.

use super::gate::{self, FailOn};
use super::vulns::{Remediation, VulnDiff};
use super::{diff, track, Component, Sbom};
use serde::Serialize;

/// The JSON document.
#[derive(Serialize)]
pub struct Report<'a> {
    /// The base SBOM.
    pub base: Side<'a>,
    /// The head SBOM.
    pub head: Side<'a>,
    /// Components added, removed and changed.
    pub components: diff::Drift,
    /// Present when `--osv-db` was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<VulnDiff>,
    /// New vulnerabilities at or above --fail-on.
    pub failing: usize,
    /// Minimal upgrades that clear every advisory of each vulnerable head package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Vec<Remediation>>,
    /// Head components that cannot be scanned for vulnerabilities, and why.
    pub unscannable: Vec<&'a Component>,
    /// What the parsers noticed in either SBOM.
    pub notes: Vec<&'a String>,
    /// What `--record` changed in the state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<track::Recorded>,
}

/// One SBOM, in brief.
#[derive(Serialize)]
pub struct Side<'a> {
    /// Where it was read from.
    pub source: &'a str,
    /// CycloneDX or SPDX.
    pub format: &'a str,
    /// The spec version it declares.
    pub spec_version: &'a str,
    /// How many components it lists.
    pub components: usize,
}

impl<'a> Side<'a> {
    fn of(s: &'a Sbom) -> Side<'a> {
        Side {
            source: &s.source,
            format: &s.format,
            spec_version: &s.spec_version,
            components: s.components.len(),
        }
    }
}

/// What vulnerability matching found, when an OSV database was given.
pub struct Vulns {
    /// New, persisting and resolved findings.
    pub diff: VulnDiff,
    /// Upgrades for the head's vulnerable packages.
    pub remediation: Vec<Remediation>,
}

impl<'a> Report<'a> {
    /// The report of `base` → `head`, gated at `fail_on` (advisories without
    /// a usable score count as `unknown_as`).
    pub fn build(
        base: &'a Sbom,
        head: &'a Sbom,
        vulns: Option<Vulns>,
        fail_on: FailOn,
        unknown_as: FailOn,
        recorded: Option<track::Recorded>,
    ) -> Report<'a> {
        let (vulnerabilities, remediation) = match vulns {
            Some(v) => (Some(v.diff), Some(v.remediation)),
            None => (None, None),
        };
        let failing = vulnerabilities.as_ref().map_or(0, |v| {
            v.new
                .iter()
                .filter(|f| gate::fails(f, fail_on, unknown_as))
                .count()
        });
        Report {
            base: Side::of(base),
            head: Side::of(head),
            components: diff::drift(base, head),
            vulnerabilities,
            failing,
            remediation,
            unscannable: head
                .components
                .iter()
                .filter(|c| c.unscannable.is_some())
                .collect(),
            notes: base.notes.iter().chain(&head.notes).collect(),
            recorded,
        }
    }
}
