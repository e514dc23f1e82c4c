//! National identity numbers with a checksum or a structure to validate:
//! US SSN, UK NHS, Spanish NIF, Polish PESEL, Indian Aadhaar, Finnish PIC.

use super::{consistent_separators, digits, find_all, isolated, re, Entity, Hit};
use regex::Regex;
use std::sync::OnceLock;
pub(super) fn ssn(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = re(&RE, r"[0-9]{3}[ .-]?[0-9]{2}[ .-]?[0-9]{4}");
    for m in find_all(re, text, wins) {
        if !isolated(text, m.start(), m.end()) {
            continue;
        }
        let Some(sep) = consistent_separators(m.as_str()) else {
            continue;
        };
        let d = digits(m.as_str());
        let s: String = d.iter().map(|x| char::from(b'0' + x)).collect();
        let (area, group, serial) = (&s[..3], &s[3..5], &s[5..]);
        let area_n: u32 = area.parse().unwrap_or(0);
        if area == "000" || area == "666" || area_n >= 900 || group == "00" || serial == "0000" {
            continue;
        }
        if d.iter().all(|&x| x == d[0]) || s == "078051120" || s == "219099999" {
            continue; // voided by the SSA (the Woolworth and SSA-card samples)
        }
        // Documentation samples: 123-45-6789, 987-65-432x, and groups of
        // one repeated digit (111-22-3333).
        let one_digit = |g: &str| g.bytes().all(|c| c == g.as_bytes()[0]);
        let test = s == "123456789"
            || s.starts_with("98765432")
            || (one_digit(area) && one_digit(group) && one_digit(serial));
        let seps = m.as_str().chars().filter(|c| !c.is_ascii_digit()).count();
        let confidence = match (sep, seps) {
            (None, _) => 0.05,
            (Some(_), 1) => 0.2,
            _ => 0.5,
        };
        out.push(Hit {
            test_value: test,
            ..m.hit(
                Entity::UsSsn,
                confidence,
                "US SSN shape with a valid area, group and serial",
            )
        });
    }
}

pub(super) fn nhs(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = re(&RE, r"[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}");
    for m in find_all(re, text, wins) {
        if !isolated(text, m.start(), m.end()) || consistent_separators(m.as_str()).is_none() {
            continue;
        }
        let d = digits(m.as_str());
        let sum: u32 = d[..9]
            .iter()
            .enumerate()
            .map(|(i, &x)| u32::from(x) * (10 - i as u32))
            .sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => continue,
            c => c,
        };
        if check != u32::from(d[9]) || d.iter().all(|&x| x == d[0]) {
            continue;
        }
        let bare = m.as_str().bytes().all(|c| c.is_ascii_digit());
        out.push(m.hit(
            Entity::UkNhs,
            if bare { 0.1 } else { 0.4 },
            "NHS number, mod-11 check digit valid",
        ));
    }
}

pub(super) fn nif(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = re(&RE, r"(?i)[0-9]{7,8}-?[A-Z]");
    const LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    for m in find_all(re, text, wins) {
        if !isolated(text, m.start(), m.end()) {
            continue;
        }
        let s = m.as_str();
        let num: u32 = s[..s.len() - 1].trim_end_matches('-').parse().unwrap_or(0);
        let letter = s.as_bytes()[s.len() - 1].to_ascii_uppercase();
        if LETTERS[(num % 23) as usize] != letter {
            continue;
        }
        // Control letters are printed in capitals; `0000007f` is hex.
        let lower = letter != s.as_bytes()[s.len() - 1];
        out.push(Hit {
            // The sample DNI of forms and documentation.
            test_value: num == 12345678,
            ..m.hit(
                Entity::EsNif,
                if lower { 0.2 } else { 0.5 },
                "Spanish NIF/DNI, mod-23 control letter valid",
            )
        });
    }
}

pub(super) fn pesel(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = re(&RE, r"[0-9]{11}");
    const W: [u32; 10] = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    for m in find_all(re, text, wins) {
        if !isolated(text, m.start(), m.end()) {
            continue;
        }
        let d = digits(m.as_str());
        let sum: u32 = d[..10].iter().zip(W).map(|(&x, w)| u32::from(x) * w).sum();
        let month = u32::from(d[2]) * 10 + u32::from(d[3]);
        let day = u32::from(d[4]) * 10 + u32::from(d[5]);
        if (10 - sum % 10) % 10 != u32::from(d[10])
            || !(1..=31).contains(&day)
            || month % 20 == 0
            || month % 20 > 12
        {
            continue;
        }
        out.push(m.hit(
            Entity::PlPesel,
            0.2,
            "PESEL: birth date and weighted checksum valid",
        ));
    }
}

/// Verhoeff checksum.
fn verhoeff(d: &[u8]) -> bool {
    const D: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let mut c = 0u8;
    for (i, &x) in d.iter().rev().enumerate() {
        c = D[c as usize][P[i % 8][x as usize] as usize];
    }
    c == 0
}

pub(super) fn aadhaar(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = re(&RE, r"[2-9][0-9]{3}[ :-]?[0-9]{4}[ :-]?[0-9]{4}");
    for m in find_all(re, text, wins) {
        if !isolated(text, m.start(), m.end()) || consistent_separators(m.as_str()).is_none() {
            continue;
        }
        let d = digits(m.as_str());
        if !verhoeff(&d) || d.iter().all(|&x| x == d[0]) {
            continue;
        }
        let bare = m.as_str().bytes().all(|c| c.is_ascii_digit());
        out.push(m.hit(
            Entity::InAadhaar,
            if bare { 0.1 } else { 0.3 },
            "Aadhaar number, Verhoeff checksum valid",
        ));
    }
}

pub(super) fn fi_pic(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = re(&RE, r"[0-9]{6}[-+ABCDEFUVWXY][0-9]{3}[0-9A-Y]");
    const CHECK: &[u8] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
    for m in find_all(re, text, wins) {
        let b = text.as_bytes();
        if (m.start() > 0 && b[m.start() - 1].is_ascii_digit())
            || (m.end() < b.len() && b[m.end()].is_ascii_alphanumeric())
        {
            continue;
        }
        let s = m.as_str().as_bytes();
        let num: u64 = format!("{}{}", &m.as_str()[..6], &m.as_str()[7..10])
            .parse()
            .unwrap_or(0);
        let day = u32::from(s[0] - b'0') * 10 + u32::from(s[1] - b'0');
        let month = u32::from(s[2] - b'0') * 10 + u32::from(s[3] - b'0');
        let century = match s[6] {
            b'+' => 1800,
            b'-' | b'U'..=b'Y' => 1900,
            _ => 2000,
        };
        let year = century + u32::from(s[4] - b'0') * 10 + u32::from(s[5] - b'0');
        if CHECK[(num % 31) as usize] != s[10] || !valid_date(year, month, day) {
            continue;
        }
        out.push(m.hit(
            Entity::FiPic,
            0.6,
            "Finnish personal identity code, date and mod-31 check valid",
        ));
    }
}

/// A real calendar date.
fn valid_date(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verhoeff_checksum() {
        assert!(verhoeff(&digits("2363")));
        assert!(!verhoeff(&digits("2364")));
    }
}
