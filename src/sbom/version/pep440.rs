//! PEP 440 ordering (PyPI), as `packaging.version` sorts.

use std::cmp::Ordering;

/// A PEP 440 sort key (see `packaging.version._cmpkey`).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pep440 {
    epoch: u128,
    release: Vec<u128>,
    pre: (i8, u128),  // (-1 dev-only, 0..2 a/b/rc, 3 none)
    post: (i8, u128), // (-1 none, 0 present)
    dev: (i8, u128),  // (0 present, 1 none)
    local: Vec<(u8, u128, String)>,
}

fn pep440_key(v: &str) -> Option<Pep440> {
    let s = v.trim().to_ascii_lowercase();
    let s = s.strip_prefix('v').unwrap_or(&s);
    let (s, local) = match s.split_once('+') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let (epoch, s) = match s.split_once('!') {
        Some((e, r)) => (e.parse().ok()?, r),
        None => (0, s),
    };
    let b = s.as_bytes();
    let mut i = 0;
    let num = |i: &mut usize| -> Option<u128> {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        (st < *i).then(|| s[st..*i].parse().ok()).flatten()
    };
    let mut release = vec![num(&mut i)?];
    while i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
        i += 1;
        release.push(num(&mut i)?);
    }
    let word = |i: &mut usize| -> String {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_alphabetic() {
            *i += 1;
        }
        s[st..*i].to_string()
    };
    let sep = |i: &mut usize| {
        if *i < b.len() && matches!(b[*i], b'.' | b'-' | b'_') {
            *i += 1;
        }
    };
    let mut pre = None;
    let mut post = None;
    let mut dev = None;
    // pre-release
    let save = i;
    sep(&mut i);
    let w = word(&mut i);
    let rank = match w.as_str() {
        "a" | "alpha" => Some(0),
        "b" | "beta" => Some(1),
        "c" | "rc" | "pre" | "preview" => Some(2),
        _ => None,
    };
    match rank {
        Some(r) => {
            sep(&mut i);
            pre = Some((r, num(&mut i).unwrap_or(0)));
        }
        None => i = save,
    }
    // post-release: `.post1`, `-1`, `.rev1`, `r1`
    let save = i;
    if i < b.len() && b[i] == b'-' && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
        i += 1;
        post = Some(num(&mut i)?);
    } else {
        sep(&mut i);
        let w = word(&mut i);
        if matches!(w.as_str(), "post" | "rev" | "r") {
            sep(&mut i);
            post = Some(num(&mut i).unwrap_or(0));
        } else {
            i = save;
        }
    }
    // dev-release
    let save = i;
    sep(&mut i);
    if word(&mut i) == "dev" {
        sep(&mut i);
        dev = Some(num(&mut i).unwrap_or(0));
    } else {
        i = save;
    }
    if i != b.len() {
        return None;
    }
    while release.len() > 1 && release.last() == Some(&0) {
        release.pop();
    }
    let local = local
        .map(|l| {
            l.split(['.', '-', '_'])
                .map(|p| match p.parse::<u128>() {
                    Ok(n) => (1, n, String::new()),
                    Err(_) => (0, 0, p.to_string()),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Pep440 {
        epoch,
        release,
        pre: match (pre, post, dev) {
            (None, None, Some(_)) => (-1, 0),
            (None, ..) => (3, 0),
            (Some((r, n)), ..) => (r, n),
        },
        post: post.map_or((-1, 0), |n| (0, n)),
        dev: dev.map_or((1, 0), |n| (0, n)),
        local,
    })
}

/// PEP 440 ordering; versions that do not parse sort before all that do,
/// and among themselves by text.
pub fn pep440_cmp(a: &str, b: &str) -> Ordering {
    match (pep440_key(a), pep440_key(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep440_basics() {
        assert_eq!(pep440_cmp("1.0.dev0", "1.0a0"), Ordering::Less);
        assert_eq!(pep440_cmp("1.0.post1", "1.0"), Ordering::Greater);
        assert_eq!(pep440_cmp("1!0.1", "2.0"), Ordering::Greater);
        assert_eq!(pep440_cmp("1.0+local", "1.0"), Ordering::Greater);
    }
}
