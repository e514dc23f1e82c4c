//! CODEOWNERS in GitHub's syntax: `PATTERN OWNER…` per line, `#` comments,
//! gitignore-style patterns, owners as `@user`, `@org/team` or an email
//! address, the last matching line wins, and a pattern with no owners makes
//! its files unowned.

use crate::error::{input, Result};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::Path;

/// One rule.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Rule {
    /// 1-based line in the file.
    pub line: usize,
    /// The pattern as written.
    pub pattern: String,
    /// Its owners (none: unowned).
    pub owners: Vec<String>,
}

/// Parsed rules, each with its matcher.
pub struct Owners {
    rules: Vec<(Rule, Gitignore)>,
}

fn valid_owner(o: &str) -> bool {
    let handle = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match o.strip_prefix('@') {
        Some(rest) => match rest.split_once('/') {
            Some((org, team)) => handle(org) && handle(team),
            None => handle(rest),
        },
        None => {
            let (local, domain) = o.split_once('@').unwrap_or(("", ""));
            !local.is_empty() && domain.contains('.') && !o.contains(char::is_whitespace)
        }
    }
}

impl Owners {
    /// Parses `text` (read from `name`); a malformed line is an input error
    /// naming the file and line.
    pub fn parse(text: &str, name: &str) -> Result<Owners> {
        let mut rules = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            // An inline comment starts at ` #`.
            let l = l.split(" #").next().unwrap_or(l).trim();
            let mut parts = l.split_whitespace();
            let pattern = parts.next().unwrap_or_default().to_string();
            let owners: Vec<String> = parts.map(str::to_string).collect();
            if let Some(bad) = owners.iter().find(|o| !valid_owner(o)) {
                return Err(input(format!(
                    "{name}:{line}: `{}` is not an owner (@user, @org/team or an email address)",
                    crate::output::safe::one_line(bad)
                )));
            }
            if pattern.starts_with('!') || pattern.contains("[") {
                return Err(input(format!(
                    "{name}:{line}: `{}`: CODEOWNERS patterns have no `!` negation or `[ ]` ranges",
                    crate::output::safe::one_line(&pattern)
                )));
            }
            let mut b = GitignoreBuilder::new("");
            b.add_line(None, &pattern).map_err(|e| {
                input(format!(
                    "{name}:{line}: `{}`: {e}",
                    crate::output::safe::one_line(&pattern)
                ))
            })?;
            let m = b
                .build()
                .map_err(|e| input(format!("{name}:{line}: {e}")))?;
            rules.push((
                Rule {
                    line,
                    pattern,
                    owners,
                },
                m,
            ));
        }
        Ok(Owners { rules })
    }

    /// The rules, in file order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|(r, _)| r)
    }

    /// The rule that decides `path` (the last one matching it), if any.
    pub fn rule_for(&self, path: &str) -> Option<&Rule> {
        // Paths are relative to the repository root: `/`, `.` and empty
        // parts go, a `..` leaves the repository.
        let mut rel = std::path::PathBuf::new();
        for c in Path::new(path).components() {
            match c {
                std::path::Component::Normal(n) => rel.push(n),
                std::path::Component::CurDir | std::path::Component::RootDir => {}
                _ => return None,
            }
        }
        if rel.as_os_str().is_empty() {
            return None;
        }
        self.rules
            .iter()
            .rev()
            .find(|(_, m)| m.matched_path_or_any_parents(&rel, false).is_ignore())
            .map(|(r, _)| r)
    }

    /// The owners of `path` (empty when no rule or an unowned rule decides it).
    pub fn owners_of(&self, path: &str) -> &[String] {
        self.rule_for(path).map_or(&[], |r| &r.owners[..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# comment\n*       @org/everyone\n/crates/ruff_linter/ @astral-sh/linter @bob\ndocs/*.md dev@corp.io # docs\n/crates/ruff_linter/generated/\n*.lock @org/deps\n";

    #[test]
    fn the_last_matching_line_wins_and_unowned_patterns_own_nothing() {
        let o = Owners::parse(FILE, "CODEOWNERS").unwrap();
        assert_eq!(o.rules().count(), 5);
        assert_eq!(o.owners_of("src/main.rs"), ["@org/everyone"]);
        assert_eq!(
            o.owners_of("crates/ruff_linter/src/lib.rs"),
            ["@astral-sh/linter", "@bob"]
        );
        assert!(o.owners_of("crates/ruff_linter/generated/x.rs").is_empty());
        assert_eq!(o.owners_of("docs/guide.md"), ["dev@corp.io"]);
        assert_eq!(
            o.owners_of("docs/sub/guide.md"),
            ["@org/everyone"],
            "`*` does not cross `/`"
        );
        assert_eq!(o.owners_of("Cargo.lock"), ["@org/deps"]);
        assert_eq!(o.rule_for("Cargo.lock").unwrap().line, 6);
        // Found by the fuzzer: odd spellings of a path are normalised, not a panic.
        assert_eq!(o.owners_of("/////./src//x.rs"), ["@org/everyone"]);
        assert!(o.owners_of("../outside").is_empty());
        assert!(o.owners_of("///").is_empty());
    }

    #[test]
    fn malformed_lines_name_the_file_and_line() {
        let e = Owners::parse("* @ok\nsrc/ not-an-owner\n", "CODEOWNERS")
            .err()
            .unwrap()
            .to_string();
        assert!(e.starts_with("CODEOWNERS:2:"), "{e}");
        let e = Owners::parse("!src/ @a\n", "C").err().unwrap().to_string();
        assert!(e.starts_with("C:1:"), "{e}");
    }
}
