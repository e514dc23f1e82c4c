//! The sense of a word in one file, read from the file's own identifiers,
//! imports and types: `token` in a lexer, a parser or an event loop is a
//! piece of syntax or a handle, not a credential.

/// What a file's identifiers say about its words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sense {
    /// `token` names a piece of syntax or a handle here (the file works
    /// with lexers, parsers or tokenizers, and nothing about
    /// authentication).
    pub syntax_tokens: bool,
}

impl Default for Sense {
    /// Every word in its sensitive sense.
    fn default() -> Self {
        Sense {
            syntax_tokens: false,
        }
    }
}

/// Parts of identifiers that name syntax machinery (`Lexer`,
/// `xmlparser`, `tokenize`, `proc_macro2`, `TokenStream`).
const SYNTAX: &[&str] = &[
    "lexer",
    "parser",
    "tokeniz",
    "tokenstream",
    "token_stream",
    "syntax",
    "grammar",
    "proc_macro",
    "pygments",
    "scanner",
];

/// Whole identifiers that name syntax or event-loop machinery.
const SYNTAX_WORDS: &[&str] = &["ast", "syn", "mio", "lex", "tokens"];

/// Words of identifiers that speak of authentication (`oauth_client`,
/// `BearerAuth`, `sso_session`; not `associated`).
const AUTH: &[&str] = &[
    "auth",
    "oauth",
    "oauth2",
    "authorization",
    "authenticate",
    "authentication",
    "bearer",
    "jwt",
    "credential",
    "credentials",
    "login",
    "password",
    "passwd",
    "secret",
    "secrets",
    "apikey",
    "csrf",
    "session",
    "sso",
];

/// Word pairs that speak of authentication, as they are spelled
/// (`access_token`, `accessToken`, `apiKey`; case is ignored).
const AUTH_PAIRS: &[&str] = &[
    "access_token",
    "accesstoken",
    "refresh_token",
    "refreshtoken",
    "id_token",
    "idtoken",
    "api_key",
    "apikey",
];

impl Sense {
    /// Reads `text`'s identifiers: one case-insensitive automaton pass
    /// finds the candidate words, and only the identifiers holding one are
    /// split into words.
    pub fn of(text: &str) -> Sense {
        let (ac, syntax_ids) = automaton();
        let b = text.as_bytes();
        let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let (mut syntax, mut auth) = (false, false);
        for m in ac.find_overlapping_iter(text) {
            let mut s = m.start();
            while s > 0 && ident(b[s - 1]) {
                s -= 1;
            }
            let mut e = m.end();
            while e < b.len() && ident(b[e]) {
                e += 1;
            }
            let id = &text[s..e];
            if m.pattern().as_usize() < *syntax_ids {
                // `Token` alone, as a Rust or Python type, is a syntax or
                // event token; credentials are `AccessToken`, `ApiToken`.
                let whole = SYNTAX_WORDS.iter().any(|w| id.eq_ignore_ascii_case(w));
                if id == "Token" || whole || SYNTAX.iter().any(|w| contains_ci(id, w)) {
                    syntax = true;
                }
            } else if m.pattern().as_usize() >= *syntax_ids + AUTH.len() {
                auth = true; // `access_token`, `accessToken`, `apiKey`
            } else if !auth {
                auth = super::words(id).iter().any(|x| AUTH.contains(&x.as_str()));
            }
            if auth {
                break;
            }
        }
        Sense {
            syntax_tokens: syntax && !auth,
        }
    }
}

/// `hay` contains `needle`, ignoring ASCII case.
fn contains_ci(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The syntax words (first) and the authentication words, ASCII
/// case-insensitive, and how many of them are syntax words.
fn automaton() -> &'static (aho_corasick::AhoCorasick, usize) {
    static AC: std::sync::OnceLock<(aho_corasick::AhoCorasick, usize)> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        let syntax: Vec<&str> = SYNTAX
            .iter()
            .chain(SYNTAX_WORDS)
            .copied()
            .chain(["token"])
            .collect();
        let n = syntax.len();
        let pats: Vec<&str> = syntax
            .into_iter()
            .chain(AUTH.iter().copied())
            .chain(AUTH_PAIRS.iter().copied())
            .collect();
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(pats)
            .expect("valid patterns");
        (ac, n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_lexers_and_parsers_are_syntax() {
        assert!(
            Sense::of("use proc_macro2::TokenStream;\nlet repr = token.to_string();").syntax_tokens
        );
        assert!(
            Sense::of("import tokenize\nfor tok in tokenize.generate_tokens(f): print(tok)")
                .syntax_tokens
        );
        assert!(Sense::of("let mut lexer = Lexer::new(src); lexer.token()").syntax_tokens);
        assert!(Sense::of("use mio::{Poll, Token};\ntrace!(\"{:?}\", token)").syntax_tokens);
        assert!(!Sense::of("token = request.headers['Authorization']").syntax_tokens);
        assert!(
            !Sense::of("let p = Parser::new(); let token = oauth.access_token();").syntax_tokens,
            "authentication in the same file keeps the credential sense"
        );
        assert!(!Sense::of("logger.info(token)").syntax_tokens);
        assert!(
            Sense::of("use crate::{Interest, Token}; // associated types").syntax_tokens,
            "`associated` is not `sso`"
        );
    }
}
