//! IBANs: the country's length and the ISO 7064 mod 97-10 check.

use super::{consistent_separators, re, Entity, Hit, M};
use regex::Regex;
use std::sync::OnceLock;
/// IBAN length per country (SWIFT registry).
fn iban_length(cc: &str) -> Option<usize> {
    const T: &[(&str, usize)] = &[
        ("AD", 24),
        ("AE", 23),
        ("AL", 28),
        ("AT", 20),
        ("AZ", 28),
        ("BA", 20),
        ("BE", 16),
        ("BG", 22),
        ("BH", 22),
        ("BI", 27),
        ("BR", 29),
        ("BY", 28),
        ("CH", 21),
        ("CR", 22),
        ("CY", 28),
        ("CZ", 24),
        ("DE", 22),
        ("DJ", 27),
        ("DK", 18),
        ("DO", 28),
        ("EE", 20),
        ("EG", 29),
        ("ES", 24),
        ("FI", 18),
        ("FK", 18),
        ("FO", 18),
        ("FR", 27),
        ("GB", 22),
        ("GE", 22),
        ("GI", 23),
        ("GL", 18),
        ("GR", 27),
        ("GT", 28),
        ("HN", 28),
        ("HR", 21),
        ("HU", 28),
        ("IE", 22),
        ("IL", 23),
        ("IQ", 23),
        ("IS", 26),
        ("IT", 27),
        ("JO", 30),
        ("KW", 30),
        ("KZ", 20),
        ("LB", 28),
        ("LC", 32),
        ("LI", 21),
        ("LT", 20),
        ("LU", 20),
        ("LV", 21),
        ("LY", 25),
        ("MC", 27),
        ("MD", 24),
        ("ME", 22),
        ("MK", 19),
        ("MN", 20),
        ("MR", 27),
        ("MT", 31),
        ("MU", 30),
        ("NI", 28),
        ("NL", 18),
        ("NO", 15),
        ("OM", 23),
        ("PK", 24),
        ("PL", 28),
        ("PS", 29),
        ("PT", 25),
        ("QA", 29),
        ("RO", 24),
        ("RS", 22),
        ("RU", 33),
        ("SA", 24),
        ("SC", 31),
        ("SD", 18),
        ("SE", 24),
        ("SI", 19),
        ("SK", 24),
        ("SM", 27),
        ("SO", 23),
        ("ST", 25),
        ("SV", 28),
        ("TL", 23),
        ("TN", 24),
        ("TR", 26),
        ("UA", 29),
        ("VA", 22),
        ("VG", 24),
        ("XK", 20),
        ("YE", 30),
    ];
    T.iter().find(|(c, _)| *c == cc).map(|(_, n)| *n)
}

/// ISO 7064 mod 97-10 over an IBAN's alphanumerics.
pub fn iban_valid(chars: &str) -> bool {
    if chars.len() < 5 {
        return false;
    }
    let (head, tail) = chars.split_at(4);
    let mut r: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => return false,
        };
        r = if v >= 10 {
            (r * 100 + v) % 97
        } else {
            (r * 10 + v) % 97
        };
    }
    r == 1
}

pub(super) fn iban(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = re(
        &RE,
        r"[A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]){11,32}|[a-z]{2}[0-9]{2}(?:[ -]?[a-z0-9]){11,32}",
    );
    let b = text.as_bytes();
    let mut cands = Vec::new();
    for &(a, z) in wins {
        let mut from = 0;
        let w = &text[a..z];
        while let Some(m) = re.find_at(w, from) {
            from = m.start() + 1;
            cands.push(M {
                text,
                start: a + m.start(),
                end: a + m.end(),
            });
        }
    }
    let mut next_free = 0;
    for m in cands {
        if m.start() < next_free {
            continue;
        }
        if m.start() > 0 && b[m.start() - 1].is_ascii_alphanumeric() {
            continue;
        }
        let cc = m.as_str()[..2].to_ascii_uppercase();
        let Some(len) = iban_length(&cc) else {
            continue;
        };
        // Take exactly the country's length of alphanumerics.
        let mut n = 0;
        let mut end = m.start();
        for (i, c) in m.as_str().char_indices() {
            if c.is_ascii_alphanumeric() {
                n += 1;
                end = m.start() + i + 1;
                if n == len {
                    break;
                }
            }
        }
        if n < len || (end < b.len() && b[end].is_ascii_alphanumeric()) {
            continue;
        }
        let raw = &text[m.start()..end];
        if consistent_separators(raw).is_none() {
            continue;
        }
        let compact: String = raw
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if !iban_valid(&compact) {
            continue;
        }
        out.push(Hit {
            entity: Entity::Iban,
            start: m.start(),
            end,
            confidence: 0.9,
            test_value: false,
            why: format!("{cc} IBAN: length {len} and mod-97 checksum valid"),
            steps: Vec::new(),
        });
        next_free = end;
    }
}
