//! Version ordering for Maven (`ComparableVersion`), RubyGems
//! (`Gem::Version`) and Packagist (PHP's `version_compare` after composer's
//! normalisation), as OSV ranges need them.

use std::cmp::Ordering;

fn is_num(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Compares two digit strings of any length.
fn num_cmp(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Splits `s` where it changes between ASCII digits and anything else.
fn digit_runs(s: &str) -> Vec<&str> {
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

// ---------------------------------------------------------------- Maven

/// One Maven token: the separator before it (`.` or `-`) and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct MvnTok {
    dash: bool,
    value: String,
    /// Padding added to compare against a longer version.
    null: bool,
}

const MVN_KEYWORDS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn mvn_tokens(v: &str) -> Vec<MvnTok> {
    let mut toks = Vec::new();
    let mut dash = false;
    let mut rest = v.trim();
    loop {
        let end = rest.find(['.', '-']).unwrap_or(rest.len());
        let raw = &rest[..end];
        let runs = digit_runs(raw);
        let last = runs.len() - 1;
        for (j, run) in runs.into_iter().enumerate() {
            let mut t = run.to_ascii_lowercase();
            if t.is_empty() {
                t = "0".into();
            }
            t = match t.as_str() {
                "cr" => "rc".into(),
                "ga" | "final" | "release" => String::new(),
                // a1, b2, m3: shorthand only when a number follows.
                "a" if j < last => "alpha".into(),
                "b" if j < last => "beta".into(),
                "m" if j < last => "milestone".into(),
                _ => t,
            };
            if is_num(&t) {
                let trimmed = t.trim_start_matches('0');
                t = if trimmed.is_empty() {
                    "0".into()
                } else {
                    trimmed.into()
                };
            }
            toks.push(MvnTok {
                dash: dash || j > 0,
                value: t,
                null: false,
            });
        }
        if end == rest.len() {
            break;
        }
        dash = rest.as_bytes()[end] == b'-';
        rest = &rest[end + 1..];
    }
    // Trailing null values (0, "", final, ga) are trimmed from the end, and
    // again before each remaining hyphen, right to left.
    let mut i = toks.len() as isize - 1;
    while i > 0 {
        let t = &toks[i as usize];
        if matches!(t.value.as_str(), "0" | "" | "final" | "ga") {
            toks.remove(i as usize);
            i -= 1;
            continue;
        }
        while i >= 0 && !toks[i as usize].dash {
            i -= 1;
        }
        i -= 1;
    }
    toks
}

fn mvn_null_like(t: &MvnTok) -> MvnTok {
    MvnTok {
        dash: t.dash,
        value: if t.dash || t.value == "sp" {
            String::new()
        } else {
            "0".into()
        },
        null: true,
    }
}

fn mvn_kind(t: &MvnTok) -> u8 {
    // ".qualifier" < "-qualifier" < "-number" < ".number"
    match (is_num(&t.value), t.dash) {
        (false, false) => 0,
        (false, true) => 1,
        (true, true) => 2,
        (true, false) => 3,
    }
}

fn mvn_tok_cmp(a: &MvnTok, b: &MvnTok) -> Ordering {
    if a.dash != b.dash {
        return mvn_kind(a).cmp(&mvn_kind(b));
    }
    let (an, bn) = (is_num(&a.value), is_num(&b.value));
    if an && bn {
        return num_cmp(&a.value, &b.value);
    }
    // Numbers sort after qualifiers, unless the number is padding.
    if an && !a.null {
        return Ordering::Greater;
    }
    if bn && !b.null {
        return Ordering::Less;
    }
    let rank = |v: &str| MVN_KEYWORDS.iter().position(|k| *k == v);
    match (rank(&a.value), rank(&b.value)) {
        (None, None) => a.value.cmp(&b.value),
        (x, y) => x
            .unwrap_or(MVN_KEYWORDS.len())
            .cmp(&y.unwrap_or(MVN_KEYWORDS.len())),
    }
}

/// Maven's `ComparableVersion` order.
pub fn maven_cmp(a: &str, b: &str) -> Ordering {
    let (ta, tb) = (mvn_tokens(a), mvn_tokens(b));
    for i in 0..ta.len().max(tb.len()) {
        let x = ta.get(i).cloned().unwrap_or_else(|| mvn_null_like(&tb[i]));
        let y = tb.get(i).cloned().unwrap_or_else(|| mvn_null_like(&ta[i]));
        if x.dash == y.dash && x.value == y.value {
            continue;
        }
        return mvn_tok_cmp(&x, &y);
    }
    Ordering::Equal
}

// ---------------------------------------------------------------- RubyGems

fn gem_segments(v: &str) -> Vec<String> {
    let mut canon = String::new();
    let mut prev: Option<bool> = None;
    for c in v.trim().chars() {
        if c == '.' {
            canon.push('.');
            prev = None;
            continue;
        }
        let d = c.is_ascii_digit();
        if prev.is_some_and(|p| p != d) {
            canon.push('.');
        }
        canon.push(c);
        prev = Some(d);
    }
    let segs: Vec<&str> = canon.split('.').collect();
    // Release numbers, then everything from the first non-number on, each
    // with trailing zeros removed.
    let split = segs.iter().position(|s| !is_num(s)).unwrap_or(segs.len());
    let trim = |s: &[&str]| -> Vec<String> {
        let end = s.iter().rposition(|x| *x != "0").map_or(0, |p| p + 1);
        s[..end].iter().map(|x| x.to_string()).collect()
    };
    let mut out = trim(&segs[..split]);
    out.extend(trim(&segs[split..]));
    out
}

/// RubyGems' `Gem::Version` order.
pub fn rubygems_cmp(a: &str, b: &str) -> Ordering {
    let (sa, sb) = (gem_segments(a), gem_segments(b));
    for i in 0..sa.len().max(sb.len()) {
        let x = sa.get(i).map_or("0", String::as_str);
        let y = sb.get(i).map_or("0", String::as_str);
        let o = match (is_num(x), is_num(y)) {
            (true, true) => num_cmp(x, y),
            (false, false) => x.cmp(y),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

// ---------------------------------------------------------------- Packagist

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
    fn maven_basics() {
        assert_eq!(maven_cmp("1.0-alpha-1", "1.0"), Less);
        assert_eq!(maven_cmp("1.0", "1.0.0"), Equal);
        assert_eq!(maven_cmp("1-sp", "1-ga"), Greater);
        assert_eq!(maven_cmp("1.0-RC1", "1.0-cr1"), Equal);
        assert_eq!(maven_cmp("2.0.1", "2.0.1-xyz"), Less);
        assert_eq!(maven_cmp("1.0-SNAPSHOT", "1.0"), Less);
    }

    #[test]
    fn rubygems_and_packagist_basics() {
        assert_eq!(rubygems_cmp("1.2.4.beta", "1.2.4"), Less);
        assert_eq!(rubygems_cmp("3.10", "3.2"), Greater);
        assert_eq!(rubygems_cmp("1.0.0", "1"), Equal);
        assert_eq!(packagist_cmp("1.0.0-dev", "1.0.0-alpha"), Less);
        assert_eq!(packagist_cmp("1.0.0-RC1", "1.0.0"), Less);
        assert_eq!(packagist_cmp("1.0.0-pl1", "1.0.0"), Greater);
        assert_eq!(packagist_cmp("v1.2", "1.2"), Equal);
    }
}
