//! composer.lock: `packages` and `packages-dev` (dev), each `{name,
//! version, require}`.

use super::{Lock, Package};
use crate::error::{input, Result};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
struct Composer {
    #[serde(default)]
    packages: Vec<Entry>,
    #[serde(default, rename = "packages-dev")]
    packages_dev: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    version: String,
    #[serde(default)]
    require: std::collections::BTreeMap<String, serde_json::Value>,
}

pub(super) fn composer(text: &str, name: &str) -> Result<Lock> {
    let f: Composer = serde_json::from_str(text).map_err(|e| {
        input(format!(
            "{name}: line {}: not a composer.lock ({e})",
            e.line()
        ))
    })?;
    let mut lock = Lock::default();
    let mut index = HashMap::new();
    let mut edges = Vec::new();
    let runtime = f.packages.into_iter().map(|e| (false, e));
    for (dev, e) in runtime.chain(f.packages_dev.into_iter().map(|e| (true, e))) {
        let i = lock.add(
            &mut index,
            Package {
                ecosystem: "Packagist",
                name: e.name.to_ascii_lowercase(),
                version: e.version,
                local: None,
                dev,
            },
        );
        edges.extend(e.require.into_keys().map(|d| (i, d.to_ascii_lowercase())));
    }
    lock.link_by_name(edges);
    Ok(lock.finish())
}
