//! SemVer 2.0 precedence, leniently (a leading `v`, missing components), and
//! Dart pub's variant of it.

use std::cmp::Ordering;

/// A pre-release identifier: numbers sort before words.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ident {
    Num(u128),
    Word(String),
}

fn semver_key(v: &str) -> (Vec<u128>, Option<Vec<Ident>>) {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let v = v.split('+').next().unwrap_or("");
    let (core, pre) = match v.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (v, None),
    };
    let mut nums: Vec<u128> = core
        .split('.')
        .map(|p| p.trim().parse().unwrap_or(0))
        .collect();
    while nums.len() < 3 {
        nums.push(0);
    }
    while nums.len() > 3 && nums.last() == Some(&0) {
        nums.pop();
    }
    let pre = pre.map(idents);
    (nums, pre)
}

/// SemVer 2.0 precedence (build metadata ignored).
pub fn semver_cmp(a: &str, b: &str) -> Ordering {
    let (ca, pa) = semver_key(a);
    let (cb, pb) = semver_key(b);
    ca.cmp(&cb).then_with(|| match (pa, pb) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.cmp(&y),
    })
}

fn idents(s: &str) -> Vec<Ident> {
    s.split('.')
        .map(|id| match id.parse::<u128>() {
            Ok(n) if id.chars().all(|c| c.is_ascii_digit()) => Ident::Num(n),
            _ => Ident::Word(id.to_string()),
        })
        .collect()
}

/// Dart's `pub_semver` order: SemVer, except that build metadata counts and
/// a version with it sorts after the same version without.
pub fn pub_cmp(a: &str, b: &str) -> Ordering {
    let build = |v: &str| v.split_once('+').map(|(_, b)| idents(b));
    semver_cmp(a, b).then_with(|| match (build(a), build(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(&y),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_basics() {
        assert_eq!(semver_cmp("1.0.0-beta.2", "1.0.0-beta.11"), Ordering::Less);
        assert_eq!(semver_cmp("v1.2.3+incompatible", "1.2.3"), Ordering::Equal);
        assert_eq!(
            semver_cmp("v0.0.0-20210428141323-04723f9f07d7", "v0.0.1"),
            Ordering::Less
        );
    }
}
