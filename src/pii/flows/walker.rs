//! The walker: one pass over a parse tree that follows assignments and
//! imports and records every call that hands a sensitive reference to a sink.
//! Reference finding is in [`super::references`], import aliases in
//! [`super::imports`].

use super::super::lexicon::{sink_of, words, Data, Sense, Sink};
use super::syntax::{is_reference, is_simple_name};
use super::{Flow, Lang};
use std::collections::HashMap;
use tree_sitter::Node;

/// The walk's state for one file.
pub(super) struct Walker<'a> {
    pub(super) src: &'a [u8],
    /// Where the field words are ([`super::lexicon::data_offsets`]).
    pub(super) fields: &'a [usize],
    pub(super) lang: Lang,
    /// The sense of words in this file.
    pub(super) sense: Sense,
    pub(super) taint: HashMap<String, (Data, String, usize, bool)>,
    pub(super) aliases: HashMap<String, String>,
    /// `sink_of` by callee: the same callees come back all through a file.
    pub(super) sinks: HashMap<(String, bool), Option<Sink>>,
    pub(super) flows: Vec<Flow>,
}

impl<'a> Walker<'a> {
    /// `n.kind()`, from a table: `Node::kind` measures and checks the
    /// grammar's C string on every call.
    pub(super) fn kind<'t>(&self, n: Node<'t>) -> &'t str {
        let kinds = self.lang.kinds();
        match kinds.get(usize::from(n.kind_id())) {
            Some(k) => k.as_str(),
            None => n.kind(),
        }
    }

    pub(super) fn text(&self, n: Node) -> &'a str {
        std::str::from_utf8(&self.src[n.byte_range()]).unwrap_or("")
    }

    /// `r` lies in the arguments of a call inside `top` (or `top` itself)
    /// that checks, parses or sends its argument (`parse_token(t)`,
    /// `verify(password)`, `client.send_request(auth=…)`): what it returns
    /// is a verdict, an error or a response, not the data.
    pub(super) fn passed_to_opaque_call(&self, r: Node<'a>, top: Node<'a>) -> bool {
        // `r` itself may be the call (`parse_token(t)` read as `parse_token.t`).
        for p in std::iter::successors(Some(r), |n| n.parent()) {
            if let Some((callee, args, _)) = self.call_parts(p) {
                let inside = p.id() == r.id()
                    || args
                        .iter()
                        .any(|a| a.start_byte() <= r.start_byte() && r.end_byte() <= a.end_byte());
                // The whole callee: `parse(t).expect_err(..)` went through `parse`.
                let checks = words(&callee).iter().any(|w| {
                    matches!(
                        w.as_str(),
                        "parse"
                            | "validate"
                            | "check"
                            | "verify"
                            | "compare"
                            | "matches"
                            | "authenticate"
                            | "authorize"
                            | "login"
                            | "lookup"
                            | "find"
                            | "exists"
                            | "contains"
                            | "send"
                            | "request"
                            | "fetch"
                            | "post"
                            | "execute"
                            | "query"
                            | "invoke"
                            | "submit"
                            | "upload"
                    )
                });
                // What a sink returns (a response, a handle) is not what it
                // was given: `r = requests.post(url, auth=(user, password))`.
                let sink = inside && !checks && sink_of(&self.resolve(&callee), false).is_some();
                if inside && (checks || sink) {
                    return true;
                }
            }
            if p.id() == top.id() {
                break;
            }
        }
        false
    }

    /// The callee text and the argument nodes of a call-like node, and
    /// whether it is a Rust macro.
    pub(super) fn call_parts(&self, n: Node<'a>) -> Option<(String, Vec<Node<'a>>, bool)> {
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

    pub(super) fn is_js(&self) -> bool {
        matches!(self.lang, Lang::JavaScript | Lang::TypeScript | Lang::Tsx)
    }

    /// (left, right) of an assignment-like node.
    pub(super) fn assignment_parts(&self, n: Node<'a>) -> Option<(Node<'a>, Node<'a>)> {
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

    pub(super) fn visit(&mut self, n: Node<'a>) {
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
                // `err = parse(token).expect_err(..)`: what an opaque call
                // returns is not the data passed to it.
                let hits: Vec<_> = hits
                    .into_iter()
                    .filter(|h| !self.passed_to_opaque_call(h.0, right))
                    .collect();
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
                // `jwt.encode(payload, key)`: only the payload goes to the
                // client; the key signs it.
                let last = name.rsplit('.').next().unwrap_or("");
                let first_only = sink == Sink::ClientStorage && matches!(last, "encode" | "sign");
                let first_arg = args
                    .first()
                    .and_then(|a| a.named_child(0))
                    .map(|f| (f.start_byte(), f.end_byte()));
                for (node, source, data, via, person) in self.sensitive(&args) {
                    let in_first = first_arg
                        .is_some_and(|(a, z)| a <= node.start_byte() && node.end_byte() <= z);
                    // `requests.post(url, auth=(user, password))`, a bearer
                    // header: a credential sent to authenticate. One in the
                    // URL is logged by every proxy on the way.
                    let auth =
                        sink == Sink::Http && data == Data::Credential && !person && !in_first;
                    if node.start_byte() >= from && (!first_only || in_first) && !auth {
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
    pub(super) fn push(
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
        // An app's own API key or password sent to the vendor it belongs
        // to, or a session token set in a cookie, is how those work; a
        // person's password sent there is not.
        let vendor = matches!(sink, Sink::ThirdParty | Sink::ClientStorage);
        if vendor && data == Data::Credential && !on_person {
            return;
        }
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
