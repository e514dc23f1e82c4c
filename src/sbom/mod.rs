//! SBOMs: CycloneDX (JSON and XML) and SPDX 2.x (JSON and tag-value) read into
//! one component model, and the drift between two of them. Lenient where the
//! formats are messy, strict where it matters: a component without a usable
//! package URL or full version is *unscannable* and listed, never silently
//! treated as clean.

pub mod cvss;
pub mod cyclonedx;
pub mod diff;
pub mod gate;
pub mod generate;
pub mod osv;
pub mod prbody;
pub mod purl;
pub mod render;
pub mod report;
pub mod sarif;
pub mod spdx;
pub mod track;
pub mod version;
pub mod vulns;

use crate::error::{input, Result};
use purl::Purl;
use serde::Serialize;
use std::path::Path;

/// One component (package) of an SBOM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Component {
    /// Name as written in the SBOM.
    pub name: String,
    /// Version (from the purl when it has one).
    pub version: Option<String>,
    /// The package URL as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// OSV ecosystem, when the purl maps to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// Package name as the ecosystem writes it (the SBOM name otherwise).
    pub package: String,
    /// Licence ids or expressions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// Why it cannot be scanned for vulnerabilities, if it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unscannable: Option<String>,
}

impl Component {
    /// Builds a component from what an SBOM says, working out its ecosystem,
    /// package name and whether it can be scanned.
    pub fn new(
        name: &str,
        version: Option<&str>,
        purl: Option<&str>,
        licenses: Vec<String>,
    ) -> Component {
        let parsed = purl.and_then(Purl::parse);
        let version = parsed
            .as_ref()
            .and_then(|p| p.version.clone())
            .or_else(|| version.map(str::to_string))
            .filter(|v| !v.trim().is_empty());
        let ecosystem = parsed
            .as_ref()
            .and_then(|p| p.ecosystem())
            .map(str::to_string);
        let package = match (&parsed, &ecosystem) {
            (Some(p), Some(_)) => p.package_name(),
            _ => name.to_string(),
        };
        let unscannable = match (purl, &parsed, &ecosystem, &version) {
            (None, ..) => Some("no package URL (purl)".to_string()),
            (Some(p), None, ..) => Some(format!("unparseable package URL `{p}`")),
            (_, Some(p), None, _) => Some(format!("purl type `{}` has no OSV ecosystem maestro scans", p.ty)),
            (_, _, _, None) => Some("no version".to_string()),
            (_, _, Some(eco), Some(v)) => (!full_version(eco, v))
                .then(|| format!("version `{v}` is not a full {eco} version (a range or a partial version cannot be matched)")),
        };
        Component {
            name: name.to_string(),
            version,
            purl: purl.map(str::to_string),
            ecosystem,
            package,
            licenses,
            unscannable,
        }
    }
}

/// Whether `v` pins one release in `ecosystem` (not `0.14`, `^1.2`, `*`).
pub fn full_version(ecosystem: &str, v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() || v.contains(['*', '^', '~', '>', '<', ' ', ',', '|']) {
        return false;
    }
    let core = |s: &str| -> usize {
        let core = s.split(['-', '+']).next().unwrap_or("");
        let parts: Vec<&str> = core.split('.').collect();
        if parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        {
            parts.len()
        } else {
            0
        }
    };
    match ecosystem {
        "crates.io" | "npm" => core(v) == 3,
        "Go" => v.strip_prefix('v').is_some_and(|r| core(r) == 3),
        _ => v.chars().any(|c| c.is_ascii_digit()),
    }
}

/// A parsed SBOM.
#[derive(Clone, Debug, Serialize)]
pub struct Sbom {
    /// The file.
    pub source: String,
    /// `cyclonedx-json`, `cyclonedx-xml`, `spdx-json` or `spdx-tag-value`.
    pub format: String,
    /// The spec version the document declares.
    pub spec_version: String,
    /// Every component (nested ones flattened; the document's own subject excluded
    /// for CycloneDX, whose `metadata.component` is the product itself).
    pub components: Vec<Component>,
    /// Things that were ignored or odd, for the user to know.
    pub notes: Vec<String>,
}

/// Reads an SBOM file in any supported format, or a lockfile (by its file
/// name: see [`crate::lockfile::NAMES`]) as the SBOM of what it resolved,
/// with the packages only development needs when `dev`.
pub fn load(path: &Path, dev: bool) -> Result<Sbom> {
    if crate::lockfile::is_lockfile(path) {
        return Ok(from_lock(
            &crate::lockfile::read(path)?,
            &path.display().to_string(),
            dev,
        ));
    }
    parse(&read(path)?, &path.display().to_string())
}

/// A lockfile's packages as SBOM components (the project's own packages,
/// its workspace members, left out; dev ones only when `dev`).
pub fn from_lock(lock: &crate::lockfile::Lock, name: &str, dev: bool) -> Sbom {
    let mut components: Vec<Component> = lock
        .packages
        .iter()
        .filter(|p| p.local.is_none() && (dev || !p.dev))
        .map(|p| {
            let purl = Purl::for_package(p.ecosystem, &p.name, &p.version);
            Component::new(&p.name, Some(&p.version), purl.as_deref(), Vec::new())
        })
        .collect();
    components.sort_by(|a, b| {
        (&a.ecosystem, &a.package, &a.version).cmp(&(&b.ecosystem, &b.package, &b.version))
    });
    components.dedup();
    Sbom {
        source: name.to_string(),
        format: "lockfile".into(),
        spec_version: String::new(),
        components,
        notes: lock.notes.clone(),
    }
}

/// An SBOM file's text (it must be UTF-8).
pub fn read(path: &Path) -> Result<String> {
    let name = path.display();
    let bytes = std::fs::read(path).map_err(|e| input(format!("{name}: {e}")))?;
    String::from_utf8(bytes).map_err(|_| input(format!("{name}: not UTF-8 text")))
}

/// Parses SBOM text, detecting the format.
pub fn parse(text: &str, name: &str) -> Result<Sbom> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let mut sbom = if t.starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(t).map_err(|e| input(format!("{name}: malformed JSON: {e}")))?;
        if v.get("bomFormat").is_some()
            || v.get("components").is_some() && v.get("spdxVersion").is_none()
        {
            cyclonedx::from_json(&v, name)?
        } else if v.get("spdxVersion").is_some() {
            spdx::from_json(&v, name)?
        } else if v.get("@context").is_some() {
            return Err(input(format!(
                "{name}: SPDX 3.0 JSON-LD is not supported yet; export SPDX 2.3 JSON"
            )));
        } else {
            return Err(input(format!(
                "{name}: JSON, but neither CycloneDX (`bomFormat`) nor SPDX (`spdxVersion`)"
            )));
        }
    } else if t.starts_with('<') {
        cyclonedx::from_xml(t, name)?
    } else if t.lines().any(|l| l.starts_with("SPDXVersion:")) {
        spdx::from_tag_value(t, name)?
    } else {
        return Err(input(format!(
            "{name}: not an SBOM maestro reads (CycloneDX JSON/XML, SPDX 2.x JSON or tag-value)"
        )));
    };
    sbom.source = name.to_string();
    Ok(sbom)
}
