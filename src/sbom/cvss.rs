//! CVSS scores computed from vectors and the qualitative severity, with the
//! RustSec `cvss` crate for v2, v3.0, v3.1 and v4.0 (v3 and v4 checked
//! against Red Hat's reference vectors in `tests/sbom_diff.rs`).

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

/// The base score of a CVSS v3.0 or v3.1 vector (each with its own
/// rounding); `None` if it is not one or a base metric is missing or invalid.
pub fn v3_base(vector: &str) -> Option<f64> {
    let parsed: cvss::v3::Vector = vector.trim().parse().ok()?;
    // The crate scores a vector without some base metrics; such a score would
    // be made up, so it is refused (the advisory then has no usable score).
    let base = [
        parsed.av.is_some(),
        parsed.ac.is_some(),
        parsed.pr.is_some(),
        parsed.ui.is_some(),
        parsed.s.is_some(),
        parsed.c.is_some(),
        parsed.i.is_some(),
        parsed.a.is_some(),
    ];
    base.iter()
        .all(|&present| present)
        .then(|| parsed.base_score().value())
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
        assert_eq!(v3_base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"), None);
        assert_eq!(
            v3_base("CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            None
        );
        assert_eq!(
            v3_base("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            None
        );
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
