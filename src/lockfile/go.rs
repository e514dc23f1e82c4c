//! go.mod and go.sum. Since Go 1.17 go.mod lists every module the build
//! selects (`// indirect` ones too), so it gives the packages: the main
//! module depends on each. `replace` directives that swap a version are
//! applied. Without a go.mod, go.sum's modules are listed (the newest
//! version of each), with no edges.

use super::{Lock, Package};
use crate::error::{input, Result};
use std::collections::HashMap;

/// One `require` (or `replace`) line's module and version.
fn module_version(line: &str) -> Option<(&str, &str)> {
    let line = line.split("//").next().unwrap_or("").trim();
    let mut parts = line.split_whitespace();
    let m = parts.next()?.trim_matches('"');
    let v = parts.next()?;
    Some((m, v))
}

pub(super) fn parse(
    module: Option<&str>,
    sum: Option<&str>,
    mod_name: &str,
    sum_name: &str,
) -> Result<Lock> {
    let mut lock = Lock::default();
    let mut index = HashMap::new();
    let Some(text) = module else {
        return from_sum(sum.unwrap_or(""), sum_name);
    };
    let mut main = None;
    let mut requires: Vec<(String, String)> = Vec::new();
    let mut replaces: HashMap<String, (String, String)> = HashMap::new();
    let mut block: Option<&str> = None;
    let mut opened = 0;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(b) = block {
            if line == ")" {
                block = None;
                continue;
            }
            directive(b, line, &mut requires, &mut replaces);
            continue;
        }
        let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        match verb {
            "module" => main = Some(rest.trim_matches('"').to_string()),
            "require" | "replace" | "exclude" | "retract" | "tool" | "ignore" | "godebug"
                if rest == "(" =>
            {
                block = Some(verb);
                opened = n + 1;
            }
            "require" | "replace" => directive(verb, rest, &mut requires, &mut replaces),
            "go" | "toolchain" | "exclude" | "retract" | "tool" | "ignore" | "godebug" => {}
            _ => {
                return Err(input(format!(
                    "{mod_name}: line {}: not a go.mod directive: {:?}",
                    n + 1,
                    crate::output::safe::one_line(verb)
                )))
            }
        }
    }
    if block.is_some() {
        return Err(input(format!(
            "{mod_name}: line {opened}: this block is not closed with ')'"
        )));
    }
    let main = main.ok_or_else(|| input(format!("{mod_name}: no module line: not a go.mod")))?;
    let root = lock.add(
        &mut index,
        Package {
            ecosystem: "Go",
            name: main,
            version: String::new(),
            local: Some(String::new()),
            dev: false,
        },
    );
    for (m, v) in requires {
        let (m, v) = match replaces.get(&m) {
            Some((rm, rv)) if !rv.is_empty() => (rm.clone(), rv.clone()),
            _ => (m, v),
        };
        let i = lock.add(
            &mut index,
            Package {
                ecosystem: "Go",
                name: m,
                version: v,
                local: None,
                dev: false,
            },
        );
        lock.deps.push((root, i));
    }
    Ok(lock.finish())
}

fn directive(
    verb: &str,
    line: &str,
    requires: &mut Vec<(String, String)>,
    replaces: &mut HashMap<String, (String, String)>,
) {
    match verb {
        "require" => {
            if let Some((m, v)) = module_version(line) {
                requires.push((m.to_string(), v.to_string()));
            }
        }
        "replace" => {
            if let Some((old, new)) = line.split_once("=>") {
                let from = old.split_whitespace().next().unwrap_or("").to_string();
                let mut to = new.split_whitespace();
                let m = to.next().unwrap_or("").to_string();
                // A local directory replacement has no version.
                let v = to.next().unwrap_or("").to_string();
                replaces.insert(from, (m, v));
            }
        }
        _ => {}
    }
}

fn from_sum(text: &str, name: &str) -> Result<Lock> {
    let mut newest: std::collections::BTreeMap<&str, &str> = Default::default();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() != 3 || !parts[2].starts_with("h1:") {
            return Err(input(format!(
                "{name}: line {}: not a go.sum line (want MODULE VERSION h1:HASH)",
                n + 1
            )));
        }
        let v = parts[1].trim_end_matches("/go.mod");
        let e = newest.entry(parts[0]).or_insert(v);
        if crate::sbom::version::compare("Go", v, e) == Some(std::cmp::Ordering::Greater) {
            *e = v;
        }
    }
    let mut lock = Lock::default();
    for (m, v) in newest {
        lock.packages.push(Package {
            ecosystem: "Go",
            name: m.to_string(),
            version: v.to_string(),
            local: None,
            dev: false,
        });
    }
    Ok(lock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_mod_requires_blocks_comments_and_replacements() {
        let text = "module example.com/app\n\ngo 1.22\n\nrequire (\n\tgolang.org/x/text v0.14.0\n\tgithub.com/pkg/errors v0.9.1 // indirect\n)\n\nrequire example.com/old v1.0.0\n\nreplace example.com/old v1.0.0 => example.com/new v1.2.0\n";
        let l = parse(Some(text), None, "go.mod", "go.sum").unwrap();
        let names: Vec<_> = l
            .packages
            .iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect();
        assert_eq!(
            names,
            [
                "example.com/app@",
                "golang.org/x/text@v0.14.0",
                "github.com/pkg/errors@v0.9.1",
                "example.com/new@v1.2.0"
            ]
        );
        assert_eq!(l.deps, [(0, 1), (0, 2), (0, 3)]);
    }

    #[test]
    fn bad_lines_name_the_line() {
        let e = parse(Some("module a\nfoo bar\n"), None, "go.mod", "go.sum")
            .unwrap_err()
            .to_string();
        assert!(e.contains("go.mod: line 2"), "{e}");
        let e = parse(None, Some("a v1 h1:x\nnope\n"), "go.mod", "go.sum")
            .unwrap_err()
            .to_string();
        assert!(e.contains("go.sum: line 2"), "{e}");
    }

    #[test]
    fn go_sum_alone_keeps_the_newest_version() {
        let sum = "a.io/x v1.2.0 h1:a=\na.io/x v1.2.0/go.mod h1:b=\na.io/x v1.10.0/go.mod h1:c=\n";
        let l = parse(None, Some(sum), "go.mod", "go.sum").unwrap();
        assert_eq!(l.packages.len(), 1);
        assert_eq!(l.packages[0].version, "v1.10.0");
    }
}
