//! Value detectors: PII written out in text (emails, phone numbers, payment
//! cards, IBANs, US SSNs, national IDs with a checksum, IP addresses). Every
//! candidate is validated (checksum, numbering plan, issuer range, reserved
//! ranges) before it becomes a hit; context words raise the confidence, and
//! well-known test values are kept but marked, so they can be downgraded.

use phonenumber::metadata::Database;
use regex::Regex;
use std::sync::OnceLock;

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

fn has_context(text: &str, start: usize, e: Entity) -> bool {
    let mut from = start.saturating_sub(48);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let before = text[from..start].to_lowercase();
    e.context().iter().any(|w| before.contains(w))
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

/// Scans `text` with every enabled detector; hits are sorted by position and
/// never overlap (the more specific, more confident one wins).
pub fn scan(text: &str, opts: &Options) -> Vec<Hit> {
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
    for h in &mut hits {
        if has_context(text, h.start, h.entity) {
            h.confidence = (h.confidence + 0.3).min(1.0);
            h.why.push_str("; context word nearby");
        }
        if h.test_value {
            h.confidence = h.confidence.min(0.3);
        }
    }
    // Overlaps: keep the more confident hit (ties: the earlier detector).
    hits.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Hit> = Vec::new();
    for h in hits {
        if kept.iter().all(|k| h.end <= k.start || h.start >= k.end) {
            kept.push(h);
        }
    }
    kept.sort_by_key(|h| h.start);
    kept
}

// ------------------------------------------------------------------ email

const FILE_TLDS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "js", "ts", "css", "map", "json", "min",
];
const TEST_DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "test.com"];
const TEST_TLDS: &[&str] = &["example", "test", "invalid", "localhost", "local"];

fn email(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
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
            || (e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'-'))
        {
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
        });
    }
}

// ------------------------------------------------------------------ cards

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

fn card(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
    static RE: OnceLock<Regex> = OnceLock::new();
    // Grouped forms first (4-4-4-x, Amex/Diners 4-6-5/4), then plain runs.
    let re = re(
        &RE,
        r"[0-9]{4}(?: [0-9]{4}){2} [0-9]{1,7}|[0-9]{4}(?:-[0-9]{4}){2}-[0-9]{1,7}|[0-9]{4} [0-9]{6} [0-9]{4,5}|[0-9]{4}-[0-9]{6}-[0-9]{4,5}|[0-9]{12,19}",
    );
    for m in find_all(re, text, wins) {
        if !isolated(text, m.start(), m.end()) {
            continue;
        }
        let d = digits(m.as_str());
        let Some(who) = issuer(&d) else { continue };
        if m.as_str().bytes().all(|c| c.is_ascii_digit())
            && in_number_table(text, m.start(), m.end())
        {
            continue;
        }
        if !luhn(&d) {
            continue;
        }
        let plain: String = d.iter().map(|x| char::from(b'0' + x)).collect();
        let test = TEST_CARDS.contains(&plain.as_str());
        out.push(Hit {
            entity: Entity::CreditCard,
            start: m.start(),
            end: m.end(),
            confidence: 0.8,
            test_value: test,
            why: format!(
                "{who} card number, Luhn checksum valid{}",
                if test { "; a published test card" } else { "" }
            ),
        });
    }
}

/// A bare digit run that is a decimal fraction (`0.6144207238920768`) or one
/// of several long numbers on its line (a table of constants).
fn in_number_table(text: &str, s: usize, e: usize) -> bool {
    let b = text.as_bytes();
    if s > 0 && b[s - 1] == b'.' {
        return true;
    }
    let ls = text[..s].rfind('\n').map_or(0, |i| i + 1);
    let le = text[e..].find('\n').map_or(text.len(), |i| e + i);
    let line = &text[ls..le];
    let long = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() >= 10)
        .count();
    long >= 2
}

// ------------------------------------------------------------------- IBAN

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

fn iban(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
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
        });
        next_free = end;
    }
}

// -------------------------------------------------------------------- SSN

fn ssn(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
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
        let test = s == "123456789" || s.starts_with("98765432");
        let seps = m.as_str().chars().filter(|c| !c.is_ascii_digit()).count();
        let confidence = match (sep, seps) {
            (None, _) => 0.05,
            (Some(_), 1) => 0.2,
            _ => 0.5,
        };
        out.push(Hit {
            entity: Entity::UsSsn,
            start: m.start(),
            end: m.end(),
            confidence,
            test_value: test,
            why: "US SSN shape with a valid area, group and serial".into(),
        });
    }
}

// --------------------------------------------------------------------- IP

fn v4_reserved(o: [u8; 4]) -> bool {
    matches!(
        o,
        [10, ..] | [127, ..] | [0, ..] | [169, 254, ..] | [192, 168, ..] | [255, 255, 255, 255]
    ) || (o[0] == 172 && (16..=31).contains(&o[1]))
        || (o[0] == 100 && (64..=127).contains(&o[1]))
        || matches!(o, [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _])
        || o[0] >= 224
}

fn ip(text: &str, wins: &[(usize, usize)], opts: &Options, out: &mut Vec<Hit>) {
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
        });
    }
}

fn ip6(text: &str, wins: &[(usize, usize)], opts: &Options, out: &mut Vec<Hit>) {
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
        out.push(Hit {
            entity: Entity::IpAddress,
            start: s,
            end: s + v.len(),
            confidence: 0.6,
            test_value: doc,
            why: "IPv6 address".into(),
        });
    }
}

// ----------------------------------------------------------- national IDs

fn nhs(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
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
        out.push(Hit {
            entity: Entity::UkNhs,
            start: m.start(),
            end: m.end(),
            confidence: if bare { 0.1 } else { 0.4 },
            test_value: false,
            why: "NHS number, mod-11 check digit valid".into(),
        });
    }
}

fn nif(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
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
        out.push(Hit {
            entity: Entity::EsNif,
            start: m.start(),
            end: m.end(),
            confidence: 0.5,
            test_value: false,
            why: "Spanish NIF/DNI, mod-23 control letter valid".into(),
        });
    }
}

fn pesel(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
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
        out.push(Hit {
            entity: Entity::PlPesel,
            start: m.start(),
            end: m.end(),
            confidence: 0.2,
            test_value: false,
            why: "PESEL: birth date and weighted checksum valid".into(),
        });
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

fn aadhaar(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
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
        out.push(Hit {
            entity: Entity::InAadhaar,
            start: m.start(),
            end: m.end(),
            confidence: if bare { 0.1 } else { 0.3 },
            test_value: false,
            why: "Aadhaar number, Verhoeff checksum valid".into(),
        });
    }
}

fn fi_pic(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
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
        out.push(Hit {
            entity: Entity::FiPic,
            start: m.start(),
            end: m.end(),
            confidence: 0.6,
            test_value: false,
            why: "Finnish personal identity code, date and mod-31 check valid".into(),
        });
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

// ------------------------------------------------------------------ phone

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
        let db = Database::parse(include_str!("phone_regions.xml")).ok()?;
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

fn phone(text: &str, wins: &[(usize, usize)], out: &mut Vec<Hit>) {
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
        if !international && (lone_dot || (seps == 0 && d.len() <= 8)) && !hinted {
            continue; // 12.3456789, 1234-5678: a decimal or an id, not a phone
        }
        if (!formatted || (!international && d.len() <= 8)) && !hinted {
            continue;
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
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(Entity, &str)> {
        let o = Options {
            ip_private: true,
            only: vec![],
        };
        scan(text, &o)
            .into_iter()
            .map(|h| (h.entity, &text[h.start..h.end]))
            .collect()
    }

    #[test]
    fn validated_values_are_found_and_invalid_ones_are_not() {
        assert_eq!(
            found("mail jane.doe@corp.io now"),
            [(Entity::Email, "jane.doe@corp.io")]
        );
        assert_eq!(
            found("card 4012-8888-8888-1881"),
            [(Entity::CreditCard, "4012-8888-8888-1881")]
        );
        assert!(found("card 4012-8888-8888-1882").is_empty(), "Luhn fails");
        assert_eq!(
            found("GB82 WEST 1234 5698 7654 32"),
            [(Entity::Iban, "GB82 WEST 1234 5698 7654 32")]
        );
        assert!(
            found("GB82 WEST 1234 5698 7654 33").is_empty(),
            "mod 97 fails"
        );
        assert_eq!(found("ssn 078-05-1123"), [(Entity::UsSsn, "078-05-1123")]);
        assert!(
            found("ssn 666-05-1123")
                .iter()
                .all(|h| h.0 != Entity::UsSsn),
            "{:?}",
            found("ssn 666-05-1123")
        );
        assert_eq!(found("host 8.8.8.8"), [(Entity::IpAddress, "8.8.8.8")]);
        assert!(found("version 1.2.3.4.5").is_empty());
        assert_eq!(found("NHS 401 023 2137"), [(Entity::UkNhs, "401 023 2137")]);
        assert_eq!(
            found("call +44 20 7946 0958"),
            [(Entity::Phone, "+44 20 7946 0958")]
        );
        assert!(
            found("id 1234567").is_empty(),
            "a bare digit run is not a phone"
        );
    }

    #[test]
    fn test_values_are_marked_and_private_ips_are_off_by_default() {
        let h = scan("a@example.com 4111111111111111", &Options::default());
        assert_eq!(h.len(), 2);
        assert!(h.iter().all(|h| h.test_value && h.confidence <= 0.3));
        assert!(scan("10.0.0.1 and 192.168.1.1", &Options::default()).is_empty());
    }

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

    proptest::proptest! {
        #[test]
        fn phone_windows_find_what_every_digit_span_finds(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "0", "1", "2", "20", "44", "555", "7946", "0958", "123", "4567", "89", "2024",
                " ", " ", "-", ".", "(", ")", "+", "/", ":", " x12", " ext. 3", "tel ", "call ",
                "phone: ", "a", "_", "\n", " Street", "12.5", "fax",
            ]), 1..40),
        ) {
            let text: String = parts.concat();
            let spans = digit_spans(&text);
            let (mut all, mut long) = (Vec::new(), Vec::new());
            phone(&text, &widen(&text, spans.iter().copied(), 40, 24), &mut all);
            phone(&text, &phone_windows(&text, &spans), &mut long);
            let at = |h: &[Hit]| h.iter().map(|h| (h.start, h.end, h.confidence.to_bits())).collect::<Vec<_>>();
            proptest::prop_assert_eq!(at(&all), at(&long), "{:?}", text);
        }
    }

    #[test]
    fn checksums() {
        assert!(luhn(&digits("79927398713")));
        assert!(!luhn(&digits("79927398710")));
        assert!(verhoeff(&digits("2363")));
        assert!(iban_valid("DE89370400440532013000"));
    }
}
