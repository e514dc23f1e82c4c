//! Untrusted text on a terminal and in a GitHub Actions log. File names,
//! task ids, SBOM fields and benchmark names come from pull requests; the
//! Actions runner reads every line of a step's stdout and stderr that starts
//! with `::` as a workflow command, and a terminal obeys escape sequences.
//! Everything maestro prints for people goes through here (from
//! [`super::Output`]): control characters are shown escaped, and in Actions
//! a block with a line that would be a command is wrapped in
//! `::stop-commands::<random token>` so that it prints but does nothing.

use std::borrow::Cow;
use std::fmt::Write;

/// Shows every control character except newline and tab escaped (`\r`,
/// `\u{1b}`), so untrusted text can move neither the cursor nor the runner's
/// idea of where a line starts (it splits lines at `\r` too).
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    escape(s, |c| c.is_control() && c != '\n' && c != '\t')
}

/// [`escape_controls`], and newlines and tabs too: for text that must stay on
/// one line (diagnostics, a field in a table).
pub fn one_line(s: &str) -> Cow<'_, str> {
    escape(s, char::is_control)
}

fn escape(s: &str, hide: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&hide) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' if hide(c) => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' if hide(c) => out.push_str("\\t"),
            c if hide(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether the runner would take a line of `text` for a workflow command: it
/// trims leading white space and looks for `::`.
pub fn has_command_line(text: &str) -> bool {
    text.split(['\n', '\r'])
        .any(|l| l.trim_start().starts_with("::"))
}

/// A block for people on stdout: control characters escaped and, when
/// `in_actions` and a line would be a command, the whole block wrapped in
/// stop-commands with a fresh random token.
pub fn guard(text: &str, in_actions: bool) -> Cow<'_, str> {
    let text = escape_controls(text);
    if in_actions && has_command_line(&text) {
        Cow::Owned(super::github::stop_commands(&text))
    } else {
        text
    }
}

/// What the Actions runner would execute of a log (for tests and fuzzing).
pub mod runner {
    /// The lines the runner would run as workflow commands, leaving out those
    /// inside a `::stop-commands::TOKEN` … `::TOKEN::` window and the two
    /// lines that open and close it.
    pub fn commands(log: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut stopped: Option<String> = None;
        for line in log.split(['\n', '\r']) {
            let l = line.trim_start();
            match &stopped {
                Some(token) => {
                    if l == format!("::{token}::") {
                        stopped = None;
                    }
                }
                None => {
                    if let Some(token) = l.strip_prefix("::stop-commands::") {
                        stopped = Some(token.to_string());
                    } else if l.starts_with("::") {
                        out.push(line.to_string());
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_obeyed() {
        assert_eq!(
            escape_controls("a\rb\u{1b}[31mc\nd\te"),
            "a\\rb\\u{1b}[31mc\nd\te"
        );
        assert_eq!(one_line("a\nb\tc\u{85}"), "a\\nb\\tc\\u{85}");
        assert!(matches!(escape_controls("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_command_line_is_inert_in_actions_and_shown_elsewhere() {
        let hostile = "ok\nevil\n::error::INJECTED\n  ::set-output name=x::y\n";
        let g = guard(hostile, true);
        assert!(runner::commands(&g).is_empty(), "{g}");
        assert!(g.contains("::error::INJECTED"));
        assert_eq!(guard(hostile, false), hostile);
        assert_eq!(guard("a :: b\n", true), "a :: b\n");
        // A carriage return cannot start a new line for the runner.
        assert!(runner::commands(&guard("x\r::error::y", true)).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn no_text_makes_the_runner_run_a_command(s in "\\PC*|[:\n\r \\t\\x1b-]{0,40}") {
            proptest::prop_assert!(runner::commands(&guard(&s, true)).is_empty());
        }
    }
}
