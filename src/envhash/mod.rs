//! `env-hash`: one SHA-256 over everything that decides what a build
//! produces: lockfiles, extra files, toolchain versions and selected
//! environment variables.
//!
//! The pure core is [`combine`]: inputs are sorted by (kind, name) and each is
//! framed as `kind byte | name length (u64 LE) | name | 32-byte digest`, after
//! a version tag. Sorting makes the order inputs are listed in irrelevant;
//! framing makes the encoding injective, so no two input sets can collide by
//! concatenation (`("ab", x)` never hashes like `("a", "bx")`). Names are
//! paths relative to the repository root, so a checkout elsewhere gives the
//! same hash.

pub mod collect;
pub mod render;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Domain separation for the combined digest; bump when the framing changes.
const VERSION_TAG: &[u8] = b"maestro env-hash v1\0";

/// What an input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A lockfile (detected or named).
    Lockfile,
    /// A file matched by a glob.
    File,
    /// A tool's version output.
    Tool,
    /// An environment variable.
    Env,
}

impl Kind {
    fn tag(self) -> u8 {
        match self {
            Kind::Lockfile => 1,
            Kind::File => 2,
            Kind::Tool => 3,
            Kind::Env => 4,
        }
    }
}

/// One hashed input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Input {
    /// What it is.
    pub kind: Kind,
    /// Path relative to the root, tool name or variable name.
    pub name: String,
    /// SHA-256 of its content, hex.
    pub sha256: String,
    /// Content size in bytes (files only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// What was hashed, for tools and variables (`unset` for a missing
    /// variable). Values of variables are never shown, only whether set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Input {
    /// An input whose content is `content`.
    pub fn of(kind: Kind, name: &str, content: &[u8]) -> Input {
        Input {
            kind,
            name: name.to_string(),
            sha256: hex::encode(Sha256::digest(content)),
            bytes: None,
            detail: None,
        }
    }
}

/// The combined digest (hex) of `inputs`, in any order.
pub fn combine(inputs: &[Input]) -> String {
    let mut sorted: Vec<&Input> = inputs.iter().collect();
    sorted.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    let mut h = Sha256::new();
    h.update(VERSION_TAG);
    for i in sorted {
        h.update([i.kind.tag()]);
        h.update((i.name.len() as u64).to_le_bytes());
        h.update(i.name.as_bytes());
        // Each digest is 32 bytes, so it needs no length.
        let d = hex::decode(&i.sha256).unwrap_or_default();
        h.update(&d);
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn order_does_not_matter_and_content_does() {
        let a = Input::of(Kind::Lockfile, "Cargo.lock", b"x");
        let b = Input::of(Kind::Env, "CC", b"set:gcc");
        assert_eq!(
            combine(&[a.clone(), b.clone()]),
            combine(&[b.clone(), a.clone()])
        );
        let b2 = Input::of(Kind::Env, "CC", b"set:clang");
        assert_ne!(combine(&[a.clone(), b]), combine(&[a, b2]));
    }

    #[test]
    fn framing_separates_names_from_kinds() {
        let x = Input::of(Kind::Tool, "ab", b"1");
        let mut y = x.clone();
        y.name = "a".into();
        assert_ne!(combine(std::slice::from_ref(&x)), combine(&[y]));
        let mut z = x.clone();
        z.kind = Kind::Env;
        assert_ne!(combine(&[x]), combine(&[z]));
    }

    proptest! {
        /// Two different input sets never collide (checked on small random
        /// sets, including ones built to concatenate alike).
        #[test]
        fn distinct_sets_distinct_digests(
            a in proptest::collection::btree_map("[a-c]{0,3}", "[x-z]{0,2}", 0..4),
            b in proptest::collection::btree_map("[a-c]{0,3}", "[x-z]{0,2}", 0..4),
        ) {
            let to = |m: &std::collections::BTreeMap<String, String>| -> Vec<Input> {
                m.iter().map(|(k, v)| Input::of(Kind::File, k, v.as_bytes())).collect()
            };
            prop_assert_eq!(a == b, combine(&to(&a)) == combine(&to(&b)));
        }
    }
}
