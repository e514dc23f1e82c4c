//! The ecosystem tools `bump` drives: for each lockfile kind, the commands
//! that move one package to a version through the lockfile alone, and the
//! ones that raise a manifest constraint when that cannot.

use super::Target;
use crate::lockfile::Lock;
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// The lockfile kinds bump knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Cargo.lock.
    Cargo,
    /// package-lock.json / npm-shrinkwrap.json.
    Npm,
    /// pnpm-lock.yaml.
    Pnpm,
    /// yarn.lock.
    Yarn,
    /// uv.lock.
    Uv,
    /// poetry.lock.
    Poetry,
    /// Pipfile.lock.
    Pipenv,
    /// requirements*.txt.
    Requirements,
    /// go.mod / go.sum.
    Go,
    /// Gemfile.lock.
    Bundler,
    /// composer.lock.
    Composer,
}

impl Kind {
    /// The kind of a lockfile, by its name.
    pub fn of(path: &Path) -> Option<Kind> {
        let f = path.file_name()?.to_str()?;
        Some(match f {
            "Cargo.lock" => Kind::Cargo,
            "package-lock.json" | "npm-shrinkwrap.json" => Kind::Npm,
            "pnpm-lock.yaml" => Kind::Pnpm,
            "yarn.lock" => Kind::Yarn,
            "uv.lock" => Kind::Uv,
            "poetry.lock" => Kind::Poetry,
            "Pipfile.lock" => Kind::Pipenv,
            "go.mod" | "go.sum" => Kind::Go,
            "Gemfile.lock" => Kind::Bundler,
            "composer.lock" => Kind::Composer,
            f if f.starts_with("requirements") && f.ends_with(".txt") => Kind::Requirements,
            _ => return None,
        })
    }
}

/// One step of an upgrade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A command (argv), run in the lockfile's directory, no shell.
    Run(Vec<String>),
    /// Rewrite the `name==from` pin of a requirements file.
    EditPin,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Step::EditPin => write!(f, "(edit the pin in the requirements file)"),
            Step::Run(argv) => {
                let quoted: Vec<String> = argv.iter().map(|a| quote(a)).collect();
                write!(f, "{}", quoted.join(" "))
            }
        }
    }
}

/// `a` as a POSIX shell word.
fn quote(a: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=@:^,+%".contains(c);
    if !a.is_empty() && a.chars().all(plain) {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// How to make one upgrade.
#[derive(Debug, Default)]
pub struct Plan {
    /// Through the lockfile alone.
    pub lock_only: Vec<Step>,
    /// Raising a manifest constraint (empty: none bump knows).
    pub raise: Vec<Step>,
    /// Why bump cannot make it, when it cannot.
    pub unsupported: Option<String>,
}

fn run(args: &[&str]) -> Step {
    Step::Run(args.iter().map(|a| a.to_string()).collect())
}

/// The plan for `t` in a lockfile of `kind`.
pub fn plan(kind: Kind, t: &Target) -> Plan {
    let (name, from, to) = (t.package.as_str(), t.from.as_str(), t.to.as_str());
    let npm_quiet = [
        "--package-lock-only",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
    ];
    let with = |base: &[&str], extra: &[&str]| -> Step {
        run(&base.iter().chain(extra).copied().collect::<Vec<_>>())
    };
    match kind {
        Kind::Cargo => Plan {
            lock_only: vec![run(&[
                "cargo",
                "update",
                "-p",
                &format!("{name}@{from}"),
                "--precise",
                to,
            ])],
            raise: cargo_raise(&t.lockfile, name, to),
            unsupported: None,
        },
        Kind::Npm => Plan {
            lock_only: vec![with(&["npm", "update", name], &npm_quiet)],
            raise: if t.direct {
                vec![with(
                    &["npm", "install", &format!("{name}@{to}")],
                    &npm_quiet,
                )]
            } else {
                vec![
                    run(&["npm", "pkg", "set", &format!("overrides.{name}={to}")]),
                    with(&["npm", "install"], &npm_quiet),
                ]
            },
            unsupported: None,
        },
        Kind::Pnpm => Plan {
            lock_only: vec![run(&[
                "pnpm",
                "update",
                name,
                "--depth",
                "Infinity",
                "--lockfile-only",
            ])],
            raise: vec![
                run(&["npm", "pkg", "set", &format!("pnpm.overrides.{name}={to}")]),
                run(&["pnpm", "install", "--lockfile-only"]),
            ],
            unsupported: None,
        },
        Kind::Yarn => {
            let berry = std::fs::read_to_string(&t.lockfile)
                .is_ok_and(|s| s.lines().any(|l| l.starts_with("__metadata:")));
            if berry {
                Plan {
                    lock_only: vec![run(&[
                        "yarn",
                        "up",
                        "-R",
                        name,
                        "--mode",
                        "update-lockfile",
                    ])],
                    raise: vec![
                        run(&["npm", "pkg", "set", &format!("resolutions.{name}={to}")]),
                        run(&["yarn", "install", "--mode", "update-lockfile"]),
                    ],
                    unsupported: None,
                }
            } else {
                Plan {
                    unsupported: Some(format!(
                        "yarn classic cannot update its lockfile without installing: set `resolutions` {name}: {to} in package.json and run `yarn install`"
                    )),
                    ..Plan::default()
                }
            }
        }
        Kind::Uv => Plan {
            lock_only: vec![run(&[
                "uv",
                "lock",
                "--upgrade-package",
                &format!("{name}=={to}"),
            ])],
            raise: if t.direct {
                let dev =
                    pyproject(&t.lockfile).and_then(|p| pyproject_group(&p, name)) == Some("dev");
                let spec = format!("{name}>={to}");
                if dev {
                    vec![run(&["uv", "add", "--dev", "--no-sync", &spec])]
                } else {
                    vec![run(&["uv", "add", "--no-sync", &spec])]
                }
            } else {
                vec![]
            },
            unsupported: None,
        },
        Kind::Poetry => Plan {
            lock_only: vec![run(&["poetry", "update", "--lock", name])],
            raise: if t.direct {
                vec![run(&["poetry", "add", "--lock", &format!("{name}@>={to}")])]
            } else {
                vec![]
            },
            unsupported: None,
        },
        Kind::Pipenv => Plan {
            lock_only: vec![run(&["pipenv", "upgrade", &format!("{name}=={to}")])],
            raise: vec![],
            unsupported: None,
        },
        Kind::Requirements => Plan {
            lock_only: vec![Step::EditPin],
            ..Plan::default()
        },
        Kind::Go => {
            let v = if to.starts_with('v') {
                to.to_string()
            } else {
                format!("v{to}")
            };
            Plan {
                lock_only: vec![
                    run(&["go", "get", &format!("{name}@{v}")]),
                    run(&["go", "mod", "tidy"]),
                ],
                raise: vec![],
                unsupported: None,
            }
        }
        Kind::Bundler => Plan {
            lock_only: vec![run(&["bundle", "lock", "--update", name, "--conservative"])],
            raise: vec![],
            unsupported: None,
        },
        Kind::Composer => {
            let update = [
                "composer",
                "update",
                name,
                "--with-dependencies",
                "--no-install",
                "--no-scripts",
            ];
            Plan {
                lock_only: vec![run(&update)],
                raise: if t.direct {
                    vec![
                        run(&[
                            "composer",
                            "require",
                            &format!("{name}:^{to}"),
                            "--no-update",
                        ]),
                        run(&update),
                    ]
                } else {
                    vec![]
                },
                unsupported: None,
            }
        }
    }
}

/// `cargo add` for each workspace member that names `name`, in the section
/// that names it (so a dev-dependency stays one).
fn cargo_raise(lockfile: &Path, name: &str, to: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for (member, section) in cargo_dependents(lockfile, name) {
        let spec = format!("{name}@{to}");
        let mut argv = vec!["cargo", "add", "--package", member.as_str(), spec.as_str()];
        match section {
            "dev-dependencies" => argv.push("--dev"),
            "build-dependencies" => argv.push("--build"),
            _ => {}
        }
        steps.push(run(&argv));
    }
    steps
}

/// Workspace members (by package name) whose manifest names `name`, and in
/// which section.
fn cargo_dependents(lockfile: &Path, name: &str) -> Vec<(String, &'static str)> {
    let root = lockfile.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for m in cargo_manifests(root) {
        let Ok(t) = std::fs::read_to_string(&m).map(|s| s.parse::<toml::Table>()) else {
            continue;
        };
        let Ok(t) = t else { continue };
        let Some(pkg) = t
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
        else {
            continue;
        };
        for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
            let names = t
                .get(section)
                .and_then(|d| d.as_table())
                .into_iter()
                .flatten();
            if names
                .into_iter()
                .any(|(k, v)| v.get("package").and_then(|p| p.as_str()).unwrap_or(k) == name)
            {
                out.push((pkg.to_string(), section));
                break;
            }
        }
    }
    out
}

fn cargo_manifests(root: &Path) -> Vec<PathBuf> {
    crate::lockfile::project_files(root, |p| p.ends_with("Cargo.toml"))
}

/// The project's pyproject.toml beside a lockfile, parsed.
fn pyproject(lockfile: &Path) -> Option<toml::Table> {
    let text = std::fs::read_to_string(lockfile.with_file_name("pyproject.toml")).ok()?;
    text.parse().ok()
}

fn same_pypi(a: &str, b: &str) -> bool {
    crate::lockfile::normalise_pypi(a) == crate::lockfile::normalise_pypi(b)
}

/// The group of a pyproject that names `name`: "main" for
/// `project.dependencies`, "dev" for the `dev` dependency group or uv's
/// dev-dependencies.
fn pyproject_group(t: &toml::Table, name: &str) -> Option<&'static str> {
    let names = |v: Option<&toml::Value>| -> bool {
        v.and_then(|a| a.as_array()).into_iter().flatten().any(|d| {
            d.as_str()
                .is_some_and(|s| same_pypi(crate::lockfile::requirement_name(s), name))
        })
    };
    if names(t.get("project").and_then(|p| p.get("dependencies"))) {
        return Some("main");
    }
    let dev = t.get("dependency-groups").and_then(|g| g.get("dev"));
    let uv_dev = t
        .get("tool")
        .and_then(|x| x.get("uv"))
        .and_then(|u| u.get("dev-dependencies"));
    (names(dev) || names(uv_dev)).then_some("dev")
}

/// Whether Poetry's dependency tables (main and groups) name `name`.
fn poetry_names(t: &toml::Table, name: &str) -> bool {
    let poetry = t.get("tool").and_then(|x| x.get("poetry"));
    let mut tables: Vec<&toml::Value> = poetry
        .and_then(|p| p.get("dependencies"))
        .into_iter()
        .collect();
    if let Some(groups) = poetry
        .and_then(|p| p.get("group"))
        .and_then(|g| g.as_table())
    {
        tables.extend(groups.values().filter_map(|g| g.get("dependencies")));
    }
    tables
        .iter()
        .filter_map(|d| d.as_table())
        .flatten()
        .any(|(k, _)| same_pypi(k, name))
}

/// The names the project's own packages depend on directly.
pub fn direct_names(path: &Path, lock: &Lock) -> HashSet<String> {
    let mut out: HashSet<String> = lock
        .deps
        .iter()
        .filter(|(a, _)| lock.packages[*a].local.is_some())
        .map(|(_, b)| lock.packages[*b].name.clone())
        .collect();
    match Kind::of(path) {
        // Every pin of a requirements file is the project's own line.
        Some(Kind::Requirements) => out.extend(lock.packages.iter().map(|p| p.name.clone())),
        Some(Kind::Poetry | Kind::Uv) => {
            if let Some(t) = pyproject(path) {
                let named = lock.packages.iter().filter(|p| {
                    pyproject_group(&t, &p.name).is_some() || poetry_names(&t, &p.name)
                });
                out.extend(named.map(|p| p.name.clone()));
            }
        }
        _ => {}
    }
    out
}

/// The files an upgrade of `kind` may change: the lockfile and the
/// manifests beside (for Cargo, below) it.
pub fn files(kind: Kind, lockfile: &Path) -> Vec<PathBuf> {
    let dir = lockfile.parent().unwrap_or(Path::new("."));
    let beside = |names: &[&str]| names.iter().map(|n| dir.join(n)).collect::<Vec<_>>();
    let mut out = match kind {
        Kind::Cargo => cargo_manifests(dir),
        Kind::Npm | Kind::Pnpm | Kind::Yarn => beside(&["package.json", ".yarnrc.yml"]),
        Kind::Uv | Kind::Poetry => beside(&["pyproject.toml"]),
        Kind::Pipenv => beside(&["Pipfile"]),
        Kind::Requirements => vec![],
        Kind::Go => beside(&["go.mod", "go.sum"]),
        Kind::Bundler => beside(&["Gemfile"]),
        Kind::Composer => beside(&["composer.json"]),
    };
    if !out.iter().any(|f| f == lockfile) {
        out.push(lockfile.to_path_buf());
    }
    out
}

/// Rewrites `name==from` to `name==to` in a requirements file, keeping the
/// rest of the line. A hash-pinned line cannot be rewritten without the
/// new hashes: that is refused.
pub fn edit_pin(path: &Path, name: &str, from: &str, to: &str) -> std::result::Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut done = false;
    let mut out = String::with_capacity(text.len());
    let pinned = [format!("=={from}"), format!("==={from}")];
    for line in text.split_inclusive('\n') {
        let spec = line.split(';').next().unwrap_or("").trim_start();
        let hit = !done
            && same_pypi(crate::lockfile::requirement_name(spec), name)
            && pinned
                .iter()
                .any(|p| spec.replace(' ', "").contains(p.as_str()));
        if !hit {
            out.push_str(line);
            continue;
        }
        if line.contains("--hash") || line.trim_end().ends_with('\\') {
            return Err(format!(
                "{}: {name}=={from} is hash-pinned: regenerate the file with its tool (e.g. `pip-compile --generate-hashes --upgrade-package {name}=={to}`)",
                path.display()
            ));
        }
        let k = line.find(from).unwrap_or(0);
        out.push_str(&line[..k]);
        out.push_str(to);
        out.push_str(&line[k + from.len()..]);
        done = true;
    }
    if !done {
        return Err(format!(
            "{}: no `{name}=={from}` line to change",
            path.display()
        ));
    }
    std::fs::write(path, out).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(lockfile: &Path, direct: bool) -> Target {
        Target {
            lockfile: lockfile.to_path_buf(),
            ecosystem: "npm".into(),
            package: "lodash".into(),
            from: "4.17.20".into(),
            to: "4.17.21".into(),
            advisories: vec!["GHSA-35jh-r3h4-6jhm".into()],
            direct,
        }
    }

    #[test]
    fn npm_raises_a_direct_range_and_overrides_a_transitive_one() {
        let p = Path::new("/p/package-lock.json");
        let shown = |steps: &[Step]| steps.iter().map(Step::to_string).collect::<Vec<_>>();
        let direct = plan(Kind::Npm, &target(p, true));
        assert_eq!(
            shown(&direct.lock_only),
            ["npm update lodash --package-lock-only --ignore-scripts --no-audit --no-fund"]
        );
        assert_eq!(
            shown(&direct.raise),
            ["npm install lodash@4.17.21 --package-lock-only --ignore-scripts --no-audit --no-fund"]
        );
        let transitive = plan(Kind::Npm, &target(p, false));
        assert_eq!(
            shown(&transitive.raise)[0],
            "npm pkg set overrides.lodash=4.17.21"
        );
    }

    #[test]
    fn pins_are_rewritten_in_place_and_hash_pins_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("requirements.txt");
        std::fs::write(
            &f,
            "# top\nDjango == 3.2.1 ; python_version > \"3\"  # web\nidna==3.10\n",
        )
        .unwrap();
        edit_pin(&f, "django", "3.2.1", "3.2.25").unwrap();
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "# top\nDjango == 3.2.25 ; python_version > \"3\"  # web\nidna==3.10\n"
        );
        std::fs::write(&f, "idna==3.6 \\\n    --hash=sha256:ab\n").unwrap();
        let e = edit_pin(&f, "idna", "3.6", "3.7").unwrap_err();
        assert!(e.contains("hash-pinned"), "{e}");
        assert!(edit_pin(&f, "flask", "1.0", "2.0")
            .unwrap_err()
            .contains("no `flask==1.0`"));
    }

    #[test]
    fn arguments_are_shown_as_shell_words() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("name@1.0.0"), "name@1.0.0");
        assert_eq!(quote("$(x)"), "'$(x)'");
    }
}
