//! Version ordering per ecosystem, as OSV ranges need it, one file per
//! ordering: SemVer (crates.io, npm, Hex; lenient about a leading `v` and
//! missing components), Go modules (SemVer with pseudo-versions as
//! pre-releases and `+incompatible` as build metadata), Dart's pub, PEP 440
//! (PyPI), NuGet (SemVer with four numbers, case-blind), Maven, RubyGems and
//! Packagist. Checked against osv-scalibr's vectors.

pub mod maven;
pub mod packagist;
pub mod pep440;
pub mod rubygems;
pub mod semver;

use std::cmp::Ordering;

/// Compares two versions of `ecosystem`; `None` when the ecosystem has no
/// ordering here (callers must then not guess).
pub fn compare(ecosystem: &str, a: &str, b: &str) -> Option<Ordering> {
    match ecosystem {
        "crates.io" | "npm" | "Go" | "Hex" => Some(semver::semver_cmp(a, b)),
        "Pub" => Some(semver::pub_cmp(a, b)),
        "PyPI" => Some(pep440::pep440_cmp(a, b)),
        "NuGet" => Some(semver::semver_cmp(
            &a.to_ascii_lowercase(),
            &b.to_ascii_lowercase(),
        )),
        "Maven" => Some(maven::maven_cmp(a, b)),
        "RubyGems" => Some(rubygems::rubygems_cmp(a, b)),
        "Packagist" => Some(packagist::packagist_cmp(a, b)),
        _ => None,
    }
}

pub(super) fn is_num(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Compares two digit strings of any length.
pub(super) fn num_cmp(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Splits `s` where it changes between ASCII digits and anything else.
pub(super) fn digit_runs(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = s.as_bytes();
    for i in 1..b.len() {
        if b[i].is_ascii_digit() != b[i - 1].is_ascii_digit() {
            out.push(&s[start..i]);
            start = i;
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems_without_an_ordering_are_not_guessed() {
        assert_eq!(compare("Maven", "1", "2"), Some(Ordering::Less));
        assert_eq!(
            compare("NuGet", "1.0.0-RC", "1.0.0-rc"),
            Some(Ordering::Equal)
        );
        assert_eq!(compare("Debian", "1", "2"), None);
    }
}
