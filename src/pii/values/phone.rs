//! Phone numbers: parsed and validated against libphonenumber's numbering
//! plans, dates and street addresses told apart.

use super::{digits, find_all, has_context, re, Entity, Hit};
use phonenumber::metadata::Database;
use regex::Regex;
use std::sync::OnceLock;
/// Whether the national number's length is possible for its country.
fn possible_length(db: &Database, n: &phonenumber::PhoneNumber) -> bool {
    let len = n.national().to_string().len() as u16;
    db.by_code(&n.code().value())
        .into_iter()
        .flatten()
        .any(|m| {
            let d = m.descriptors();
            [Some(d.general()), d.fixed_line(), d.mobile()]
                .into_iter()
                .flatten()
                .any(|x| x.possible_length().contains(&len))
        })
}

/// `phonenumber::is_valid_with`, which needs the national number to match
/// one of the number types (fixed line, mobile, toll free, ...) of a
/// territory of its code, and each match first checks the type's lengths: a
/// number no type has the length for is refused without compiling the
/// territories' patterns.
fn is_valid(db: &Database, n: &phonenumber::PhoneNumber) -> bool {
    let len = n.national().to_string().len() as u16;
    let fits = db
        .by_code(&n.code().value())
        .into_iter()
        .flatten()
        .any(|m| {
            let d = m.descriptors();
            [
                d.premium_rate(),
                d.toll_free(),
                d.shared_cost(),
                d.voip(),
                d.personal_number(),
                d.pager(),
                d.uan(),
                d.voicemail(),
                d.fixed_line(),
                d.mobile(),
            ]
            .into_iter()
            .flatten()
            .any(|t| t.possible_length().is_empty() || t.possible_length().contains(&len))
        });
    fits && phonenumber::is_valid_with(db, n)
}

/// `2012-10-01 00`: a date (and hour), not a number.
fn is_date_like(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(b[4], b'-' | b'.' | b'/')
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b[4]
}

/// Grouped as national phone numbers are printed: one kind of separator,
/// two to five groups of two digits or more (`415-555-0123`, `020 7946
/// 0958`, `0688 872 49 99`), not a decimal (`4.359 744 722`).
fn printed_like_a_phone(v: &str) -> bool {
    let mut seps = v.bytes().filter(|c| !c.is_ascii_digit());
    let first = seps.next();
    if seps.any(|c| Some(c) != first) {
        return false;
    }
    let groups: Vec<&str> = v.split(|c: char| !c.is_ascii_digit()).collect();
    if first == Some(b'-') && groups.len() == 2 && groups[0].len() == 5 && groups[1].len() == 4 {
        return false; // 02110-1301: a US ZIP+4 code
    }
    if first == Some(b'.') && groups.len() == 4 && groups.iter().all(|g| g.len() <= 3) {
        return false; // 255.255.255.254: an IPv4 address
    }
    if compact_date(groups[0]) {
        return false; // 20100102 121315: a date and time
    }
    let two = |g: &str| g.len() == 2;
    if first == Some(b'-') && groups.len() >= 3 && groups[groups.len() - 2..].iter().all(|g| two(g))
    {
        let n = |g: &str| g.parse::<u32>().unwrap_or(0);
        let (m, d) = (n(groups[groups.len() - 2]), n(groups[groups.len() - 1]));
        if (1..=12).contains(&m) && (1..=31).contains(&d) {
            return false; // 2147483700-02-05: a date
        }
    }
    let n: Vec<u64> = groups.iter().filter_map(|g| g.parse().ok()).collect();
    let counting = n.len() >= 3 && n.windows(2).all(|w| w[1] == w[0] + 1);
    (2..=5).contains(&groups.len()) && groups.iter().all(|g| g.len() >= 2) && !counting
}

/// `20100102`: a date written YYYYMMDD (years 1800 to 2199).
fn compact_date(g: &str) -> bool {
    let n = |r: std::ops::Range<usize>| g[r].parse::<u32>().unwrap_or(0);
    g.len() == 8
        && (1800..2200).contains(&n(0..4))
        && (1..=12).contains(&n(4..6))
        && (1..=31).contains(&n(6..8))
}

/// `224 4966 Bond Street`: a house number, not a phone number.
fn followed_by_street(rest: &str) -> bool {
    const STREET: &[&str] = &[
        "street",
        "st",
        "st.",
        "avenue",
        "ave",
        "ave.",
        "road",
        "rd",
        "rd.",
        "court",
        "ct",
        "lane",
        "ln",
        "drive",
        "dr",
        "dr.",
        "boulevard",
        "blvd",
        "way",
        "place",
        "pl",
        "square",
        "rua",
        "strasse",
        "straße",
        "via",
        "calle",
        "rue",
        "apt",
        "apt.",
        "suite",
        "highway",
        "hwy",
        "parkway",
        "pkwy",
        "terrace",
        "circle",
        "trail",
        "crescent",
        "plaza",
        "alley",
        "route",
    ];
    rest.split_whitespace()
        .take(4)
        .any(|w| STREET.contains(&w.trim_end_matches(',').to_lowercase().as_str()))
}

const PHONE_REGIONS: &[&str] = &[
    "US", "GB", "DE", "FR", "IL", "IN", "CA", "BR", "JP", "CN", "AU", "IT", "ES",
];

/// [`PHONE_REGIONS`] as phonenumber's ids.
fn phone_region_ids() -> &'static [phonenumber::country::Id] {
    static IDS: OnceLock<Vec<phonenumber::country::Id>> = OnceLock::new();
    IDS.get_or_init(|| {
        PHONE_REGIONS
            .iter()
            .filter_map(|r| r.parse().ok())
            .collect()
    })
}

/// phonenumber compiles its patterns lazily into one LRU cache of 100
/// regexes, fewer than the regions tried here use, so every candidate would
/// recompile some. Give each database a cache that holds them all.
fn hold_every_regex(db: &Database) {
    if let Ok(mut c) = db.cache().lock() {
        *c = regex_cache::RegexCache::new(8192);
    }
}

/// libphonenumber's plans for the country codes [`PHONE_REGIONS`] dial
/// into (generated by scripts/gen/phone_regions.py): 42 of its 254
/// territories, without the number formats (only formatting reads them)
/// and with `[0-9]` for `\d` (the same on the ASCII digits parsed here, and
/// a fraction of the cost to check and compile). Loading the whole database
/// checks the syntax of every pattern, ~60 ms, paid only when the subset
/// finds no country code for a number written with `+` or an international
/// prefix.
fn near_db() -> Option<&'static Database> {
    static DB: OnceLock<Option<Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let db = Database::parse(include_str!("../phone_regions.xml")).ok()?;
        hold_every_regex(&db);
        Some(db)
    })
    .as_ref()
}

fn full_db() -> &'static Database {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| hold_every_regex(&phonenumber::metadata::DATABASE));
    &phonenumber::metadata::DATABASE
}

/// `v` parsed as a number of `region` (or, with `None`, written with its
/// country code), with the database that holds its country code: the
/// same number and verdicts as the full database gives, since
/// [`near_db`] holds every territory of the codes it holds.
fn parse_phone(
    region: Option<phonenumber::country::Id>,
    v: &str,
) -> Option<(phonenumber::PhoneNumber, &'static Database)> {
    if let Some(near) = near_db() {
        match phonenumber::parse_with(near, region, v) {
            Err(phonenumber::ParseError::InvalidCountryCode) => {}
            r => return r.ok().map(|n| (n, near)),
        }
    }
    let full = full_db();
    phonenumber::parse_with(full, region, v)
        .ok()
        .map(|n| (n, full))
}

pub(super) fn phone(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = re(
        &RE,
        r"(?:\+[0-9]{1,3}[ .-]?)?(?:\([0-9]{1,4}\)[ .-]?)?[0-9]{1,5}(?:[ .-]?[0-9]{1,5}){0,5}",
    );
    let b = text.as_bytes();
    for m in find_all(re, text, wins) {
        let (s, mut e) = (m.start(), m.end());
        let v = m.as_str();
        // An extension: x565, ext. 12.
        let after = &text[e..];
        if let Some(x) = after
            .strip_prefix('x')
            .or_else(|| after.strip_prefix(" ext. "))
            .or_else(|| after.strip_prefix(" ext "))
        {
            let n = x.bytes().take_while(u8::is_ascii_digit).count();
            if (1..=5).contains(&n) {
                e += after.len() - x.len() + n;
            }
        }
        let d = digits(v);
        if !(7..=15).contains(&d.len()) || is_date_like(v) || followed_by_street(&text[e..]) {
            continue;
        }
        let glued = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'/';
        if (s > 0 && glued(b[s - 1]) && !v.starts_with('('))
            || (e < b.len()
                && glued(b[e])
                && !(b[e] == b'.' && (e + 1 == b.len() || !b[e + 1].is_ascii_digit())))
        {
            continue;
        }
        // A bare digit run, or a short national number, needs a hint: a
        // phone word before it or a label (office, fax, mobile) after it.
        let international = v.starts_with('+') || v.starts_with('(');
        let formatted = international || v.contains([' ', '-', '.']);
        let label_after = text[e..]
            .trim_start_matches(['-', ' ', ',', ':', '('])
            .split(|c: char| !c.is_alphabetic())
            .next()
            .is_some_and(|w| {
                [
                    "office", "fax", "mobile", "cell", "home", "work", "tel", "phone",
                ]
                .contains(&w.to_lowercase().as_str())
            });
        let hinted = has_context(text, s, Entity::Phone) || label_after;
        let seps = v.chars().filter(|c| matches!(c, ' ' | '-' | '.')).count();
        let lone_dot = seps == 1 && v.contains('.');
        if !international && lone_dot {
            continue; // 12.3456789: a decimal, even beside the word `mobile`
        }
        if !international && seps == 0 && d.len() <= 8 && !hinted {
            continue; // 1234-5678: an id, not a phone
        }
        if (!formatted || (!international && d.len() <= 8)) && !hinted {
            continue;
        }
        // `(1975) 165-184`: a year and pages in a citation.
        let year_paren = v.starts_with('(')
            && v[1..]
                .split(')')
                .next()
                .is_some_and(|y| y.len() == 4 && (y.starts_with('1') || y.starts_with('2')));
        if year_paren && !v.starts_with('+') {
            continue;
        }
        if !international && !hinted && !printed_like_a_phone(v) {
            continue; // 4.359 744 722, 10 11 12 13 14: numbers, not a phone
        }
        let mut possible_only = false;
        let valid = if v.starts_with('+') {
            match parse_phone(None, v) {
                Some((n, db)) if is_valid(db, &n) => true,
                // Right length for the country's plan, in an unassigned or
                // fiction range: still a phone number, less surely.
                Some((n, db)) => {
                    possible_only = possible_length(db, &n);
                    possible_only
                }
                None => false,
            }
        } else {
            phone_region_ids()
                .iter()
                .any(|&id| parse_phone(Some(id), v).is_some_and(|(n, db)| is_valid(db, &n)))
        };
        if !valid {
            continue;
        }
        // 555-0100..0199 is reserved for fiction in the NANP.
        let tail: String = d
            .iter()
            .rev()
            .take(7)
            .rev()
            .map(|x| char::from(b'0' + x))
            .collect();
        let test = tail.starts_with("55501");
        out.push(Hit {
            entity: Entity::Phone,
            start: s,
            end: e,
            confidence: if possible_only { 0.4 } else { 0.5 },
            test_value: test,
            why: if test {
                "phone number in the NANP's 555-01xx fiction range".into()
            } else if possible_only {
                "international phone number of a possible length for its country (range not assigned)".into()
            } else {
                "phone number valid in its numbering plan".into()
            },
            steps: Vec::new(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the phone detector learns of `v` in `region`: through
    /// [`parse_phone`] and [`is_valid`], or from phonenumber alone with the
    /// full database.
    fn phone_verdict(
        region: Option<phonenumber::country::Id>,
        v: &str,
        two_tier: bool,
    ) -> Option<(u16, String, bool, bool)> {
        let (n, db, valid) = if two_tier {
            let (n, db) = parse_phone(region, v)?;
            let valid = is_valid(db, &n);
            (n, db, valid)
        } else {
            let full = full_db();
            let n = phonenumber::parse_with(full, region, v).ok()?;
            let valid = phonenumber::is_valid_with(full, &n);
            (n, full, valid)
        };
        Some((
            n.code().value(),
            n.national().to_string(),
            valid,
            possible_length(db, &n),
        ))
    }

    fn regions() -> Vec<Option<phonenumber::country::Id>> {
        let mut r: Vec<_> = phone_region_ids().iter().copied().map(Some).collect();
        r.push(None);
        r
    }

    #[test]
    fn the_near_phone_database_holds_every_territory_of_its_codes() {
        let (near, full) = (near_db().expect("phone_regions.xml loads"), full_db());
        let mut codes: Vec<u16> = near.iter().map(|m| m.country_code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(phone_region_ids().len(), PHONE_REGIONS.len());
        for r in PHONE_REGIONS {
            let m = near.by_id(*r).unwrap_or_else(|| panic!("{r} missing"));
            assert_eq!(
                Some(m.country_code()),
                full.by_id(*r).map(|m| m.country_code())
            );
        }
        for c in codes {
            let ids = |db: &'static Database| {
                let mut v = db.region(&c).unwrap_or_default();
                v.sort_unstable();
                v
            };
            assert_eq!(ids(near), ids(full), "territories of +{c}");
        }
    }

    #[test]
    fn near_and_full_phone_databases_agree_on_example_numbers_and_neighbours() {
        let (near, full) = (near_db().unwrap(), full_db());
        let mut cases = vec!["0049 30 123456".to_string(), "00 7 495 123 45 67".into()];
        // Every territory of the near codes, as the full database has them,
        // and every eighth other one (numbers dialled abroad).
        let mut territories: Vec<_> = full.iter().collect();
        territories.sort_by_key(|m| m.id());
        let territories = territories
            .into_iter()
            .enumerate()
            .filter(|(i, m)| near.by_code(&m.country_code()).is_some() || i % 8 == 0);
        for (_, m) in territories {
            let d = m.descriptors();
            let descs = [
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.voip(),
            ];
            for ex in descs.into_iter().flatten().filter_map(|x| x.example()) {
                let mut off = ex.to_string();
                let last = off.pop().map_or(0, |c| c.to_digit(10).unwrap_or(0));
                off.push(char::from_digit((last + 1) % 10, 10).unwrap());
                cases.extend([
                    ex.to_string(),
                    format!("0{ex}"),
                    format!("{ex}1"),
                    ex[1..].to_string(),
                    off,
                    format!("+{} {ex}", m.country_code()),
                    format!("00{} {ex}", m.country_code()),
                ]);
            }
        }
        let mut valid = 0;
        for v in &cases {
            for r in regions() {
                let got = phone_verdict(r, v, true);
                assert_eq!(got, phone_verdict(r, v, false), "{v} in {r:?}");
                valid += usize::from(got.is_some_and(|g| g.2));
            }
        }
        assert!(valid > 1000, "only {valid} valid numbers among the cases");
    }

    proptest::proptest! {
        #[test]
        fn near_and_full_phone_databases_agree_on_any_digits(
            prefix in proptest::sample::select(vec!["", "+", "0", "00", "011", "+7", "+351", "(0"]),
            digits in "[0-9]{5,13}",
            sep in proptest::sample::select(vec!["", " ", "-", ") "]),
        ) {
            let v = format!("{prefix}{}{sep}{}", &digits[..3], &digits[3..]);
            for r in regions() {
                proptest::prop_assert_eq!(phone_verdict(r, &v, true), phone_verdict(r, &v, false), "{} in {:?}", v, r);
            }
        }
    }
}
