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

/// Word pairs that speak of authentication (`access_token`, `apiKey`).
const AUTH_PAIRS: &[[&str; 2]] = &[
    ["access", "token"],
    ["refresh", "token"],
    ["id", "token"],
    ["api", "key"],
];

impl Sense {
    /// Reads `text`'s identifiers.
    pub fn of(text: &str) -> Sense {
        let (mut syntax, mut auth) = (false, false);
        for id in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if id.len() < 3 {
                continue;
            }
            // `Token` alone, as a Rust or Python type, is a syntax or
            // event token; credentials are `AccessToken`, `ApiToken`.
            if id == "Token" {
                syntax = true;
                continue;
            }
            let l = id.to_ascii_lowercase();
            if !syntax
                && (SYNTAX.iter().any(|w| l.contains(w)) || SYNTAX_WORDS.contains(&l.as_str()))
            {
                syntax = true;
            }
            if !auth
                && (AUTH.iter().any(|w| l.contains(w)) || l.contains("token") || l.contains("key"))
            {
                let w = super::words(id);
                auth = w.iter().any(|x| AUTH.contains(&x.as_str()))
                    || AUTH_PAIRS
                        .iter()
                        .any(|p| w.windows(2).any(|x| x[0] == p[0] && x[1] == p[1]));
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
