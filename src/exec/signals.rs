//! Signals while an agent runs. The agent gets a process group of its own (so
//! that a timeout can kill everything it started), which also means that a
//! terminal's Ctrl-C and a CI runner's cancel reach maestro only. While an
//! agent runs, SIGINT, SIGTERM and SIGHUP are caught here and passed on to its
//! group by the run loop; while none runs, they act as by default.

use crate::error::{interrupted, Result};
#[cfg(unix)]
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock};

/// The last signal caught and how many were, since the process started.
static LAST: AtomicI32 = AtomicI32::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);

struct Handlers {
    /// True while no agent runs: the signal's default action applies.
    idle: Arc<AtomicBool>,
    /// Agents running now (`evolve` runs several at once).
    running: Mutex<usize>,
}

#[cfg(unix)]
fn install() -> Option<Handlers> {
    let idle = Arc::new(AtomicBool::new(true));
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        // SAFETY: the action only stores to atomics, which is
        // async-signal-safe.
        unsafe {
            signal_hook::low_level::register(sig, move || {
                LAST.store(sig, SeqCst);
                COUNT.fetch_add(1, SeqCst);
            })
        }
        .ok()?;
        signal_hook::flag::register_conditional_default(sig, Arc::clone(&idle)).ok()?;
    }
    Some(Handlers {
        idle,
        running: Mutex::new(0),
    })
}

#[cfg(not(unix))]
fn install() -> Option<Handlers> {
    None
}

fn handlers() -> Option<&'static Handlers> {
    static H: OnceLock<Option<Handlers>> = OnceLock::new();
    H.get_or_init(install).as_ref()
}

/// The conventional name of `sig`.
pub fn name(sig: i32) -> String {
    match sig {
        1 => "SIGHUP".into(),
        2 => "SIGINT".into(),
        15 => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}

/// Held while an agent runs: until it is dropped, the signals are caught.
pub struct Watch(());

impl Watch {
    /// Starts catching; refuses when a signal already asked maestro to stop
    /// (no new agent starts after Ctrl-C).
    pub fn start() -> Result<Watch> {
        if let Some(h) = handlers() {
            let mut n = h.running.lock().unwrap_or_else(|e| e.into_inner());
            *n += 1;
            h.idle.store(false, SeqCst);
        }
        let w = Watch(());
        w.check()?;
        Ok(w)
    }

    /// An error when a signal asked maestro to stop.
    pub fn check(&self) -> Result<()> {
        match self.received() {
            Some((_, sig)) => Err(interrupted(sig, format!("interrupted by {}", name(sig)))),
            None => Ok(()),
        }
    }

    /// The signals caught so far: how many, and the last one.
    pub fn received(&self) -> Option<(usize, i32)> {
        let n = COUNT.load(SeqCst);
        (n > 0).then(|| (n, LAST.load(SeqCst)))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(h) = handlers() {
            let mut n = h.running.lock().unwrap_or_else(|e| e.into_inner());
            *n = n.saturating_sub(1);
            if *n == 0 {
                h.idle.store(true, SeqCst);
            }
        }
    }
}
