//! The build cache: write-once entries of tar + zstd archives in an object
//! store, found by exact key or by restore-key prefix (the `actions/cache`
//! semantics), optionally signed with HMAC-SHA256.
//!
//! Layout in the store: `entries/<key>.json` holds the manifest (the commit
//! point, written last with `If-None-Match: *`); `blobs/<sha256>.tar.zst` holds
//! the content-addressed archive it names.

pub mod archive;
pub mod ledger;
pub mod ops;
pub mod outcome;
pub mod render;

use crate::error::{input, Result};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Manifest format version.
pub const FORMAT: u32 = 1;

/// What an archive entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// Regular file.
    File,
    /// Directory.
    Dir,
    /// Symbolic link.
    Symlink,
}

/// One archived path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Path relative to the working directory, `/`-separated.
    pub path: String,
    /// Kind.
    pub kind: EntryKind,
    /// Size in bytes (files).
    pub size: u64,
    /// Unix permission bits.
    pub mode: u32,
    /// Link target (symlinks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// The archive a manifest names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveInfo {
    /// Object key of the archive.
    pub object: String,
    /// SHA-256 of the compressed archive, hex.
    pub sha256: String,
    /// Compressed size.
    pub bytes: u64,
}

/// A cache entry's manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version.
    pub format: u32,
    /// The entry's key.
    pub key: String,
    /// When it was stored (ms since the epoch).
    pub created_ms: i64,
    /// The archive.
    pub archive: ArchiveInfo,
    /// Sum of the file sizes.
    pub total_bytes: u64,
    /// How long producing the cached paths took, if the caller said.
    #[serde(default)]
    pub build_seconds: Option<f64>,
    /// Every archived path.
    pub entries: Vec<Entry>,
    /// HMAC-SHA256 (hex) of the manifest without this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

type HmacSha256 = Hmac<Sha256>;

impl Manifest {
    fn signed_bytes(&self) -> Vec<u8> {
        let mut m = self.clone();
        m.signature = None;
        serde_json::to_vec(&m).unwrap_or_default()
    }

    /// Signs the manifest with `key`.
    pub fn sign(&mut self, key: &[u8]) {
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(&self.signed_bytes());
        self.signature = Some(hex::encode(mac.finalize().into_bytes()));
    }

    /// Checks the signature against `key` (constant-time).
    pub fn verify(&self, key: &[u8]) -> std::result::Result<(), &'static str> {
        let sig = self.signature.as_deref().ok_or("the entry is not signed")?;
        let sig = hex::decode(sig).map_err(|_| "the signature is not hex")?;
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(&self.signed_bytes());
        mac.verify_slice(&sig)
            .map_err(|_| "the signature does not match the signing key")
    }
}

/// Object key of a manifest.
pub fn manifest_object(key: &str) -> String {
    format!("entries/{key}.json")
}

/// Object key of an archive.
pub fn blob_object(sha256: &str) -> String {
    format!("blobs/{sha256}.tar.zst")
}

/// Checks a cache key (or restore-key prefix): printable, no `..` segment,
/// no leading `/`, at most 512 bytes.
pub fn check_key(key: &str, what: &str) -> Result<()> {
    let bad = key.is_empty()
        || key.len() > 512
        || key.starts_with('/')
        || key.chars().any(|c| c.is_control() || c == '\\')
        || key.split('/').any(|s| s == ".." || s == ".");
    if bad {
        return Err(input(format!(
            "{what} `{}`: keys are 1-512 printable characters, without `..` segments or a leading `/`",
            key.escape_debug()
        )));
    }
    Ok(())
}

/// Which entry a `get` restores: the exact key if present, else for each
/// restore prefix in order, the newest entry whose key starts with it.
/// `candidates` are (key, created_ms). Returns the key and whether it is exact.
pub fn select(
    key: &str,
    prefixes: &[String],
    candidates: &[(String, i64)],
) -> Option<(String, bool)> {
    if candidates.iter().any(|(k, _)| k == key) {
        return Some((key.to_string(), true));
    }
    for p in prefixes {
        if let Some((k, _)) = candidates
            .iter()
            .filter(|(k, _)| k.starts_with(p.as_str()))
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
        {
            return Some((k.clone(), false));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Manifest {
        Manifest {
            format: FORMAT,
            key: "k".into(),
            created_ms: 1,
            archive: ArchiveInfo {
                object: blob_object("ab"),
                sha256: "ab".into(),
                bytes: 3,
            },
            total_bytes: 3,
            build_seconds: None,
            entries: vec![],
            signature: None,
        }
    }

    #[test]
    fn signatures_bind_the_whole_manifest() {
        let mut a = m();
        a.sign(b"secret");
        assert!(a.verify(b"secret").is_ok());
        assert!(a.verify(b"other").is_err());
        let mut b = a.clone();
        b.archive.sha256 = "cd".into();
        assert!(b.verify(b"secret").is_err());
        assert_eq!(m().verify(b"secret"), Err("the entry is not signed"));
    }

    #[test]
    fn exact_key_first_then_newest_per_prefix_in_order() {
        let c = vec![
            ("linux-a".to_string(), 10),
            ("linux-b".to_string(), 20),
            ("mac-a".to_string(), 30),
        ];
        assert_eq!(
            select("linux-a", &["mac-".into()], &c),
            Some(("linux-a".into(), true))
        );
        assert_eq!(
            select("linux-z", &["linux-".into(), "mac-".into()], &c),
            Some(("linux-b".into(), false))
        );
        assert_eq!(
            select("win", &["mac".into()], &c),
            Some(("mac-a".into(), false))
        );
        assert_eq!(select("win", &["win".into()], &c), None);
    }

    #[test]
    fn keys_are_checked() {
        assert!(check_key("linux-cargo-abc/1", "key").is_ok());
        for bad in ["", "/abs", "a/../b", "a\nb", "a\\b"] {
            assert!(check_key(bad, "key").is_err(), "{bad:?}");
        }
    }
}
