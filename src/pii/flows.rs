//! Field → sink detection ("data-flow-lite"): a tree-sitter parse of one
//! file, then every call that is a sink is checked for arguments that name
//! personal data (`logger.info(user.email)`), directly or through a local
//! variable assigned earlier in the file (`e = user.email; print(e)`).
//! Parse errors are tolerated: tree-sitter recovers and the rest of the file
//! is still checked.

use super::names::{classify, is_passthrough, is_sanitizer, sink_of, Data, Sink, Syntax};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tree_sitter::{Node, Parser};

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
    /// The parser did not finish within the time limit.
    Timeout(Duration),
    /// The grammar could not be loaded.
    Grammar(String),
}

fn is_string(kind: &str) -> bool {
    matches!(
        kind,
        "string"
            | "string_literal"
            | "template_string"
            | "interpreted_string_literal"
            | "raw_string_literal"
            | "string_content"
            | "character_literal"
            | "heredoc_body"
            | "text_block"
            | "concatenated_string"
            | "string_fragment"
            | "simple_symbol"
            | "hash_key_symbol"
            | "rune_literal"
            | "comment"
            | "line_comment"
            | "block_comment"
    )
}

fn is_interpolation(kind: &str) -> bool {
    matches!(kind, "interpolation" | "template_substitution")
}

/// Nodes that are one reference to data: a name or a member chain.
fn is_reference(kind: &str) -> bool {
    matches!(
        kind,
        "identifier"
            | "attribute"
            | "member_expression"
            | "field_access"
            | "selector_expression"
            | "field_expression"
            | "instance_variable"
            | "shorthand_property_identifier"
            | "subscript"
            | "subscript_expression"
            | "element_reference"
            | "index_expression"
            | "scoped_identifier"
            | "constant"
            | "property_identifier"
            | "field_identifier"
    )
}

/// Splits a reference's text into its segments: `a.b`, `a->b`, `a::b`,
/// `a?.b`, `a["b"]`, `a[:b]` all give `[a, b]`.
fn segments(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    out.retain(|s| !s.chars().all(|c| c.is_ascii_digit()) && s != "self" && s != "this");
    out
}

/// A reference in an argument: its node, its segments, and where the text
/// they come from ends (past the node, in a Rust macro's token list).
type Ref<'a> = (Node<'a>, Vec<String>, usize);

/// A sensitive reference: its node, the source path, the data class, the
/// variable it came through (and that variable's line), and whether it sits
/// on a person-like object.
type Reference<'a> = (Node<'a>, String, Data, Option<(String, usize)>, bool);

struct Walker<'a> {
    src: &'a [u8],
    /// Where the field words are ([`super::names::data_offsets`]).
    fields: &'a [usize],
    lang: Lang,
    taint: HashMap<String, (Data, String, usize, bool)>,
    aliases: HashMap<String, String>,
    /// `sink_of` by callee: the same callees come back all through a file.
    sinks: HashMap<(String, bool), Option<Sink>>,
    flows: Vec<Flow>,
}

impl<'a> Walker<'a> {
    /// `n.kind()`, from a table: `Node::kind` measures and checks the
    /// grammar's C string on every call.
    fn kind<'t>(&self, n: Node<'t>) -> &'t str {
        let kinds = self.lang.kinds();
        match kinds.get(usize::from(n.kind_id())) {
            Some(k) => k.as_str(),
            None => n.kind(),
        }
    }

    fn text(&self, n: Node) -> &'a str {
        std::str::from_utf8(&self.src[n.byte_range()]).unwrap_or("")
    }

    /// The callee text and the argument nodes of a call-like node, and
    /// whether it is a Rust macro.
    fn call_parts(&self, n: Node<'a>) -> Option<(String, Vec<Node<'a>>, bool)> {
        let field = |f: &str| n.child_by_field_name(f);
        match self.kind(n) {
            "call" if self.lang == Lang::Python => Some((
                self.text(field("function")?).into(),
                vec![field("arguments")?],
                false,
            )),
            "call" if self.lang == Lang::Ruby => {
                let method = field("method").map(|m| self.text(m)).unwrap_or("");
                let recv = field("receiver").map(|r| self.text(r)).unwrap_or("");
                let callee = if recv.is_empty() {
                    method.to_string()
                } else {
                    format!("{recv}.{method}")
                };
                Some((callee, field("arguments").into_iter().collect(), false))
            }
            "call_expression"
                if self.lang == Lang::Go || self.lang == Lang::Rust || self.is_js() =>
            {
                Some((
                    self.text(field("function")?).into(),
                    vec![field("arguments")?],
                    false,
                ))
            }
            "new_expression" => Some((
                self.text(field("constructor")?).into(),
                field("arguments").into_iter().collect(),
                false,
            )),
            "method_invocation" => {
                let name = self.text(field("name")?);
                let callee = match field("object") {
                    Some(o) => format!("{}.{name}", self.text(o)),
                    None => name.to_string(),
                };
                Some((callee, vec![field("arguments")?], false))
            }
            "object_creation_expression" => Some((
                self.text(field("type")?).into(),
                vec![field("arguments")?],
                false,
            )),
            "macro_invocation" => {
                let m = field("macro")?;
                let tt = n
                    .named_children(&mut n.walk())
                    .find(|c| self.kind(*c) == "token_tree")?;
                Some((self.text(m).into(), vec![tt], true))
            }
            "raise_statement" | "throw_statement" => {
                let kids: Vec<Node> = n.named_children(&mut n.walk()).collect();
                Some(("raise".into(), kids, false))
            }
            _ => None,
        }
    }

    fn is_js(&self) -> bool {
        matches!(self.lang, Lang::JavaScript | Lang::TypeScript | Lang::Tsx)
    }

    /// (left, right) of an assignment-like node.
    fn assignment_parts(&self, n: Node<'a>) -> Option<(Node<'a>, Node<'a>)> {
        let f = |a: &str, b: &str| Some((n.child_by_field_name(a)?, n.child_by_field_name(b)?));
        match self.kind(n) {
            "assignment"
            | "assignment_expression"
            | "assignment_statement"
            | "short_var_declaration"
            | "augmented_assignment"
            | "operator_assignment" => f("left", "right"),
            "variable_declarator" => f("name", "value"),
            "let_declaration" => f("pattern", "value"),
            "var_spec" | "const_spec" => f("name", "value"),
            _ => None,
        }
    }

    /// Every data reference in `n`, skipping string contents (but not
    /// interpolations), object keys and keyword-argument names.
    fn references(&self, n: Node<'a>, out: &mut Vec<Ref<'a>>) {
        let kind = self.kind(n);
        if is_string(kind) {
            if self.lang == Lang::Rust && (kind == "string_literal" || kind == "raw_string_literal")
            {
                // Inline format captures: "{password}", "{user:?}".
                let t = self.text(n);
                let mut rest = t;
                while let Some(i) = rest.find('{') {
                    rest = &rest[i + 1..];
                    if rest.starts_with('{') {
                        rest = &rest[1..];
                        continue;
                    }
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && !name.chars().all(|c| c.is_ascii_digit()) {
                        out.push((n, vec![name], n.end_byte()));
                    }
                }
                return;
            }
            let mut c = n.walk();
            for ch in n.named_children(&mut c) {
                if is_interpolation(self.kind(ch))
                    || self.kind(ch) == "string"
                    || self.kind(ch) == "template_string"
                {
                    self.references(ch, out);
                }
            }
            return;
        }
        match kind {
            "type_arguments"
            | "type_identifier"
            | "generic_type"
            | "type_parameters"
            | "type_annotation"
            | "scoped_type_identifier"
            | "primitive_type" => return,
            // A callback's body is not an argument: its own calls are checked
            // where they are.
            "arrow_function"
            | "function_expression"
            | "function"
            | "lambda"
            | "closure_expression"
            | "class_body"
            | "do_block"
            | "block"
            | "func_literal"
            | "lambda_expression" => return,
            "keyed_element" => {
                if let Some(v) = n.named_child(n.named_child_count().saturating_sub(1) as u32) {
                    self.references(v, out);
                }
                return;
            }
            "keyword_argument" | "pair" | "named_argument" => {
                if let Some(v) = n.child_by_field_name("value") {
                    self.references(v, out);
                }
                return;
            }
            "token_tree" => {
                // Rust macro arguments are a flat token list: rebuild
                // `a.b.c` chains from identifier and `.` tokens.
                let kids: Vec<Node> = n.children(&mut n.walk()).collect();
                let mut i = 0;
                while i < kids.len() {
                    let k = kids[i];
                    if self.kind(k) == "identifier" {
                        let start = k;
                        let mut segs = vec![self.text(k).to_string()];
                        while i + 2 < kids.len()
                            && self.text(kids[i + 1]) == "."
                            && self.kind(kids[i + 2]) == "identifier"
                        {
                            segs.push(self.text(kids[i + 2]).to_string());
                            i += 2;
                        }
                        // `name = value` / `name: value` in a macro: the name is a key.
                        let next = kids.get(i + 1).map(|x| self.text(*x));
                        if !matches!(next, Some("=") | Some(":")) || segs.len() > 1 {
                            out.push((start, segs, kids[i].end_byte()));
                        }
                    } else if self.kind(k) == "token_tree" || is_string(self.kind(k)) {
                        self.references(k, out);
                    }
                    i += 1;
                }
                return;
            }
            _ => {}
        }
        if kind != "macro_invocation" && !matches!(kind, "raise_statement" | "throw_statement") {
            if let Some((callee, args, _)) = self.call_parts(n) {
                let no_args = args.iter().all(|a| a.named_child_count() == 0);
                let mut segs = segments(&callee);
                if no_args {
                    // A getter: `user.getEmail()`, `user.email.lower()`.
                    if let Some(last) = segs.last_mut() {
                        for pre in ["get_", "get", "is"] {
                            if let Some(rest) = last.strip_prefix(pre) {
                                if rest
                                    .chars()
                                    .next()
                                    .is_some_and(|c| c.is_uppercase() || pre.ends_with('_'))
                                {
                                    let mut c = rest.chars();
                                    *last = c
                                        .next()
                                        .map(|f| f.to_lowercase().chain(c).collect())
                                        .unwrap_or_default();
                                    break;
                                }
                            }
                        }
                    }
                    out.push((n, segs, n.end_byte()));
                } else {
                    // The method's own name is not data; its receiver and
                    // arguments may be.
                    segs.pop();
                    if !segs.is_empty() && !is_sanitizer(segs.last().map_or("", String::as_str)) {
                        out.push((n, segs, n.end_byte()));
                    }
                    for a in args {
                        self.references(a, out);
                    }
                }
                return;
            }
        }
        if is_reference(kind) {
            // In Ruby, `user.email` is a call without arguments.
            out.push((n, segments(self.text(n)), n.end_byte()));
            return;
        }
        if kind == "call"
            && self.lang == Lang::Ruby
            && n.child_by_field_name("arguments").is_none()
            && n.child_by_field_name("block").is_none()
        {
            out.push((n, segments(self.text(n)), n.end_byte()));
            return;
        }
        let mut c = n.walk();
        for ch in n.named_children(&mut c) {
            self.references(ch, out);
        }
    }

    /// The byte offset just after the `n`-th top-level comma of a macro's
    /// token tree (`usize::MAX` when there are fewer).
    fn after_top_level_commas(&self, tt: Node<'a>, n: usize) -> usize {
        let mut seen = 0;
        let mut c = tt.walk();
        for ch in tt.children(&mut c) {
            if self.text(ch) == "," {
                seen += 1;
                if seen == n {
                    return ch.end_byte();
                }
            }
        }
        usize::MAX
    }

    /// Whether a reference sits inside a sanitising call (`hash(user.email)`)
    /// below `top`.
    fn sanitized(&self, r: Node<'a>, top: Node<'a>) -> bool {
        let mut cur = r.parent();
        while let Some(p) = cur {
            if p.id() == top.id() {
                break;
            }
            if let Some((callee, _, _)) = self.call_parts(p) {
                let last = callee.rsplit(['.', ':']).next().unwrap_or("");
                if is_sanitizer(last) {
                    return true;
                }
            }
            cur = p.parent();
        }
        false
    }

    /// Sensitive references in `args` (each with its data class).
    fn sensitive(&self, args: &[Node<'a>]) -> Vec<Reference<'a>> {
        let mut found = Vec::new();
        for &a in args {
            let mut refs = Vec::new();
            self.references(a, &mut refs);
            for (node, segs, end) in refs {
                if segs.is_empty() {
                    continue;
                }
                // Only a reference holding a field word can classify as data.
                let i = self.fields.partition_point(|&o| o < node.start_byte());
                let field = self.fields.get(i).is_some_and(|&o| o < end);
                if (!field && !self.taint.contains_key(&segs[0])) || self.sanitized(node, a) {
                    continue;
                }
                let path = segs.join(".");
                if let Some((data, at, person)) = field.then(|| classify(&segs)).flatten() {
                    // `Token`, `AwsCredentialFeature::CredentialsHttp`: type and
                    // variant names (Go's exported fields are capitalised too).
                    let seg = &segs[at];
                    let camel = seg.chars().next().is_some_and(char::is_uppercase)
                        && seg.chars().any(char::is_lowercase);
                    if camel && self.lang != Lang::Go {
                        continue;
                    }
                    found.push((node, path, data, None, person));
                } else if let Some((data, origin, line, person)) = self.taint.get(&segs[0]) {
                    if segs[1..].iter().all(|x| is_passthrough(x)) {
                        found.push((
                            node,
                            origin.clone(),
                            *data,
                            Some((segs[0].clone(), *line)),
                            *person,
                        ));
                    }
                }
            }
        }
        found
    }

    /// Rewrites a callee's first segment through the import and assignment
    /// aliases (`LOGGER.info` → `logging.getLogger.info`).
    fn resolve(&self, callee: &str) -> String {
        let mut cur = callee.to_string();
        for _ in 0..4 {
            let end = cur.find(['.', '(', ':', '-', '[']).unwrap_or(cur.len());
            let head = &cur[..end];
            match self.aliases.get(head) {
                Some(a) if a != head => cur = format!("{a}{}", &cur[end..]),
                _ => break,
            }
        }
        cur
    }

    /// Records import aliases: Python `from m import a as b`, `import m as
    /// b`; JavaScript `import x from "m"`, `const x = require("m")`.
    fn imports(&mut self, n: Node<'a>) {
        match (self.lang, self.kind(n)) {
            (Lang::Python, "import_from_statement") => {
                let module = n
                    .child_by_field_name("module_name")
                    .map(|m| self.text(m).to_string())
                    .unwrap_or_default();
                let mut c = n.walk();
                for name in n.children_by_field_name("name", &mut c) {
                    let (orig, alias) = match self.kind(name) {
                        "aliased_import" => (
                            name.child_by_field_name("name")
                                .map(|x| self.text(x))
                                .unwrap_or(""),
                            name.child_by_field_name("alias")
                                .map(|x| self.text(x))
                                .unwrap_or(""),
                        ),
                        _ => (self.text(name), self.text(name)),
                    };
                    if !alias.is_empty() {
                        self.aliases
                            .insert(alias.to_string(), format!("{module}.{orig}"));
                    }
                }
            }
            (Lang::Python, "import_statement") => {
                let mut c = n.walk();
                for name in n.children_by_field_name("name", &mut c) {
                    if self.kind(name) == "aliased_import" {
                        if let (Some(o), Some(a)) = (
                            name.child_by_field_name("name"),
                            name.child_by_field_name("alias"),
                        ) {
                            self.aliases
                                .insert(self.text(a).to_string(), self.text(o).to_string());
                        }
                    }
                }
            }
            (Lang::JavaScript | Lang::TypeScript | Lang::Tsx, "import_statement") => {
                let Some(src) = n.child_by_field_name("source") else {
                    return;
                };
                let module = self
                    .text(src)
                    .trim_matches(['"', '\'', '`'])
                    .replace(['/', '@', '-'], ".");
                let mut stack = vec![n];
                while let Some(x) = stack.pop() {
                    match self.kind(x) {
                        "import_specifier" => {
                            let name = x
                                .child_by_field_name("name")
                                .map(|v| self.text(v))
                                .unwrap_or("");
                            let alias = x
                                .child_by_field_name("alias")
                                .map(|v| self.text(v))
                                .unwrap_or(name);
                            self.aliases
                                .insert(alias.to_string(), format!("{module}.{name}"));
                        }
                        "identifier"
                            if x.parent().is_some_and(|p| {
                                self.kind(p) == "import_clause"
                                    || self.kind(p) == "namespace_import"
                            }) =>
                        {
                            self.aliases
                                .insert(self.text(x).to_string(), module.clone());
                        }
                        _ => stack.extend(x.named_children(&mut x.walk())),
                    }
                }
            }
            (Lang::Java, "import_declaration") => {
                let full = self
                    .text(n)
                    .trim_start_matches("import")
                    .trim()
                    .trim_start_matches("static ")
                    .trim_end_matches(';')
                    .trim()
                    .to_string();
                if let Some(last) = full.rsplit('.').next() {
                    if last != "*" {
                        self.aliases.insert(last.to_string(), full.clone());
                    }
                }
            }
            (Lang::Go, "import_spec") => {
                let Some(path) = n.child_by_field_name("path") else {
                    return;
                };
                let full = self.text(path).trim_matches(['"', '`']).to_string();
                let name = match n.child_by_field_name("name") {
                    Some(x) => self.text(x).to_string(),
                    None => full
                        .split('/')
                        .rev()
                        .find(|seg| {
                            !(seg.starts_with('v') && seg[1..].chars().all(|c| c.is_ascii_digit()))
                        })
                        .unwrap_or("")
                        .trim_end_matches("-go")
                        .trim_start_matches("go-")
                        .to_string(),
                };
                if !name.is_empty() && name != "_" && name != "." {
                    self.aliases.insert(name, full.replace(['/', '-'], "."));
                }
            }
            _ => {}
        }
    }

    /// Parameters of callbacks passed to a third-party call stand for it
    /// (`Sentry.configureScope(scope => scope.setUser(..))`).
    fn alias_callback_params(&mut self, args: &[Node<'a>], callee: &str) {
        let mut stack: Vec<(Node, u8)> = args.iter().map(|a| (*a, 0)).collect();
        while let Some((x, depth)) = stack.pop() {
            if matches!(
                self.kind(x),
                "block_parameters"
                    | "formal_parameters"
                    | "parameters"
                    | "lambda_parameters"
                    | "closure_parameters"
                    | "parameter_list"
            ) {
                let mut c = x.walk();
                for p in x.named_children(&mut c) {
                    let name = if self.kind(p) == "identifier" {
                        Some(p)
                    } else {
                        p.child_by_field_name("name")
                            .or(p.child_by_field_name("pattern"))
                            .or(p.named_child(0))
                    };
                    if let Some(nm) = name {
                        self.aliases
                            .insert(self.text(nm).to_string(), callee.to_string());
                    }
                }
                continue;
            }
            if self.kind(x) == "arrow_function" {
                if let Some(p) = x.child_by_field_name("parameter") {
                    self.aliases
                        .insert(self.text(p).to_string(), callee.to_string());
                }
            }
            if depth < 6 {
                stack.extend(x.named_children(&mut x.walk()).map(|c| (c, depth + 1)));
            }
        }
    }

    fn visit(&mut self, n: Node<'a>) {
        self.imports(n);
        if let Some((left, right)) = self.assignment_parts(n) {
            let single = |x: Node<'a>| {
                if self.kind(x) == "expression_list" || self.kind(x) == "pattern_list" {
                    x.named_child(0).unwrap_or(x)
                } else {
                    x
                }
            };
            let all_targets: Vec<String> =
                if self.kind(left) == "expression_list" || self.kind(left) == "pattern_list" {
                    left.named_children(&mut left.walk())
                        .map(|x| self.text(x).to_string())
                        .collect()
                } else {
                    Vec::new()
                };
            let (left, right) = (single(left), single(right));
            let target = self.text(left).trim().to_string();
            let lower = target.to_ascii_lowercase();
            let resolved_target = self.resolve(&target);
            let storage = if lower.contains("session[")
                || lower.contains("cookies[")
                || lower.contains("cookie[")
                || lower.ends_with("document.cookie")
                || lower.contains("session.")
            {
                Some(Sink::ClientStorage)
            } else if !is_simple_name(&target)
                && sink_of(&format!("{resolved_target}.set"), false) == Some(Sink::ThirdParty)
            {
                // `scope.user = {...}` on a third-party object.
                Some(Sink::ThirdParty)
            } else {
                None
            };
            let hits = self.sensitive(&[right]);
            if let Some(sink) = storage {
                for (node, source, data, via, person) in hits.iter().cloned() {
                    self.push(sink, &target, node, source, data, via, person, n);
                }
            } else if is_simple_name(&target) {
                match hits.first() {
                    Some((_, source, data, _, person)) => {
                        let line = n.start_position().row + 1;
                        self.taint
                            .insert(target.clone(), (*data, source.clone(), line, *person));
                    }
                    None => {
                        self.taint.remove(&target);
                    }
                }
                // What the name now stands for, for resolving later calls.
                let rhs = match self.call_parts(right) {
                    Some((callee, args, _)) => {
                        let req = callee == "require";
                        match (req, args.first()) {
                            (true, Some(a)) => self
                                .text(*a)
                                .trim_matches(['(', ')', '"', '\'', '`'])
                                .replace(['/', '@', '-'], "."),
                            _ => self.resolve(&callee),
                        }
                    }
                    None if is_reference(self.kind(right)) => self.resolve(self.text(right)),
                    None => String::new(),
                };
                let mut names = vec![target
                    .trim_start_matches(['@', '$'])
                    .trim_start_matches("mut ")
                    .to_string()];
                names.extend(all_targets.into_iter().filter(|t| is_simple_name(t)));
                for name in names {
                    if rhs.is_empty() || rhs.len() > 200 {
                        self.aliases.remove(&name);
                    } else {
                        self.aliases.insert(name, rhs.clone());
                    }
                }
            }
        }
        if let Some((callee, args, is_macro)) = self.call_parts(n) {
            let callee_norm: String = callee.split_whitespace().collect();
            let resolved = self.resolve(&callee_norm);
            let sink = if callee_norm == "raise" {
                Some(Sink::Exception)
            } else {
                let key = (resolved.clone(), is_macro);
                *self
                    .sinks
                    .entry(key)
                    .or_insert_with(|| sink_of(&resolved, is_macro))
            };
            if sink == Some(Sink::ThirdParty) || sink == Some(Sink::Logger) {
                let mut around = args.clone();
                around.extend(n.child_by_field_name("block"));
                self.alias_callback_params(&around, &resolved);
            }
            if let Some(sink) = sink {
                // assert!(cond, "msg", args): only the message is output.
                let name = callee_norm.rsplit(':').next().unwrap_or("");
                let skip = match name {
                    "assert" | "debug_assert" => 1,
                    "assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne" => 2,
                    _ => 0,
                };
                let from = if is_macro && skip > 0 {
                    args.first()
                        .map_or(usize::MAX, |tt| self.after_top_level_commas(*tt, skip))
                } else {
                    0
                };
                for (node, source, data, via, person) in self.sensitive(&args) {
                    if node.start_byte() >= from {
                        self.push(sink, &callee_norm, node, source, data, via, person, n);
                    }
                }
            }
        }
        let mut c = n.walk();
        // Anonymous leaves (punctuation, keywords) are none of the above.
        for ch in n.children(&mut c) {
            if ch.is_named() || ch.child_count() > 0 {
                self.visit(ch);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        sink: Sink,
        sink_name: &str,
        node: Node,
        source: String,
        data: Data,
        via: Option<(String, usize)>,
        on_person: bool,
        call: Node,
    ) {
        let pos = node.start_position();
        let sink_line = call.start_position().row + 1;
        let (line, column) = if via.is_some() {
            (sink_line, call.start_position().column + 1)
        } else {
            (pos.row + 1, pos.column + 1)
        };
        if self
            .flows
            .iter()
            .any(|f| f.line == line && f.column == column && f.source == source && f.sink == sink)
        {
            return;
        }
        let name = if sink_name == "raise" {
            "raise/throw".to_string()
        } else {
            sink_name.to_string()
        };
        self.flows.push(Flow {
            sink,
            sink_name: name,
            source,
            data,
            via,
            line,
            column,
            sink_line,
            on_person,
        });
    }
}

fn is_simple_name(s: &str) -> bool {
    let s = s.trim_start_matches(['@', '$']);
    let s = s.strip_prefix("mut ").unwrap_or(s);
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
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
pub fn scan(lang: Lang, text: &str, limit: Duration) -> Result<Vec<Flow>, Unparsed> {
    let offsets = super::names::data_offsets(text, lang.syntax());
    if offsets.is_empty() {
        return Ok(Vec::new());
    }
    let mut parser = take_parser(lang)?;
    let windows: Vec<Option<tree_sitter::Range>> = match regions(text, &offsets) {
        Some(ranges) => ranges.into_iter().map(Some).collect(),
        None => vec![None],
    };
    let start = Instant::now();
    let mut progress = |_: &tree_sitter::ParseState| {
        if start.elapsed() > limit {
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
            .ok_or(Unparsed::Timeout(limit))?;
        // Import aliases hold for the whole file; local variables don't
        // reach from one window into another.
        let mut w = Walker {
            src: bytes,
            fields: &offsets,
            lang,
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
        scan(lang, src, Duration::from_secs(5))
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
                &super::super::names::data_offsets(src, Lang::Python.syntax()),
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
        let offsets = super::super::names::data_offsets(&src, Lang::Rust.syntax());
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
