//! The SQLite state store: one file, WAL, a busy timeout, migrations keyed on
//! `PRAGMA user_version`, and every write in one `BEGIN IMMEDIATE`
//! transaction. Facts are appended to `events` under an idempotency key;
//! aggregates are updated in the same transaction.

pub mod location;
pub mod schema;
pub mod sync;

use crate::error::{infra, input, Result};
use rusqlite::{
    params, Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, TransactionBehavior,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a writer waits for another process's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open state file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Holds the scratch copy an older schema was migrated in, if any.
    _scratch: Option<tempfile::TempDir>,
}

/// Opens `path` read-only. A state in WAL mode needs its `-shm` file: in a
/// directory this process cannot write, the file is read as immutable (no
/// writer can be there either).
fn open_read_only(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let probe = |c: Connection| -> rusqlite::Result<Connection> {
        c.busy_timeout(BUSY_TIMEOUT)?;
        c.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))?;
        Ok(c)
    };
    match Connection::open_with_flags(path, flags).and_then(probe) {
        Ok(c) => Ok(c),
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen)
            ) =>
        {
            let uri = format!("file:{}?immutable=1", uri_path(path));
            Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
                .and_then(probe)
                .map_err(|e| classify(path, e))
        }
        Err(e) => Err(classify(path, e)),
    }
}

/// `path` escaped for an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.display().to_string().chars() {
        match c {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Refuses a state location that exists but is not a regular file (a
/// directory, `/dev/null`): exit 2, naming it.
fn refuse_non_file(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => Err(input(format!(
            "{}: not a state file (a directory or a device)",
            path.display()
        ))),
        _ => Ok(()),
    }
}

fn foreign(path: &Path) -> anyhow::Error {
    input(format!(
        "{}: not a maestro state file (it holds other tables and no maestro schema version)",
        path.display()
    ))
}

/// Result of appending an event.
#[derive(Debug, PartialEq)]
pub enum Appended {
    /// The event is new and was stored.
    New,
    /// An event with this key exists; its payload is returned.
    Existing(String),
}

impl Store {
    /// Opens (creating if needed) the state at `path` for writing and brings
    /// its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| input(format!("{}: cannot create directory: {e}", dir.display())))?;
        }
        refuse_non_file(path)?;
        let conn = Connection::open(path).map_err(|e| classify(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            _scratch: None,
        };
        // A foreign or newer file is refused before anything is written to it
        // (switching to WAL rewrites the header).
        store.check_ours()?;
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// Refuses a file that is not a maestro state this version can read: a
    /// newer schema, or another program's database.
    fn check_ours(&self) -> Result<()> {
        let v = self.user_version()?;
        if v > schema::VERSION {
            return Err(too_new(&self.path, v));
        }
        if v == 0 {
            let objects: i64 = self
                .conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .map_err(|e| classify(&self.path, e))?;
            if objects > 0 {
                return Err(foreign(&self.path));
            }
        }
        Ok(())
    }

    /// Opens the state read-only. A missing file reads as an empty state and
    /// is not created.
    ///
    /// The file is never written: not its journal mode, not a migration. An
    /// older maestro schema is migrated in a scratch copy; a foreign or newer
    /// file is refused as it is; a state in a directory this process cannot
    /// write is read as an immutable file.
    pub fn open_read(path: &Path) -> Result<Store> {
        let empty = || -> Result<Store> {
            let mut store = Store {
                conn: Connection::open_in_memory().map_err(|e| classify(path, e))?,
                path: path.to_path_buf(),
                _scratch: None,
            };
            store.migrate()?;
            Ok(store)
        };
        refuse_non_file(path)?;
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return empty(),
            Err(e) => return Err(input(format!("{}: {e}", path.display()))),
            Ok(m) if m.len() == 0 => return empty(),
            Ok(_) => {}
        }
        let store = Store {
            conn: open_read_only(path)?,
            path: path.to_path_buf(),
            _scratch: None,
        };
        store.check_ours()?;
        match store.user_version()? {
            schema::VERSION => return Ok(store),
            0 => return empty(), // no tables yet: an empty state
            _ => {}
        }
        // An older maestro schema: migrate a scratch copy, never the file.
        drop(store);
        let scratch = tempfile::tempdir()
            .map_err(|e| infra(format!("cannot create a scratch directory: {e}")))?;
        let copy = scratch.path().join("state.db");
        std::fs::copy(path, &copy).map_err(|e| input(format!("{}: {e}", path.display())))?;
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        if wal.exists() {
            std::fs::copy(&wal, scratch.path().join("state.db-wal"))
                .map_err(|e| input(format!("{}: {e}", wal.display())))?;
        }
        let mut store = Store::open(&copy).map_err(|e| {
            let tmp = copy.display().to_string();
            input(crate::error::one_line(&e).replace(&tmp, &path.display().to_string()))
        })?;
        store.path = path.to_path_buf();
        store._scratch = Some(scratch);
        Ok(store)
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checkpoints the WAL into the main file and closes it, leaving one
    /// self-contained file (what gets uploaded).
    pub fn close(self) -> Result<()> {
        let path = self.path;
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .map_err(|e| classify(&path, e))?;
        self.conn.close().map_err(|(_, e)| classify(&path, e))
    }

    /// Read access to the connection.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    fn configure(&mut self) -> Result<()> {
        let path = self.path.clone();
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| classify(&path, e))?;
        // Reading the journal mode is the first real access: it fails cleanly
        // on a file that is not a database, before anything is written.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(|e| classify(&path, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            self.conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
                .map_err(|e| classify(&path, e))?;
        }
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| classify(&path, e))?;
        Ok(())
    }

    fn user_version(&self) -> Result<u32> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| classify(&self.path, e))
    }

    fn migrate(&mut self) -> Result<()> {
        let current = self.user_version()?;
        if current > schema::VERSION {
            return Err(too_new(&self.path, current));
        }
        if current == schema::VERSION {
            return Ok(());
        }
        let path = self.path.clone();
        self.write(|tx| {
            // Re-read under the write lock: another process may have migrated.
            let v: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if v == 0 {
                let objects: i64 =
                    tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
                if objects > 0 {
                    return Err(foreign(&path));
                }
            }
            for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(v as usize) {
                tx.execute_batch(sql)?;
                tx.pragma_update(None, "user_version", (i + 1) as u32)?;
            }
            Ok(())
        })
    }

    /// Runs `f` in one immediate (write-locked) transaction and commits it;
    /// any error rolls everything back.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(&path, e))?;
        let out = f(&tx).map_err(|e| match e.downcast::<rusqlite::Error>() {
            Ok(sql) => classify(&path, sql),
            Err(other) => other,
        })?;
        tx.commit().map_err(|e| classify(&path, e))?;
        Ok(out)
    }
}

/// Appends an event unless its idempotency key exists.
pub fn append_event(
    tx: &Transaction,
    key: &str,
    kind: &str,
    at_ms: i64,
    payload: &str,
) -> Result<Appended> {
    let existing: Option<String> = tx
        .query_row(
            "SELECT payload FROM events WHERE idem_key = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(p) = existing {
        return Ok(Appended::Existing(p));
    }
    tx.execute(
        "INSERT INTO events (idem_key, kind, at_ms, payload) VALUES (?1, ?2, ?3, ?4)",
        params![key, kind, at_ms, payload],
    )?;
    Ok(Appended::New)
}

/// Reads a `meta` value.
pub fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// Writes a `meta` value.
pub fn set_meta(tx: &Transaction, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

fn too_new(path: &Path, v: u32) -> anyhow::Error {
    input(format!(
        "{}: state schema version {v} is newer than this maestro understands ({}); upgrade maestro",
        path.display(),
        schema::VERSION
    ))
}

/// Maps SQLite errors to maestro's error classes, naming the file.
pub fn classify(path: &Path, e: rusqlite::Error) -> anyhow::Error {
    let p = path.display();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
            input(format!("{p}: not a maestro state file or corrupt ({e})"))
        }
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => infra(format!(
            "{p}: state is locked by another process for more than {}s",
            BUSY_TIMEOUT.as_secs()
        )),
        Some(ErrorCode::CannotOpen)
        | Some(ErrorCode::PermissionDenied)
        | Some(ErrorCode::ReadOnly) => input(format!("{p}: cannot open state file ({e})")),
        Some(ErrorCode::DiskFull) | Some(ErrorCode::SystemIoFailure) => infra(format!("{p}: {e}")),
        _ => input(format!("{p}: state error: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Full disk, I/O failure and a lock held past the busy timeout are
    /// infrastructure (exit 3); a corrupt or unopenable file is input (2).
    #[test]
    fn sqlite_failures_map_to_their_exit_codes() {
        use rusqlite::ffi;
        for (code, exit) in [
            (ffi::SQLITE_FULL, 3),
            (ffi::SQLITE_IOERR, 3),
            (ffi::SQLITE_BUSY, 3),
            (ffi::SQLITE_LOCKED, 3),
            (ffi::SQLITE_CORRUPT, 2),
            (ffi::SQLITE_NOTADB, 2),
            (ffi::SQLITE_CANTOPEN, 2),
            (ffi::SQLITE_READONLY, 2),
        ] {
            let e = rusqlite::Error::SqliteFailure(ffi::Error::new(code), None);
            let err = classify(Path::new("st/state.db"), e);
            assert_eq!(crate::error::exit_code(&err), exit, "{code}: {err}");
            assert!(err.to_string().starts_with("st/state.db: "), "{err}");
        }
    }

    #[test]
    fn migrates_once_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s/state.db");
        Store::open(&p).unwrap();
        let s = Store::open(&p).unwrap();
        assert_eq!(s.user_version().unwrap(), schema::VERSION);
    }

    #[test]
    fn garbage_file_is_rejected_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.db");
        let junk =
            b"this is not sqlite at all, just some bytes that are long enough to matter ........"
                .repeat(20);
        std::fs::write(&p, &junk).unwrap();
        let err = Store::open(&p).err().unwrap().to_string();
        assert!(
            err.contains("state.db") && err.contains("not a maestro state"),
            "{err}"
        );
        assert_eq!(std::fs::read(&p).unwrap(), junk);
        assert!(Store::open_read(&p).is_err());
    }

    #[test]
    fn missing_file_reads_as_empty_without_creating_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("none.db");
        let s = Store::open_read(&p).unwrap();
        let n: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM decisions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        assert!(!p.exists());
    }

    #[test]
    fn events_are_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("state.db")).unwrap();
        let a = s
            .write(|tx| append_event(tx, "k", "test", 1, "{}"))
            .unwrap();
        let b = s
            .write(|tx| append_event(tx, "k", "test", 2, "{\"x\":1}"))
            .unwrap();
        assert_eq!(a, Appended::New);
        assert_eq!(b, Appended::Existing("{}".into()));
    }

    #[test]
    fn foreign_database_is_not_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("other.db");
        Connection::open(&p)
            .unwrap()
            .execute_batch("CREATE TABLE t(x)")
            .unwrap();
        let err = Store::open(&p).err().unwrap().to_string();
        assert!(err.contains("not a maestro state"), "{err}");
    }
}
