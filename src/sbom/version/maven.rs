//! Maven ordering (`ComparableVersion`).

use super::{digit_runs, is_num, num_cmp};
use std::cmp::Ordering;

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
}
