//! CycloneDX 1.1–1.6, JSON and XML: components (nested ones flattened),
//! purls and licences. The document's own subject (`metadata.component`) is
//! not a dependency and is left out.

use super::{Component, Sbom};
use crate::error::{input, Result};
use quick_xml::events::Event;
use serde_json::Value;

fn licences_json(c: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for l in c["licenses"].as_array().into_iter().flatten() {
        if let Some(e) = l["expression"].as_str() {
            out.push(e.to_string());
        } else if let Some(id) = l["license"]["id"]
            .as_str()
            .or_else(|| l["license"]["name"].as_str())
        {
            out.push(id.to_string());
        }
    }
    out
}

fn walk_json(list: &Value, out: &mut Vec<Component>, notes: &mut Vec<String>, name: &str) {
    for (i, c) in list.as_array().into_iter().flatten().enumerate() {
        let Some(cname) = c["name"].as_str() else {
            notes.push(format!("{name}: component #{i} has no name; skipped"));
            continue;
        };
        out.push(Component::new(
            cname,
            c["version"].as_str(),
            c["purl"].as_str(),
            licences_json(c),
        ));
        walk_json(&c["components"], out, notes, name);
    }
}

/// Reads a CycloneDX JSON document.
pub fn from_json(v: &Value, name: &str) -> Result<Sbom> {
    if v.get("bomFormat")
        .and_then(Value::as_str)
        .is_some_and(|f| f != "CycloneDX")
    {
        return Err(input(format!(
            "{name}: bomFormat is `{}`, not CycloneDX",
            v["bomFormat"]
        )));
    }
    if !v["components"].is_array() && !v["components"].is_null() {
        return Err(input(format!("{name}: `components` must be an array")));
    }
    let mut components = Vec::new();
    let mut notes = Vec::new();
    walk_json(&v["components"], &mut components, &mut notes, name);
    Ok(Sbom {
        source: name.to_string(),
        format: "cyclonedx-json".into(),
        spec_version: v["specVersion"].as_str().unwrap_or("?").to_string(),
        components,
        notes,
    })
}

/// A component being read from XML.
#[derive(Default)]
struct Partial {
    name: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    licenses: Vec<String>,
}

/// Reads a CycloneDX XML document.
pub fn from_xml(text: &str, name: &str) -> Result<Sbom> {
    let mut r = quick_xml::Reader::from_str(text);
    r.config_mut().trim_text(true);
    let mut path: Vec<String> = Vec::new();
    let mut open: Vec<(usize, Partial)> = Vec::new(); // (depth of <component>, fields)
    let mut components = Vec::new();
    let mut notes = Vec::new();
    let mut spec = String::from("?");
    let mut saw_bom = false;
    loop {
        let ev = r.read_event().map_err(|e| {
            input(format!(
                "{name}: malformed XML at byte {}: {e}",
                r.error_position()
            ))
        })?;
        match ev {
            Event::Start(e) => {
                let tag = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.is_empty() {
                    if tag != "bom" {
                        return Err(input(format!(
                            "{name}: XML root is <{tag}>, not a CycloneDX <bom>"
                        )));
                    }
                    saw_bom = true;
                    for a in e.attributes().flatten() {
                        if a.key.as_ref() == b"xmlns" {
                            let ns = String::from_utf8_lossy(&a.value).into_owned();
                            spec = ns.rsplit('/').next().unwrap_or("?").to_string();
                        }
                    }
                }
                path.push(tag.clone());
                if tag == "component" && !path.iter().any(|p| p == "metadata") {
                    open.push((path.len(), Partial::default()));
                }
            }
            Event::End(_) => {
                if let (Some(tag), Some((depth, _))) = (path.last(), open.last()) {
                    if tag == "component" && *depth == path.len() {
                        let (_, p) = open.pop().unwrap_or_default();
                        match p.name {
                            Some(n) => components.push(Component::new(
                                &n,
                                p.version.as_deref(),
                                p.purl.as_deref(),
                                p.licenses,
                            )),
                            None => {
                                notes.push(format!("{name}: a <component> without <name>; skipped"))
                            }
                        }
                    }
                }
                path.pop();
            }
            ev @ (Event::Text(_) | Event::CData(_)) => {
                let Some((depth, p)) = open.last_mut() else {
                    continue;
                };
                let val = match ev {
                    Event::Text(t) => t
                        .unescape()
                        .map_err(|e| {
                            input(format!(
                                "{name}: bad text at byte {}: {e}",
                                r.buffer_position()
                            ))
                        })?
                        .into_owned(),
                    Event::CData(c) => String::from_utf8_lossy(&c).into_owned(),
                    _ => unreachable!("matched Text or CData"),
                };
                let here = path.len();
                let tag = path.last().map(String::as_str).unwrap_or("");
                if here == *depth + 1 {
                    match tag {
                        "name" => p.name = Some(val),
                        "version" => p.version = Some(val),
                        "purl" => p.purl = Some(val),
                        _ => {}
                    }
                } else if path.get(*depth).is_some_and(|t| t == "licenses")
                    && (tag == "expression"
                        || (tag == "id" || tag == "name")
                            && path.get(here - 2).is_some_and(|t| t == "license"))
                {
                    p.licenses.push(val);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_bom {
        return Err(input(format!("{name}: no CycloneDX <bom> element")));
    }
    if !path.is_empty() {
        return Err(input(format!(
            "{name}: truncated XML (<{}> is never closed)",
            path.join("><")
        )));
    }
    Ok(Sbom {
        source: name.to_string(),
        format: "cyclonedx-xml".into(),
        spec_version: spec,
        components,
        notes,
    })
}
