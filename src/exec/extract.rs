//! Finding the JSON document in what an agent printed: the whole output,
//! else the last fenced code block that parses (```` ```json ```` or a bare
//! fence), else the last balanced top-level object or array that parses.

use serde::Serialize;
use serde_json::Value;

/// Where the document came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The whole output is the document.
    Whole,
    /// The last fenced code block that parses.
    Fenced,
    /// The balanced `{…}` or `[…]` that parses and ends last.
    Embedded,
}

impl Method {
    /// In words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Method::Whole => "the whole output",
            Method::Fenced => "the last fenced code block",
            Method::Embedded => "the last JSON object in the text",
        }
    }
}

/// The document in `text` and how it was found, or why there is none (in
/// words an agent can act on: where the JSON it printed stops parsing).
pub fn extract(text: &str) -> Result<(Value, Method), String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("the output is empty".into());
    }
    let whole = serde_json::from_str::<Value>(trimmed);
    if let Ok(v) = whole {
        return Ok((v, Method::Whole));
    }
    let blocks = fenced(text);
    if let Some(v) = blocks.iter().rev().find_map(|b| parse(b)) {
        return Ok((v, Method::Fenced));
    }
    let spans = balanced(text);
    if let Some(v) = spans.iter().find_map(|b| parse(b)) {
        return Ok((v, Method::Embedded));
    }
    // The nearest thing to a document, and where it breaks.
    let attempt = blocks
        .last()
        .copied()
        .or(spans.first().copied())
        .map(str::trim)
        .filter(|s| s.starts_with('{') || s.starts_with('['))
        .or_else(|| (trimmed.starts_with('{') || trimmed.starts_with('[')).then_some(trimmed));
    match attempt.map(serde_json::from_str::<Value>) {
        Some(Err(e)) => Err(format!("the JSON in the output does not parse: {e}")),
        _ => Err("no JSON document in the output".into()),
    }
}

fn parse(s: &str) -> Option<Value> {
    serde_json::from_str(s.trim()).ok()
}

/// The bodies of fenced code blocks (```` ``` ```` or `~~~`, three or more,
/// any info string), in order. An unclosed fence runs to the end.
fn fenced(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize, usize)> = None; // (char, run, body start)
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let t = line.trim_start();
        let fence = |c: char| t.chars().take_while(|&x| x == c).count();
        match open {
            None => {
                for c in ['`', '~'] {
                    if fence(c) >= 3 {
                        open = Some((c, fence(c), at));
                        break;
                    }
                }
            }
            Some((c, n, body)) => {
                if fence(c) >= n && t.trim_start_matches(c).trim().is_empty() {
                    out.push(&text[body..start]);
                    open = None;
                }
            }
        }
    }
    if let Some((_, _, body)) = open {
        out.push(&text[body..]);
    }
    out
}

/// The outermost balanced `{…}` / `[…]` spans (none inside another closed
/// one: a fragment of a broken document is not a document), latest first:
/// one pass with a stack of open brackets; quotes are tracked only inside a
/// bracket (prose apostrophes and quotes outside do not count); a
/// mismatched closer starts over. At most 1,000 spans.
fn balanced(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut stack: Vec<(u8, usize)> = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match c {
                b'"' if !stack.is_empty() => in_string = true,
                b'{' | b'[' => stack.push((c, i)),
                b'}' | b']' => {
                    let want = if c == b'}' { b'{' } else { b'[' };
                    match stack.pop() {
                        Some((open, at)) if open == want => spans.push((at, i)),
                        _ => stack.clear(),
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    // Spans nest or are disjoint: by start, a span inside the last kept one
    // ends before it.
    spans.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)));
    let mut outer: Vec<(usize, usize)> = Vec::new();
    for s in spans {
        if outer.last().is_none_or(|o| s.0 > o.1) {
            outer.push(s);
        }
    }
    outer.reverse();
    outer.truncate(1000);
    outer.into_iter().map(|(a, z)| &text[a..=z]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_fenced_and_embedded() {
        assert_eq!(
            extract(" {\"a\": 1}\n"),
            Ok((json!({"a": 1}), Method::Whole))
        );
        let fenced_text =
            "Here you go:\n```json\n{\"a\": 1}\n```\nand a fix:\n```json\n{\"a\": 2}\n```\nDone.";
        assert_eq!(extract(fenced_text), Ok((json!({"a": 2}), Method::Fenced)));
        // A later block that does not parse is passed over.
        let t = "```json\n{\"a\": 3}\n```\n```\nnot json\n```";
        assert_eq!(extract(t), Ok((json!({"a": 3}), Method::Fenced)));
        let t = "I think {\"x\": \"} {\", \"y\": [1, 2]} is it; not {this}.";
        assert_eq!(
            extract(t),
            Ok((json!({"x": "} {", "y": [1, 2]}), Method::Embedded))
        );
        assert_eq!(
            extract("no json here").unwrap_err(),
            "no JSON document in the output"
        );
        assert_eq!(extract("").unwrap_err(), "the output is empty");
        assert!(extract("{\"unclosed\": ")
            .unwrap_err()
            .starts_with("the JSON in the output does not parse"));
        // A broken document is not mistaken for the array inside it.
        let e = extract("{\"a\": \"two\nlines\", \"t\": [\"x\"]}").unwrap_err();
        assert!(e.contains("does not parse") && e.contains("line 2"), "{e}");
        // A stray brace in prose before the document.
        assert_eq!(
            extract("use { like \"this\" then {\"a\": [1]}"),
            Ok((json!({"a": [1]}), Method::Embedded))
        );
        // An unclosed fence runs to the end.
        assert_eq!(
            extract("```json\n{\"a\": 4}\n"),
            Ok((json!({"a": 4}), Method::Fenced))
        );
    }
}
