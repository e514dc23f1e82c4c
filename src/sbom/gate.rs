//! The sbom-diff gate: which new vulnerabilities fail it.

use super::cvss::Level;
use super::vulns::Finding;

/// A severity threshold for `--fail-on` and `--unknown-as`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// CVSS ≥ 9.0.
    Critical,
    /// CVSS ≥ 7.0.
    High,
    /// CVSS ≥ 4.0.
    Medium,
    /// CVSS > 0.
    Low,
    /// Any new vulnerability.
    Any,
    /// Never fail.
    None,
}

impl FailOn {
    /// Every threshold's name, most severe first.
    pub const NAMES: [&'static str; 6] = ["critical", "high", "medium", "low", "any", "none"];

    /// 0 for critical up to 5 for none.
    fn rank(self) -> u8 {
        match self {
            FailOn::Critical => 0,
            FailOn::High => 1,
            FailOn::Medium => 2,
            FailOn::Low => 3,
            FailOn::Any => 4,
            FailOn::None => 5,
        }
    }
}

impl std::str::FromStr for FailOn {
    type Err = String;

    fn from_str(s: &str) -> Result<FailOn, String> {
        Ok(match s {
            "critical" => FailOn::Critical,
            "high" => FailOn::High,
            "medium" => FailOn::Medium,
            "low" => FailOn::Low,
            "any" => FailOn::Any,
            "none" => FailOn::None,
            _ => {
                return Err(format!(
                    "unknown severity `{s}` ({})",
                    FailOn::NAMES.join(", ")
                ))
            }
        })
    }
}

/// Whether a new finding fails the gate at `fail_on`, with advisories that
/// have no usable score counted as `unknown_as`.
pub fn fails(f: &Finding, fail_on: FailOn, unknown_as: FailOn) -> bool {
    if fail_on == FailOn::None {
        return false;
    }
    let level = match f.severity {
        Level::Critical => 0,
        Level::High => 1,
        Level::Medium => 2,
        Level::Low | Level::None => 3,
        Level::Unknown => unknown_as.rank(),
    };
    level <= fail_on.rank()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_to_their_threshold() {
        for n in FailOn::NAMES {
            assert!(n.parse::<FailOn>().is_ok(), "{n}");
        }
        assert!("severe".parse::<FailOn>().is_err());
        assert!(FailOn::High.rank() < FailOn::Medium.rank());
    }
}
