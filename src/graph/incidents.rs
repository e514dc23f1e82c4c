//! Incident records, from JSON (an array of objects, or an object holding
//! one under `incidents`) or CSV with a header: `id`, `time` (RFC 3339, a
//! date, or seconds since the epoch), `severity`, and the change that caused
//! it as `pr` (`123` or `#123`) and/or `commit`; `title` optional.

use crate::error::{input, Result};
use serde::Serialize;

/// One incident.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Incident {
    /// The incident's id in the tracker.
    pub id: String,
    /// When it started, seconds since the epoch.
    pub at_s: i64,
    /// As the tracker names it (`SEV1`, `high`, …).
    pub severity: String,
    /// A short title.
    pub title: String,
    /// The pull request that caused it.
    pub pr: Option<i64>,
    /// The commit that caused it (a full or abbreviated hash).
    pub commit: Option<String>,
}

/// A time as seconds since the epoch.
pub fn parse_time(s: &str) -> Option<i64> {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.unix_timestamp());
    }
    if let Ok(t) = time::PrimitiveDateTime::parse(s, &Iso8601::DEFAULT) {
        return Some(t.assume_utc().unix_timestamp());
    }
    time::Date::parse(s, &Iso8601::DATE)
        .ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp())
}

fn text_of(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Builds one record from its fields; `at` names the record for errors.
fn record(field: impl Fn(&str) -> Option<String>, at: &str) -> Result<Incident> {
    let id = field("id").ok_or_else(|| input(format!("{at}: no id")))?;
    let when = field("time")
        .or_else(|| field("started_at"))
        .or_else(|| field("created_at"))
        .ok_or_else(|| input(format!("{at}: no time")))?;
    let at_s = parse_time(&when).ok_or_else(|| {
        input(format!(
            "{at}: time {:?}: want RFC 3339, YYYY-MM-DD or epoch seconds",
            crate::output::safe::one_line(&when)
        ))
    })?;
    let pr = match field("pr") {
        Some(p) => Some(
            p.trim_start_matches('#')
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    input(format!(
                        "{at}: pr {:?}: want a pull request number",
                        crate::output::safe::one_line(&p)
                    ))
                })?,
        ),
        None => None,
    };
    let commit = field("commit").or_else(|| field("sha"));
    if let Some(c) = &commit {
        if c.len() < 7 || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(input(format!(
                "{at}: commit {:?}: want a hexadecimal hash of 7 characters or more",
                crate::output::safe::one_line(c)
            )));
        }
    }
    Ok(Incident {
        id,
        at_s,
        severity: field("severity").unwrap_or_else(|| "unknown".into()),
        title: field("title").unwrap_or_default(),
        pr,
        commit: commit.map(|c| c.to_ascii_lowercase()),
    })
}

/// Reads incidents from `text`; JSON when it starts with `[` or `{`, CSV
/// otherwise. `name` is the file's name for errors.
pub fn parse(text: &str, name: &str) -> Result<Vec<Incident>> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('[') || t.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(t)
            .map_err(|e| input(format!("{name}: line {}: not JSON ({e})", e.line())))?;
        let items = match &v {
            serde_json::Value::Array(a) => a,
            serde_json::Value::Object(o) => match o.get("incidents") {
                Some(serde_json::Value::Array(a)) => a,
                _ => {
                    return Err(input(format!(
                    "{name}: want an array of incidents, or an object with an \"incidents\" array"
                )))
                }
            },
            _ => return Err(input(format!("{name}: want an array of incidents"))),
        };
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let at = format!("{name}: incident {}", i + 1);
                let obj = item
                    .as_object()
                    .ok_or_else(|| input(format!("{at}: not an object")))?;
                record(|k| text_of(obj.get(k)), &at)
            })
            .collect();
    }
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(t.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| input(format!("{name}: not CSV ({e})")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if !headers.iter().any(|h| h == "id") {
        return Err(input(format!(
            "{name}: line 1: the header has no id column (want id,time,severity,pr,commit,title)"
        )));
    }
    let mut out = Vec::new();
    for row in r.records() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            input(format!("{name}: line {line}: {e}"))
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |k: &str| {
            headers
                .iter()
                .position(|h| h == k)
                .and_then(|i| row.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        out.push(record(field, &format!("{name}: line {line}"))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_csv_give_the_same_records() {
        let json = r##"{"incidents": [
            {"id": "INC-1", "time": "2026-03-01T10:00:00Z", "severity": "SEV2", "pr": "#42", "title": "login down"},
            {"id": 7, "time": 1767225600, "severity": "high", "commit": "ABCDEF1234"}
        ]}"##;
        let csv = "id,time,severity,pr,commit,title\nINC-1,2026-03-01T10:00:00Z,SEV2,#42,,login down\n7,1767225600,high,,ABCDEF1234,\n";
        let a = parse(json, "i.json").unwrap();
        let b = parse(csv, "i.csv").unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0].pr, Some(42));
        assert_eq!(a[0].at_s, 1772359200);
        assert_eq!(a[1].commit.as_deref(), Some("abcdef1234"));
        assert_eq!(a[1].title, "");
    }

    #[test]
    fn bad_records_name_the_file_and_place() {
        let e = parse("[{\"id\": \"a\"}]", "i.json")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "i.json: incident 1: no time");
        let e = parse("id,time\nx,yesterday\n", "i.csv")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("i.csv: line 2: time \"yesterday\""), "{e}");
        let e = parse("id,time,pr\nx,2026-01-01,abc\n", "i.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2: pr \"abc\""), "{e}");
        let e = parse("[{\"id\": 1,", "i.json").unwrap_err().to_string();
        assert!(e.starts_with("i.json: line 1: not JSON"), "{e}");
        let e = parse("name,when\n", "i.csv").unwrap_err().to_string();
        assert!(e.contains("no id column"), "{e}");
    }
}
