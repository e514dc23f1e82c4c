//! tar + zstd archives of build outputs, written and read in one streaming
//! pass. Extraction trusts nothing: every entry is checked before it touches
//! the disk, and only regular files, directories and symlinks that stay
//! inside the destination are accepted (GNU sparse files count as regular).

use super::{Entry, EntryKind};
use crate::error::{input, Result};
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

/// A writer that hashes and counts what passes through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The inner writer, the SHA-256 (hex) and the byte count.
    pub fn finish(self) -> (W, String, u64) {
        (self.inner, hex::encode(self.hasher.finalize()), self.bytes)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Checks a user-given path to archive: relative, inside the working
/// directory, existing.
pub fn check_source(cwd: &Path, p: &Path) -> Result<()> {
    if p.is_absolute() || p.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(input(format!(
            "{}: cache paths must be relative to the working directory, without `..`",
            p.display()
        )));
    }
    if std::fs::symlink_metadata(cwd.join(p)).is_err() {
        return Err(input(format!("{}: no such file or directory", p.display())));
    }
    Ok(())
}

/// Archives `paths` (relative to `cwd`) into `out` as tar + zstd at `level`
/// with `workers` compression threads. Returns the manifest entries.
/// `tick` is called with the bytes of each file added (progress).
pub fn create<W: Write>(
    cwd: &Path,
    paths: &[PathBuf],
    out: W,
    level: i32,
    workers: u32,
    tick: &dyn Fn(u64),
) -> Result<(Vec<Entry>, W)> {
    let mut enc = zstd::Encoder::new(out, level).map_err(|e| input(format!("zstd: {e}")))?;
    if workers > 1 {
        enc.multithread(workers)
            .map_err(|e| input(format!("zstd: {e}")))?;
    }
    let mut tar = tar::Builder::new(enc);
    tar.follow_symlinks(false);
    let mut entries = Vec::new();
    for p in paths {
        check_source(cwd, p)?;
        for item in walkdir::WalkDir::new(cwd.join(p)).sort_by_file_name() {
            let item = item.map_err(|e| input(format!("{}: {e}", p.display())))?;
            let full = item.path();
            let rel = full.strip_prefix(cwd).unwrap_or(full);
            let rel: PathBuf = rel
                .components()
                .filter(|c| matches!(c, Component::Normal(_)))
                .collect();
            if rel.as_os_str().is_empty() {
                continue; // `.` itself: the destination already exists
            }
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let meta = item
                .path()
                .symlink_metadata()
                .map_err(|e| input(format!("{}: {e}", full.display())))?;
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o7777;
            let ft = meta.file_type();
            let (kind, size, target) = if ft.is_dir() {
                (EntryKind::Dir, 0, None)
            } else if ft.is_file() {
                (EntryKind::File, meta.len(), None)
            } else if ft.is_symlink() {
                let t = std::fs::read_link(full)
                    .map_err(|e| input(format!("{}: {e}", full.display())))?;
                (
                    EntryKind::Symlink,
                    0,
                    Some(t.to_string_lossy().into_owned()),
                )
            } else {
                // Sockets, fifos and devices are not build outputs.
                continue;
            };
            tar.append_path_with_name(full, &rel)
                .map_err(|e| input(format!("{}: cannot archive: {e}", full.display())))?;
            tick(size);
            entries.push(Entry {
                path: name,
                kind,
                size,
                mode,
                target,
            });
        }
    }
    let enc = tar
        .into_inner()
        .map_err(|e| input(format!("archive: {e}")))?;
    let out = enc.finish().map_err(|e| input(format!("zstd: {e}")))?;
    Ok((entries, out))
}

/// Why an archive entry is refused, or `None` if it is acceptable.
pub fn reject_reason(path: &Path, kind: tar::EntryType, link: Option<&Path>) -> Option<String> {
    if path.is_absolute() || path.has_root() {
        return Some("absolute path".into());
    }
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Some("path with `..`".into());
    }
    match kind {
        tar::EntryType::Regular
        | tar::EntryType::Continuous
        | tar::EntryType::GNUSparse
        | tar::EntryType::Directory => None,
        tar::EntryType::Symlink => {
            let Some(t) = link else {
                return Some("symlink without a target".into());
            };
            if t.is_absolute() {
                return Some(format!("symlink to absolute path {}", t.display()));
            }
            // Resolve lexically from the link's directory; it must never
            // climb above the destination root.
            let mut depth: i64 = path.components().count() as i64 - 1;
            for c in t.components() {
                match c {
                    Component::ParentDir => depth -= 1,
                    Component::Normal(_) => depth += 1,
                    Component::CurDir => {}
                    _ => return Some(format!("symlink target {}", t.display())),
                }
                if depth < 0 {
                    return Some(format!(
                        "symlink escaping the destination ({})",
                        t.display()
                    ));
                }
            }
            None
        }
        tar::EntryType::Link => Some("hard link".into()),
        tar::EntryType::Char | tar::EntryType::Block => Some("device file".into()),
        tar::EntryType::Fifo => Some("fifo".into()),
        other => Some(format!("unsupported entry type {other:?}")),
    }
}

/// Extracts a tar + zstd stream into `dest` (an empty scratch directory).
/// Fails on the first refused entry; the caller discards `dest` then.
/// Returns the number of entries.
pub fn extract<R: Read>(src: R, dest: &Path, label: &str) -> Result<u64> {
    let dec = zstd::Decoder::new(src).map_err(|e| input(format!("{label}: zstd: {e}")))?;
    let mut ar = tar::Archive::new(dec);
    ar.set_preserve_permissions(true);
    ar.set_preserve_mtime(true);
    ar.set_overwrite(true);
    let mut n = 0;
    let bad = |e: io::Error| input(format!("{label}: rejected archive: {e}"));
    for entry in ar.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let path = entry.path().map_err(bad)?.into_owned();
        let link = entry.link_name().map_err(bad)?.map(|l| l.into_owned());
        if let Some(why) = reject_reason(&path, entry.header().entry_type(), link.as_deref()) {
            return Err(input(format!(
                "{label}: rejected archive: entry `{}`: {why}",
                path.display()
            )));
        }
        if !entry.unpack_in(dest).map_err(bad)? {
            return Err(input(format!(
                "{label}: rejected archive: entry `{}` escapes the destination",
                path.display()
            )));
        }
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tar::EntryType as T;

    #[test]
    fn refuses_what_could_escape() {
        let p = Path::new;
        assert!(reject_reason(p("a/b"), T::Regular, None).is_none());
        assert!(reject_reason(p("/etc/passwd"), T::Regular, None).is_some());
        assert!(reject_reason(p("a/../../x"), T::Regular, None).is_some());
        assert!(reject_reason(p("a/l"), T::Symlink, Some(p("../b"))).is_none());
        assert!(reject_reason(p("a/l"), T::Symlink, Some(p("../../b"))).is_some());
        assert!(reject_reason(p("l"), T::Symlink, Some(p("/etc"))).is_some());
        assert!(reject_reason(p("l"), T::Symlink, Some(p("x/../../y"))).is_some());
        assert!(reject_reason(p("d"), T::Char, None).is_some());
        assert!(reject_reason(p("d"), T::Link, Some(p("a"))).is_some());
    }

    #[test]
    fn sparse_files_round_trip() {
        use std::io::{Seek, SeekFrom};
        let src = tempfile::tempdir().unwrap();
        let mut f = std::fs::File::create(src.path().join("sparse")).unwrap();
        f.seek(SeekFrom::Start(8 << 20)).unwrap();
        f.write_all(b"tail").unwrap();
        drop(f);
        let (_, buf) = create(src.path(), &["sparse".into()], Vec::new(), 3, 1, &|_| {}).unwrap();
        let dst = tempfile::tempdir().unwrap();
        extract(&buf[..], dst.path(), "t").unwrap();
        let back = std::fs::read(dst.path().join("sparse")).unwrap();
        assert_eq!(back.len(), (8 << 20) + 4);
        assert!(back.ends_with(b"tail") && back[..8 << 20].iter().all(|&b| b == 0));
    }

    #[test]
    fn round_trip_keeps_bytes_modes_and_links() {
        use std::os::unix::fs::PermissionsExt;
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(src.path().join("out/bin")).unwrap();
        std::fs::write(src.path().join("out/bin/tool"), b"#!/bin/sh\n").unwrap();
        std::fs::set_permissions(
            src.path().join("out/bin/tool"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::os::unix::fs::symlink("bin/tool", src.path().join("out/link")).unwrap();
        let (entries, buf) =
            create(src.path(), &["out".into()], Vec::new(), 3, 1, &|_| {}).unwrap();
        // `.` archives the contents, not an empty-named root.
        let (dot, _) = create(&src.path().join("out"), &[".".into()], Vec::new(), 3, 1, &|_| {}).unwrap();
        assert_eq!(dot.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(), ["bin", "bin/tool", "link"]);
        assert_eq!(entries.len(), 4);
        let dst = tempfile::tempdir().unwrap();
        assert_eq!(extract(&buf[..], dst.path(), "t").unwrap(), 4);
        let m = std::fs::metadata(dst.path().join("out/bin/tool")).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o755);
        assert_eq!(
            std::fs::read_link(dst.path().join("out/link")).unwrap(),
            Path::new("bin/tool")
        );
    }
}
