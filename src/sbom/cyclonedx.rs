//! CycloneDX 1.1–1.6, JSON and XML: components (nested ones flattened),
//! purls and licences. The document's own subject (`metadata.component`) is
//! not a dependency and is left out.

use super::{Component, Sbom};
use crate::error::{input, Result};
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::Event;
use quick_xml::XmlVersion;
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

/// Stores the text of the element that just closed (`path`'s last) in the
/// component open at `depth`, when it is one of the fields maestro reads.
fn take_text(path: &[String], depth: usize, p: &mut Partial, val: &str) {
    if val.is_empty() {
        return;
    }
    let here = path.len();
    let tag = path.last().map(String::as_str).unwrap_or("");
    if here == depth + 1 {
        match tag {
            "name" => p.name = Some(val.to_owned()),
            "version" => p.version = Some(val.to_owned()),
            "purl" => p.purl = Some(val.to_owned()),
            _ => {}
        }
    } else if path.get(depth).is_some_and(|t| t == "licenses")
        && (tag == "expression"
            || (tag == "id" || tag == "name") && path.get(here - 2).is_some_and(|t| t == "license"))
    {
        p.licenses.push(val.to_owned());
    }
}

/// Reads a CycloneDX XML document.
pub fn from_xml(text: &str, name: &str) -> Result<Sbom> {
    let mut r = quick_xml::Reader::from_str(text);
    let mut text = String::new();
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
                let tag = e.local_name().as_ref().to_owned();
                if path.is_empty() {
                    if tag != "bom" {
                        return Err(input(format!(
                            "{name}: XML root is <{tag}>, not a CycloneDX <bom>"
                        )));
                    }
                    saw_bom = true;
                    for a in e.attributes().flatten() {
                        if a.key.as_ref() == "xmlns" {
                            let ns = a.value.to_string();
                            spec = ns.rsplit('/').next().unwrap_or("?").to_string();
                        }
                    }
                }
                path.push(tag.clone());
                text.clear();
                if tag == "component" && !path.iter().any(|p| p == "metadata") {
                    open.push((path.len(), Partial::default()));
                }
            }
            Event::End(_) => {
                if let Some((depth, p)) = open.last_mut() {
                    take_text(&path, *depth, p, text.trim());
                }
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
                text.clear();
            }
            // Text arrives in pieces: runs of characters, CDATA sections and
            // entity references, each its own event.
            Event::Text(t) => text.push_str(&t.xml_content(XmlVersion::Implicit1_0)),
            Event::CData(c) => text.push_str(&c),
            Event::GeneralRef(g) => {
                let bad = || {
                    input(format!(
                        "{name}: unknown entity &{}; at byte {}",
                        crate::output::safe::one_line(&g),
                        r.buffer_position()
                    ))
                };
                match g.resolve_char_ref() {
                    Ok(Some(c)) => text.push(c),
                    Ok(None) => text.push_str(resolve_xml_entity(&g).ok_or_else(bad)?),
                    Err(_) => return Err(bad()),
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

#[cfg(test)]
mod tests {
    use super::from_xml;

    fn bom(components: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components>{components}</components></bom>"#
        )
    }

    #[test]
    fn text_with_entities_and_cdata_is_read_whole() {
        let s = from_xml(
            &bom(
                "<component><name> a &amp; b&#x41;&#66; </name><version><![CDATA[1.0]]>-rc&lt;1</version>\
                 <licenses><license><id>MIT</id></license></licenses></component>",
            ),
            "x.xml",
        )
        .unwrap();
        assert_eq!(s.spec_version, "1.5");
        let c = &s.components[0];
        assert_eq!(c.name, "a & bAB");
        assert_eq!(c.version.as_deref(), Some("1.0-rc<1"));
        assert_eq!(c.licenses, ["MIT"]);
    }

    #[test]
    fn nested_components_keep_their_own_fields() {
        let s = from_xml(
            &bom(
                "<component><name>outer</name><components><component><name>inner</name>\
                  <version>2</version></component></components><version>1</version></component>",
            ),
            "x.xml",
        )
        .unwrap();
        let got: Vec<_> = s
            .components
            .iter()
            .map(|c| (c.name.as_str(), c.version.as_deref()))
            .collect();
        assert_eq!(got, [("inner", Some("2")), ("outer", Some("1"))]);
    }

    #[test]
    fn an_unknown_entity_is_bad_input_naming_the_file() {
        let e = from_xml(&bom("<component><name>a&nope;</name></component>"), "x.xml").unwrap_err();
        assert!(e.to_string().starts_with("x.xml: "), "{e}");
        assert!(e.to_string().contains("&nope;"), "{e}");
    }
}
