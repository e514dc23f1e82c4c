//! The local-directory backend: keys are relative paths under a root.
//! Writes go to a temporary file in the same directory and are renamed (or
//! hard-linked, for create-only) into place, so readers never see a partial
//! object. `If-Match` holds an exclusive lock on `<root>/.maestro-lock`.

use super::{Cond, Meta, ObjectStore, Put};
use crate::error::{input, Result};
use std::fs::{self, File};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

const LOCK: &str = ".maestro-lock";
const TMP_PREFIX: &str = ".tmp-";

/// A directory of objects.
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> LocalDir {
        LocalDir { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        let bad = key.is_empty()
            || key.starts_with('/')
            || key
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..");
        if bad {
            return Err(input(format!(
                "{}: invalid object key `{key}`",
                self.describe()
            )));
        }
        Ok(self.root.join(key))
    }

    fn meta(key: &str, path: &Path) -> Result<Option<Meta>> {
        match fs::metadata(path) {
            Ok(m) => Ok(Some(meta_of(key, &m))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(input(format!("{}: {e}", path.display()))),
        }
    }
}

fn meta_of(key: &str, m: &fs::Metadata) -> Meta {
    use std::os::unix::fs::MetadataExt;
    let modified_ms = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64);
    Meta {
        key: key.to_string(),
        // A rename gives a new inode, so every write changes the tag.
        etag: format!(
            "{:x}-{:x}-{:x}",
            m.ino(),
            m.size(),
            m.mtime_nsec() ^ (m.mtime() << 30)
        ),
        size: m.size(),
        modified_ms,
    }
}

fn io(path: &Path, e: std::io::Error) -> anyhow::Error {
    input(format!("{}: {e}", path.display()))
}

impl ObjectStore for LocalDir {
    fn head(&self, key: &str) -> Result<Option<Meta>> {
        LocalDir::meta(key, &self.path(key)?)
    }

    fn get_to_file(&self, key: &str, dest: &Path) -> Result<Option<Meta>> {
        let src = self.path(key)?;
        let mut f = match File::open(&src) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&src, e)),
        };
        // Metadata from the open handle: the bytes copied are this version.
        let meta = meta_of(key, &f.metadata().map_err(|e| io(&src, e))?);
        let mut out = File::create(dest).map_err(|e| io(dest, e))?;
        std::io::copy(&mut f, &mut out).map_err(|e| io(dest, e))?;
        Ok(Some(meta))
    }

    fn put_file(&self, key: &str, src: &Path, cond: &Cond) -> Result<Put> {
        let dest = self.path(key)?;
        let dir = dest.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .tempfile_in(&dir)
            .map_err(|e| io(&dir, e))?;
        // Callers hand over scratch files they no longer write to, so on the
        // same filesystem a hard link replaces copying the bytes.
        let linked = fs::remove_file(tmp.path()).is_ok() && fs::hard_link(src, tmp.path()).is_ok();
        if !linked {
            fs::copy(src, tmp.path()).map_err(|e| io(src, e))?;
        }
        File::open(tmp.path())
            .and_then(|f| f.sync_all())
            .map_err(|e| io(tmp.path(), e))?;
        if *cond == Cond::IfAbsent {
            // A hard link never replaces an existing name: atomic create-only.
            match fs::hard_link(tmp.path(), &dest) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    return Ok(Put::PreconditionFailed)
                }
                Err(e) => return Err(io(&dest, e)),
            }
        } else {
            let lock_path = self.root.join(LOCK);
            let lock = File::create(&lock_path).map_err(|e| io(&lock_path, e))?;
            lock.lock().map_err(|e| io(&lock_path, e))?;
            if let Cond::IfMatch(etag) = cond {
                match LocalDir::meta(key, &dest)? {
                    Some(m) if &m.etag == etag => {}
                    _ => return Ok(Put::PreconditionFailed),
                }
            }
            tmp.persist(&dest).map_err(|e| io(&dest, e.error))?;
        }
        let m = LocalDir::meta(key, &dest)?
            .ok_or_else(|| input(format!("{}: vanished right after writing", dest.display())))?;
        Ok(Put::Written(m.etag))
    }

    fn list(&self, prefix: &str) -> Result<Vec<Meta>> {
        if !self.root.exists() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&self.root).sort_by_file_name() {
            let entry = entry.map_err(|e| input(format!("{}: {e}", self.describe())))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy();
            if name.starts_with(TMP_PREFIX) || name == LOCK {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(&self.root)
                .unwrap_or(entry.path());
            let key = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if key.starts_with(prefix) {
                let m = entry
                    .metadata()
                    .map_err(|e| input(format!("{}: {e}", entry.path().display())))?;
                out.push(meta_of(&key, &m));
            }
        }
        Ok(out)
    }

    fn delete(&self, key: &str) -> Result<()> {
        let p = self.path(key)?;
        match fs::remove_file(&p) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&p, e)),
        }
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_writes_hold() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalDir::new(dir.path().join("store"));
        let src = dir.path().join("src");
        fs::write(&src, b"one").unwrap();
        let Put::Written(e1) = s.put_file("a/k", &src, &Cond::IfAbsent).unwrap() else {
            panic!("first create must win")
        };
        assert_eq!(
            s.put_file("a/k", &src, &Cond::IfAbsent).unwrap(),
            Put::PreconditionFailed
        );
        fs::remove_file(&src).unwrap(); // never rewrite an uploaded file in place
        fs::write(&src, b"two").unwrap();
        let Put::Written(e2) = s.put_file("a/k", &src, &Cond::IfMatch(e1.clone())).unwrap() else {
            panic!("matching etag must win")
        };
        assert_ne!(e1, e2);
        assert_eq!(
            s.put_file("a/k", &src, &Cond::IfMatch(e1)).unwrap(),
            Put::PreconditionFailed
        );
        let out = dir.path().join("out");
        let m = s.get_to_file("a/k", &out).unwrap().unwrap();
        assert_eq!((m.etag, fs::read(&out).unwrap()), (e2, b"two".to_vec()));
        assert_eq!(s.list("a/").unwrap().len(), 1);
        assert!(s.list("b").unwrap().is_empty());
        s.delete("a/k").unwrap();
        s.delete("a/k").unwrap();
        assert!(s.head("a/k").unwrap().is_none());
        assert!(s.put_file("../x", &src, &Cond::Always).is_err());
    }
}
