//! The prefilter: where a file's field words are, found in one automaton
//! pass, so that only files (and windows of files) that can hold a flow are
//! parsed.

use super::fields::{FIELDS, PERSON};

/// How a language writes what the prefilter must not take for a field.
#[derive(Clone, Copy, Debug)]
pub struct Syntax {
    /// What starts a line that is wholly a comment.
    pub comments: &'static [&'static str],
    /// Rust's naming rules: a CamelCase identifier is a type or a variant,
    /// and one followed by `::` or `!` a path or a macro, never a value
    /// (`Token![,]`, `token::Comma`, `Credentials { .. }`).
    pub rust: bool,
}

/// Lines on either side of a field that needs a person (`name`) within
/// which a person word (`user`) must appear for the field to count.
pub const PERSON_NEAR_LINES: usize = 60;

/// Byte offsets, in order, of every whole, uncommented field word in
/// `text` that `classify` could match (`user_email`, `userEmail`,
/// `FIRST_NAME`; not `message` for "age", nor `first` alone for "first
/// name"); fields that need a person count only with a person word within
/// [`PERSON_NEAR_LINES`] lines. A cheap necessary condition for a flow:
/// files without one are never parsed, and large files are parsed only
/// around these offsets. Comments hold no identifiers, so matches on lines
/// that are wholly a comment don't count.
pub fn data_offsets(text: &str, syn: Syntax) -> Vec<usize> {
    let (ac, groups) = keyword_automaton();
    let b = text.as_bytes();
    let (mut out, mut weak, mut people) = (Vec::new(), Vec::new(), Vec::new());
    for m in ac.find_overlapping_iter(text) {
        if !is_whole(b, m, syn) {
            continue;
        }
        let id = m.pattern().as_usize();
        if id < groups[0] {
            out.push(m.start());
        } else if id < groups[1] {
            weak.push(m.start());
        } else {
            people.push(m.start());
        }
    }
    if !weak.is_empty() && !people.is_empty() {
        let newlines: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
        let line = |off: usize| newlines.partition_point(|&n| n < off);
        let person_lines: Vec<usize> = people.iter().map(|&o| line(o)).collect();
        out.extend(weak.into_iter().filter(|&o| {
            let l = line(o);
            let i = person_lines.partition_point(|&p| p + PERSON_NEAR_LINES < l);
            person_lines
                .get(i)
                .is_some_and(|&p| p <= l + PERSON_NEAR_LINES)
        }));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The prefilter's automaton over fields any object can hold, then fields
/// that need a person, then the person words; with the pattern ids where
/// the second and third groups start. One DFA pass finds all three.
fn keyword_automaton() -> &'static (aho_corasick::AhoCorasick, [usize; 2]) {
    use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
    use std::sync::OnceLock;
    static AC: OnceLock<(AhoCorasick, [usize; 2])> = OnceLock::new();
    AC.get_or_init(|| {
        // Every spelling of each field's words inside one identifier (camel
        // case is covered by case-insensitivity).
        let spell = |person_only: bool| -> Vec<String> {
            let mut out = Vec::new();
            for (pat, _, _) in FIELDS.iter().filter(|f| f.2 == person_only) {
                let mut forms = vec![pat[0].to_string()];
                for w in &pat[1..] {
                    forms = forms
                        .iter()
                        .flat_map(|f| ["", "_", "__", "-", " "].map(|sep| format!("{f}{sep}{w}")))
                        .collect();
                }
                out.extend(forms);
            }
            out.sort_unstable();
            out.dedup();
            out
        };
        let mut words = spell(false);
        let strong = words.len();
        words.extend(spell(true));
        let weak = words.len();
        words.extend(PERSON.iter().map(|w| w.to_string()));
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)
            .expect("valid keywords");
        (ac, [strong, weak])
    })
}

/// Whether a keyword match is a whole word of an identifier (`words` would
/// split the identifier at both ends) on a line that is not wholly a
/// comment, and, in Rust, of an identifier that can name a value.
fn is_whole(b: &[u8], m: aho_corasick::Match, syn: Syntax) -> bool {
    let (s, e) = (m.start(), m.end());
    let hump = |i: usize| {
        b[i].is_ascii_uppercase()
            && (b[i - 1].is_ascii_lowercase()
                || b[i - 1].is_ascii_digit()
                || (b[i - 1].is_ascii_uppercase()
                    && b.get(i + 1).is_some_and(u8::is_ascii_lowercase)))
    };
    let starts = s == 0 || !b[s - 1].is_ascii_alphanumeric() || hump(s);
    let ends = e == b.len() || !b[e].is_ascii_alphabetic() || hump(e);
    if !(starts && ends) {
        return false;
    }
    let line = &b[b[..s]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1)..s];
    let lead = line.iter().position(|c| !c.is_ascii_whitespace());
    if lead.is_some_and(|i| {
        syn.comments
            .iter()
            .any(|c| line[i..].starts_with(c.as_bytes()))
    }) {
        return false;
    }
    !syn.rust || rust_value_ident(b, s, e)
}

/// Whether the Rust identifier around `b[s..e]` can name a value: not
/// CamelCase (a type, trait or variant), not followed by `::` (a module or
/// type path) or `!` (a macro).
fn rust_value_ident(b: &[u8], s: usize, e: usize) -> bool {
    let ident = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    let from = b[..s].iter().rposition(|c| !ident(c)).map_or(0, |i| i + 1);
    let to = b[e..]
        .iter()
        .position(|c| !ident(c))
        .map_or(b.len(), |i| e + i);
    let id = &b[from..to];
    let camel =
        id.first().is_some_and(u8::is_ascii_uppercase) && id.iter().any(u8::is_ascii_lowercase);
    let after = &b[to..];
    !(camel || after.starts_with(b"::") || (after.starts_with(b"!") && !after.starts_with(b"!=")))
}

#[cfg(test)]
mod tests {
    use super::super::classify;
    use super::*;

    fn mentions(text: &str, comments: &'static [&'static str]) -> bool {
        !data_offsets(
            text,
            Syntax {
                comments,
                rust: false,
            },
        )
        .is_empty()
    }

    #[test]
    fn the_prefilter_wants_whole_words() {
        assert!(mentions("log(user_email)", &["//"]));
        assert!(mentions("log(userEmail)", &["//"]));
        assert!(mentions("PASSWORD = 1", &["//"]));
        assert!(mentions("print(user.emails)", &["//"]));
        assert!(!mentions("message page usage", &["//"]));
        assert!(!mentions("fn main() { let x = 1; }", &["//"]));
        // Compound fields need their words together in one identifier.
        assert!(mentions("log(user.first_name)", &["//"]));
        assert!(mentions("log(customer.FirstName)", &["//"]));
        assert!(mentions("log(user.FIRST__NAME)", &["//"]));
        assert!(mentions("send(HTTPCreditCard)", &["//"]));
        assert!(mentions("send(v2CreditCard)", &["//"]));
        assert!(!mentions("let first = item.last; first(x)", &["//"]));
        assert!(!mentions("let addr = home.address_of(x);", &["//"]));
        // Comments hold no identifiers; a Ruby interpolation is not a comment.
        assert!(!mentions("  /// the user's name\nlet name = 1;", &["//"]));
        assert!(mentions("x = 1 # user.name\n", &["#"]));
        assert!(mentions("  #{user.email}\n", &["# ", "##"]));
        assert!(!mentions("  # user.email\n", &["# ", "##"]));
    }

    #[test]
    fn the_prefilter_wants_a_person_near_a_field_that_needs_one() {
        let far = format!(
            "let u = user;\n{}log(x.name)\n",
            "\n".repeat(PERSON_NEAR_LINES)
        );
        assert!(!mentions(&far, &["//"]));
        let near = format!(
            "let u = user;\n{}log(x.name)\n",
            "\n".repeat(PERSON_NEAR_LINES - 1)
        );
        assert!(mentions(&near, &["//"]));
        let after = format!("log(x.name)\n{}user\n", "\n".repeat(PERSON_NEAR_LINES - 1));
        assert!(mentions(&after, &["//"]));
        // Fields that need no person count anywhere.
        assert!(mentions(&format!("{far}password"), &["//"]));
    }

    #[test]
    fn in_rust_types_paths_and_macros_are_not_values() {
        let rust = |text: &str| {
            data_offsets(
                text,
                Syntax {
                    comments: &["//"],
                    rust: true,
                },
            )
        };
        assert!(rust("input.parse::<Token![,]>()?; token::Comma").is_empty());
        assert!(rust("let c = Credentials { id }; password!(x)").is_empty());
        assert_eq!(rust("info!(\"{}\", self.token)"), [17]);
        assert_eq!(rust("const API_TOKEN: &str = \"\";"), [10]);
        assert_eq!(rust("if token != x {}"), [3]);
        // Other languages keep their capitalised fields (Go's `User.Email`).
        assert!(mentions("log(u.Email)", &["//"]));
        assert!(mentions("Token![,]", &["//"]));
    }

    // The flow walker classifies only references that hold a field word,
    // so every spelling `classify` takes must leave one in the reference.
    proptest::proptest! {
        #[test]
        fn every_reference_classify_takes_holds_a_field_word(
            obj in proptest::sample::select(vec!["user", "config", "x", "customer", "self.user"]),
            ws in proptest::collection::vec(proptest::sample::select(vec![
                "email", "e", "mail", "ssn", "number", "first", "name", "api", "key", "token",
                "home", "address", "user", "verified", "count", "card", "credit", "zip", "code",
                "cert", "type", "phone", "get", "id", "raw", "x2", "dob",
            ]), 1..4),
            style in 0..5usize,
            rust: bool,
        ) {
            let cap = |w: &str| w[..1].to_uppercase() + &w[1..];
            let ident = match style {
                0 => ws.join("_"),
                1 => ws[0].to_string() + &ws[1..].iter().map(|w| cap(w)).collect::<String>(),
                2 => ws.iter().map(|w| cap(w)).collect(),
                3 => ws.join("_").to_uppercase(),
                // `SSNNumber`: an acronym run into the next word.
                _ => ws[0].to_uppercase() + &ws[1..].iter().map(|w| cap(w)).collect::<String>(),
            };
            let text = format!("log({obj}.{ident})\n");
            let path: Vec<String> = format!("{obj}.{ident}").split('.').map(str::to_string).collect();
            let camel = ident.starts_with(|c: char| c.is_uppercase()) && ident.contains(|c: char| c.is_lowercase());
            if classify(&path).is_some() && !(rust && camel) {
                let offs = data_offsets(&text, Syntax { comments: &["//"], rust });
                proptest::prop_assert!(
                    offs.iter().any(|&o| (4..text.len() - 2).contains(&o)),
                    "{} has no field word", text
                );
            }
        }
    }
}
