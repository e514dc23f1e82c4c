//! File classes: what a file is sets the defaults of its findings. Tests,
//! fixtures and docs are full of published sample values; vendored and
//! generated code is not the team's to fix; certificate bundles and
//! lockfiles hold serials, hashes and versions, never personal data.

use serde::{Deserialize, Serialize};

/// What kind of file a finding is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileClass {
    /// Source code, configuration and everything else.
    Code,
    /// Tests (`tests/`, `test_x.py`, `x_test.go`, `x.spec.ts`, …).
    Test,
    /// Test data (`fixtures/`, `testdata/`, snapshots).
    Fixture,
    /// Documentation and examples (`docs/`, `examples/`, `*.md`, `*.rst`).
    Docs,
    /// Third-party code kept in the tree (`vendor/`, `node_modules/`, …).
    Vendored,
    /// Generated code (a "generated" or "do not edit" header, `*_pb2.py`).
    Generated,
    /// Certificate bundles (`*.pem`, `*.crt`, `cacert.pem`).
    Certs,
    /// Package lockfiles (`Cargo.lock`, `package-lock.json`, …).
    Lockfile,
    /// Data files (`*.csv`, `*.tsv`, `*.jsonl`, `*.sql`): scanned as code.
    Data,
    /// Package manifests and credit files (`Cargo.toml`, `package.json`,
    /// `AUTHORS`, `.mailmap`): the addresses in them are the authors'.
    Manifest,
}

/// What a class does to a file's findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effect {
    /// Published sample values (4111 1111 1111 1111, 555-01xx, example.com)
    /// are no findings.
    pub drop_test_values: bool,
    /// Value findings are none at all (serials, hashes, versions).
    pub drop_values: bool,
    /// No finding blocks: real-looking values still warn.
    pub at_most_warn: bool,
    /// Email addresses are the authors' own, published with the package.
    pub authors_emails: bool,
}

/// How a policy treats a class (`[classes]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Treatment {
    /// The class's documented default.
    Default,
    /// Like ordinary code.
    Code,
    /// Not scanned.
    Off,
}

impl FileClass {
    /// Every class, for docs and policy keys.
    pub const ALL: [FileClass; 10] = [
        FileClass::Code,
        FileClass::Test,
        FileClass::Fixture,
        FileClass::Docs,
        FileClass::Vendored,
        FileClass::Generated,
        FileClass::Certs,
        FileClass::Lockfile,
        FileClass::Data,
        FileClass::Manifest,
    ];

    /// The class's name (as in the policy and the JSON).
    pub fn name(self) -> &'static str {
        match self {
            FileClass::Code => "code",
            FileClass::Test => "test",
            FileClass::Fixture => "fixture",
            FileClass::Docs => "docs",
            FileClass::Vendored => "vendored",
            FileClass::Generated => "generated",
            FileClass::Certs => "certs",
            FileClass::Lockfile => "lockfile",
            FileClass::Data => "data",
            FileClass::Manifest => "manifest",
        }
    }

    /// The class's default effect.
    pub fn effect(self) -> Effect {
        let none = Effect {
            drop_test_values: false,
            drop_values: false,
            at_most_warn: false,
            authors_emails: false,
        };
        match self {
            FileClass::Code | FileClass::Data => none,
            FileClass::Test | FileClass::Fixture | FileClass::Docs => Effect {
                drop_test_values: true,
                at_most_warn: true,
                ..none
            },
            FileClass::Vendored | FileClass::Generated => Effect {
                at_most_warn: true,
                ..none
            },
            FileClass::Certs | FileClass::Lockfile => Effect {
                drop_values: true,
                ..none
            },
            FileClass::Manifest => Effect {
                authors_emails: true,
                ..none
            },
        }
    }

    /// Where a finding of this class is, in words ("a test file").
    pub fn place(self) -> &'static str {
        match self {
            FileClass::Code => "code",
            FileClass::Test => "test code",
            FileClass::Fixture => "a test fixture",
            FileClass::Docs => "documentation",
            FileClass::Vendored => "vendored code",
            FileClass::Generated => "generated code",
            FileClass::Certs => "a certificate bundle",
            FileClass::Lockfile => "a lockfile",
            FileClass::Data => "a data file",
            FileClass::Manifest => "a package manifest",
        }
    }

    /// The effect in words, for `explain`.
    pub fn describe(self) -> &'static str {
        match self {
            FileClass::Code | FileClass::Data => "no change",
            FileClass::Test | FileClass::Fixture | FileClass::Docs => {
                "published sample values are no findings; other findings warn at most"
            }
            FileClass::Vendored | FileClass::Generated => "findings warn at most",
            FileClass::Certs | FileClass::Lockfile => {
                "values are no findings (serials, hashes and versions)"
            }
            FileClass::Manifest => "email addresses are the authors' and no findings",
        }
    }

    /// The class of the file at `rel` (`/`-separated) with this text.
    pub fn of(rel: &str, text: &str) -> FileClass {
        let lower = rel.to_ascii_lowercase();
        let mut segs: Vec<&str> = lower.split('/').collect();
        let name = segs.pop().unwrap_or("");
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        let dir = |names: &[&str]| segs.iter().any(|s| names.contains(s));
        if LOCKFILES.contains(&name) {
            return FileClass::Lockfile;
        }
        let stem = name.split('.').next().unwrap_or("");
        if MANIFESTS.contains(&name)
            || ext == "gemspec"
            || ext == "nuspec"
            || [
                "authors",
                "contributors",
                "maintainers",
                "credits",
                "code_of_conduct",
                "codeowners",
            ]
            .contains(&stem)
            || ["license", "licence", "copying", "notice"]
                .iter()
                .any(|l| stem.starts_with(l))
            || (matches!(name, "metadata" | "pkg-info")
                && segs
                    .last()
                    .is_some_and(|d| d.ends_with(".dist-info") || d.ends_with(".egg-info")))
        {
            return FileClass::Manifest;
        }
        if matches!(ext, "pem" | "crt" | "cer") || text.matches(CERT_HEADER).nth(1).is_some() {
            return FileClass::Certs;
        }
        if generated(name, text) {
            return FileClass::Generated;
        }
        if dir(&[
            "vendor",
            "vendored",
            "_vendor",
            "third_party",
            "third-party",
            "thirdparty",
            "node_modules",
            "bower_components",
            "site-packages",
            "dist-packages",
        ]) {
            return FileClass::Vendored;
        }
        if dir(&[
            "fixtures",
            "fixture",
            "__fixtures__",
            "testdata",
            "test_data",
            "test-data",
            "__snapshots__",
            "snapshots",
            "golden",
        ]) || ext == "snap"
        {
            return FileClass::Fixture;
        }
        let stem = name.split('.').next().unwrap_or("");
        if dir(&[
            "tests",
            "test",
            "__tests__",
            "spec",
            "specs",
            "testing",
            "e2e",
        ]) || stem.starts_with("test_")
            || stem.ends_with("_test")
            || stem.ends_with("_tests")
            || stem.ends_with("_spec")
            || stem.ends_with("test") && name.ends_with(".java")
            || stem.ends_with("tests") && name.ends_with(".java")
            || name.contains(".test.")
            || name.contains(".spec.")
            || name == "conftest.py"
        {
            return FileClass::Test;
        }
        let doc_name = [
            "readme",
            "changelog",
            "changes",
            "history",
            "news",
            "license",
            "licence",
            "copying",
            "notice",
            "authors",
            "contributing",
        ]
        .iter()
        .any(|d| stem == *d || stem.starts_with(&format!("{d}-")));
        let doc_ext =
            matches!(ext, "md" | "markdown" | "rst" | "adoc") || (ext == "txt" && doc_name);
        if doc_ext || dir(&["docs", "doc", "examples", "example", "samples", "sample"]) {
            return FileClass::Docs;
        }
        if matches!(ext, "csv" | "tsv" | "jsonl" | "ndjson" | "sql") {
            return FileClass::Data;
        }
        FileClass::Code
    }

    /// From its name.
    pub fn parse(s: &str) -> Option<FileClass> {
        FileClass::ALL.into_iter().find(|c| c.name() == s)
    }
}

/// The lines (1-based, inclusive) of Rust test modules and functions in
/// a code file: `#[cfg(test)]` or `#[test]` items, through the brace that
/// closes them. Braces in strings, chars and comments are skipped.
pub fn rust_test_lines(rel: &str, text: &str) -> Vec<(usize, usize)> {
    if !rel.ends_with(".rs") || !text.contains("#[") {
        return Vec::new();
    }
    let b = text.as_bytes();
    let mut out: Vec<(usize, usize)> = Vec::new();
    let newlines: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
    let line_of = |i: usize| newlines.partition_point(|&n| n < i) + 1;
    for attr in ["#[cfg(test)]", "#[test]"] {
        for (at, _) in text.match_indices(attr) {
            if out.last().is_some_and(|&(_, e)| line_of(at) <= e) {
                continue;
            }
            if let Some(end) = item_end(b, at + attr.len()) {
                out.push((line_of(at), line_of(end)));
            }
        }
        out.sort_unstable();
    }
    out
}

/// The offset of the `}` that closes the first block opened after `from`
/// (or of the `;` that ends an item without one).
fn item_end(b: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            // Raw strings: r"…", r#"…"#, br##"…"##.
            b'r' if i == 0 || !b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'b' => {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) == Some(&b'"') {
                    let close: Vec<u8> = std::iter::once(b'"')
                        .chain(std::iter::repeat_n(b'#', hashes))
                        .collect();
                    let from = i + 2 + hashes;
                    i = b[from..]
                        .windows(close.len())
                        .position(|w| w == close.as_slice())
                        .map_or(b.len(), |p| from + p + close.len() - 1);
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' if b.get(i + 2) == Some(&b'\'') || b.get(i + 1) == Some(&b'\\') => {
                i += if b.get(i + 1) == Some(&b'\\') { 3 } else { 2 };
            }
            b';' if depth == 0 => return Some(i),
            b'{' => depth += 1,
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

const CERT_HEADER: &str = "-----BEGIN CERTIFICATE-----";

const LOCKFILES: &[&str] = &[
    "cargo.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "poetry.lock",
    "uv.lock",
    "pipfile.lock",
    "gemfile.lock",
    "composer.lock",
    "go.sum",
    "packages.lock.json",
    "mix.lock",
    "pubspec.lock",
    "flake.lock",
    "podfile.lock",
];

const MANIFESTS: &[&str] = &[
    "cargo.toml",
    "cargo.toml.orig",
    "package.json",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "pom.xml",
    "composer.json",
    "build.gradle",
    "build.gradle.kts",
    ".mailmap",
    "security.md",
    "dist.ini",
    "description",
    "tree-sitter.json",
];

/// A generated file: by name, or a marker in its first five lines.
fn generated(name: &str, text: &str) -> bool {
    if name.ends_with("_pb2.py")
        || name.ends_with(".pb.go")
        || name.ends_with(".pb.rs")
        || name.ends_with(".min.js")
        || name.ends_with(".g.dart")
        || name.ends_with(".designer.cs")
    {
        return true;
    }
    text.lines().take(5).any(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("@generated")
            || l.contains("do not edit")
            || l.contains("code generated")
            || l.contains("auto-generated")
            || l.contains("autogenerated")
            || l.contains("automatically generated")
            || l.contains("generated by")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_by_path_and_content() {
        let c = |p: &str| FileClass::of(p, "");
        assert_eq!(c("src/app.py"), FileClass::Code);
        assert_eq!(c("tests/test_app.py"), FileClass::Test);
        assert_eq!(c("pkg/app_test.go"), FileClass::Test);
        assert_eq!(c("web/src/app.spec.ts"), FileClass::Test);
        assert_eq!(c("src/test/java/AppTest.java"), FileClass::Test);
        assert_eq!(c("tests/fixtures/users.csv"), FileClass::Fixture);
        assert_eq!(c("pkg/testdata/in.txt"), FileClass::Fixture);
        assert_eq!(c("docs/guide.md"), FileClass::Docs);
        assert_eq!(c("README.md"), FileClass::Docs);
        assert_eq!(c("examples/demo.rs"), FileClass::Docs);
        assert_eq!(c("vendor/lib/x.go"), FileClass::Vendored);
        assert_eq!(c("pip/_vendor/rich/prompt.py"), FileClass::Vendored);
        assert_eq!(c("certifi/cacert.pem"), FileClass::Certs);
        assert_eq!(c("Cargo.lock"), FileClass::Lockfile);
        assert_eq!(c("serde-1.0.0/Cargo.toml"), FileClass::Manifest);
        assert_eq!(c("AUTHORS"), FileClass::Manifest);
        assert_eq!(c("numpy-2.0.dist-info/METADATA"), FileClass::Manifest);
        assert_eq!(c("src/metadata"), FileClass::Code);
        assert_eq!(c("exports/users.csv"), FileClass::Data);
        assert_eq!(c("api/user_pb2.py"), FileClass::Generated);
        assert_eq!(c("src/contest.py"), FileClass::Code, "no `test` segment");
        assert_eq!(c("src/latest.rs"), FileClass::Code);
        assert_eq!(
            FileClass::of("src/bindings.rs", "// @generated by tool\nfn x() {}"),
            FileClass::Generated
        );
        let bundle = format!("{CERT_HEADER}\nMII\n-----END CERTIFICATE-----\n{CERT_HEADER}\n");
        assert_eq!(FileClass::of("certs/roots.txt", &bundle), FileClass::Certs);
        assert_eq!(c("notes.txt"), FileClass::Code);
        assert_eq!(c("LICENSE.txt"), FileClass::Manifest);
        assert_eq!(c("scipy/integrate/LICENSE_DOP"), FileClass::Manifest);
        assert_eq!(c("CHANGELOG.txt"), FileClass::Docs);
    }

    #[test]
    fn rust_test_modules_and_functions() {
        let src = "fn a() {}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() { let s = \"}\"; let c = '}'; }\n}\nfn b() {}\n";
        assert_eq!(rust_test_lines("src/x.rs", src), [(2, 6)]);
        assert_eq!(rust_test_lines("src/x.py", src), []);
        let raw = "#[cfg(test)]\nmod t {\n    const J: &str = r#\"{\"a\": \"https://x\"\"#;\n}\nfn b() {}\n";
        assert_eq!(rust_test_lines("src/x.rs", raw), [(1, 4)]);
        let lone = "#[test]\nfn t() {\n}\nfn u() {}\n";
        assert_eq!(rust_test_lines("src/x.rs", lone), [(1, 3)]);
    }
}
