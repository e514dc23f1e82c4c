//! An in-memory store that enforces preconditions like S3 does. For unit and
//! property tests only.

use super::{Cond, Meta, ObjectStore, Put};
use crate::error::Result;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

/// Key -> (bytes, etag).
type Objects = BTreeMap<String, (Vec<u8>, String)>;

/// Objects in a map; every write bumps a global version used as the etag.
#[derive(Default)]
pub struct Memory {
    inner: Mutex<(u64, Objects)>,
}

impl ObjectStore for Memory {
    fn head(&self, key: &str) -> Result<Option<Meta>> {
        let g = self.inner.lock().unwrap();
        Ok(g.1.get(key).map(|(b, e)| meta(key, b, e)))
    }

    fn get_to_file(&self, key: &str, dest: &Path) -> Result<Option<Meta>> {
        let g = self.inner.lock().unwrap();
        match g.1.get(key) {
            None => Ok(None),
            Some((b, e)) => {
                std::fs::write(dest, b)?;
                Ok(Some(meta(key, b, e)))
            }
        }
    }

    fn put_file(&self, key: &str, src: &Path, cond: &Cond) -> Result<Put> {
        let bytes = std::fs::read(src)?;
        let mut g = self.inner.lock().unwrap();
        let ok = match (cond, g.1.get(key)) {
            (Cond::Always, _) | (Cond::IfAbsent, None) => true,
            (Cond::IfMatch(want), Some((_, have))) => want == have,
            _ => false,
        };
        if !ok {
            return Ok(Put::PreconditionFailed);
        }
        g.0 += 1;
        let etag = format!("v{}", g.0);
        g.1.insert(key.to_string(), (bytes, etag.clone()));
        Ok(Put::Written(etag))
    }

    fn list(&self, prefix: &str) -> Result<Vec<Meta>> {
        let g = self.inner.lock().unwrap();
        Ok(g.1
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, (b, e))| meta(k, b, e))
            .collect())
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.inner.lock().unwrap().1.remove(key);
        Ok(())
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}

fn meta(key: &str, b: &[u8], e: &str) -> Meta {
    Meta {
        key: key.into(),
        etag: e.into(),
        size: b.len() as u64,
        modified_ms: 0,
    }
}
