//! Which identifiers name personal data, which objects are people, and which
//! calls are sinks. maestro's own word lists; identifiers are split into
//! lower-case words (`currentUser.emailAddress` → `current user`, `email
//! address`) before matching.

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

/// (words, data, only on a person-like object)
const FIELDS: &[(&[&str], Data, bool)] = &[
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
    (&["full", "name"], Data::Name, false),
    (&["fullname"], Data::Name, false),
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
    (&["cert"], Data::Credential, false),
    (&["certificate"], Data::Credential, false),
];

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

/// Words that make a matching identifier something else: a flag, a count,
/// a format, a hash, a UI label (`email_verified`, `password_hash`).
const NOT_DATA: &[&str] = &[
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
];

/// Objects that are people (or accounts of people).
const PERSON: &[&str] = &[
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

/// Objects that hold configuration, not people (`config.email`).
const NOT_PERSON: &[&str] = &[
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
    let mut i = path.len().checked_sub(1)?;
    while i > 0 && is_passthrough(&path[i]) {
        i -= 1;
    }
    let w = words(&path[i]);
    let objects: Vec<String> = path[..i].iter().flat_map(|s| words(s)).collect();
    let on_person = objects.iter().any(|o| PERSON.contains(&o.as_str()));
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
    let self_person = w.iter().any(|x| PERSON.contains(&x.as_str()));
    // `config.email` is the app's address; `config.db_password` is still a secret.
    if on_config && !on_person && data != Data::Credential {
        return None;
    }
    if person_only && !on_person && !self_person {
        return None;
    }
    Some((data, i, on_person || self_person))
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

/// Where data goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sink {
    /// A logger.
    Logger,
    /// Standard output or error (print, console.log, puts, println!).
    Stdout,
    /// An exception or panic message.
    Exception,
    /// An outgoing HTTP request, URL or query string.
    Http,
    /// An analytics, monitoring or error-tracking SDK.
    ThirdParty,
    /// A cookie, session, JWT or browser storage.
    ClientStorage,
    /// A file or CSV export.
    FileExport,
}

impl Sink {
    /// The rule id.
    pub fn rule(self) -> &'static str {
        match self {
            Sink::Logger => "pii/flow/logger",
            Sink::Stdout => "pii/flow/stdout",
            Sink::Exception => "pii/flow/exception",
            Sink::Http => "pii/flow/http",
            Sink::ThirdParty => "pii/flow/third-party",
            Sink::ClientStorage => "pii/flow/client-storage",
            Sink::FileExport => "pii/flow/file-export",
        }
    }

    /// Why it matters, for the finding's reason.
    pub fn why(self) -> &'static str {
        match self {
            Sink::Logger => "logs leave the trust boundary (shipped to log stores, kept for months)",
            Sink::Stdout => "standard output ends up in CI, container and server logs",
            Sink::Exception => "exception messages reach logs, error pages and error trackers",
            Sink::Http => "URLs, query strings and request bodies are seen and logged by other systems",
            Sink::ThirdParty => "it is sent to a third-party service outside your control",
            Sink::ClientStorage => "cookies, sessions and tokens are stored on the client and sent back on every request",
            Sink::FileExport => "exported files are copied and shared beyond access controls",
        }
    }
}

const LOG_RECEIVERS: &[&str] = &[
    "log",
    "logger",
    "logging",
    "slog",
    "zap",
    "logrus",
    "sugar",
    "winston",
    "pino",
    "bunyan",
    "klog",
    "glog",
    "lg",
    "timber",
    "rails",
    "syslog",
    "loguru",
    "structlog",
    "tracing",
    "l",
    "log4j",
    "logback",
    "slf4j",
    "lgr",
];
const LOG_METHODS: &[&str] = &[
    "debug",
    "info",
    "warn",
    "warning",
    "error",
    "fatal",
    "critical",
    "trace",
    "log",
    "exception",
    "verbose",
    "notice",
    "alert",
    "emerg",
    "severe",
    "fine",
    "finer",
    "finest",
    "infof",
    "debugf",
    "warnf",
    "warningf",
    "errorf",
    "fatalf",
    "tracef",
    "printf",
    "println",
    "print",
    "infow",
    "debugw",
    "errorw",
    "warnw",
    "fatalln",
    "panicf",
    "panicln",
    "success",
];
const THIRD_PARTY: &[&str] = &[
    "sentry",
    "raven",
    "bugsnag",
    "rollbar",
    "honeybadger",
    "airbrake",
    "newrelic",
    "datadog",
    "ddtrace",
    "statsd",
    "segment",
    "analytics",
    "mixpanel",
    "amplitude",
    "posthog",
    "heap",
    "intercom",
    "hotjar",
    "fullstory",
    "gtag",
    "algolia",
    "algoliasearch",
    "openai",
    "kissmetrics",
    "appsignal",
    "logrocket",
    "elastic",
    "elasticsearch",
    "opensearch",
    "clevertap",
    "braze",
    "customerio",
    "hubspot",
    "salesforce",
    "stripe",
    "twilio",
    "sendgrid",
    "mailchimp",
    "pusher",
    "firebase",
    "crashlytics",
    "rudderstack",
    "snowplow",
    "smartlook",
    "launchdarkly",
    "optimizely",
    "bigquery",
    "googleanalytics",
    "ga",
    "dd",
    "opentelemetry",
    "otel",
    "clickhouse",
    "dataflow",
    "scout",
    "scoutapm",
    "javabrake",
    "gobrake",
    "datalayer",
    "gtm",
    "tagmanager",
    "analytics",
    "tracer",
    "opentracing",
    "jaeger",
    "zipkin",
    "honeycomb",
    "newrelic",
    "nrpy",
];
const HTTP_RECEIVERS: &[&str] = &[
    "requests",
    "http",
    "httpx",
    "axios",
    "urllib",
    "urllib2",
    "urllib3",
    "aiohttp",
    "superagent",
    "got",
    "net",
    "faraday",
    "httparty",
    "rest",
    "restclient",
    "resttemplate",
    "webclient",
    "okhttp",
    "httpclient",
    "client",
    "session",
    "curl",
    "fetch",
    "request",
    "ky",
    "needle",
];
const HTTP_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "request",
    "fetch",
    "urlopen",
    "newrequest",
    "send",
    "execute",
    "exchange",
    "postforobject",
    "getforobject",
    "postforentity",
    "getforentity",
    "ajax",
];

/// The sink a call's callee text names, if any. `macro_call` is true for a
/// Rust macro (`info!`).
pub fn sink_of(callee: &str, macro_call: bool) -> Option<Sink> {
    let segs: Vec<String> = callee
        .split(['.', ':', '>', '-', '(', ')', '&', ' ', '\n', '\t'])
        .filter(|s| {
            !s.is_empty()
                && s.chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        })
        .map(str::to_string)
        .collect();
    let last = segs.last()?.to_ascii_lowercase();
    let receiver: Vec<String> = segs[..segs.len() - 1]
        .iter()
        .flat_map(|s| words(s))
        .collect();
    let all: Vec<String> = segs.iter().flat_map(|s| words(s)).collect();
    let has = |list: &[&str], ws: &[String]| ws.iter().any(|w| list.contains(&w.as_str()));
    if has(THIRD_PARTY, &all) {
        return Some(Sink::ThirdParty);
    }
    if macro_call {
        return match last.as_str() {
            "debug" | "info" | "warn" | "error" | "trace" | "log" | "event" => Some(Sink::Logger),
            "println" | "print" | "eprintln" | "eprint" | "dbg" => Some(Sink::Stdout),
            "panic" | "todo" | "unimplemented" | "unreachable" | "assert" | "assert_eq"
            | "assert_ne" | "debug_assert" | "debug_assert_eq" | "debug_assert_ne" | "bail"
            | "anyhow" => Some(Sink::Exception),
            _ => None,
        };
    }
    let recv = receiver.join(".");
    match last.as_str() {
        "print" | "println" | "printf" | "puts" | "pp" | "p" | "eprintln" | "write" | "writeln"
        | "write_all"
            if receiver.is_empty()
                || has(
                    &[
                        "system", "out", "err", "stdout", "stderr", "fmt", "console", "kernel",
                        "io",
                    ],
                    &receiver,
                ) =>
        {
            if last == "write" || last == "writeln" || last == "write_all" {
                if has(&["stdout", "stderr"], &receiver) {
                    return Some(Sink::Stdout);
                }
                return None;
            }
            return Some(Sink::Stdout);
        }
        "fprintf" | "fprintln" | "fprint" if recv == "fmt" => return Some(Sink::Stdout),
        "write_fmt" if has(&["stdout", "stderr"], &receiver) => return Some(Sink::Stdout),
        _ => {}
    }
    if has(&["console"], &receiver) {
        return Some(Sink::Stdout);
    }
    let loggerish = has(LOG_RECEIVERS, &receiver)
        || receiver
            .iter()
            .any(|w| w.ends_with("logger") || w.ends_with("log"));
    if LOG_METHODS.contains(&last.as_str()) && loggerish {
        return Some(Sink::Logger);
    }
    // Builder chains: `zerolog.Error().Msg(..)`, `log.Info().Str("k", v)`,
    // `logger.WithField("k", v).Info(..)`.
    let middle = if segs.len() > 2 {
        &segs[1..segs.len() - 1]
    } else {
        &[][..]
    };
    let chained = middle
        .iter()
        .any(|x| LOG_METHODS.contains(&x.to_ascii_lowercase().as_str()))
        || matches!(
            last.as_str(),
            "msg"
                | "msgf"
                | "str"
                | "interface"
                | "with"
                | "withfield"
                | "withfields"
                | "fields"
                | "field"
                | "send"
        );
    if chained && loggerish {
        return Some(Sink::Logger);
    }
    if ["panic", "errorf", "new"].contains(&last.as_str())
        && (recv == "errors" || recv == "fmt" || (receiver.is_empty() && last == "panic"))
    {
        return Some(Sink::Exception);
    }
    if matches!(last.as_str(), "raise" | "fail" | "abort") && receiver.is_empty() {
        return Some(Sink::Exception);
    }
    if last.ends_with("error") || last.ends_with("exception") {
        // Constructors: new IllegalStateException(..), ValueError(..).
        if segs
            .last()
            .is_some_and(|s| s.chars().next().is_some_and(char::is_uppercase))
        {
            return Some(Sink::Exception);
        }
    }
    if matches!(
        last.as_str(),
        "set_cookie"
            | "setcookie"
            | "cookie"
            | "add_cookie"
            | "addcookie"
            | "set_signed_cookie"
            | "setitem"
    ) && (last != "setitem" || has(&["local", "session", "storage"], &receiver))
    {
        return Some(Sink::ClientStorage);
    }
    if matches!(
        last.as_str(),
        "encode" | "sign" | "claim" | "claims" | "setsubject" | "set_payload"
    ) && has(&["jwt", "jwts", "jose", "jsonwebtoken", "token"], &receiver)
    {
        return Some(Sink::ClientStorage);
    }
    if matches!(
        last.as_str(),
        "setattribute" | "set" | "put" | "store" | "insert"
    ) && has(&["session", "cookie", "cookies"], &receiver)
    {
        return Some(Sink::ClientStorage);
    }
    if matches!(
        last.as_str(),
        "writerow"
            | "writerows"
            | "to_csv"
            | "write_csv"
            | "writecsv"
            | "writefile"
            | "writefilesync"
            | "appendfile"
            | "appendfilesync"
            | "write_text"
            | "write_bytes"
            | "writestring"
            | "generate_line"
    ) || (matches!(
        last.as_str(),
        "write" | "writeall" | "write_all" | "puts" | "print" | "println" | "append"
    ) && has(
        &[
            "file",
            "files",
            "csv",
            "writer",
            "f",
            "fh",
            "fs",
            "os",
            "ioutil",
            "out",
            "output",
            "export",
            "sheet",
            "ws",
            "workbook",
            "bufferedwriter",
            "filewriter",
            "printwriter",
        ],
        &receiver,
    )) {
        return Some(Sink::FileExport);
    }
    if HTTP_METHODS.contains(&last.as_str()) && has(HTTP_RECEIVERS, &receiver) {
        return Some(Sink::Http);
    }
    if receiver.is_empty() && matches!(last.as_str(), "fetch" | "axios" | "urlopen") {
        return Some(Sink::Http);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<String> {
        s.split('.').map(str::to_string).collect()
    }

    #[test]
    fn identifiers_split_into_words() {
        assert_eq!(words("currentUser"), ["current", "user"]);
        assert_eq!(words("email_address"), ["email", "address"]);
        assert_eq!(words("HTTPServer"), ["http", "server"]);
        assert_eq!(words("authToken"), ["auth", "token"]);
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
        assert_eq!(
            classify(&p("authToken.substring")),
            Some((Data::Credential, 0, false))
        );
    }

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

    #[test]
    fn sinks() {
        assert_eq!(sink_of("logger.info", false), Some(Sink::Logger));
        assert_eq!(sink_of("logging.info", false), Some(Sink::Logger));
        assert_eq!(sink_of("log.Printf", false), Some(Sink::Logger));
        assert_eq!(sink_of("print", false), Some(Sink::Stdout));
        assert_eq!(sink_of("console.log", false), Some(Sink::Stdout));
        assert_eq!(sink_of("System.out.println", false), Some(Sink::Stdout));
        assert_eq!(sink_of("info", true), Some(Sink::Logger));
        assert_eq!(
            sink_of("Sentry.captureMessage", false),
            Some(Sink::ThirdParty)
        );
        assert_eq!(sink_of("requests.get", false), Some(Sink::Http));
        assert_eq!(sink_of("writer.writerow", false), Some(Sink::FileExport));
        assert_eq!(sink_of("ValueError", false), Some(Sink::Exception));
        assert_eq!(sink_of("jwt.encode", false), Some(Sink::ClientStorage));
        assert_eq!(sink_of("user.save", false), None);
        assert_eq!(sink_of("dict.get", false), None);
    }
}
