//! State kept in object storage. Each invocation downloads the state file,
//! applies its change in SQLite, and uploads with `If-Match` on the etag it
//! downloaded (`If-None-Match: *` when the state is new). On a lost race it
//! downloads the winner and applies its change again; because every fact is
//! an event with an idempotency key, nothing is counted twice and nothing is
//! lost. Read-only commands never upload, and an unchanged file is not
//! uploaded either.

use super::{get_meta, set_meta, Store};
use crate::error::{infra, input, Failure, Result};
use crate::storage::{Cond, ObjectStore, Put};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Races lost in a row before giving up (exit 3).
const MAX_RACES: u32 = 64;

/// A state object: a store and the key of the SQLite file in it.
pub struct Remote<'a> {
    /// Where the object lives.
    pub store: &'a dyn ObjectStore,
    /// Its key.
    pub key: &'a str,
    /// How to name it in messages (`s3://bucket/key`).
    pub label: &'a str,
}

/// One attempt: the downloaded state with the change applied, not yet uploaded.
pub struct Attempt<T> {
    _dir: tempfile::TempDir,
    path: PathBuf,
    cond: Cond,
    changed: bool,
    /// What the change returned.
    pub out: T,
}

impl Remote<'_> {
    /// Downloads the state and applies `apply` to it.
    pub fn begin<T>(&self, apply: &mut dyn FnMut(&mut Store) -> Result<T>) -> Result<Attempt<T>> {
        let dir = tempfile::tempdir()
            .map_err(|e| infra(format!("cannot create a scratch directory: {e}")))?;
        let path = dir.path().join("state.db");
        let cond = match self.store.get_to_file(self.key, &path)? {
            Some(m) => Cond::IfMatch(m.etag),
            None => Cond::IfAbsent,
        };
        let before = digest(&path);
        let out = self.relabel(
            &path,
            (|| {
                let mut store = Store::open(&path)?;
                self.ensure_conditional_writes(&mut store)?;
                let out = apply(&mut store)?;
                store.close()?;
                Ok(out)
            })(),
        )?;
        let changed = digest(&path) != before;
        Ok(Attempt {
            _dir: dir,
            path,
            cond,
            changed,
            out,
        })
    }

    /// Uploads an attempt; `PreconditionFailed` means another writer won.
    pub fn commit<T>(&self, a: &Attempt<T>) -> Result<Put> {
        if !a.changed {
            return Ok(Put::Written(String::new()));
        }
        self.store.put_file(self.key, &a.path, &a.cond)
    }

    /// Applies `apply` until its upload wins, re-applying it on each lost race.
    pub fn update<T>(&self, apply: impl FnMut(&mut Store) -> Result<T>) -> Result<T> {
        self.update_pausing(apply, std::thread::sleep)
    }

    /// [`Remote::update`], with `pause` for the waits between attempts.
    fn update_pausing<T>(
        &self,
        mut apply: impl FnMut(&mut Store) -> Result<T>,
        mut pause: impl FnMut(Duration),
    ) -> Result<T> {
        let mut rng = rand::thread_rng();
        for lost in 0..MAX_RACES {
            let a = self.begin(&mut apply)?;
            match self.commit(&a)? {
                Put::Written(_) => return Ok(a.out),
                Put::PreconditionFailed => {
                    // Full jitter, capped: concurrent writers spread out.
                    let cap = 20u64 << lost.min(6);
                    pause(Duration::from_millis(rng.gen_range(0..=cap)));
                }
            }
        }
        Err(infra(format!(
            "{}: lost the upload race {MAX_RACES} times in a row; too many concurrent writers",
            self.label
        )))
    }

    /// Downloads the state and reads it; never uploads.
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        let dir = tempfile::tempdir()
            .map_err(|e| infra(format!("cannot create a scratch directory: {e}")))?;
        let path = dir.path().join("state.db");
        self.store.get_to_file(self.key, &path)?;
        self.relabel(&path, (|| f(&Store::open_read(&path)?))())
    }

    /// Refuses to sync through a server that ignores preconditions: two
    /// writers would both "win" and one would silently lose its update. The
    /// answer is remembered in the state, so each server is probed once.
    fn ensure_conditional_writes(&self, store: &mut Store) -> Result<()> {
        let meta_key = format!("conditional_writes:{}", self.store.describe());
        if get_meta(store.conn(), &meta_key)?.as_deref() == Some("ok") {
            return Ok(());
        }
        probe(self.store, self.key)?;
        store.write(|tx| set_meta(tx, &meta_key, "ok"))
    }

    /// Error messages name the remote object, not the scratch file.
    fn relabel<T>(&self, scratch: &Path, r: Result<T>) -> Result<T> {
        r.map_err(|e| {
            let tmp = scratch.display().to_string();
            match e.downcast_ref::<Failure>() {
                Some(Failure::Input(m)) => input(m.replace(&tmp, self.label)),
                Some(Failure::Infra(m)) => infra(m.replace(&tmp, self.label)),
                Some(Failure::Interrupted(..)) | None => e,
            }
        })
    }
}

/// Checks that `store` honours `If-None-Match: *` and `If-Match`, using a
/// throw-away object next to `key`.
pub fn probe(store: &dyn ObjectStore, key: &str) -> Result<()> {
    let probe_key = format!("{key}.probe-{:016x}", rand::thread_rng().gen::<u64>());
    let dir = tempfile::tempdir()
        .map_err(|e| infra(format!("cannot create a scratch directory: {e}")))?;
    let f = dir.path().join("probe");
    std::fs::write(&f, b"maestro conditional-write probe")?;
    let result = (|| {
        let first = store.put_file(&probe_key, &f, &Cond::IfAbsent)?;
        let again = store.put_file(&probe_key, &f, &Cond::IfAbsent)?;
        let stale = store.put_file(&probe_key, &f, &Cond::IfMatch("\"0000-stale\"".into()))?;
        Ok::<_, anyhow::Error>(
            matches!(first, Put::Written(_))
                && again == Put::PreconditionFailed
                && stale == Put::PreconditionFailed,
        )
    })();
    let _ = store.delete(&probe_key);
    if result? {
        Ok(())
    } else {
        Err(input(format!(
            "{}: this server ignores conditional writes (If-None-Match / If-Match), so concurrent \
             writers would silently lose updates; refusing to sync state through it",
            store.describe()
        )))
    }
}

fn digest(path: &Path) -> Option<Vec<u8>> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).ok()?;
    Some(h.finalize().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{append_event, Appended};
    use crate::storage::memory::Memory;
    use proptest::prelude::*;

    /// A writer appends one event per report; the count of its events must
    /// be exactly its number of successful commits.
    fn add(store: &mut Store, id: &str) -> Result<bool> {
        store.write(|tx| Ok(append_event(tx, id, "test", 0, "{}")? == Appended::New))
    }

    fn events(os: &Memory) -> Vec<String> {
        let r = Remote {
            store: os,
            key: "s.db",
            label: "mem://s.db",
        };
        r.read(|s| {
            let mut st = s
                .conn()
                .prepare("SELECT idem_key FROM events WHERE kind = 'test' ORDER BY idem_key")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
        })
        .unwrap()
    }

    #[test]
    fn sequential_updates_accumulate_and_unchanged_state_is_not_uploaded() {
        let os = Memory::default();
        let r = Remote {
            store: &os,
            key: "s.db",
            label: "mem://s.db",
        };
        assert!(r.update(|s| add(s, "a")).unwrap());
        assert!(r.update(|s| add(s, "b")).unwrap());
        let etag = os.head("s.db").unwrap().unwrap().etag;
        assert!(!r.update(|s| add(s, "a")).unwrap());
        assert_eq!(
            os.head("s.db").unwrap().unwrap().etag,
            etag,
            "a no-op must not upload"
        );
        assert_eq!(events(&os), ["a", "b"]);
    }

    #[derive(Clone, Debug)]
    enum Step {
        Begin(usize),
        Commit(usize),
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Model-based: writers each own a list of event ids and push them one
        /// at a time through begin/commit, interleaved at random, retrying on
        /// a lost race. Whatever the schedule, the final state holds exactly
        /// the union of all committed ids (the model), each once.
        #[test]
        fn interleaved_writers_lose_nothing_and_double_count_nothing(
            schedule in proptest::collection::vec(
                prop_oneof![(0usize..4).prop_map(Step::Begin), (0usize..4).prop_map(Step::Commit)],
                1..80,
            )
        ) {
            let os = Memory::default();
            let r = Remote { store: &os, key: "s.db", label: "mem://s.db" };
            // Per writer: next id to push, the open attempt.
            let mut next = [0usize; 4];
            let mut open: Vec<Option<Attempt<bool>>> = (0..4).map(|_| None).collect();
            let mut model = std::collections::BTreeSet::new();
            for step in schedule {
                match step {
                    Step::Begin(w) => {
                        let id = format!("w{w}-{}", next[w]);
                        open[w] = Some(r.begin(&mut |s| add(s, &id)).unwrap());
                    }
                    Step::Commit(w) => {
                        if let Some(a) = open[w].take() {
                            if let Put::Written(_) = r.commit(&a).unwrap() {
                                model.insert(format!("w{w}-{}", next[w]));
                                next[w] += 1;
                            }
                        }
                    }
                }
            }
            let got = events(&os);
            let want: Vec<String> = model.into_iter().collect();
            prop_assert_eq!(got, want);
        }
    }

    /// An in-memory store whose uploads go through `.1` (a server that
    /// misbehaves in one way); everything else is the memory store's.
    struct Rigged<F>(Memory, F);

    impl<F> ObjectStore for Rigged<F>
    where
        F: Fn(&Memory, &str, &Path, &Cond) -> Result<Put> + Send + Sync,
    {
        fn head(&self, key: &str) -> Result<Option<crate::storage::Meta>> {
            self.0.head(key)
        }
        fn get_to_file(&self, key: &str, dest: &Path) -> Result<Option<crate::storage::Meta>> {
            self.0.get_to_file(key, dest)
        }
        fn put_file(&self, key: &str, src: &Path, cond: &Cond) -> Result<Put> {
            (self.1)(&self.0, key, src, cond)
        }
        fn list(&self, prefix: &str) -> Result<Vec<crate::storage::Meta>> {
            self.0.list(prefix)
        }
        fn delete(&self, key: &str) -> Result<()> {
            self.0.delete(key)
        }
        fn describe(&self) -> String {
            "rigged".into()
        }
    }

    #[test]
    fn sixty_four_lost_races_are_exit_3_after_capped_waits() {
        // Every upload of the state loses; the conditional-write probe's
        // objects behave.
        let os = Rigged(
            Memory::default(),
            |m: &Memory, key: &str, src: &Path, cond: &Cond| {
                if key == "s.db" {
                    return Ok(Put::PreconditionFailed);
                }
                m.put_file(key, src, cond)
            },
        );
        let r = Remote {
            store: &os,
            key: "s.db",
            label: "mem://s.db",
        };
        let (mut attempts, mut waits) = (0, Vec::new());
        let err = r
            .update_pausing(
                |s| {
                    attempts += 1;
                    s.write(|tx| append_event(tx, "e", "test", 0, "{}"))
                },
                |d| waits.push(d),
            )
            .unwrap_err();
        assert_eq!(attempts, MAX_RACES, "{err}");
        assert_eq!(waits.len(), MAX_RACES as usize);
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(1280)));
        assert_eq!(crate::error::exit_code(&err), 3);
        assert!(
            err.to_string().contains("lost the upload race 64 times"),
            "{err}"
        );
    }

    #[test]
    fn a_server_that_ignores_preconditions_is_refused() {
        // Every upload succeeds, whatever its precondition.
        let os = Rigged(
            Memory::default(),
            |m: &Memory, k: &str, s: &Path, _: &Cond| m.put_file(k, s, &Cond::Always),
        );
        let r = Remote {
            store: &os,
            key: "s.db",
            label: "mem://s.db",
        };
        let e = r.update(|s| add(s, "a")).unwrap_err().to_string();
        assert!(e.contains("ignores conditional writes"), "{e}");
        assert!(os.head("s.db").unwrap().is_none(), "nothing uploaded");
        assert!(os.list("").unwrap().is_empty(), "probe object cleaned up");
    }
}
