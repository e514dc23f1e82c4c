//! Value detectors: PII written out in text (emails, phone numbers, payment
//! cards, IBANs, US SSNs, national IDs with a checksum, IP addresses). Every
//! candidate is validated (checksum, numbering plan, issuer range, reserved
//! ranges) before it becomes a hit; context words raise the confidence, and
//! well-known test values are kept but marked, so they can be downgraded.
//! One file per detector family; this module finds where values can be
//! (digit spans, `@`, colons) and resolves overlaps.

use regex::Regex;
use std::sync::OnceLock;

mod card;
mod email;
mod iban;
mod national_id;
mod neighbours;
mod net;
mod phone;

use card::card;
use email::email;
use iban::iban;
pub use iban::iban_valid;
use national_id::{aadhaar, fi_pic, nhs, nif, pesel, ssn};
use neighbours::has_context;
use net::{ip, ip6};
use phone::phone;

/// A detected value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    /// An email address.
    Email,
    /// A phone number valid in a numbering plan.
    Phone,
    /// A payment card number (Luhn and issuer range).
    CreditCard,
    /// An IBAN (country length and mod-97).
    Iban,
    /// A US social security number.
    UsSsn,
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// A UK NHS number (mod 11).
    UkNhs,
    /// A Spanish NIF/DNI (mod 23 letter).
    EsNif,
    /// A Polish PESEL (weighted checksum).
    PlPesel,
    /// An Indian Aadhaar number (Verhoeff).
    InAadhaar,
    /// A Finnish personal identity code (mod 31).
    FiPic,
}

impl Entity {
    /// Every value entity.
    pub const ALL: [Entity; 11] = [
        Entity::Email,
        Entity::Phone,
        Entity::CreditCard,
        Entity::Iban,
        Entity::UsSsn,
        Entity::IpAddress,
        Entity::UkNhs,
        Entity::EsNif,
        Entity::PlPesel,
        Entity::InAadhaar,
        Entity::FiPic,
    ];

    /// The entity's name (Presidio's spelling).
    pub fn name(self) -> &'static str {
        match self {
            Entity::Email => "EMAIL_ADDRESS",
            Entity::Phone => "PHONE_NUMBER",
            Entity::CreditCard => "CREDIT_CARD",
            Entity::Iban => "IBAN_CODE",
            Entity::UsSsn => "US_SSN",
            Entity::IpAddress => "IP_ADDRESS",
            Entity::UkNhs => "UK_NHS",
            Entity::EsNif => "ES_NIF",
            Entity::PlPesel => "PL_PESEL",
            Entity::InAadhaar => "IN_AADHAAR",
            Entity::FiPic => "FI_PERSONAL_IDENTITY_CODE",
        }
    }

    /// The rule id of its findings.
    pub fn rule(self) -> &'static str {
        match self {
            Entity::Email => "pii/value/email",
            Entity::Phone => "pii/value/phone",
            Entity::CreditCard => "pii/value/credit-card",
            Entity::Iban => "pii/value/iban",
            Entity::UsSsn => "pii/value/us-ssn",
            Entity::IpAddress => "pii/value/ip-address",
            Entity::UkNhs => "pii/value/uk-nhs",
            Entity::EsNif => "pii/value/es-nif",
            Entity::PlPesel => "pii/value/pl-pesel",
            Entity::InAadhaar => "pii/value/in-aadhaar",
            Entity::FiPic => "pii/value/fi-pic",
        }
    }

    /// From a name or rule id.
    pub fn parse(s: &str) -> Option<Entity> {
        Entity::ALL
            .into_iter()
            .find(|e| e.name().eq_ignore_ascii_case(s) || e.rule() == s)
    }

    /// Words that, shortly before a value, make it more likely to be one.
    fn context(self) -> &'static [&'static str] {
        match self {
            Entity::Email => &["email", "e-mail", "mail", "contact"],
            Entity::Phone => &[
                "phone", "tel", "mobile", "cell", "call", "fax", "whatsapp", "contact",
            ],
            Entity::CreditCard => &["card", "credit", "visa", "mastercard", "amex", "cc", "pan"],
            Entity::Iban => &["iban", "bank", "account", "transfer"],
            Entity::UsSsn => &["ssn", "social security", "social sec", "ss#", "ssa"],
            Entity::IpAddress => &["ip", "address", "host", "server", "addr"],
            Entity::UkNhs => &["nhs", "health", "patient"],
            Entity::EsNif => &["nif", "dni", "documento", "identidad"],
            Entity::PlPesel => &["pesel"],
            Entity::InAadhaar => &["aadhaar", "aadhar", "uidai", "uid"],
            Entity::FiPic => &[
                "hetu",
                "henkilötunnus",
                "personal identity",
                "identity code",
            ],
        }
    }
}

/// One value found in a text.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// What it is.
    pub entity: Entity,
    /// Byte offsets `[start, end)`.
    pub start: usize,
    /// End offset.
    pub end: usize,
    /// 0..1: how sure the detector is.
    pub confidence: f64,
    /// A published test or documentation value (example.com, 4111…, 555-01xx).
    pub test_value: bool,
    /// What was checked, in words.
    pub why: String,
    /// How the confidence came about: each step and the confidence after it
    /// (filled in by [`scan`]).
    pub steps: Vec<(String, f64)>,
}

/// Detector settings.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Report private, loopback, link-local and documentation IP ranges too.
    pub ip_private: bool,
    /// Only these entities (all when empty).
    pub only: Vec<Entity>,
}

/// A regex match at absolute offsets of the scanned text.
struct M<'t> {
    text: &'t str,
    start: usize,
    end: usize,
}

impl<'t> M<'t> {
    fn start(&self) -> usize {
        self.start
    }
    fn end(&self) -> usize {
        self.end
    }
    fn as_str(&self) -> &'t str {
        &self.text[self.start..self.end]
    }

    /// A hit on this match (not a known test value).
    fn hit(&self, entity: Entity, confidence: f64, why: impl Into<String>) -> Hit {
        Hit {
            entity,
            start: self.start,
            end: self.end,
            confidence,
            test_value: false,
            why: why.into(),
            steps: Vec::new(),
        }
    }
}

/// Matches of `re` inside the windows (absolute offsets).
fn find_all<'t>(re: &Regex, text: &'t str, wins: &[(usize, usize)]) -> Vec<M<'t>> {
    let mut out = Vec::new();
    for &(a, b) in wins {
        for m in re.find_iter(&text[a..b]) {
            out.push(M {
                text,
                start: a + m.start(),
                end: a + m.end(),
            });
        }
    }
    out
}

/// Offers every match of `re` inside the windows to `take`, which says
/// whether it is a value. After a value the search goes on past it; after a
/// rejected match it goes on from the next digit group inside that match, so
/// an invalid candidate (`2000 4539 1488 0343`) cannot hide a valid one that
/// overlaps it (`4539 1488 0343 6467`).
fn find_each<'t>(
    re: &Regex,
    text: &'t str,
    wins: &[(usize, usize)],
    mut take: impl FnMut(M<'t>) -> bool,
) {
    for &(a, b) in wins {
        let hay = &text[..b];
        let bytes = hay.as_bytes();
        let mut pos = a;
        while let Some(m) = re.find_at(hay, pos) {
            let found = M {
                text,
                start: m.start(),
                end: m.end(),
            };
            pos = if take(found) {
                m.end()
            } else {
                (m.start() + 1..m.end())
                    .find(|&i| bytes[i].is_ascii_digit() && !bytes[i - 1].is_ascii_digit())
                    .unwrap_or(m.end())
            };
            if m.end() == m.start() {
                pos = m.end() + 1;
            }
            if pos > hay.len() {
                break;
            }
        }
    }
}

/// Widens seed ranges by `before`/`after` bytes (on char boundaries) and
/// merges overlaps, so detectors only look where a value can be.
fn widen(
    text: &str,
    seeds: impl Iterator<Item = (usize, usize)>,
    before: usize,
    after: usize,
) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (s, e) in seeds {
        let mut a = s.saturating_sub(before);
        while !text.is_char_boundary(a) {
            a -= 1;
        }
        let mut b = (e + after).min(text.len());
        while !text.is_char_boundary(b) {
            b += 1;
        }
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Where [`phone`] looks: around the spans with 7 digits or more. A phone
/// number's 7 to 15 digits lie in one span, since the candidate pattern
/// joins its digit groups with single separators.
fn phone_windows(text: &str, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let long = spans
        .iter()
        .copied()
        .filter(|&(a, e)| b[a..e].iter().filter(|c| c.is_ascii_digit()).count() >= 7);
    widen(text, long, 40, 24)
}

/// Runs of digits joined by at most three separator bytes, with at least
/// four digits: where every number-shaped value must lie.
fn digit_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut count = 0;
        let mut j = i;
        while j < b.len() {
            if b[j].is_ascii_digit() {
                count += 1;
                j += 1;
                end = j;
            } else {
                let mut k = j;
                while k < b.len() && k - j < 3 && b" .-:()/+".contains(&b[k]) {
                    k += 1;
                }
                if k > j && k < b.len() && b[k].is_ascii_digit() {
                    j = k;
                } else {
                    break;
                }
            }
        }
        if count >= 4 {
            spans.push((start, end));
        }
        i = end.max(i + 1);
    }
    spans
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid built-in regex"))
}

/// True when the byte before `start` and at `end` are not word characters
/// (letters, digits, `_`), so `abc123456789` is not a number.
fn isolated(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    (start == 0 || !word(b[start - 1])) && (end >= b.len() || !word(b[end]))
}

fn digits(s: &str) -> Vec<u8> {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect()
}

/// The separators between digit groups are all the same (or absent).
fn consistent_separators(s: &str) -> Option<Option<char>> {
    let mut sep = None;
    for c in s.chars().filter(|c| !c.is_ascii_alphanumeric()) {
        match sep {
            None => sep = Some(c),
            Some(x) if x != c => return None,
            _ => {}
        }
    }
    Some(sep)
}

/// Luhn checksum.
pub fn luhn(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 {
                    y - 9
                } else {
                    y
                }
            } else {
                x
            }
        })
        .sum();
    !d.is_empty() && sum.is_multiple_of(10)
}

/// Every enabled detector's validated candidates, before their
/// surroundings are judged.
fn candidates(text: &str, opts: &Options) -> Vec<Hit> {
    let on = |e: Entity| opts.only.is_empty() || opts.only.contains(&e);
    let mut hits = Vec::new();
    if on(Entity::Email) && text.contains('@') {
        let at = text.match_indices('@').map(|(i, _)| (i, i + 1));
        email(text, &widen(text, at, 64, 256), &mut hits);
    }
    let spans = digit_spans(text);
    if !spans.is_empty() {
        let w = widen(text, spans.iter().copied(), 40, 24);
        if on(Entity::CreditCard) {
            card(text, &w, &mut hits);
        }
        if on(Entity::Iban) {
            iban(text, &w, &mut hits);
        }
        if on(Entity::UsSsn) {
            ssn(text, &w, &mut hits);
        }
        if on(Entity::IpAddress) {
            ip(text, &w, opts, &mut hits);
        }
        if on(Entity::UkNhs) {
            nhs(text, &w, &mut hits);
        }
        if on(Entity::EsNif) {
            nif(text, &w, &mut hits);
        }
        if on(Entity::PlPesel) {
            pesel(text, &w, &mut hits);
        }
        if on(Entity::InAadhaar) {
            aadhaar(text, &w, &mut hits);
        }
        if on(Entity::FiPic) {
            fi_pic(text, &w, &mut hits);
        }
        if on(Entity::Phone) {
            phone(text, &phone_windows(text, &spans), &mut hits);
        }
    }
    if on(Entity::IpAddress) && text.contains(':') {
        // IPv6: around colons next to hex digits or other colons.
        let b = text.as_bytes();
        let seeds = (0..b.len()).filter(|&i| {
            b[i] == b':'
                && ((i + 1 < b.len() && (b[i + 1] == b':' || b[i + 1].is_ascii_hexdigit()))
                    && (i == 0
                        || b[i - 1] == b':'
                        || b[i - 1].is_ascii_hexdigit()
                        || b[i - 1] == b' '))
        });
        ip6(
            text,
            &widen(text, seeds.map(|i| (i, i + 1)), 40, 40),
            opts,
            &mut hits,
        );
    }
    hits
}

impl Hit {
    /// Records a step that sets the confidence to `to`.
    fn adjust(&mut self, what: &str, to: f64) {
        self.confidence = to;
        self.why.push_str("; ");
        self.why.push_str(what);
        self.steps.push((what.to_string(), to));
    }
}

/// `t` alone is a value of `e` (for the table check of its neighbours).
fn valid_alone(t: &str, e: Entity) -> bool {
    let opts = Options {
        ip_private: true,
        only: vec![e],
    };
    candidates(t, &opts)
        .iter()
        .any(|h| h.start == 0 && h.end == t.len())
}

/// Entities written as digits, judged by the digits around them.
fn numeric(e: Entity) -> bool {
    !matches!(e, Entity::Email)
}

/// Entities whose bare digit runs are checked against their neighbours.
fn checked_in_tables(e: Entity) -> bool {
    matches!(
        e,
        Entity::CreditCard | Entity::UsSsn | Entity::UkNhs | Entity::PlPesel | Entity::InAadhaar
    )
}

/// Scans `text` with every enabled detector; hits are sorted by position and
/// never overlap (the more specific, more confident one wins). A candidate
/// that is part of a longer token is dropped; one that spans cells of a row
/// of numbers or is likely chance in a table of numbers is kept (so it is
/// redacted) below any useful confidence.
pub fn scan(text: &str, opts: &Options) -> Vec<Hit> {
    let hits = candidates(text, opts);
    let mut hits: Vec<(bool, Hit)> = hits
        .into_iter()
        .filter(|h| {
            !numeric(h.entity)
                || neighbours::part_of_longer(text, h.start, h.end, h.entity).is_none()
        })
        .map(|mut h| {
            h.steps.push((h.why.clone(), h.confidence));
            let spans = neighbours::spans_cells(text, h.start, h.end);
            let chance = checked_in_tables(h.entity)
                .then(|| {
                    neighbours::chance_in_table(text, h.start, h.end, |t| valid_alone(t, h.entity))
                })
                .flatten();
            let labelled = has_context(text, h.start, h.entity);
            if labelled {
                h.adjust("context word nearby", (h.confidence + 0.3).min(1.0));
            }
            let other = (numeric(h.entity) && !labelled)
                .then(|| neighbours::number_word(text, h.start))
                .flatten();
            if let Some(t) = numeric(h.entity)
                .then(|| neighbours::int_type(text, h.start))
                .flatten()
            {
                h.adjust(
                    &format!("declared `{t}`: an integer constant"),
                    h.confidence.min(0.1),
                );
            }
            if let Some(w) = other {
                h.adjust(
                    &format!("`{w}` before it: a number of another kind"),
                    h.confidence.min(0.1),
                );
            }
            if let Some(why) = spans {
                h.adjust(why, h.confidence.min(0.1));
            }
            if let Some(why) = chance {
                h.adjust(&why, h.confidence.min(0.1));
            }
            if h.entity == Entity::Email {
                if let Some(why) = neighbours::attribution(text, h.start, h.end) {
                    h.adjust(why, h.confidence.min(0.2));
                }
            }
            if h.test_value {
                h.adjust("a published sample value", h.confidence.min(0.3));
            }
            (labelled, h)
        })
        .collect();
    // Overlaps: a hit whose own context word is nearby (`ssn: 123-45-6789`)
    // wins, then the more confident one (ties: the earlier detector).
    hits.sort_by(|(la, a), (lb, b)| {
        lb.cmp(la)
            .then(b.confidence.total_cmp(&a.confidence))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Hit> = Vec::new();
    for (_, h) in hits {
        if kept.iter().all(|k| h.end <= k.start || h.start >= k.end) {
            kept.push(h);
        }
    }
    kept.sort_by_key(|h| h.start);
    kept
}

#[cfg(test)]
mod tests;
