//! Sinks: the calls that write data somewhere it must not go (loggers,
//! stdout, exceptions, HTTP, third-party SDKs, cookies, exports).

use super::words;

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
    ) || (last == "append" && has(&["csv", "writer", "sheet", "ws", "workbook"], &receiver))
        || (matches!(
            last.as_str(),
            "write" | "writeall" | "write_all" | "puts" | "print" | "println"
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
        ))
    {
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
        assert_eq!(sink_of("self.distribution.dist_files.append", false), None);
        assert_eq!(sink_of("ws.append", false), Some(Sink::FileExport));
    }
}
