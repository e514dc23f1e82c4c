//! Which identifiers name personal data or secrets, and which objects are
//! people: the field lexicon and [`classify`].

use super::{words, Sense};

/// A class of sensitive data named by an identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Data {
    /// Email address.
    Email,
    /// Phone number.
    Phone,
    /// Government identifier: SSN, passport, national ID, tax ID, licence.
    GovernmentId,
    /// Date of birth.
    DateOfBirth,
    /// Postal address.
    Address,
    /// Payment card or bank account.
    Financial,
    /// Health data.
    Health,
    /// A person's name.
    Name,
    /// Gender, ethnicity, religion, age and the like.
    Demographic,
    /// Precise location.
    Location,
    /// Password, secret, token, private key.
    Credential,
}

impl Data {
    /// Lower-case name, as in "PII: email".
    pub fn name(self) -> &'static str {
        match self {
            Data::Email => "email",
            Data::Phone => "phone number",
            Data::GovernmentId => "government ID",
            Data::DateOfBirth => "date of birth",
            Data::Address => "postal address",
            Data::Financial => "financial account",
            Data::Health => "health data",
            Data::Name => "person name",
            Data::Demographic => "demographic data",
            Data::Location => "location",
            Data::Credential => "credential",
        }
    }

    /// "PII" or "secret".
    pub fn category(self) -> &'static str {
        match self {
            Data::Credential => "secret",
            Data::Health => "PHI",
            _ => "PII",
        }
    }
}

/// (words, data, only on a person-like object)
pub(super) const FIELDS: &[(&[&str], Data, bool)] = &[
    (&["email"], Data::Email, false),
    (&["emails"], Data::Email, false),
    (&["e", "mail"], Data::Email, false),
    (&["emailaddress"], Data::Email, false),
    (&["mail"], Data::Email, true),
    (&["phone"], Data::Phone, false),
    (&["phonenumber"], Data::Phone, false),
    (&["telephone"], Data::Phone, false),
    (&["mobile"], Data::Phone, true),
    (&["cellphone"], Data::Phone, false),
    (&["tel"], Data::Phone, true),
    (&["msisdn"], Data::Phone, false),
    (&["ssn"], Data::GovernmentId, false),
    (&["social", "security"], Data::GovernmentId, false),
    (&["national", "id"], Data::GovernmentId, false),
    (&["national", "insurance"], Data::GovernmentId, false),
    (&["nino"], Data::GovernmentId, false),
    (&["passport"], Data::GovernmentId, false),
    (&["tax", "id"], Data::GovernmentId, false),
    (&["taxpayer", "id"], Data::GovernmentId, false),
    (&["driver", "license"], Data::GovernmentId, false),
    (&["drivers", "license"], Data::GovernmentId, false),
    (&["driving", "licence"], Data::GovernmentId, false),
    (&["sin"], Data::GovernmentId, true),
    (&["dob"], Data::DateOfBirth, false),
    (&["birth"], Data::DateOfBirth, false),
    (&["birthday"], Data::DateOfBirth, false),
    (&["birthdate"], Data::DateOfBirth, false),
    (&["address"], Data::Address, true),
    (&["home", "address"], Data::Address, false),
    (&["street", "address"], Data::Address, false),
    (&["billing", "address"], Data::Address, false),
    (&["shipping", "address"], Data::Address, false),
    (&["mailing", "address"], Data::Address, false),
    (&["street"], Data::Address, true),
    (&["postcode"], Data::Address, true),
    (&["zipcode"], Data::Address, true),
    (&["zip"], Data::Address, true),
    (&["postal", "code"], Data::Address, true),
    (&["card", "number"], Data::Financial, false),
    (&["credit", "card"], Data::Financial, false),
    (&["creditcard"], Data::Financial, false),
    (&["cc", "number"], Data::Financial, false),
    (&["ccn"], Data::Financial, false),
    (&["cvv"], Data::Financial, false),
    (&["cvc"], Data::Financial, false),
    (&["iban"], Data::Financial, false),
    (&["account", "number"], Data::Financial, false),
    (&["bank", "account"], Data::Financial, false),
    (&["routing", "number"], Data::Financial, false),
    (&["card"], Data::Financial, true),
    (&["salary"], Data::Financial, true),
    (&["income"], Data::Financial, true),
    (&["credit", "score"], Data::Financial, false),
    (&["diagnosis"], Data::Health, false),
    (&["medical"], Data::Health, false),
    (&["health"], Data::Health, true),
    (&["prescription"], Data::Health, false),
    (&["medication"], Data::Health, false),
    (&["medications"], Data::Health, false),
    (&["allergies"], Data::Health, true),
    (&["blood", "type"], Data::Health, false),
    (&["disability"], Data::Health, true),
    (&["condition"], Data::Health, true),
    (&["first", "name"], Data::Name, false),
    (&["firstname"], Data::Name, false),
    (&["last", "name"], Data::Name, false),
    (&["lastname"], Data::Name, false),
    (&["full", "name"], Data::Name, true),
    (&["fullname"], Data::Name, true),
    (&["surname"], Data::Name, false),
    (&["given", "name"], Data::Name, false),
    (&["family", "name"], Data::Name, false),
    (&["maiden", "name"], Data::Name, false),
    (&["name"], Data::Name, true),
    (&["gender"], Data::Demographic, false),
    (&["ethnicity"], Data::Demographic, false),
    (&["religion"], Data::Demographic, false),
    (&["sexual", "orientation"], Data::Demographic, false),
    (&["nationality"], Data::Demographic, true),
    (&["age"], Data::Demographic, true),
    (&["race"], Data::Demographic, true),
    (&["latitude"], Data::Location, true),
    (&["longitude"], Data::Location, true),
    (&["geolocation"], Data::Location, false),
    (&["location"], Data::Location, true),
    (&["password"], Data::Credential, false),
    (&["passwd"], Data::Credential, false),
    (&["passphrase"], Data::Credential, false),
    (&["passcode"], Data::Credential, false),
    (&["pass", "word"], Data::Credential, false),
    (&["secret"], Data::Credential, false),
    (&["token"], Data::Credential, false),
    (&["api", "key"], Data::Credential, false),
    (&["apikey"], Data::Credential, false),
    (&["private", "key"], Data::Credential, false),
    (&["secret", "key"], Data::Credential, false),
    (&["access", "key"], Data::Credential, false),
    (&["credentials"], Data::Credential, false),
    (&["credential"], Data::Credential, false),
    (&["getpass"], Data::Credential, false),
];

/// Words that make a matching identifier something else: a flag, a count,
/// a format, a hash, a UI label (`email_verified`, `password_hash`).
pub(super) const NOT_DATA: &[&str] = &[
    "verified",
    "confirmed",
    "count",
    "enabled",
    "sent",
    "type",
    "format",
    "valid",
    "length",
    "template",
    "templates",
    "subject",
    "regex",
    "pattern",
    "field",
    "fields",
    "label",
    "required",
    "hash",
    "hashed",
    "digest",
    "encrypted",
    "masked",
    "redacted",
    "policy",
    "reset",
    "changed",
    "expiry",
    "expires",
    "expired",
    "strength",
    "hint",
    "prompt",
    "placeholder",
    "error",
    "errors",
    "column",
    "is",
    "has",
    "should",
    "can",
    "needs",
    "num",
    "max",
    "min",
    "validate",
    "validator",
    "validation",
    "provider",
    "service",
    "client",
    "config",
    "settings",
    "header",
    "url",
    "path",
    "file",
    "dir",
    "env",
    "name", /* as in password_name */
    "id",   /* token_id */
    "ip",
    "mac",
    "server",
    "remote",
    "host",
    "web",
    "memory",
    "base",
    "return",
    "bind",
    "listen",
    "local",
    "proxy",
    "broadcast",
    "register",
    "sender",
    "from",
    "domain",
    "manager",
    "factory",
    "util",
    "utils",
    "helper",
    "lookup",
    "key", /* api_key is matched before this is applied */
    "sign",
    "in",
    "out",
    "event",
    "events",
    "list",
    "stream",  /* token_stream */
    "invalid", /* INVALID_TOKEN: an error code names a state, not the data */
    "missing",
    "restriction",
    "mismatch",
    "cursor", /* pagination: cursor_token, NextToken */
    "continuation",
    "page",
    "pagination",
    "next",
    "size",   /* PRIVATE_KEY_SIZE */
    "buffer", /* TOKEN_REFRESH_BUFFER */
    "timeout",
    "ttl",
    "interval",
    "duration",
    "tree",
    "kind",
    "index",
    "span",
    "pos",
    "iter",
];

/// Person words that name other things in code just as often (a tar
/// `member`, a resolver `candidate`, a class's `owner`): they make a field
/// personal, but a bare `name` needs one of the other [`PERSON`] words.
const WEAK_PERSON: &[&str] = &[
    "member",
    "members",
    "owner",
    "candidate",
    "author",
    "account",
    "admin",
    "staff",
    "contact",
    "contacts",
    "profile",
    "guest",
    "friend",
    "signup",
    "recipient",
];

/// Objects that are people (or accounts of people).
pub(super) const PERSON: &[&str] = &[
    "user",
    "users",
    "customer",
    "customers",
    "patient",
    "patients",
    "person",
    "people",
    "member",
    "members",
    "employee",
    "employees",
    "profile",
    "contact",
    "contacts",
    "owner",
    "buyer",
    "seller",
    "student",
    "applicant",
    "subscriber",
    "recipient",
    "author",
    "guest",
    "visitor",
    "citizen",
    "individual",
    "resident",
    "passenger",
    "rider",
    "tenant",
    "candidate",
    "friend",
    "shopper",
    "traveler",
    "beneficiary",
    "donor",
    "volunteer",
    "physician",
    "doctor",
    "account",
    "signup",
    "cardholder",
    "admin",
    "staff",
];

/// Objects whose `token` is a credential (besides people and configuration).
const AUTH_OBJECTS: &[&str] = &[
    "session",
    "auth",
    "oauth",
    "oauth2",
    "credentials",
    "credential",
    "request",
    "req",
    "client",
    "api",
    "jwt",
    "bearer",
    "login",
    "access",
    "refresh",
    "headers",
    "response",
    "resp",
    "secrets",
    "token",
    "tokens",
    "github",
    "gitlab",
    "slack",
    "stripe",
    "aws",
    "google",
    "azure",
    "identity",
    "sso",
    "saml",
    "openid",
    "connection",
    "conn",
    "ctx",
    "context",
    "self",
    "this",
    "cls",
    "args",
    "params",
    "data",
    "body",
    "payload",
    "form",
    "input",
    "opts",
];

/// Objects that hold configuration, not people (`config.email`).
pub(super) const NOT_PERSON: &[&str] = &[
    "config",
    "conf",
    "cfg",
    "settings",
    "options",
    "opts",
    "env",
    "environ",
    "smtp",
    "mailer",
    "app",
    "site",
    "server",
    "company",
    "org",
    "organization",
    "system",
    "defaults",
    "constants",
    "support",
    "noreply",
    "template",
    "schema",
    "form",
    "fields",
    "column",
    "columns",
    "i18n",
    "labels",
    "messages",
    "validators",
    "regex",
    "re",
    "type",
    "types",
    "enum",
    "strings",
];

/// What an identifier path (`user.email`, `current_user.profile.phone`,
/// `password`) holds, if it names sensitive data: the data class, the segment
/// that names it, and whether it sits on a person-like object. Trailing
/// pass-through methods (`.lower()`, `.substring(1, 5)`) are looked through.
pub fn classify(path: &[String]) -> Option<(Data, usize, bool)> {
    classify_in(path, Sense::default())
}

/// [`classify`] with the sense of words in the file the path is in.
pub fn classify_in(path: &[String], sense: Sense) -> Option<(Data, usize, bool)> {
    let mut i = path.len().checked_sub(1)?;
    while i > 0 && is_passthrough(&path[i]) {
        i -= 1;
    }
    // `__name__`, `__class__`: the language's own attributes.
    if path[i].starts_with("__") {
        return None;
    }
    let w = words(&path[i]);
    let objects: Vec<String> = path[..i].iter().flat_map(|s| words(s)).collect();
    let on_person = objects.iter().any(|o| PERSON.contains(&o.as_str()));
    let strong = |x: &String| PERSON.contains(&x.as_str()) && !WEAK_PERSON.contains(&x.as_str());
    let on_config = objects.iter().any(|o| NOT_PERSON.contains(&o.as_str()));
    let (data, person_only) = FIELDS.iter().find_map(|(pat, data, person_only)| {
        let at = w
            .windows(pat.len())
            .position(|win| win.iter().zip(pat.iter()).all(|(a, b)| a == b))?;
        let mut rest = w
            .iter()
            .enumerate()
            .filter(|(j, _)| *j < at || *j >= at + pat.len())
            .map(|(_, x)| x.as_str());
        // `api_key`, `private_key`: "key" is part of the match, not a veto.
        if rest.any(|x| NOT_DATA.contains(&x)) {
            return None;
        }
        Some((*data, *person_only))
    })?;
    // `user.org.name`: the field belongs to the object right before it.
    let owner_words: Vec<String> = i
        .checked_sub(1)
        .map(|k| words(&path[k]))
        .unwrap_or_default();
    let on_person = on_person
        && !owner_words
            .iter()
            .any(|o| NOT_PERSON.contains(&o.as_str()) && !PERSON.contains(&o.as_str()));
    let self_person = w.iter().any(|x| PERSON.contains(&x.as_str()));
    // `config.email` is the app's address; `config.db_password` is still a secret.
    if on_config && !on_person && data != Data::Credential {
        return None;
    }
    if person_only && !on_person && !self_person {
        return None;
    }
    if data == Data::Name && person_only && !objects.iter().chain(&w).any(strong) {
        return None;
    }
    if data == Data::Credential && sense.syntax_tokens && w.iter().any(|x| x == "token") {
        return None;
    }
    // `checkout.token`, `payment.token`: a bare `token` on a domain object is
    // its public identifier; on a person, a session, a request, a client or
    // configuration it is a credential.
    if data == Data::Credential && w.len() == 1 && w[0] == "token" && !objects.is_empty() {
        let auth = objects.iter().any(|o| {
            PERSON.contains(&o.as_str())
                || NOT_PERSON.contains(&o.as_str())
                || AUTH_OBJECTS.contains(&o.as_str())
        });
        if !auth {
            return None;
        }
    }
    // `AccountErrorCode.JWT_INVALID_TOKEN`: an enum of codes.
    if objects
        .iter()
        .any(|o| matches!(o.as_str(), "error" | "code" | "codes" | "status" | "reason"))
    {
        return None;
    }
    Some((data, i, on_person || self_person))
}

/// A credential named only by `token`, without a word that makes it an
/// authentication token (`access_token`, `auth.token`, `github_token`):
/// in applications `token` as often names an object's public id
/// (`checkout_token`) or a handle, so such flows score lower.
pub fn weak_credential(source: &str) -> bool {
    const QUALIFIERS: &[&str] = &[
        "access",
        "refresh",
        "auth",
        "bearer",
        "api",
        "id",
        "session",
        "csrf",
        "xsrf",
        "oauth",
        "oauth2",
        "jwt",
        "secret",
        "private",
        "personal",
        "github",
        "gitlab",
        "slack",
        "npm",
        "pypi",
        "aws",
        "gcp",
        "azure",
        "client",
        "app",
        "bot",
        "service",
        "sso",
        "login",
        "password",
        "reset",
        "verification",
        "credentials",
        "credential",
        "user",
        "users",
    ];
    let w = words(source);
    w.iter().any(|x| x == "token" || x == "tokens")
        && !w.iter().any(|x| QUALIFIERS.contains(&x.as_str()))
}

/// Methods that return the same data (`.lower()`, `.as_str()`).
pub fn is_passthrough(seg: &str) -> bool {
    matches!(
        seg,
        "lower"
            | "upper"
            | "strip"
            | "trim"
            | "toString"
            | "to_string"
            | "to_s"
            | "toLowerCase"
            | "toUpperCase"
            | "substring"
            | "substr"
            | "slice"
            | "as_str"
            | "as_ref"
            | "clone"
            | "unwrap"
            | "get"
            | "value"
            | "format"
            | "encode"
            | "decode"
            | "title"
            | "capitalize"
            | "String"
            | "string"
            | "Text"
            | "text"
            | "first"
            | "last"
            | "join"
            | "expose_secret"
    )
}

/// Calls that make data safe to pass on (hashing, masking, length).
pub fn is_sanitizer(callee_last: &str) -> bool {
    let w = words(callee_last);
    w.iter().any(|x| {
        matches!(
            x.as_str(),
            "hash"
                | "hashed"
                | "sha256"
                | "sha1"
                | "sha512"
                | "md5"
                | "digest"
                | "hmac"
                | "mask"
                | "masked"
                | "redact"
                | "redacted"
                | "anonymize"
                | "anonymise"
                | "pseudonymize"
                | "obfuscate"
                | "encrypt"
                | "encrypted"
                | "scrub"
                | "sanitize"
                | "sanitise"
                | "len"
                | "length"
                | "size"
                | "count"
                | "bool"
                | "is"
                | "has"
                | "exists"
                | "truncate"
                | "hexdigest"
                | "bcrypt"
                | "argon2"
                | "uuid"
                | "tokenize"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<String> {
        s.split('.').map(str::to_string).collect()
    }

    #[test]
    fn personal_fields_on_people_count_and_config_does_not() {
        assert_eq!(classify(&p("user.email")), Some((Data::Email, 1, true)));
        assert_eq!(classify(&p("email")), Some((Data::Email, 0, false)));
        assert_eq!(classify(&p("config.email")), None);
        assert_eq!(
            classify(&p("config.db_password")),
            Some((Data::Credential, 1, false))
        );
        assert_eq!(classify(&p("user.email_verified")), None);
        assert_eq!(classify(&p("customer.name")), Some((Data::Name, 1, true)));
        assert_eq!(classify(&p("name")), None, "name only on a person");
        assert_eq!(classify(&p("password")), Some((Data::Credential, 0, false)));
        assert_eq!(classify(&p("password_hash")), None);
        assert_eq!(classify(&p("tokenizer")), None);
        assert_eq!(classify(&p("ip_address")), None);
        assert_eq!(classify(&p("user.address")), Some((Data::Address, 1, true)));
        assert_eq!(classify(&p("owner.__name__")), None, "a dunder attribute");
        assert_eq!(classify(&p("candidate.name")), None, "a weak person word");
        assert_eq!(classify(&p("member.name")), None);
        assert_eq!(
            classify(&p("member.email")),
            Some((Data::Email, 1, true)),
            "a weak person word still makes an email personal"
        );
        assert_eq!(classify(&p("distribution.fullname")), None);
        assert_eq!(classify(&p("user.full_name")), Some((Data::Name, 1, true)));
        assert_eq!(classify(&p("server_cert")), None, "certificates are public");
        assert_eq!(classify(&p("to_token_stream")), None);
        assert_eq!(classify(&p("cursorToken")), None, "a pagination cursor");
        assert_eq!(classify(&p("next_token")), None);
        assert_eq!(classify(&p("checkout.token")), None, "a domain object's id");
        assert_eq!(
            classify(&p("request.token")),
            Some((Data::Credential, 1, false))
        );
        assert_eq!(
            classify(&p("AccountErrorCode.JWT_INVALID_TOKEN.value")),
            None
        );
        assert_eq!(classify(&p("INVALID_CREDENTIALS")), None);
        assert_eq!(classify(&p("user.org.name")), None, "the org's name");
        assert_eq!(
            classify(&p("user.profile.email")),
            Some((Data::Email, 2, true))
        );
        assert!(weak_credential("e.checkout_token"));
        assert!(!weak_credential("request.access_token"));
        assert!(!weak_credential("password"));
        let syntax = Sense {
            syntax_tokens: true,
        };
        assert_eq!(classify_in(&p("token.to_string"), syntax), None);
        assert_eq!(
            classify_in(&p("private_key"), syntax),
            Some((Data::Credential, 0, false))
        );
        assert_eq!(
            classify(&p("authToken.substring")),
            Some((Data::Credential, 0, false))
        );
    }
}
