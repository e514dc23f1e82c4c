//! Running the agent once: its own process group (a timeout kills the whole
//! group), environment added, optional input on stdin, stdout captured
//! (bounded), stderr relayed as it comes, inside a stop-commands window
//! when running in GitHub Actions.

use super::signals::{name, Watch};
use crate::error::{input, interrupted, Result};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Output kept per stream; beyond it the agent's output is read and dropped.
pub const MAX_OUTPUT: usize = 32 << 20;
/// Lines of stderr kept to explain a crash.
const TAIL_LINES: usize = 5;
/// How long an agent has to stop after a signal passed on to it (a second
/// signal does not wait).
const GRACE: Duration = Duration::from_secs(5);

/// How one run of the agent ended.
#[derive(Debug)]
pub struct Finished {
    /// What it printed on stdout (at most [`MAX_OUTPUT`] bytes).
    pub stdout: Vec<u8>,
    /// The last lines of its stderr.
    pub stderr_tail: String,
    /// Its exit code (`None`: killed by a signal, or by the timeout).
    pub code: Option<i32>,
    /// The timeout killed it.
    pub timed_out: bool,
    /// How long it ran.
    pub elapsed: Duration,
}

/// What to run.
pub struct Spec<'a> {
    /// The program and its arguments (with `shell`, one command line).
    pub argv: &'a [String],
    /// Run `argv[0]` through `sh -c`.
    pub shell: bool,
    /// Added to the agent's environment.
    pub env: &'a [(String, String)],
    /// Written to its stdin (then closed); `None`: no stdin.
    pub stdin: Option<&'a str>,
    /// The working directory.
    pub cwd: &'a Path,
    /// Killed after this long.
    pub timeout: Duration,
    /// The stop-commands token to wrap relayed stderr in (in Actions).
    pub stop_token: Option<&'a str>,
    /// Relay its stderr to ours as it comes (else only its tail is kept).
    pub relay_stderr: bool,
}

fn read_bounded(mut r: impl Read, mut relay: impl FnMut(&[u8])) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 1 << 14];
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                relay(&buf[..n]);
                let room = MAX_OUTPUT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    kept
}

/// Runs the agent once.
pub fn run(s: &Spec) -> Result<Finished> {
    let (program, args): (&str, Vec<String>) = if s.shell {
        ("sh", vec!["-c".to_string(), s.argv.join(" ")])
    } else {
        let (p, rest) = s
            .argv
            .split_first()
            .ok_or_else(|| input("exec: no agent command after `--`"))?;
        (p.as_str(), rest.to_vec())
    };
    let mut cmd = Command::new(program);
    cmd.args(&args)
        .current_dir(s.cwd)
        .envs(s.env.iter().map(|(k, v)| (k, v)))
        .stdin(if s.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let watch = Watch::start()?;
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| input(format!("cannot run agent `{program}`: {e}")))?;
    if let (Some(text), Some(mut w)) = (s.stdin, child.stdin.take()) {
        let text = text.to_string();
        std::thread::spawn(move || {
            let _ = w.write_all(text.as_bytes());
        });
    }
    let (tx, rx) = mpsc::channel::<()>();
    let out = child.stdout.take().expect("piped stdout");
    let tx_out = tx.clone();
    let out_thread = std::thread::spawn(move || {
        let kept = read_bounded(out, |_| {});
        let _ = tx_out.send(());
        kept
    });
    let err = child.stderr.take().expect("piped stderr");
    let token = s.stop_token.map(str::to_string);
    let relay = s.relay_stderr;
    let err_thread = std::thread::spawn(move || {
        if !relay {
            let kept = read_bounded(err, |_| {});
            let _ = tx.send(());
            return kept;
        }
        let stderr = std::io::stderr();
        if let Some(t) = &token {
            let _ = writeln!(stderr.lock(), "::stop-commands::{t}");
        }
        let kept = read_bounded(err, |chunk| {
            let _ = stderr.lock().write_all(chunk);
        });
        if let Some(t) = &token {
            let mut l = stderr.lock();
            if !kept.is_empty() && kept.last() != Some(&b'\n') {
                let _ = writeln!(l);
            }
            let _ = writeln!(l, "::{t}::");
        }
        let _ = tx.send(());
        kept
    });
    let deadline = started + s.timeout;
    let (mut closed, mut status, mut exited_at) = (0, None, None);
    let mut closed_at: Option<Instant> = None;
    let mut timed_out = false;
    // The signal caught, when it was passed on, and how many had been.
    let mut stop: Option<(i32, Instant, usize)> = None;
    loop {
        if let Some((count, sig)) = watch.received() {
            let (_, at, first) = *stop.get_or_insert_with(|| {
                signal_group(&child, sig);
                (sig, Instant::now(), count)
            });
            if status.is_none() && (count > first || at.elapsed() > GRACE) {
                kill_group(&mut child);
                status = child.wait().ok();
                break;
            }
        }
        while rx.try_recv().is_ok() {
            closed += 1;
        }
        if status.is_none() {
            match child.try_wait() {
                Ok(Some(st)) => {
                    status = Some(st);
                    exited_at = Some(Instant::now());
                }
                Ok(None) => {}
                Err(e) => return Err(input(format!("waiting for agent `{program}`: {e}"))),
            }
        }
        if closed == 2 && status.is_some() {
            break;
        }
        // The agent is gone but something it started holds its output
        // open: that is not waited for.
        if exited_at.is_some_and(|t| t.elapsed() > Duration::from_millis(200)) {
            kill_group(&mut child);
            break;
        }
        if Instant::now() >= deadline {
            timed_out = true;
            kill_group(&mut child);
            status = child.wait().ok();
            break;
        }
        if closed == 2 {
            // Its output is closed, so it is most likely exiting: look again
            // soon, and then less often (an agent may close its output and
            // go on; waiting on the channel would spin).
            let since = *closed_at.get_or_insert_with(Instant::now);
            std::thread::sleep(if since.elapsed() < Duration::from_millis(5) {
                Duration::from_micros(20)
            } else {
                Duration::from_millis(1)
            });
        } else if rx.recv_timeout(Duration::from_millis(1)).is_ok() {
            closed += 1;
        }
    }
    let elapsed = started.elapsed();
    let stdout = out_thread.join().unwrap_or_default();
    let stderr = err_thread.join().unwrap_or_default();
    if let Some((sig, _, _)) = stop {
        return Err(interrupted(
            sig,
            format!(
                "interrupted by {}: passed on to the agent `{program}`, which {}",
                name(sig),
                match status.and_then(|s| s.code()) {
                    Some(c) => format!("exited with code {c}"),
                    None => "was killed".into(),
                }
            ),
        ));
    }
    let text = String::from_utf8_lossy(&stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let stderr_tail = lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n");
    Ok(Finished {
        stdout,
        stderr_tail,
        code: if timed_out {
            None
        } else {
            status.and_then(|s| s.code())
        },
        timed_out,
        elapsed,
    })
}

/// Passes `sig` on to the agent and everything it started (its process group).
fn signal_group(child: &std::process::Child, sig: i32) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args([&format!("-{sig}"), "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    #[cfg(not(unix))]
    let _ = (child, sig);
}

/// Kills the agent and everything it started (its process group).
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}
