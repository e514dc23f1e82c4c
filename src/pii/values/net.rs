//! IP addresses, v4 and v6, with reserved and private ranges told apart.

use super::{find_all, re, Entity, Hit, Options};
use regex::Regex;
use std::sync::OnceLock;
fn v4_reserved(o: [u8; 4]) -> bool {
    matches!(
        o,
        [10, ..] | [127, ..] | [0, ..] | [169, 254, ..] | [192, 168, ..] | [255, 255, 255, 255]
    ) || (o[0] == 172 && (16..=31).contains(&o[1]))
        || (o[0] == 100 && (64..=127).contains(&o[1]))
        || matches!(o, [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _])
        || o[0] >= 224
}

pub(super) fn ip(text: &str, wins: &[(usize, usize)], opts: &Options, out: &mut Vec<Hit>) {
    static V4: OnceLock<Regex> = OnceLock::new();
    let v4 = re(&V4, r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}");
    let b = text.as_bytes();
    for m in find_all(v4, text, wins) {
        let (s, e) = (m.start(), m.end());
        let dotted = |i: usize| b[i] == b'.' || b[i] == b'_' || b[i].is_ascii_alphanumeric();
        if (s > 0 && dotted(s - 1)) || (e < b.len() && b[e].is_ascii_alphanumeric()) {
            continue; // glued to more characters
        }
        let Ok(addr) = m.as_str().parse::<std::net::Ipv4Addr>() else {
            continue;
        };
        let before = text[..s].trim_end().to_ascii_lowercase();
        if before.ends_with('v') || before.ends_with("version") {
            continue;
        }
        let reserved = v4_reserved(addr.octets());
        if reserved && !opts.ip_private {
            continue;
        }
        // In a URL or host position (`//1.2.3.4`, `@1.2.3.4`, `host=1.2.3.4`) it
        // is surely an address; a bare dotted quad may be a section number.
        let lead = text[..s].trim_end_matches(['"', '\'', ' ']);
        let placed = lead.ends_with("//")
            || lead.ends_with('@')
            || lead.ends_with('=')
            || lead.ends_with(':');
        out.push(Hit {
            entity: Entity::IpAddress,
            start: s,
            end: e,
            confidence: if placed { 0.6 } else { 0.25 },
            test_value: matches!(
                addr.octets(),
                [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _]
            ),
            why: if reserved {
                "IPv4 address in a private, loopback or documentation range".into()
            } else {
                "public IPv4 address".into()
            },
            steps: Vec::new(),
        });
    }
}

pub(super) fn ip6(text: &str, wins: &[(usize, usize)], opts: &Options, out: &mut Vec<Hit>) {
    static V6: OnceLock<Regex> = OnceLock::new();
    let b = text.as_bytes();
    let v6 = re(&V6, r"(?i)[0-9a-f:]*:[0-9a-f:]*:[0-9a-f:.]*");
    for m in find_all(v6, text, wins) {
        let (s, e) = (m.start(), m.end());
        if (s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'.'))
            || (e < b.len() && b[e].is_ascii_alphanumeric())
        {
            continue;
        }
        let v = m.as_str().trim_end_matches('.');
        if v.len() < 2
            || (v.len() < 3 && v != "::")
            || (!v.bytes().any(|c| c.is_ascii_hexdigit()) && v != "::")
        {
            continue;
        }
        if s > 0 && (b[s - 1] == b':' || b[s - 1] == b'_')
            || (s + v.len() < b.len() && b[s + v.len()] == b'_')
        {
            continue;
        }
        // `c::x`, `5::__X`: one group and `::` is a path, not an address.
        let groups = v.split(':').filter(|g| !g.is_empty()).count();
        if v != "::" && groups < 2 && !(v.starts_with("::") && groups == 1) {
            continue;
        }
        let Ok(addr) = v.parse::<std::net::Ipv6Addr>() else {
            continue;
        };
        let seg = addr.segments();
        let doc = seg[0] == 0x2001 && seg[1] == 0xdb8;
        let reserved = addr.is_loopback()
            || addr.is_unspecified()
            || (seg[0] & 0xfe00) == 0xfc00
            || (seg[0] & 0xffc0) == 0xfe80
            || doc;
        if reserved && !opts.ip_private {
            continue;
        }
        // `1::2`, `10::20`: two decimal groups are slices in Python or
        // steps in Rust far more often than addresses.
        // `1::2`, `::2`, `E::A`, `DFA::DEAD`: a compressed address of two
        // groups starts with a full routing prefix (`2001::1`, `fe80::1`);
        // decimal or short groups are a slice or a Rust or C++ path.
        let decimal = v.split(':').all(|g| g.bytes().all(|c| c.is_ascii_digit()));
        let slice_like = groups <= 2
            && (decimal
                || (!v.starts_with("::") && v.split(':').next().is_some_and(|g| g.len() < 4)));
        if slice_like && !reserved {
            continue;
        }
        out.push(Hit {
            entity: Entity::IpAddress,
            start: s,
            end: s + v.len(),
            confidence: 0.6,
            test_value: doc,
            why: "IPv6 address".into(),
            steps: Vec::new(),
        });
    }
}
