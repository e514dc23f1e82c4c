//! What a candidate's surroundings say. A value is a whole token: not part
//! of a longer number (a float, an exponent, a version or OID, a UUID, a
//! timestamp), not a run across several cells of a row of numbers, and not
//! the one chance match in a table of numbers of its length. Context words
//! count only as whole words, or as the header of the value's column.

use super::Entity;

/// Bytes that join digit groups into one longer number or identifier.
const JOINERS: &[u8] = b".:-/_+";

fn word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Why `s..e` is part of a longer token, if it is.
pub(super) fn part_of_longer(
    text: &str,
    s: usize,
    e: usize,
    entity: Entity,
) -> Option<&'static str> {
    let b = text.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(b' ');
    if s > 0 && word(b[s - 1]) {
        return Some("inside a longer word or number");
    }
    // `-1203-07703` (ISO 6709 coordinates), `x = -4155550123`: a number
    // with a sign.
    if s > 0 && b[s - 1] == b'-' && (s < 2 || !at(s - 2).is_ascii_alphanumeric()) {
        return Some("a negative number");
    }
    if e < b.len() && word(b[e]) {
        return Some("inside a longer word or number");
    }
    // An address keeps its port, prefix length and IPv4-mapped prefix
    // (`1.2.3.4:80`, `10.0.0.0/8`, `::ffff:1.2.3.4`).
    let joiners: &[u8] = if entity == Entity::IpAddress {
        b"._+"
    } else {
        JOINERS
    };
    if in_url_path(text, s) {
        return Some("a part of a URL's path");
    }
    // `CVE-2021-44228`, `issuecomment-1234567`: the number of an identifier,
    // unless the word is the value's own label (`ssn-123-45-6789`).
    if s >= 2 && b[s - 1] == b'-' && at(s - 2).is_ascii_alphabetic() && entity != Entity::IpAddress
    {
        let w0 = text[..s - 1]
            .rfind(|c: char| !c.is_ascii_alphabetic())
            .map_or(0, |i| i + 1);
        let label = text[w0..s - 1].to_ascii_lowercase();
        if !entity.context().iter().any(|c| *c == label) {
            return Some("the number of an identifier (`CVE-…`, `issuecomment-…`)");
        }
    }
    if s >= 2 && joiners.contains(&b[s - 1]) && at(s - 2).is_ascii_alphanumeric() {
        let c = b[s - 1];
        // `ssn:123…` and `id-123…` are labels; `7.123…`, `2016-05-…`,
        // `ABCD-1234…` (a UUID), `x+123…` (base64) are one longer token.
        let prev = at(s - 2);
        let joined = match c {
            b'.' | b'/' | b'_' => prev.is_ascii_digit(),
            b'-' | b':' => prev.is_ascii_hexdigit() && (prev.is_ascii_digit() || hex_run(b, s - 1)),
            _ => true,
        };
        if joined {
            return Some(match c {
                b'.' => "the digits after a decimal point, or a part of a version or OID",
                b'-' | b':' => "a part of a longer id, date or time",
                _ => "inside a longer token",
            });
        }
    }
    if e + 1 < b.len() && joiners.contains(&b[e]) {
        let c = b[e];
        let next = b[e + 1];
        let joined = match c {
            b'.' | b'/' | b'_' => next.is_ascii_digit(),
            b'-' | b':' => next.is_ascii_digit() || (next.is_ascii_hexdigit() && hex_run(b, e + 1)),
            _ => next.is_ascii_alphanumeric(),
        };
        if joined {
            return Some(match c {
                b'.' => "followed by more digits: a decimal, version or OID",
                b'-' | b':' => "a part of a longer id, date or time",
                _ => "inside a longer token",
            });
        }
    }
    // `4.359 744 722 2071 e-35`, `14142136e-01`: a number in scientific notation.
    let rest = &b[e..];
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    if exponent(rest) {
        return Some("the mantissa of a number in scientific notation");
    }
    if entity == Entity::EsNif && matches!(at(e - 1), b'e' | b'E') && exponent(&b[e - 1..]) {
        return Some("a float's exponent, not a control letter");
    }
    None
}

/// `s` is in a URL before its query string (`https://host/a/123`,
/// `…/issues/264#issuecomment-123`); a value in a query (`?card=…`) counts.
fn in_url_path(text: &str, s: usize) -> bool {
    let t0 = token_start(text, s, "\"'<>()`");
    let token = &text[t0..s];
    // Past the host (`https://[2001:db8::1]/` is a host): in the path.
    token.find("://").is_some_and(|i| {
        let rest = &token[i + 3..];
        rest.contains('/') && (!rest.contains('?') || rest.contains('#'))
    })
}

/// Where the token ending at `s` starts: after the last whitespace or one
/// of `stops` before `s` (which may be wider than one byte).
pub(super) fn token_start(text: &str, s: usize, stops: &str) -> usize {
    text[..s]
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace() || stops.contains(c))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// `e-21`, `E+05`, `e7` at the start of `b`.
fn exponent(b: &[u8]) -> bool {
    match b {
        [b'e' | b'E', b'-' | b'+', d, ..] | [b'e' | b'E', d, ..] => d.is_ascii_digit(),
        _ => false,
    }
}

/// A run of hex digits (with at least one letter) starts or ends at `i`,
/// as in the groups of a UUID or GUID.
fn hex_run(b: &[u8], i: usize) -> bool {
    let left = b[..i.min(b.len())]
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_hexdigit())
        .chain(
            b[i.min(b.len())..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit()),
        );
    left.clone().count() >= 4 && left.clone().any(|c| c.is_ascii_alphabetic())
}

/// Why an email at `s..e` is an author's address, if it is: its line
/// credits someone (copyright, authors, written by, thanks to,
/// signed-off-by), or it is written `Name <address>` in a comment.
pub(super) fn attribution(text: &str, s: usize, e: usize) -> Option<&'static str> {
    const CREDIT: &[&str] = &[
        "copyright",
        "(c)",
        "©",
        "author",
        "authors",
        "written by",
        "maintainer",
        "maintainers",
        "maintained by",
        "contributed by",
        "contributor",
        "contributors",
        "thanks to",
        "signed-off-by",
        "co-authored-by",
        "reviewed-by",
        "reported-by",
        "originally by",
        "ported by",
        "created by",
    ];
    let (ls, le) = line_at(text, s);
    let line = lower_ascii(&text[ls..le]);
    if CREDIT.iter().any(|w| has_word(&line, w)) {
        return Some("an author's address: its line credits someone");
    }
    let b = text.as_bytes();
    let bracketed = s > 0 && b[s - 1] == b'<' && b.get(e) == Some(&b'>');
    let comment = ["//", "#", "*", "/*", ";", "--", "%", "\"", "'", "["]
        .iter()
        .any(|c| text[ls..le].trim_start().starts_with(c));
    (bracketed && comment).then_some("an author's address: `<address>` in a comment")
}

/// The line around `s`: (start, end) offsets.
pub(super) fn line_at(text: &str, s: usize) -> (usize, usize) {
    let ls = text[..s].rfind('\n').map_or(0, |i| i + 1);
    let le = text[s..].find('\n').map_or(text.len(), |i| s + i);
    (ls, le)
}

/// The cells of a row of numbers (`-51 27 -48 26 …`, `1.5, 2.25, 3`), if
/// every cell of `line` is a number (or `nan`, `inf`, `null`, `...`).
fn numeric_cells(line: &str) -> Option<usize> {
    let cells: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '|')
        .map(|c| c.trim_matches(|c: char| "[](){}'\"".contains(c)))
        .filter(|c| !c.is_empty())
        .collect();
    cells
        .iter()
        .all(|c| {
            c.parse::<f64>().is_ok()
                || matches!(
                    c.to_ascii_lowercase().as_str(),
                    "nan" | "inf" | "-inf" | "none" | "null" | "na" | "..."
                )
        })
        .then_some(cells.len())
}

/// Why `s..e` spans several cells of a row of numbers, if it does: the
/// line is all numbers, and two cells or more lie outside the candidate
/// (a line holding only `21 284 698 2548` is a phone number).
pub(super) fn spans_cells(text: &str, s: usize, e: usize) -> Option<&'static str> {
    let v = &text[s..e];
    if !v.contains([' ', '\t', ',']) {
        return None;
    }
    let (ls, le) = line_at(text, s);
    let all = numeric_cells(&text[ls..le])?;
    let inside = v.split([' ', '\t', ',']).filter(|c| !c.is_empty()).count();
    // `[[173 200 230]`: a printed array, however short.
    let array = text[ls..le].trim_start().starts_with('[');
    (all >= inside + 2 || array).then_some("runs across several cells of a row of numbers")
}

/// The maximal bare digit runs (no separators) on the lines `ls..le`.
fn bare_runs(text: &str, from: usize, to: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let b = text.as_bytes();
    let mut i = from;
    std::iter::from_fn(move || {
        while i < to && !b[i].is_ascii_digit() {
            i += 1;
        }
        if i >= to {
            return None;
        }
        let s = i;
        while i < to && b[i].is_ascii_digit() {
            i += 1;
        }
        Some((s, i))
    })
}

/// Offsets of the lines from `n` lines before `s` to `n` lines after.
fn lines_around(text: &str, s: usize, n: usize) -> (usize, usize) {
    let mut from = line_at(text, s).0;
    for _ in 0..n {
        if from == 0 {
            break;
        }
        from = line_at(text, from - 1).0;
    }
    let mut to = line_at(text, s).1;
    for _ in 0..n {
        if to >= text.len() {
            break;
        }
        to = line_at(text, to + 1).1;
    }
    (from, to)
}

/// Why a bare digit run at `s..e` that `valid` accepts is likely chance:
/// most bare numbers of its length on the lines around it (three each
/// way) fail the same checks, as in a table of constants, seeds or
/// powers. A column of real card numbers or IDs validates throughout.
pub(super) fn chance_in_table(
    text: &str,
    s: usize,
    e: usize,
    valid: impl Fn(&str) -> bool,
) -> Option<String> {
    if !text[s..e].bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n = e - s;
    let (from, to) = lines_around(text, s, 3);
    let (mut ok, mut bad) = (0usize, 0usize);
    for (a, z) in bare_runs(text, from, to) {
        if (z - a).abs_diff(n) > 1 || a == s {
            continue;
        }
        if valid(&text[a..z]) {
            ok += 1;
        } else {
            bad += 1;
        }
    }
    (bad >= 2 && bad > ok).then(|| {
        format!(
            "{bad} of the {} other numbers of about its length around it fail the same checks: a table of numbers",
            ok + bad
        )
    })
}

/// `word` occurs in `hay` as a word of its own: not preceded by a letter
/// or digit, and not followed by a lower-case letter (but a plural `s`),
/// so `tel` is not in `Entel` or `Telecom`, while `phoneNumber` has `phone`.
fn has_word(hay: &str, word: &str) -> bool {
    let b = hay.as_bytes();
    let mut from = 0;
    while let Some(i) = hay[from..].find(word).map(|i| from + i) {
        let end = i + word.len();
        let start_ok = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let after = |k: usize| b.get(k).copied().unwrap_or(b' ');
        let end_ok = !after(end).is_ascii_lowercase()
            || (after(end) == b's' && !after(end + 1).is_ascii_alphabetic());
        if start_ok && end_ok {
            return true;
        }
        from = i + 1;
        while !hay.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// A context word for `e` in the 48 bytes before `start` (as whole words),
/// or in the header of `start`'s column in a delimited file.
pub(super) fn has_context(text: &str, start: usize, e: Entity) -> bool {
    // The value's own line, and the line before when it is a label
    // (`Phone:`) or the value is in a block of `Key: value` lines: not a
    // table's other rows.
    let ls = line_at(text, start).0;
    let mut from = start.saturating_sub(48).max(ls);
    let key = |l: &str| {
        l.split_once(':').is_some_and(|(k, _)| {
            !k.is_empty() && k.len() <= 24 && k.chars().all(|c| c.is_alphabetic() || c == ' ')
        })
    };
    if ls > 0 && (text[ls..start].trim().is_empty() || key(&text[ls..start])) {
        let (ps, pe) = line_at(text, ls - 1);
        let prev = text[ps..pe].trim();
        // A label, or the line before in a block of `Key: value` lines.
        let label = prev.ends_with(':')
            || prev.ends_with('=')
            || (prev.len() <= 30 && !prev.bytes().any(|c| c.is_ascii_digit()))
            || key(prev);
        if label {
            from = start.saturating_sub(48).max(ps);
        }
    }
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let before = lower_ascii(&text[from..start]);
    if e.context().iter().any(|w| has_word(&before, w)) {
        return true;
    }
    column_header(text, start).is_some_and(|h| {
        let h = lower_ascii(h);
        e.context().iter().any(|w| has_word(&h, w) || h.contains(w))
    })
}

/// Integer types: a value declared with one is a constant, never a phone
/// number or an ID written out (`const ND_IOCTL_CALL: u32 = 3221769738`).
const INT_TYPES: &[&str] = &[
    "u16", "u32", "u64", "u128", "usize", "i16", "i32", "i64", "i128", "isize", "uint32_t",
    "uint64_t", "int32_t", "int64_t", "size_t", "uint", "ulong", "long",
];

/// The integer type declared before `start` on its line, if any.
pub(super) fn int_type(text: &str, start: usize) -> Option<&'static str> {
    let ls = line_at(text, start).0;
    let before = text[ls..start].to_ascii_lowercase();
    INT_TYPES.iter().copied().find(|w| has_word(&before, w))
}

/// Words that, shortly before a number, say what else it is (a seed, a
/// timestamp, a serial, a hash), unless the value's own context word is
/// also there.
const NUMBER_WORDS: &[&str] = &[
    "seed",
    "rng",
    "random",
    "serial",
    "nonce",
    "hash",
    "timestamp",
    "epoch",
    "nanos",
    "millis",
    "timedelta",
    "checksum",
    "crc",
    "prime",
    "modulus",
    "magic",
    "offset",
    "oid",
    "version",
    "dtype",
    "int64",
    "uint64",
    "u64",
    "i64",
    "float",
    "double",
];

/// The number word before `start`, if any (see [`NUMBER_WORDS`]).
pub(super) fn number_word(text: &str, start: usize) -> Option<&'static str> {
    let ls = line_at(text, start).0.max(start.saturating_sub(48));
    let mut from = ls;
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let before = lower_ascii(&text[from..start]);
    NUMBER_WORDS.iter().copied().find(|w| has_word(&before, w))
}

/// Lower-cases ASCII letters only, so `camelCase` humps stay visible to
/// [`has_word`] (`phoneNumber` → `phonenumber` would hide the boundary).
fn lower_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_ascii_lowercase();
        out.extend(c.to_lowercase());
    }
    out
}

/// The header cell above `start`'s column, when the file's first line and
/// `start`'s line split on the same delimiter into the same number of
/// cells (a CSV or TSV table).
pub(super) fn column_header(text: &str, start: usize) -> Option<&str> {
    let (ls, le) = line_at(text, start);
    if ls == 0 {
        return None;
    }
    let header = text[..text.find('\n')?].trim_end_matches('\r');
    let line = &text[ls..le];
    let delim = [',', '\t', ';', '|']
        .into_iter()
        .find(|&d| header.contains(d) && header.matches(d).count() == line.matches(d).count())?;
    let col = text[ls..start].matches(delim).count();
    header
        .split(delim)
        .nth(col)
        .map(|h| h.trim_matches(|c: char| c == '"' || c.is_whitespace()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_words_are_whole_words() {
        assert!(has_word("call me", "call"));
        assert!(has_word("phone number", "phone"));
        assert!(has_word(&lower_ascii("phoneNumber: "), "phone"));
        assert!(has_word("phones ", "phone"));
        assert!(!has_word("entel|", "tel"));
        assert!(!has_word("telecom", "tel"));
        assert!(!has_word("rsassa-pss", "ssa"));
        assert!(!has_word("callback(", "call"));
    }

    #[test]
    fn authors_addresses() {
        let at = |t: &str| {
            let s = t.find("ann@").unwrap();
            attribution(t, s, s + "ann@corp.io".len())
        };
        assert!(at("// Copyright 2020 Ann Lee (ann@corp.io)").is_some());
        assert!(at("authors = [\"Ann Lee <ann@corp.io>\"]").is_some());
        assert!(at("# Written by Ann Lee <ann@corp.io> for the project").is_some());
        assert!(at("// Ann Lee <ann@corp.io>").is_some());
        assert!(at("send_mail(to=\"ann@corp.io\")").is_none());
        assert!(at("1,Ann Lee,ann@corp.io,555").is_none());
    }

    #[test]
    fn headers_of_delimited_columns() {
        let t = "id,name,card_number\n1,Ann,4111\n";
        assert_eq!(
            column_header(t, t.find("4111").unwrap()),
            Some("card_number")
        );
        assert_eq!(column_header(t, 3), None, "the header itself");
        assert_eq!(column_header("a b\n1 2\n", 6), None);
    }

    #[test]
    fn longer_tokens() {
        let p = |t: &str, v: &str| {
            let s = t.find(v).unwrap();
            part_of_longer(t, s, s + v.len(), Entity::CreditCard)
        };
        assert!(p("x = 1.4142136e-01", "4142136e").is_some());
        assert!(p("1.2.840.113549.1.1", "840.113549").is_some());
        assert!(p("12345678-1234-5678-1234-567812345678", "567812345678").is_some());
        assert!(p("{12345678-11D0-A5D6-28DB04C10000}", "12345678").is_some());
        assert!(p("2016-05-25 13:30:00", "2016-05-25 13").is_some());
        assert!(p("4.359 744 722 2071 e-35", "359 744 722 2071").is_some());
        assert!(p("ssn:123-45-6789.", "123-45-6789").is_none());
        assert!(p("card 4111111111111111, next", "4111111111111111").is_none());
        assert!(p("card-4111111111111111", "4111111111111111").is_none());
        assert!(p("PE\t-1203-07703\tAmerica/Lima", "1203-07703").is_some());
        assert!(p("S0010-4655(01)00141-8", "(01)00141").is_some());
        assert!(p("see CVE-4111111111111111", "4111111111111111").is_some());
        assert!(p("https://x.io/u/4111111111111111/edit", "4111111111111111").is_some());
        assert!(p("https://x.io/pay?card=4111111111111111", "4111111111111111").is_none());
        assert!(
            p("http://4111111111111111.example/", "4111111111111111").is_none(),
            "a host"
        );
        assert!(p("\"4111111111111111\"", "4111111111111111").is_none());
    }

    #[test]
    fn rows_of_numbers() {
        let t = "50 30 -18 -29 -80 -59";
        assert!(spans_cells(t, 3, 13).is_some());
        assert!(spans_cells("call 415 555 0123 now", 5, 17).is_none());
        assert!(
            spans_cells("21 284 698 2548", 0, 15).is_none(),
            "the whole line"
        );
    }
}
