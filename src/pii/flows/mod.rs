//! Field → sink detection ("data-flow-lite"): a tree-sitter parse of one
//! file, then every call that is a sink is checked for arguments that name
//! personal data (`logger.info(user.email)`), directly or through a local
//! variable assigned earlier in the file (`e = user.email; print(e)`).
//! Parse errors are tolerated: tree-sitter recovers and the rest of the file
//! is still checked.

mod imports;
mod references;
mod syntax;
mod walker;

use super::lexicon::{Data, Sink, Syntax};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::OnceLock;

use tree_sitter::Parser;
use walker::Walker;

/// A language with a grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// Python.
    Python,
    /// JavaScript (and JSX).
    JavaScript,
    /// TypeScript.
    TypeScript,
    /// TSX.
    Tsx,
    /// Java.
    Java,
    /// Go.
    Go,
    /// Ruby.
    Ruby,
    /// Rust.
    Rust,
}

impl Lang {
    /// By file extension.
    pub fn from_path(path: &str) -> Option<Lang> {
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
        Some(match ext.as_str() {
            "py" | "pyw" => Lang::Python,
            "js" | "jsx" | "mjs" | "cjs" => Lang::JavaScript,
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "java" => Lang::Java,
            "go" => Lang::Go,
            "rb" | "rake" => Lang::Ruby,
            "rs" => Lang::Rust,
            _ => return None,
        })
    }

    /// What the field-word prefilter needs to know of the language. Ruby's
    /// `#{…}` opens an interpolation, so only `# ` and `##` start a comment
    /// there.
    pub fn syntax(self) -> Syntax {
        Syntax {
            comments: match self {
                Lang::Python => &["#"],
                Lang::Ruby => &["# ", "#\t", "##"],
                _ => &["//"],
            },
            rust: self == Lang::Rust,
        }
    }

    /// The grammar's node kind names, by id.
    fn kinds(self) -> &'static [String] {
        // One table per language; Rust is the last variant.
        const LANGS: usize = Lang::Rust as usize + 1;
        static KINDS: [OnceLock<Vec<String>>; LANGS] = [const { OnceLock::new() }; LANGS];
        KINDS[self as usize].get_or_init(|| {
            let g = self.grammar();
            (0..g.node_kind_count())
                .map(|id| {
                    let name = u16::try_from(id).ok().and_then(|id| g.node_kind_for_id(id));
                    name.unwrap_or("").to_string()
                })
                .collect()
        })
    }

    fn grammar(self) -> tree_sitter::Language {
        match self {
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::Java => tree_sitter_java::LANGUAGE.into(),
            Lang::Go => tree_sitter_go::LANGUAGE.into(),
            Lang::Ruby => tree_sitter_ruby::LANGUAGE.into(),
            Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
        }
    }
}

/// One flow of sensitive data into a sink.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// Where it goes.
    pub sink: Sink,
    /// The callee as written (`logger.info`).
    pub sink_name: String,
    /// The identifier path that names the data (`user.email`).
    pub source: String,
    /// What kind of data.
    pub data: Data,
    /// The local variable it went through, and the line (1-based) where it
    /// was assigned.
    pub via: Option<(String, usize)>,
    /// 1-based line and column of the data reference (the sink call's line
    /// when it came through a variable).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// 1-based line of the sink call.
    pub sink_line: usize,
    /// The data sits on a person-like object (`user.email`).
    pub on_person: bool,
}

/// Why a file could not be analysed for flows.
#[derive(Debug, PartialEq)]
pub enum Unparsed {
    /// The parse needed more steps than its budget allows.
    TooLong(u64),
    /// The grammar could not be loaded.
    Grammar(String),
}

/// Files at least this large are parsed only around their field words.
const REGION_MIN_BYTES: usize = 8 * 1024;
/// Lines parsed on each side of a line with a field word, in such files.
const REGION_LINES: usize = 60;

/// For a large file, the parts worth parsing: windows of [`REGION_LINES`]
/// around each line with a field word (at `offsets`, in order), merged.
/// `None` parses the whole file (small files, or windows covering most of
/// it). Flows are local to a statement or a function, so a window around the
/// field word holds them; tree-sitter tolerates a window that starts inside
/// a construct.
fn regions(text: &str, offsets: &[usize]) -> Option<Vec<tree_sitter::Range>> {
    if text.len() < REGION_MIN_BYTES {
        return None;
    }
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |off: usize| starts.partition_point(|&s| s <= off) - 1;
    let mut windows: Vec<(usize, usize)> = Vec::new(); // line ranges, inclusive
    for &off in offsets {
        let l = line_of(off);
        let (a, b) = (
            l.saturating_sub(REGION_LINES),
            (l + REGION_LINES).min(starts.len() - 1),
        );
        match windows.last_mut() {
            Some(w) if a <= w.1 + 1 => w.1 = w.1.max(b),
            _ => windows.push((a, b)),
        }
    }
    let point = |row: usize| tree_sitter::Point { row, column: 0 };
    let ranges: Vec<tree_sitter::Range> = windows
        .iter()
        .map(|&(a, b)| {
            let (end_byte, end_point) = match starts.get(b + 1) {
                Some(&e) => (e, point(b + 1)),
                None => (
                    text.len(),
                    tree_sitter::Point {
                        row: b,
                        column: text.len() - starts[b],
                    },
                ),
            };
            tree_sitter::Range {
                start_byte: starts[a],
                end_byte,
                start_point: point(a),
                end_point,
            }
        })
        .collect();
    let covered: usize = ranges.iter().map(|r| r.end_byte - r.start_byte).sum();
    (2 * covered < text.len()).then_some(ranges)
}

/// Finds the flows in one file. `limit` bounds the parse time. Files
/// without a field word are not parsed; large ones are parsed a window at a
/// time, each window on its own so that a construct cut at one window's end
/// does not run on into the next.
pub fn scan(lang: Lang, text: &str, budget: u64) -> Result<Vec<Flow>, Unparsed> {
    let offsets = super::lexicon::data_offsets(text, lang.syntax());
    if offsets.is_empty() {
        return Ok(Vec::new());
    }
    let sense = super::lexicon::Sense::of(text);
    let mut parser = take_parser(lang)?;
    let windows: Vec<Option<tree_sitter::Range>> = match regions(text, &offsets) {
        Some(ranges) => ranges.into_iter().map(Some).collect(),
        None => vec![None],
    };
    // tree-sitter calls back every 100 parse operations: counting the calls
    // bounds the work the same way on any machine and under any load (a
    // wall-clock limit made results depend on both).
    let mut checks = 0u64;
    let mut progress = |_: &tree_sitter::ParseState| {
        checks += 1;
        if checks > budget {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let bytes = text.as_bytes();
    let (mut aliases, mut sinks, mut flows) = (HashMap::new(), HashMap::new(), Vec::new());
    for window in windows {
        parser
            .set_included_ranges(window.as_slice())
            .map_err(|e| Unparsed::Grammar(format!("{e:?}")))?;
        let tree = parser
            .parse_with_options(
                &mut |i, _| if i < bytes.len() { &bytes[i..] } else { &[] },
                None,
                Some(tree_sitter::ParseOptions::new().progress_callback(&mut progress)),
            )
            .ok_or(Unparsed::TooLong(budget))?;
        // Import aliases hold for the whole file; local variables don't
        // reach from one window into another.
        let mut w = Walker {
            src: bytes,
            fields: &offsets,
            lang,
            sense,
            taint: HashMap::new(),
            aliases,
            sinks,
            flows,
        };
        w.visit(tree.root_node());
        (aliases, sinks, flows) = (w.aliases, w.sinks, w.flows);
    }
    PARSERS.with_borrow_mut(|ps| ps.push((lang, parser)));
    flows.sort_by_key(|f| (f.line, f.column));
    Ok(flows)
}

thread_local! {
    /// Each thread's parsers, one per language, reused from file to file
    /// (a parser keeps its subtree pool and stack between parses).
    static PARSERS: std::cell::RefCell<Vec<(Lang, Parser)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// This thread's parser for `lang`, reset; or a new one.
fn take_parser(lang: Lang) -> Result<Parser, Unparsed> {
    let reused = PARSERS.with_borrow_mut(|ps| {
        let i = ps.iter().position(|(l, _)| *l == lang)?;
        Some(ps.swap_remove(i).1)
    });
    if let Some(mut p) = reused {
        // A parse stopped by the time limit would otherwise resume.
        p.reset();
        return Ok(p);
    }
    let mut p = Parser::new();
    p.set_language(&lang.grammar())
        .map_err(|e| Unparsed::Grammar(e.to_string()))?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flows(lang: Lang, src: &str) -> Vec<(usize, String, Sink)> {
        scan(lang, src, crate::pii::scan::PARSE_BUDGET)
            .unwrap()
            .into_iter()
            .map(|f| (f.line, f.source, f.sink))
            .collect()
    }

    #[test]
    fn large_files_are_parsed_around_their_field_words_only() {
        let filler = "def g(a):\n    return a + 1\n".repeat(3000);
        let flow = "def f(user):\n    e = user.phone\n    print(f\"x {e}\")\n";
        let src = format!("{filler}{flow}{filler}");
        let regions_of = |src: &str| {
            regions(
                src,
                &super::super::lexicon::data_offsets(src, Lang::Python.syntax()),
            )
        };
        let r = regions_of(&src).expect("a large file with one field word");
        assert_eq!(r.len(), 1);
        assert!(r[0].end_byte - r[0].start_byte < src.len() / 10);
        assert_eq!(
            flows(Lang::Python, &src),
            [(6000 + 3, "user.phone".to_string(), Sink::Stdout)]
        );
        // No field word at all: nothing to parse.
        assert_eq!(regions_of(&filler).map(|r| r.len()), Some(0));
        // Small files are parsed whole.
        assert!(regions_of(flow).is_none());
    }

    #[test]
    fn a_construct_cut_at_a_window_end_does_not_run_into_the_next_window() {
        let filler = "fn g(a: u32) -> u32 {\n    a + 1\n}\n".repeat(1500);
        // The first window ends inside this raw string.
        let open = format!(
            "fn f(password: &str) {{ check(password) }}\nconst DOC: &str = r#\"\n{}\"#;\n",
            "text\n".repeat(200)
        );
        let far = "fn h(user: &User) {\n    println!(\"{}\", user.email);\n}\n";
        let src = format!("{filler}{open}{filler}{far}{filler}");
        let offsets = super::super::lexicon::data_offsets(&src, Lang::Rust.syntax());
        assert_eq!(regions(&src, &offsets).map(|r| r.len()), Some(2));
        let line = src[..src.find("println").unwrap()].lines().count();
        assert_eq!(
            flows(Lang::Rust, &src),
            [(line, "user.email".to_string(), Sink::Stdout)]
        );
    }

    #[test]
    fn python_direct_variable_and_sanitized() {
        let src = "import logging\nlogger = logging.getLogger()\ndef f(user):\n    logger.info(\"hi %s\", user.email)\n    e = user.phone\n    print(f\"x {e}\")\n    logger.info(hash(user.email))\n    logger.info(\"email sent\")\n    config.email = 1\n";
        assert_eq!(
            flows(Lang::Python, src),
            [
                (4, "user.email".into(), Sink::Logger),
                (6, "user.phone".into(), Sink::Stdout)
            ]
        );
    }

    #[test]
    fn javascript_java_go_ruby_rust() {
        assert_eq!(
            flows(
                Lang::JavaScript,
                "console.log(`user ${user.email}`);\nSentry.setUser({ email: customer.email });\n"
            )
            .len(),
            2
        );
        assert_eq!(
            flows(
                Lang::Java,
                "class A { void f(User user) { logger.info(\"x\" + user.getEmail()); } }"
            )
            .len(),
            1,
            "a getter reads the field"
        );
        assert_eq!(
            flows(
                Lang::Java,
                "class A { void f() { logger.info(\"x\" + mailer.sendEmail(msg)); } }"
            )
            .len(),
            0,
            "a method name is not data"
        );
        assert_eq!(
            flows(
                Lang::Java,
                "class A { void f() { logger.info(\"x\" + password); } }"
            )
            .len(),
            1
        );
        assert_eq!(flows(Lang::Go, "package main\nfunc f(u User) { log.Printf(\"%s\", u.Email) ; fmt.Println(user.Email) }").len(), 2);
        assert_eq!(
            flows(
                Lang::Ruby,
                "Rails.logger.info(\"x #{current_user.email}\")\n"
            )
            .len(),
            1
        );
        assert_eq!(flows(Lang::Rust, "fn f() { info!(\"m = {}\", password); debug!(\"m = {password:?}\"); println!(\"{}\", harmless); }").len(), 2);
    }

    #[test]
    fn broken_code_still_yields_what_parses() {
        let src = "def f(:\n  print(user.email)\n";
        assert!(!flows(Lang::Python, src).is_empty());
    }
}
