//! Fuzzes the `git log -z` record parser behind `graph ingest git` and
//! `risk features`: any bytes parse into commits or an error, never a
//! panic; the pull request and revert readers take any message; the parser
//! counts what it returned. The same bytes go to the diff readers of `risk`
//! (`git diff --numstat -z` entries, and the deleted lines SZZ blames from
//! `git diff --unified=0`), and each commit through the change metrics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::graph::gitlog::Parser;
use maestro::risk::features::{Change, FixPattern, History};

fuzz_target!(|data: &[u8]| {
    let mut p = Parser::new(std::io::Cursor::new(data));
    let fix = FixPattern::new(None).unwrap();
    let mut h = History::new();
    let mut n = 0;
    while let Ok(Some(c)) = p.next_commit() {
        n += 1;
        let _ = (c.pr(), c.reverts(), c.subject());
        let change = Change {
            sha: &c.sha,
            author: &c.email,
            at: c.at,
            message: &c.message,
            files: &c.files,
        };
        let row = h.measure(&change, &fix, None);
        assert!(row.iter().all(|x| x.is_finite() && *x >= 0.0), "{row:?}");
        h.record(&change);
        if n > 100_000 {
            break;
        }
    }
    assert_eq!(p.seen, n);
    let _ = Parser::new(std::io::Cursor::new(data)).touches();
    let _ = maestro::risk::label::deleted_lines(&String::from_utf8_lossy(data));
});
