//! Where the state lives: a local SQLite file, or an object in S3 kept in
//! sync with `If-Match` (see [`super::sync`]). Commands read and write the
//! state through this one type and never learn which it is.

use super::sync::Remote;
use super::Store;
use crate::error::{input, Result};
use crate::storage::{self, Location};
use std::path::{Path, PathBuf};

/// A resolved state location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateLocation {
    /// A SQLite file on this machine.
    Local(PathBuf),
    /// An object in an S3 bucket.
    S3 {
        /// Bucket name.
        bucket: String,
        /// The object key of the SQLite file.
        key: String,
    },
}

impl StateLocation {
    /// Parses the configured `spec`; a relative local path is taken against
    /// `base` (see `Resolved::base`).
    pub fn parse(spec: &str, base: &Path) -> Result<Self> {
        match Location::parse(spec, "state location")? {
            Location::Local(p) => Ok(Self::Local(base.join(p))),
            Location::S3 { key, .. } if key.is_empty() || key.ends_with('/') => {
                Err(input(format!(
                "state location `{spec}`: needs an object key, e.g. s3://bucket/maestro/state.db"
            )))
            }
            Location::S3 { bucket, key } => Ok(Self::S3 { bucket, key }),
        }
    }

    /// The path or `s3://` URL, for messages.
    pub fn label(&self) -> String {
        match self {
            Self::Local(p) => p.display().to_string(),
            Self::S3 { bucket, key } => format!("s3://{bucket}/{key}"),
        }
    }

    /// Runs `f` on the state for writing. With S3 state this downloads the
    /// state, applies `f`, and uploads with `If-Match`, applying `f` again on
    /// the winner's state whenever another writer got there first.
    pub fn write<T>(&self, mut f: impl FnMut(&mut Store) -> Result<T>) -> Result<T> {
        match self {
            Self::Local(p) => f(&mut Store::open(p)?),
            Self::S3 { bucket, key } => self.remote(bucket, key, |r| r.update(f)),
        }
    }

    /// Runs `f` on the state read-only (a missing state reads as empty).
    /// Never uploads.
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        match self {
            Self::Local(p) => f(&Store::open_read(p)?),
            Self::S3 { bucket, key } => self.remote(bucket, key, |r| r.read(f)),
        }
    }

    /// Runs `f` on the state object `key` in `bucket`.
    fn remote<T>(&self, bucket: &str, key: &str, f: impl FnOnce(Remote) -> Result<T>) -> Result<T> {
        let root = Location::S3 {
            bucket: bucket.to_string(),
            key: String::new(),
        };
        let store = storage::open(&root, Path::new(""))?;
        let label = self.label();
        f(Remote {
            store: store.as_ref(),
            key,
            label: &label,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_state_locations() {
        let base = Path::new("/w");
        assert_eq!(
            StateLocation::parse(".maestro/state.db", base).unwrap(),
            StateLocation::Local("/w/.maestro/state.db".into())
        );
        assert_eq!(
            StateLocation::parse("file://x/s.db", base).unwrap(),
            StateLocation::Local("/w/x/s.db".into())
        );
        assert_eq!(
            StateLocation::parse("/abs/s.db", base).unwrap(),
            StateLocation::Local("/abs/s.db".into())
        );
        let s3 = StateLocation::parse("s3://b/m/state.db", base).unwrap();
        assert_eq!(s3.label(), "s3://b/m/state.db");
        for bad in ["s3://b", "s3://b/dir/", "gs://b/k"] {
            assert!(StateLocation::parse(bad, base).is_err(), "{bad}");
        }
    }
}
