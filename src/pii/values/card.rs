//! Payment card numbers: Luhn-valid, with a known issuer's prefix and length.

use super::{digits, find_each, isolated, luhn, re, Entity, Hit};
use regex::Regex;
use std::sync::OnceLock;
const TEST_CARDS: &[&str] = &[
    "4111111111111111",
    "4012888888881881",
    "4222222222222",
    "4242424242424242",
    "4000056655665556",
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "378734493671000",
    "6011111111111117",
    "6011000990139424",
    "3530111333300000",
    "3566002020360505",
    "30569309025904",
    "38520000023237",
    "6200000000000005",
];

/// The issuer of a card number, if its prefix and length fit one.
fn issuer(d: &[u8]) -> Option<&'static str> {
    let n = d.len();
    let p = |k: usize| d[..k].iter().fold(0u32, |a, &x| a * 10 + u32::from(x));
    Some(match d[0] {
        0 if p(4) == 604 && (12..=19).contains(&n) => "Maestro",
        1 if p(4) == 1800 && n == 15 => "JCB",
        1 if n == 15 => "UATP",
        2 if p(4) == 2131 && n == 15 => "JCB",
        2 if (2221..=2720).contains(&p(4)) && n == 16 => "Mastercard",
        3 if (p(2) == 34 || p(2) == 37) && n == 15 => "American Express",
        3 if (p(2) == 35 && (16..=19).contains(&n))
            || ([3088, 3096, 3112, 3158, 3337].contains(&p(4)) && n == 16) =>
        {
            "JCB"
        }
        3 if ((300..=305).contains(&p(3)) || p(3) == 309 || [36, 38, 39].contains(&p(2)))
            && (14..=19).contains(&n) =>
        {
            "Diners Club"
        }
        4 if [13, 16, 19].contains(&n) => "Visa",
        5 if (51..=55).contains(&p(2)) && n == 16 => "Mastercard",
        5 if p(2) == 50 || (56..=59).contains(&p(2)) && (12..=19).contains(&n) => "Maestro",
        6 if (12..=19).contains(&n) => {
            if p(4) == 6011 || p(2) == 65 || (644..=649).contains(&p(3)) {
                "Discover"
            } else if p(2) == 62 {
                "UnionPay"
            } else {
                "Maestro"
            }
        }
        _ => return None,
    })
}

pub(super) fn card(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    // Grouped forms first (4-4-4-x, Amex/Diners 4-6-5/4), then plain runs.
    let re = re(
        &RE,
        r"[0-9]{4}(?: [0-9]{4}){2} [0-9]{1,7}|[0-9]{4}(?:-[0-9]{4}){2}-[0-9]{1,7}|[0-9]{4} [0-9]{6} [0-9]{4,5}|[0-9]{4}-[0-9]{6}-[0-9]{4,5}|[0-9]{12,19}",
    );
    find_each(re, text, wins, |m| {
        if !isolated(text, m.start(), m.end()) {
            return false;
        }
        let d = digits(m.as_str());
        let Some(who) = issuer(&d) else { return false };
        if !luhn(&d) {
            return false;
        }
        let plain: String = d.iter().map(|x| char::from(b'0' + x)).collect();
        let test = TEST_CARDS.contains(&plain.as_str());
        let bare = m.as_str().bytes().all(|c| c.is_ascii_digit());
        // One run of 12 to 19 digits passes Luhn and an issuer's prefix by
        // chance often enough in code (seeds, constants): grouped as cards
        // are printed it is surer.
        let confidence = if bare { 0.6 } else { 0.8 };
        out.push(Hit {
            test_value: test,
            ..m.hit(
                Entity::CreditCard,
                confidence,
                format!(
                    "{who} card number{}, Luhn checksum valid{}",
                    if bare { "" } else { " grouped as printed" },
                    if test { "; a published test card" } else { "" }
                ),
            )
        });
        true
    });
}
