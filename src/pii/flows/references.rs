//! The data references in a call's arguments, and which of them are
//! sensitive and not sanitised.

use super::super::lexicon::{classify_in, is_passthrough, is_sanitizer};
use super::syntax::{is_interpolation, is_reference, is_string, segments, Ref, Reference};
use super::walker::Walker;
use super::Lang;
use tree_sitter::Node;

impl<'a> Walker<'a> {
    /// Every data reference in `n`, skipping string contents (but not
    /// interpolations), object keys and keyword-argument names.
    pub(super) fn references(&self, n: Node<'a>, out: &mut Vec<Ref<'a>>) {
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
    pub(super) fn after_top_level_commas(&self, tt: Node<'a>, n: usize) -> usize {
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
    pub(super) fn sanitized(&self, r: Node<'a>, top: Node<'a>) -> bool {
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
    pub(super) fn sensitive(&self, args: &[Node<'a>]) -> Vec<Reference<'a>> {
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
                // A variable that holds data says what it holds
                // (`token = session.access_token`), better than its name.
                let held =
                    segs.len() == 1 && self.taint.get(&segs[0]).is_some_and(|t| t.1 != segs[0]);
                let named = (field && !held)
                    .then(|| classify_in(&segs, self.sense))
                    .flatten();
                if let Some((data, at, person)) = named {
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
}
