//! Packagist ordering: composer's normalisation, then PHP's `version_compare`.

use super::{is_num, num_cmp};
use std::cmp::Ordering;

fn php_parts(v: &str) -> Vec<String> {
    let v = v.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let mut canon = String::new();
    let mut prev: Option<char> = None;
    for c in v.chars() {
        let c = if matches!(c, '-' | '_' | '+') { '.' } else { c };
        if let Some(p) = prev {
            let boundary = (p != '.' && c != '.') && (p.is_ascii_digit() != c.is_ascii_digit());
            if boundary {
                canon.push('.');
            }
        }
        canon.push(c);
        prev = Some(c);
    }
    canon.split('.').map(str::to_string).collect()
}

/// PHP's order of special words: dev < alpha < beta < RC < (number) < patch.
fn php_weight(s: &str) -> u8 {
    if s.starts_with("RC") {
        return 3;
    }
    ["dev", "a", "b", "rc", "#", "p"]
        .iter()
        .position(|w| s.starts_with(w))
        .map_or(0, |p| p as u8)
}

fn php_cmp_parts(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (is_num(x), is_num(y)) {
            (true, true) => num_cmp(x, y),
            (false, false) => php_weight(x).cmp(&php_weight(y)),
            (true, false) => php_weight("#").cmp(&php_weight(y)),
            (false, true) => php_weight(x).cmp(&php_weight("#")),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    let hash = ["#".to_string()];
    match a.len().cmp(&b.len()) {
        Ordering::Greater if is_num(&a[b.len()]) => Ordering::Greater,
        Ordering::Greater => php_cmp_parts(&a[b.len()..], &hash),
        Ordering::Less if is_num(&b[a.len()]) => Ordering::Less,
        Ordering::Less => php_cmp_parts(&hash, &b[a.len()..]),
        Ordering::Equal => Ordering::Equal,
    }
}

/// Packagist order: composer's normalisation, then `version_compare`.
pub fn packagist_cmp(a: &str, b: &str) -> Ordering {
    php_cmp_parts(&php_parts(a), &php_parts(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn packagist_basics() {
        assert_eq!(packagist_cmp("1.0.0-dev", "1.0.0-alpha"), Less);
        assert_eq!(packagist_cmp("1.0.0-RC1", "1.0.0"), Less);
        assert_eq!(packagist_cmp("1.0.0-pl1", "1.0.0"), Greater);
        assert_eq!(packagist_cmp("v1.2", "1.2"), Equal);
    }
}
