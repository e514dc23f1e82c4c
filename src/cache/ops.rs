//! `cache put / get / stats / gc` against an object store.

use super::archive::{self, HashingWriter};
use super::outcome::{GetOutcome, PutOutcome};
use super::{blob_object, check_key, manifest_object, select, Manifest, FORMAT};
use crate::error::{infra, input, Result};
use crate::storage::{Cond, ObjectStore, Put};
use serde::Serialize;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Result of a `put`.
#[derive(Clone, Debug, Serialize)]
pub struct PutReport {
    /// The key.
    pub key: String,
    /// Stored, or left untouched because the key exists.
    pub outcome: PutOutcome,
    /// Compressed bytes uploaded.
    pub bytes: u64,
    /// Uncompressed bytes archived.
    pub total_bytes: u64,
    /// Paths archived.
    pub entries: usize,
    /// Wall time.
    pub millis: u64,
}

/// Options of a `put`.
pub struct PutOptions<'a> {
    /// zstd level.
    pub level: i32,
    /// HMAC key, when signing.
    pub signing_key: Option<&'a [u8]>,
    /// Store an unsigned entry even in a store that holds signed ones.
    pub allow_unsigned: bool,
    /// How long producing the paths took.
    pub build_seconds: Option<f64>,
    /// Progress callback (bytes archived).
    pub tick: &'a dyn Fn(u64),
    /// Current time, ms.
    pub now_ms: i64,
}

/// The bytes of the regular files under `paths` (against `cwd`), for a
/// progress bar.
pub fn input_bytes(cwd: &Path, paths: &[PathBuf]) -> u64 {
    paths
        .iter()
        .flat_map(|p| walkdir::WalkDir::new(cwd.join(p)))
        .filter_map(|e| e.ok())
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Archives `paths` under `key`, unless the key exists.
pub fn put(
    store: &dyn ObjectStore,
    cwd: &Path,
    key: &str,
    paths: &[PathBuf],
    o: &PutOptions,
) -> Result<PutReport> {
    check_key(key, "cache key")?;
    let start = Instant::now();
    let exists = |start: Instant| PutReport {
        key: key.to_string(),
        outcome: PutOutcome::Exists,
        bytes: 0,
        total_bytes: 0,
        entries: 0,
        millis: start.elapsed().as_millis() as u64,
    };
    for p in paths {
        archive::check_source(cwd, p)?;
    }
    if o.signing_key.is_none() && !o.allow_unsigned {
        refuse_unsigned(store, "store an unsigned entry")?;
    }
    if store.head(&manifest_object(key))?.is_some() {
        return Ok(exists(start));
    }
    let scratch = tempfile::tempdir().map_err(|e| infra(format!("scratch directory: {e}")))?;
    let tmp = scratch.path().join("archive.tar.zst");
    let file = std::fs::File::create(&tmp).map_err(|e| infra(format!("{}: {e}", tmp.display())))?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let (entries, w) = archive::create(
        cwd,
        paths,
        HashingWriter::new(BufWriter::with_capacity(1 << 20, file)),
        o.level,
        workers,
        o.tick,
    )?;
    let (buf, sha256, bytes) = w.finish();
    buf.into_inner()
        .map_err(|e| infra(format!("{}: {e}", tmp.display())))?
        .sync_all()
        .map_err(|e| infra(format!("{}: {e}", tmp.display())))?;
    let object = blob_object(&sha256);
    // Content-addressed: an existing blob has these very bytes.
    store.put_file(&object, &tmp, &Cond::IfAbsent)?;
    let mut m = Manifest {
        format: FORMAT,
        key: key.to_string(),
        created_ms: o.now_ms,
        archive: super::ArchiveInfo {
            object,
            sha256,
            bytes,
        },
        total_bytes: entries.iter().map(|e| e.size).sum(),
        build_seconds: o.build_seconds,
        entries,
        signature: None,
    };
    if let Some(k) = o.signing_key {
        m.sign(k);
    }
    let mf = scratch.path().join("manifest.json");
    std::fs::write(&mf, serde_json::to_vec_pretty(&m)?)?;
    if o.signing_key.is_some() {
        // From now on the store refuses unsigned entries (see `refuse_unsigned`).
        let marker = scratch.path().join("signed");
        std::fs::write(&marker, b"entries in this cache are signed\n")?;
        store.put_file(SIGNED_MARKER, &marker, &Cond::IfAbsent)?;
    }
    match store.put_file(&manifest_object(key), &mf, &Cond::IfAbsent)? {
        Put::PreconditionFailed => Ok(exists(start)),
        Put::Written(_) => Ok(PutReport {
            key: key.to_string(),
            outcome: PutOutcome::Stored,
            bytes,
            total_bytes: m.total_bytes,
            entries: m.entries.len(),
            millis: start.elapsed().as_millis() as u64,
        }),
    }
}

/// The object that marks a store whose entries are signed.
pub const SIGNED_MARKER: &str = "signed";

/// Without a signing key, a store that holds signed entries refuses `what`
/// (exit 2): a job whose secret is missing (a fork's pull request) must
/// neither add unverifiable entries nor restore without checking.
fn refuse_unsigned(store: &dyn ObjectStore, what: &str) -> Result<()> {
    if store.head(SIGNED_MARKER)?.is_some() {
        return Err(input(format!(
            "{}: this cache holds signed entries; refusing to {what} without MAESTRO_CACHE_SIGNING_KEY (pass --allow-unsigned to do it anyway)",
            store.describe()
        )));
    }
    Ok(())
}

/// How `get` checks signatures.
#[derive(Clone, Copy, Debug, Default)]
pub struct Verify<'a> {
    /// HMAC key: entries must carry a valid signature.
    pub key: Option<&'a [u8]>,
    /// Restore unsigned entries (and, without a key, from a signed store).
    pub allow_unsigned: bool,
}

/// Result of a `get`.
#[derive(Clone, Debug, Serialize)]
pub struct GetReport {
    /// The key asked for.
    pub key: String,
    /// The entry restored, if any.
    pub matched_key: Option<String>,
    /// Hit (exact key), restore-hit (by prefix), miss, or rejected.
    pub outcome: GetOutcome,
    /// Compressed bytes downloaded.
    pub bytes: u64,
    /// Paths restored.
    pub entries: u64,
    /// Wall time.
    pub millis: u64,
    /// Build time the entry recorded minus the restore time (0 if unknown).
    pub saved_millis: u64,
    /// Why the entry was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Finds and restores an entry into `dest`. A rejected entry (bad manifest,
/// signature or digest, unsafe archive) writes nothing and comes back as
/// [`GetOutcome::Rejected`] with the reason.
pub fn get(
    store: &dyn ObjectStore,
    dest: &Path,
    key: &str,
    restore_keys: &[String],
    verify: Verify,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<GetReport> {
    check_key(key, "cache key")?;
    for p in restore_keys {
        check_key(p, "--restore-key")?;
    }
    if verify.key.is_none() && !verify.allow_unsigned {
        refuse_unsigned(store, "restore an entry unverified")?;
    }
    let start = Instant::now();
    let mut report = GetReport {
        key: key.to_string(),
        matched_key: None,
        outcome: GetOutcome::Miss,
        bytes: 0,
        entries: 0,
        millis: 0,
        saved_millis: 0,
        error: None,
    };
    let mut candidates = Vec::new();
    if let Some(m) = store.head(&manifest_object(key))? {
        candidates.push((key.to_string(), m.modified_ms));
    }
    if candidates.is_empty() {
        for p in restore_keys {
            for m in store.list(&format!("entries/{p}"))? {
                if let Some(k) = m
                    .key
                    .strip_prefix("entries/")
                    .and_then(|k| k.strip_suffix(".json"))
                {
                    candidates.push((k.to_string(), m.modified_ms));
                }
            }
        }
    }
    let Some((matched, exact)) = select(key, restore_keys, &candidates) else {
        report.millis = start.elapsed().as_millis() as u64;
        return Ok(report);
    };
    report.matched_key = Some(matched.clone());
    match restore(store, dest, &matched, verify, progress) {
        Ok((m, bytes, n)) => {
            report.outcome = if exact {
                GetOutcome::Hit
            } else {
                GetOutcome::RestoreHit
            };
            report.bytes = bytes;
            report.entries = n;
            report.millis = start.elapsed().as_millis() as u64;
            report.saved_millis = m
                .build_seconds
                .map_or(0, |s| ((s * 1000.0) as u64).saturating_sub(report.millis));
        }
        Err(e) => {
            if crate::error::exit_code(&e) == crate::error::EXIT_INFRA {
                return Err(e);
            }
            report.outcome = GetOutcome::Rejected;
            report.error = Some(crate::error::one_line(&e));
            report.millis = start.elapsed().as_millis() as u64;
        }
    }
    Ok(report)
}

/// Extraction progress: the archive size once known, then bytes read.
#[derive(Clone, Copy, Debug)]
pub enum Progress {
    /// Compressed bytes to read.
    Total(u64),
    /// Compressed bytes read since the last call.
    Read(u64),
}

/// A reader that reports how much it has read.
struct Counting<'a, R> {
    inner: R,
    tick: &'a (dyn Fn(Progress) + Sync),
}

impl<R: std::io::Read> std::io::Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.tick)(Progress::Read(n as u64));
        Ok(n)
    }
}

fn restore(
    store: &dyn ObjectStore,
    dest: &Path,
    key: &str,
    verify: Verify,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(Manifest, u64, u64)> {
    let label = format!("{}/{}", store.describe(), manifest_object(key));
    let scratch = tempfile::tempdir().map_err(|e| infra(format!("scratch directory: {e}")))?;
    let mf = scratch.path().join("manifest.json");
    if store.get_to_file(&manifest_object(key), &mf)?.is_none() {
        return Err(input(format!("{label}: vanished while restoring")));
    }
    let m: Manifest = serde_json::from_slice(&std::fs::read(&mf)?)
        .map_err(|e| input(format!("{label}: not a maestro cache manifest: {e}")))?;
    if m.format != FORMAT || m.key != key {
        return Err(input(format!(
            "{label}: manifest is for key `{}` (format {}), not `{key}`",
            m.key, m.format
        )));
    }
    if let Some(k) = verify.key {
        let unsigned_allowed = verify.allow_unsigned && m.signature.is_none();
        if !unsigned_allowed {
            m.verify(k)
                .map_err(|why| input(format!("{label}: {why}")))?;
        }
    }
    if m.archive.object != blob_object(&m.archive.sha256) {
        return Err(input(format!(
            "{label}: archive object does not match its digest"
        )));
    }
    let blob = scratch.path().join("archive.tar.zst");
    if store.get_to_file(&m.archive.object, &blob)?.is_none() {
        return Err(input(format!(
            "{label}: archive {} is missing",
            m.archive.object
        )));
    }
    // Verify the digest before a single file is written.
    let got = crate::envhash::collect::hash_file(crate::envhash::Kind::File, "", &blob)?;
    if got.sha256 != m.archive.sha256 {
        return Err(input(format!(
            "{label}: archive digest mismatch (manifest {}, downloaded {}): tampered or corrupt",
            &m.archive.sha256[..m.archive.sha256.len().min(12)],
            &got.sha256[..12]
        )));
    }
    std::fs::create_dir_all(dest).map_err(|e| input(format!("{}: {e}", dest.display())))?;
    let staging = tempfile::Builder::new()
        .prefix(".maestro-restore-")
        .tempdir_in(dest)
        .map_err(|e| input(format!("{}: {e}", dest.display())))?;
    let f = std::fs::File::open(&blob)?;
    progress(Progress::Total(m.archive.bytes));
    let reader = Counting {
        inner: BufReader::with_capacity(1 << 20, f),
        tick: progress,
    };
    let n = archive::extract(reader, staging.path(), &label)?;
    // Everything is unpacked and checked: move it into place.
    for top in std::fs::read_dir(staging.path())? {
        let top = top?;
        let target = dest.join(top.file_name());
        if let Ok(meta) = std::fs::symlink_metadata(&target) {
            if meta.is_dir() {
                std::fs::remove_dir_all(&target)?;
            } else {
                std::fs::remove_file(&target)?;
            }
        }
        std::fs::rename(top.path(), &target)
            .map_err(|e| input(format!("{}: {e}", target.display())))?;
    }
    Ok((m.clone(), got.bytes.unwrap_or(0), n))
}

/// One cache entry as `gc` sees it.
#[derive(Clone, Debug, Serialize)]
pub struct GcEntry {
    /// The key.
    pub key: String,
    /// Compressed size.
    pub bytes: u64,
    /// Last restore or creation, ms.
    pub last_used_ms: i64,
    /// Deleted (or would be, in a dry run).
    pub delete: bool,
    /// Why it goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Plans (and with `apply`, performs) garbage collection: entries unused for
/// longer than `max_age_ms`, then least-recently-used entries until the total
/// fits `max_size`. `last_hit` gives the last restore time of a key.
pub fn gc(
    store: &dyn ObjectStore,
    now_ms: i64,
    max_age_ms: Option<i64>,
    max_size: Option<u64>,
    last_hit: &dyn Fn(&str) -> Option<i64>,
    apply: bool,
) -> Result<Vec<GcEntry>> {
    let scratch = tempfile::tempdir().map_err(|e| infra(format!("scratch directory: {e}")))?;
    let mut entries = Vec::new();
    for meta in store.list("entries/")? {
        let Some(key) = meta
            .key
            .strip_prefix("entries/")
            .and_then(|k| k.strip_suffix(".json"))
        else {
            continue;
        };
        let f = scratch.path().join("m.json");
        if store.get_to_file(&meta.key, &f)?.is_none() {
            continue;
        }
        let Ok(m) = serde_json::from_slice::<Manifest>(&std::fs::read(&f)?) else {
            continue; // not ours: never deleted by gc
        };
        let used = last_hit(key).unwrap_or(0).max(meta.modified_ms);
        entries.push((
            GcEntry {
                key: key.to_string(),
                bytes: m.archive.bytes,
                last_used_ms: used,
                delete: false,
                reason: None,
            },
            m.archive.object,
        ));
    }
    entries.sort_by(|a, b| {
        b.0.last_used_ms
            .cmp(&a.0.last_used_ms)
            .then(a.0.key.cmp(&b.0.key))
    });
    let mut kept = 0u64;
    for (e, _) in entries.iter_mut() {
        if let Some(age) = max_age_ms.filter(|&a| now_ms - e.last_used_ms > a) {
            e.delete = true;
            e.reason = Some(format!("unused for more than {}s", age / 1000));
        } else if max_size.is_some_and(|s| kept + e.bytes > s) {
            e.delete = true;
            e.reason = Some("least recently used beyond --max-size".into());
        } else {
            kept += e.bytes;
        }
    }
    if apply {
        let live: std::collections::HashSet<&str> = entries
            .iter()
            .filter(|(e, _)| !e.delete)
            .map(|(_, o)| o.as_str())
            .collect();
        for (e, object) in entries.iter().filter(|(e, _)| e.delete) {
            store.delete(&manifest_object(&e.key))?;
            if !live.contains(object.as_str()) {
                store.delete(object)?;
            }
        }
    }
    Ok(entries.into_iter().map(|(e, _)| e).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::memory::Memory;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("target/debug")).unwrap();
        std::fs::write(d.path().join("target/debug/app"), b"binary").unwrap();
        d
    }

    fn key(k: &[u8]) -> Verify<'_> {
        Verify {
            key: Some(k),
            allow_unsigned: false,
        }
    }

    fn opts(sign: Option<&[u8]>) -> PutOptions<'_> {
        PutOptions {
            level: 3,
            signing_key: sign,
            allow_unsigned: false,
            build_seconds: Some(60.0),
            tick: &|_| {},
            now_ms: 1,
        }
    }

    #[test]
    fn put_is_write_once_and_get_restores() {
        let src = tree();
        let os = Memory::default();
        let r = put(&os, src.path(), "k-1", &["target".into()], &opts(None)).unwrap();
        assert_eq!((r.outcome, r.entries), (PutOutcome::Stored, 3));
        std::fs::write(src.path().join("target/debug/app"), b"changed").unwrap();
        let again = put(&os, src.path(), "k-1", &["target".into()], &opts(None)).unwrap();
        assert_eq!(again.outcome, PutOutcome::Exists);
        let dst = tempfile::tempdir().unwrap();
        let g = get(
            &os,
            dst.path(),
            "k-2",
            &["k-".into()],
            Verify::default(),
            &|_| {},
        )
        .unwrap();
        assert_eq!(
            (g.outcome, g.matched_key.as_deref()),
            (GetOutcome::RestoreHit, Some("k-1"))
        );
        assert_eq!(
            std::fs::read(dst.path().join("target/debug/app")).unwrap(),
            b"binary"
        );
        assert!(g.saved_millis > 0);
        let miss = get(&os, dst.path(), "other", &[], Verify::default(), &|_| {}).unwrap();
        assert_eq!(miss.outcome, GetOutcome::Miss);
    }

    #[test]
    fn tampering_and_wrong_keys_are_rejected_with_nothing_written() {
        let src = tree();
        let os = Memory::default();
        put(
            &os,
            src.path(),
            "k",
            &["target".into()],
            &opts(Some(b"s3cret")),
        )
        .unwrap();
        let dst = tempfile::tempdir().unwrap();
        let g = get(&os, dst.path(), "k", &[], key(b"wrong"), &|_| {}).unwrap();
        assert_eq!(g.outcome, GetOutcome::Rejected);
        assert!(g.error.unwrap().contains("signature"));
        // Swap the archive's bytes.
        let blob = os.list("blobs/").unwrap().remove(0).key;
        let evil = src.path().join("evil");
        std::fs::write(&evil, b"not the archive").unwrap();
        os.put_file(&blob, &evil, &Cond::Always).unwrap();
        let g = get(&os, dst.path(), "k", &[], key(b"s3cret"), &|_| {}).unwrap();
        assert!(g.error.unwrap().contains("digest mismatch"));
        assert_eq!(
            std::fs::read_dir(dst.path()).unwrap().count(),
            0,
            "nothing written"
        );
    }

    #[test]
    fn a_signed_store_refuses_unsigned_entries_unless_allowed() {
        let src = tree();
        let os = Memory::default();
        put(
            &os,
            src.path(),
            "k",
            &["target".into()],
            &opts(Some(b"s3cret")),
        )
        .unwrap();
        let e = put(&os, src.path(), "u", &["target".into()], &opts(None)).unwrap_err();
        assert!(e.to_string().contains("holds signed entries"), "{e}");
        let dst = tempfile::tempdir().unwrap();
        let e = get(&os, dst.path(), "k", &[], Verify::default(), &|_| {}).unwrap_err();
        assert!(e.to_string().contains("--allow-unsigned"), "{e}");
        let allowed = PutOptions {
            allow_unsigned: true,
            ..opts(None)
        };
        put(&os, src.path(), "u", &["target".into()], &allowed).unwrap();
        let g = get(&os, dst.path(), "u", &[], key(b"s3cret"), &|_| {}).unwrap();
        assert_eq!(g.outcome, GetOutcome::Rejected, "unsigned, and not allowed");
        let lax = Verify {
            key: Some(b"s3cret"),
            allow_unsigned: true,
        };
        let g = get(&os, dst.path(), "u", &[], lax, &|_| {}).unwrap();
        assert_eq!(g.outcome, GetOutcome::Hit);
    }

    #[test]
    fn gc_drops_old_then_least_recently_used() {
        let src = tree();
        let os = Memory::default();
        for k in ["a", "b", "c"] {
            std::fs::write(src.path().join("target/debug/app"), k).unwrap();
            put(&os, src.path(), k, &["target".into()], &opts(None)).unwrap();
        }
        // Memory reports modified_ms = 0; hits decide the order.
        let hits = |k: &str| match k {
            "a" => Some(100),
            "b" => Some(300),
            _ => None,
        };
        // Room for exactly one entry, whichever blob is largest.
        let size = os
            .list("blobs/")
            .unwrap()
            .iter()
            .map(|m| m.size)
            .max()
            .unwrap();
        let plan = gc(&os, 400, Some(350), Some(size), &hits, false).unwrap();
        let del: Vec<_> = plan
            .iter()
            .filter(|e| e.delete)
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(del, ["a", "c"]);
        assert_eq!(
            os.list("entries/").unwrap().len(),
            3,
            "dry run deletes nothing"
        );
        gc(&os, 400, Some(350), Some(size), &hits, true).unwrap();
        assert_eq!(os.list("entries/").unwrap().len(), 1);
        assert_eq!(os.list("blobs/").unwrap().len(), 1);
    }
}
