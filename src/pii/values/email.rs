//! Email addresses: a valid local part and domain, file names and test
//! domains told apart.

use super::{find_all, re, Entity, Hit};
use regex::Regex;
use std::sync::OnceLock;
const FILE_TLDS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "js", "ts", "css", "map", "json", "min",
];
const TEST_DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "test.com"];
const TEST_TLDS: &[&str] = &["example", "test", "invalid", "localhost", "local"];

pub(super) fn email(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = re(
        &RE,
        r"(?i)[a-z0-9](?:[a-z0-9._%+-]{0,62}[a-z0-9_%+-])?@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:xn--[a-z0-9-]{1,59}|[a-z]{2,24})",
    );
    for m in find_all(re, text, wins) {
        let (s, e) = (m.start(), m.end());
        let b = text.as_bytes();
        // Not glued to more address characters on either side.
        let addr = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
        if (s > 0 && addr(b[s - 1]))
            || (e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'-' || b[e] == b'_'))
        {
            continue; // `A@sps.diags_array(C)`: Python's matrix product
        }
        // `http://user:pass@host`: a URL's user information, not an address.
        if text[super::neighbours::token_start(text, s, "\"'<>(),`")..s].contains("://") {
            continue;
        }
        let v = m.as_str().to_ascii_lowercase();
        let (local, domain) = v.split_once('@').unwrap_or(("", ""));
        let tld = domain.rsplit('.').next().unwrap_or("");
        if local.contains("..") || FILE_TLDS.contains(&tld) || local == "git" {
            continue;
        }
        let test = TEST_DOMAINS
            .iter()
            .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
            || TEST_TLDS.contains(&tld)
            || domain.starts_with("example.");
        out.push(Hit {
            entity: Entity::Email,
            start: s,
            end: e,
            confidence: 0.9,
            test_value: test,
            why: if test {
                "email address on a reserved example domain".into()
            } else {
                "email address (local part @ a domain with a valid TLD)".into()
            },
            steps: Vec::new(),
        });
    }
}
