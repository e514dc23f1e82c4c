//! SPDX 2.2 / 2.3, JSON and tag-value: packages with their versions, purl
//! external references and licences.

use super::{Component, Sbom};
use crate::error::{input, Result};
use serde_json::Value;

fn licence(v: Option<&str>) -> Vec<String> {
    v.filter(|l| !l.is_empty() && *l != "NOASSERTION" && *l != "NONE")
        .map(|l| vec![l.to_string()])
        .unwrap_or_default()
}

/// Reads an SPDX 2.x JSON document.
pub fn from_json(v: &Value, name: &str) -> Result<Sbom> {
    let version = v["spdxVersion"].as_str().unwrap_or("?").to_string();
    if !version.starts_with("SPDX-2.") {
        return Err(input(format!(
            "{name}: {version} is not supported (SPDX 2.2 and 2.3 are)"
        )));
    }
    let mut components = Vec::new();
    let mut notes = Vec::new();
    for (i, p) in v["packages"].as_array().into_iter().flatten().enumerate() {
        let Some(pname) = p["name"].as_str() else {
            notes.push(format!("{name}: package #{i} has no name; skipped"));
            continue;
        };
        let purl = p["externalRefs"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["referenceType"].as_str() == Some("purl"))
            .and_then(|r| r["referenceLocator"].as_str());
        let lic = licence(
            p["licenseConcluded"]
                .as_str()
                .or_else(|| p["licenseDeclared"].as_str()),
        );
        components.push(Component::new(pname, p["versionInfo"].as_str(), purl, lic));
    }
    Ok(Sbom {
        source: name.to_string(),
        format: "spdx-json".into(),
        spec_version: version,
        components,
        notes,
    })
}

/// Reads an SPDX 2.x tag-value document.
pub fn from_tag_value(text: &str, name: &str) -> Result<Sbom> {
    #[derive(Default)]
    struct P {
        name: String,
        version: Option<String>,
        purl: Option<String>,
        licence: Option<String>,
    }
    let mut version = String::from("?");
    let mut pkgs: Vec<P> = Vec::new();
    for l in text.lines() {
        let Some((tag, val)) = l.split_once(':') else {
            continue;
        };
        let val = val.trim();
        match tag.trim() {
            "SPDXVersion" => version = val.to_string(),
            "PackageName" => pkgs.push(P {
                name: val.to_string(),
                ..Default::default()
            }),
            "PackageVersion" => {
                if let Some(p) = pkgs.last_mut() {
                    p.version = Some(val.to_string());
                }
            }
            "ExternalRef" => {
                let f: Vec<&str> = val.split_whitespace().collect();
                if let (Some(p), ["PACKAGE-MANAGER" | "PACKAGE_MANAGER", "purl", loc, ..]) =
                    (pkgs.last_mut(), f.as_slice())
                {
                    p.purl = Some(loc.to_string());
                }
            }
            "PackageLicenseConcluded" | "PackageLicenseDeclared" => {
                if let Some(p) = pkgs.last_mut() {
                    if p.licence.is_none() && val != "NOASSERTION" && val != "NONE" {
                        p.licence = Some(val.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    if !version.starts_with("SPDX-2.") {
        return Err(input(format!(
            "{name}: SPDXVersion `{version}` is not supported (SPDX 2.2 and 2.3 are)"
        )));
    }
    Ok(Sbom {
        source: name.to_string(),
        format: "spdx-tag-value".into(),
        spec_version: version,
        components: pkgs
            .into_iter()
            .map(|p| {
                Component::new(
                    &p.name,
                    p.version.as_deref(),
                    p.purl.as_deref(),
                    p.licence.into_iter().collect(),
                )
            })
            .collect(),
        notes: Vec::new(),
    })
}
