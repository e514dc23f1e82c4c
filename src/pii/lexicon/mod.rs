//! Which identifiers name personal data, which objects are people, and which
//! calls are sinks: maestro's own word lists, one file per list family; identifiers are split into
//! lower-case words (`currentUser.emailAddress` → `current user`, `email
//! address`) before matching.

mod fields;
mod prefilter;
mod sense;
mod sinks;

pub use fields::{classify, classify_in, is_passthrough, is_sanitizer, weak_credential, Data};
pub use prefilter::{data_offsets, Syntax, PERSON_NEAR_LINES};
pub use sense::Sense;
pub use sinks::{sink_of, Sink};

/// Splits an identifier into lower-case words at `_`, `-`, digits and
/// camelCase humps (`HTTPServer` → `http server`).
pub fn words(ident: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = ident.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1);
        let hump = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            });
        if hump && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_split_into_words() {
        assert_eq!(words("currentUser"), ["current", "user"]);
        assert_eq!(words("email_address"), ["email", "address"]);
        assert_eq!(words("HTTPServer"), ["http", "server"]);
        assert_eq!(words("authToken"), ["auth", "token"]);
    }
}
