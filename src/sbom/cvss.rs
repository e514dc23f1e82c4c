//! CVSS scores computed from vectors and the qualitative severity. v3.0 and
//! v3.1 are computed here (checked against 5184 reference vectors); v2 and v4
//! use the RustSec `cvss` crate (v4 checked against the reference vectors too).

use serde::Serialize;

/// Qualitative severity, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// 9.0–10.0.
    Critical,
    /// 7.0–8.9.
    High,
    /// 4.0–6.9.
    Medium,
    /// 0.1–3.9.
    Low,
    /// 0.0.
    None,
    /// No usable score.
    Unknown,
}

impl Level {
    /// From a base score.
    pub fn of(score: f64) -> Level {
        match score {
            s if s >= 9.0 => Level::Critical,
            s if s >= 7.0 => Level::High,
            s if s >= 4.0 => Level::Medium,
            s if s > 0.0 => Level::Low,
            _ => Level::None,
        }
    }

    /// From a database's word (`HIGH`, `moderate`…).
    pub fn from_word(w: &str) -> Option<Level> {
        Some(match w.to_ascii_lowercase().as_str() {
            "critical" => Level::Critical,
            "high" => Level::High,
            "medium" | "moderate" => Level::Medium,
            "low" => Level::Low,
            _ => return None,
        })
    }
}

/// CVSS v3.1 "Roundup": the smallest one-decimal number ≥ x, robust to
/// floating-point noise.
fn roundup31(x: f64) -> f64 {
    let i = (x * 100_000.0).round() as i64;
    if i % 10_000 == 0 {
        i as f64 / 100_000.0
    } else {
        ((i / 10_000) + 1) as f64 / 10.0
    }
}

/// The base score of a CVSS v3.0 or v3.1 vector; `None` if it is not one or
/// a base metric is missing or invalid.
pub fn v3_base(vector: &str) -> Option<f64> {
    let mut parts = vector.trim().split('/');
    let head = parts.next()?;
    let v31 = match head {
        "CVSS:3.1" => true,
        "CVSS:3.0" => false,
        _ => return None,
    };
    let mut m = std::collections::HashMap::new();
    for p in parts {
        let (k, v) = p.split_once(':')?;
        if m.insert(k, v).is_some() {
            return None; // a metric twice
        }
    }
    let scope_changed = match *m.get("S")? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let av = match *m.get("AV")? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let ac = match *m.get("AC")? {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    let pr = match (*m.get("PR")?, scope_changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let ui = match *m.get("UI")? {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let cia = |k: &str| -> Option<f64> {
        Some(match *m.get(k)? {
            "H" => 0.56,
            "L" => 0.22,
            "N" => 0.0,
            _ => return None,
        })
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);
    let iss = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
    let impact = if scope_changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02f64).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    if impact <= 0.0 {
        return Some(0.0);
    }
    let raw = if scope_changed {
        (1.08 * (impact + exploitability)).min(10.0)
    } else {
        (impact + exploitability).min(10.0)
    };
    Some(if v31 {
        roundup31(raw)
    } else {
        (raw * 10.0).ceil() / 10.0
    })
}

/// The score of a CVSS v2 vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally
/// prefixed `CVSS:2.0/`); `None` if it is not one.
pub fn v2_base(vector: &str) -> Option<f64> {
    let v = vector.trim();
    let v = v.strip_prefix("CVSS:2.0/").unwrap_or(v);
    if !v.starts_with("AV:") || !v.contains("Au:") {
        return None;
    }
    let parsed: cvss::v2::Vector = v.parse().ok()?;
    Some(parsed.score().value())
}

/// The score of a CVSS v4.0 vector (CVSS-B, or with threat and environmental
/// metrics when present); `None` if it is not one.
pub fn v4_score(vector: &str) -> Option<f64> {
    let v = vector.trim();
    if !v.starts_with("CVSS:4.0/") {
        return None;
    }
    let parsed: cvss::v4::Vector = v.parse().ok()?;
    Some(parsed.score().value())
}

/// The score of any CVSS vector maestro understands: v4.0, v3.x or v2.
pub fn score(vector: &str) -> Option<f64> {
    v4_score(vector)
        .or_else(|| v3_base(vector))
        .or_else(|| v2_base(vector))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_scores() {
        assert_eq!(
            v3_base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Some(9.8)
        );
        assert_eq!(
            v3_base("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H"),
            Some(5.9)
        );
        assert_eq!(
            v3_base("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N"),
            Some(0.0)
        );
        assert_eq!(v3_base("CVSS:3.1/AV:N/AC:L"), None);
        assert_eq!(v3_base("CVSS:2.0/AV:N"), None);
        assert_eq!(Level::of(9.8), Level::Critical);
        assert_eq!(v2_base("AV:N/AC:L/Au:N/C:P/I:P/A:P"), Some(7.5));
        assert_eq!(v2_base("CVSS:2.0/AV:N/AC:M/Au:N/C:N/I:P/A:N"), Some(4.3));
        assert_eq!(v2_base("AV:N/AC:L"), None);
        assert_eq!(
            v4_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            Some(9.3)
        );
        assert_eq!(v4_score("CVSS:4.0/AV:N"), None);
        assert_eq!(
            score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Some(9.8)
        );
        assert_eq!(score("garbage"), None);
        assert_eq!(Level::from_word("MODERATE"), Some(Level::Medium));
    }
}
