//! RubyGems ordering (`Gem::Version`).

use super::{is_num, num_cmp};
use std::cmp::Ordering;

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

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn rubygems_basics() {
        assert_eq!(rubygems_cmp("1.2.4.beta", "1.2.4"), Less);
        assert_eq!(rubygems_cmp("3.10", "3.2"), Greater);
        assert_eq!(rubygems_cmp("1.0.0", "1"), Equal);
    }
}
