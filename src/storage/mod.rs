//! Object storage: one trait, one file per backend. The rest of maestro never
//! knows whether it talks to a local directory or to S3.

pub mod local;
#[cfg(test)]
pub mod memory;
pub mod s3;

use crate::error::{input, Result};
use std::fmt;
use std::path::Path;

/// What a store knows about one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// Key relative to the store's root.
    pub key: String,
    /// Opaque version tag, changed by every write.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
    /// Last write, milliseconds since the Unix epoch.
    pub modified_ms: i64,
}

/// The precondition of a write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    /// Write unconditionally.
    Always,
    /// Only if the key does not exist (`If-None-Match: *`).
    IfAbsent,
    /// Only if the object still has this etag (`If-Match`).
    IfMatch(String),
}

/// The outcome of a conditional write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Put {
    /// Written; the new etag.
    Written(String),
    /// The precondition did not hold; nothing was written.
    PreconditionFailed,
}

/// A flat key space of immutable-per-version objects.
pub trait ObjectStore: Send + Sync {
    /// Metadata of `key`, `None` if it does not exist.
    fn head(&self, key: &str) -> Result<Option<Meta>>;
    /// Streams `key` into the file `dest` (created or truncated) and returns
    /// its metadata, or `None` (leaving `dest` alone) if it does not exist.
    fn get_to_file(&self, key: &str, dest: &Path) -> Result<Option<Meta>>;
    /// Uploads the file `src` to `key` under the precondition `cond`. The
    /// caller must not modify `src` in place afterwards (a local backend may
    /// hard-link it instead of copying).
    fn put_file(&self, key: &str, src: &Path, cond: &Cond) -> Result<Put>;
    /// Every object whose key starts with `prefix`.
    fn list(&self, prefix: &str) -> Result<Vec<Meta>>;
    /// Deletes `key`; a missing key is not an error.
    fn delete(&self, key: &str) -> Result<()>;
    /// Where this store lives, for messages (`s3://bucket/prefix`, a path).
    fn describe(&self) -> String;
}

/// A parsed location: `s3://bucket/prefix`, or a local path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// An S3 bucket and a key prefix (possibly empty, never with a leading `/`).
    S3 {
        /// Bucket name.
        bucket: String,
        /// Key or key prefix.
        key: String,
    },
    /// A local filesystem path.
    Local(std::path::PathBuf),
}

impl Location {
    /// Parses `s` (what the user typed); `what` names it in errors.
    pub fn parse(s: &str, what: &str) -> Result<Location> {
        match s.split_once("://") {
            Some(("s3", rest)) => {
                let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(input(format!("{what} `{s}`: no bucket name after s3://")));
                }
                Ok(Location::S3 {
                    bucket: bucket.to_string(),
                    key: key.trim_start_matches('/').to_string(),
                })
            }
            Some(("file", rest)) => Ok(Location::Local(rest.into())),
            Some((scheme, _)) => Err(input(format!(
                "{what} `{s}`: unknown URL scheme `{scheme}://` (use s3://bucket/key or a local path)"
            ))),
            None => Ok(Location::Local(s.into())),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
            Location::Local(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Opens the store at `loc`: a local directory (relative paths against `base`)
/// or an S3 bucket and prefix with settings from the environment.
pub fn open(loc: &Location, base: &Path) -> Result<Box<dyn ObjectStore>> {
    Ok(match loc {
        Location::Local(p) => Box::new(local::LocalDir::new(base.join(p))),
        Location::S3 { bucket, key } => {
            Box::new(s3::S3Store::new(bucket, key, &s3::S3Settings::from_env()?)?)
        }
    })
}

/// Joins a prefix and a key with exactly one `/` between them.
pub fn join_key(prefix: &str, key: &str) -> String {
    let p = prefix.trim_end_matches('/');
    if p.is_empty() {
        key.to_string()
    } else {
        format!("{p}/{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locations() {
        assert_eq!(
            Location::parse("s3://b/x/y.db", "state").unwrap(),
            Location::S3 {
                bucket: "b".into(),
                key: "x/y.db".into()
            }
        );
        assert_eq!(
            Location::parse("s3://b", "state").unwrap(),
            Location::S3 {
                bucket: "b".into(),
                key: "".into()
            }
        );
        assert_eq!(
            Location::parse("a/b.db", "state").unwrap(),
            Location::Local("a/b.db".into())
        );
        let e = Location::parse("gs://b/k", "--state").unwrap_err();
        assert!(e.to_string().contains("unknown URL scheme `gs://`"), "{e}");
        assert!(Location::parse("s3:///k", "state").is_err());
        assert_eq!(join_key("p/", "k"), "p/k");
        assert_eq!(join_key("", "k"), "k");
    }
}
