//! Gemfile.lock: the `specs:` of its `GEM`, `GIT` and `PATH` sections.
//! A spec is `    name (version[-platform])` at four spaces, its
//! dependencies at six. A `PATH` gem at `.` is the project's own (local);
//! one elsewhere (vendored) is a package like any other.

use super::{Lock, Package};
use crate::error::{input, Result};
use std::collections::HashMap;

pub(super) fn gemfile(text: &str, name: &str) -> Result<Lock> {
    let mut lock = Lock::default();
    let mut index = HashMap::new();
    let mut edges: Vec<(usize, String)> = Vec::new();
    let (mut section, mut remote) = (String::new(), String::new());
    let mut in_specs = false;
    let mut current: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            section = line.trim().to_string();
            in_specs = false;
            current = None;
            remote.clear();
            continue;
        }
        if !matches!(section.as_str(), "GEM" | "GIT" | "PATH") {
            continue;
        }
        if let Some(r) = line.strip_prefix("  remote: ") {
            remote = r.trim().to_string();
        } else if line == "  specs:" {
            in_specs = true;
        } else if in_specs && line.starts_with("    ") && !line.starts_with("     ") {
            let spec = line.trim();
            let (gem, version) = spec
                .split_once(" (")
                .and_then(|(g, v)| Some((g, v.strip_suffix(')')?)))
                .ok_or_else(|| {
                    input(format!(
                        "{name}:{}: not a gem spec `name (version)`: {}",
                        n + 1,
                        crate::output::safe::one_line(spec)
                    ))
                })?;
            // A platform gem's version carries the platform: 1.13.3-x86_64-linux.
            let version = version.split('-').next().unwrap_or(version);
            let i = lock.add(
                &mut index,
                Package {
                    ecosystem: "RubyGems",
                    name: gem.to_string(),
                    version: version.to_string(),
                    local: (section == "PATH" && remote == ".").then(String::new),
                    dev: false,
                },
            );
            current = Some(i);
        } else if in_specs && line.starts_with("      ") {
            if let (Some(i), Some(dep)) = (current, line.split_whitespace().next()) {
                edges.push((i, dep.to_string()));
            }
        }
    }
    lock.link_by_name(edges);
    Ok(lock.finish())
}
