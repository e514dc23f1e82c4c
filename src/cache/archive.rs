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
                // What `get` would refuse is never stored: the key is
                // write-once, so such an entry could never be restored.
                if let Some(why) = reject_reason(&rel, tar::EntryType::Symlink, Some(&t)) {
                    return Err(input(format!(
                        "{}: {why}, which `cache get` refuses to restore; archive what it points to instead",
                        full.display()
                    )));
                }
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
///
/// Decompression runs on its own thread, feeding the unpacker through a
/// bounded channel (at most 8 MiB in flight), like `zstd -d | tar x`. Writes
/// never pass through a symlink: no entry may lie beneath a symlink the
/// archive created, files are created with `O_EXCL`, and once every entry is
/// known each symlink is resolved through the others and must stay inside.
pub fn extract<R: Read + Send>(src: R, dest: &Path, label: &str) -> Result<u64> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(8);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut dec = match zstd::Decoder::new(src) {
                Ok(d) => d,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            loop {
                let mut buf = vec![0u8; 1 << 20];
                match read_full(&mut dec, &mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.send(Ok(buf)).is_err() {
                            return; // the unpacker stopped
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        });
        let reader = ChannelReader {
            rx,
            cur: Vec::new(),
            pos: 0,
        };
        unpack(reader, dest, label)
    })
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads what the decompression thread sends.
struct ChannelReader {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    cur: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.cur.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    self.cur = chunk?;
                    self.pos = 0;
                }
                Err(_) => return Ok(0), // sender done: end of stream
            }
        }
        let n = out.len().min(self.cur.len() - self.pos);
        out[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn unpack(src: impl Read, dest: &Path, label: &str) -> Result<u64> {
    use std::collections::{BTreeMap, HashSet};
    use std::os::unix::fs::PermissionsExt;
    let mut ar = tar::Archive::new(src);
    let bad = |e: io::Error| input(format!("{label}: rejected archive: {e}"));
    let refuse = |path: &Path, why: &str| {
        input(format!(
            "{label}: rejected archive: entry `{}`: {why}",
            path.display()
        ))
    };
    let mut links: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    let mut made_dirs: HashSet<PathBuf> = HashSet::new();
    let mut dir_attrs: Vec<(PathBuf, u32, Option<std::time::SystemTime>)> = Vec::new();
    let mut n = 0;
    for entry in ar.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let path = entry.path().map_err(bad)?.into_owned();
        let link = entry.link_name().map_err(bad)?.map(|l| l.into_owned());
        let kind = entry.header().entry_type();
        if let Some(why) = reject_reason(&path, kind, link.as_deref()) {
            return Err(refuse(&path, &why));
        }
        let rel: PathBuf = path
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect();
        if rel.as_os_str().is_empty() {
            continue; // `./` itself
        }
        if rel.ancestors().skip(1).any(|a| links.contains_key(a)) {
            return Err(refuse(&path, "lies beneath a symlink"));
        }
        let mode = match kind {
            tar::EntryType::Symlink => 0o777, // a link's own mode is unused
            _ => entry.header().mode().map_err(bad)? & 0o7777,
        };
        let mtime = entry
            .header()
            .mtime()
            .ok()
            .map(|t| std::time::UNIX_EPOCH + std::time::Duration::from_secs(t));
        let full = dest.join(&rel);
        let io_err = |e: io::Error| input(format!("{}: {e}", full.display()));
        if let Some(parent) = full.parent() {
            if !made_dirs.contains(parent) {
                std::fs::create_dir_all(parent).map_err(io_err)?;
                made_dirs.insert(parent.to_path_buf());
            }
        }
        match kind {
            tar::EntryType::Directory => {
                match std::fs::create_dir(&full) {
                    Ok(()) => {}
                    Err(e)
                        if e.kind() == io::ErrorKind::AlreadyExists
                            && full.is_dir()
                            && !full.is_symlink() => {}
                    Err(e) => return Err(io_err(e)),
                }
                made_dirs.insert(full.clone());
                dir_attrs.push((full, mode, mtime));
            }
            tar::EntryType::Symlink => {
                let target = link.unwrap_or_default();
                std::os::unix::fs::symlink(&target, &full).map_err(io_err)?;
                links.insert(rel, target);
            }
            _ => {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&full)
                    .map_err(|e| {
                        if e.kind() == io::ErrorKind::AlreadyExists {
                            refuse(&path, "duplicate entry")
                        } else {
                            io_err(e)
                        }
                    })?;
                let mut w = io::BufWriter::with_capacity(1 << 20, f);
                io::copy(&mut entry, &mut w).map_err(bad)?;
                let f = w.into_inner().map_err(|e| io_err(e.into_error()))?;
                f.set_permissions(std::fs::Permissions::from_mode(mode))
                    .map_err(io_err)?;
                if let Some(t) = mtime {
                    f.set_modified(t).map_err(io_err)?;
                }
            }
        }
        n += 1;
    }
    for (l, target) in &links {
        if !resolves_inside(l, target, &links) {
            return Err(refuse(
                l,
                &format!("symlink escaping the destination ({})", target.display()),
            ));
        }
    }
    // Directory modes and times last: files inside were written first.
    for (d, mode, mtime) in dir_attrs.iter().rev() {
        let f = std::fs::File::open(d).map_err(|e| input(format!("{}: {e}", d.display())))?;
        if let Some(t) = mtime {
            let _ = f.set_modified(*t);
        }
        f.set_permissions(std::fs::Permissions::from_mode(*mode))
            .map_err(|e| input(format!("{}: {e}", d.display())))?;
    }
    Ok(n)
}

/// Whether symlink `link` -> `target` stays inside the root once every other
/// symlink of the archive (`links`, by root-relative path) is followed too.
pub fn resolves_inside(
    link: &Path,
    target: &Path,
    links: &std::collections::BTreeMap<PathBuf, PathBuf>,
) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut stack: Vec<std::ffi::OsString> = link
        .parent()
        .map(|p| p.components().map(|c| c.as_os_str().to_owned()).collect())
        .unwrap_or_default();
    let mut queue: std::collections::VecDeque<std::ffi::OsString> = target
        .components()
        .map(|c| c.as_os_str().to_owned())
        .collect();
    let mut hops = 0;
    while let Some(c) = queue.pop_front() {
        if c == ".." {
            if stack.pop().is_none() {
                return false;
            }
        } else if c != "." {
            stack.push(c);
            let here: PathBuf = stack.iter().collect();
            if let Some(t) = links.get(&here) {
                hops += 1;
                if hops > 40 || t.is_absolute() {
                    return false; // a loop, or out of the tree
                }
                stack.pop();
                for (i, tc) in t.components().enumerate() {
                    queue.insert(i, tc.as_os_str().to_owned());
                }
            }
        }
    }
    true
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
    fn symlinks_are_resolved_through_each_other() {
        use std::collections::BTreeMap;
        let mut links = BTreeMap::new();
        links.insert(PathBuf::from("b"), PathBuf::from("."));
        links.insert(PathBuf::from("a"), PathBuf::from("b/.."));
        // `a` looks fine on its own, but `b` is the root, so `a` is its parent.
        assert!(!resolves_inside(Path::new("a"), Path::new("b/.."), &links));
        links.insert(PathBuf::from("d/l"), PathBuf::from("../x"));
        assert!(resolves_inside(Path::new("d/l"), Path::new("../x"), &links));
        links.insert(PathBuf::from("loop"), PathBuf::from("loop/x"));
        assert!(!resolves_inside(
            Path::new("loop"),
            Path::new("loop/x"),
            &links
        ));
    }

    #[test]
    fn entries_beneath_archive_symlinks_are_refused() {
        let mut raw = Vec::new();
        {
            let mut b = tar::Builder::new(&mut raw);
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, "l", ".").unwrap();
            let mut h = tar::Header::new_gnu();
            h.set_size(1);
            h.set_mode(0o644);
            b.append_data(&mut h, "l/f", &b"x"[..]).unwrap();
            b.finish().unwrap();
        }
        let z = zstd::encode_all(&raw[..], 1).unwrap();
        let dst = tempfile::tempdir().unwrap();
        let e = extract(&z[..], dst.path(), "t").unwrap_err().to_string();
        assert!(e.contains("beneath a symlink"), "{e}");
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
        let (dot, _) = create(
            &src.path().join("out"),
            &[".".into()],
            Vec::new(),
            3,
            1,
            &|_| {},
        )
        .unwrap();
        assert_eq!(
            dot.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
            ["bin", "bin/tool", "link"]
        );
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
