//! Import aliases (`import requests as r`, `const axios = require(...)`)
//! and callback parameters that stand for a third-party client.

use super::walker::Walker;
use super::Lang;
use tree_sitter::Node;

impl<'a> Walker<'a> {
    /// Rewrites a callee's first segment through the import and assignment
    /// aliases (`LOGGER.info` → `logging.getLogger.info`).
    pub(super) fn resolve(&self, callee: &str) -> String {
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
    pub(super) fn imports(&mut self, n: Node<'a>) {
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
    pub(super) fn alias_callback_params(&mut self, args: &[Node<'a>], callee: &str) {
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
}
