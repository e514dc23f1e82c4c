//! Fuzzes the `git log -z` record parser behind `graph ingest git`: any
//! bytes parse into commits or an error, never a panic; the pull request and
//! revert readers take any message; the parser counts what it returned.
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::graph::gitlog::Parser;

fuzz_target!(|data: &[u8]| {
    let mut p = Parser::new(std::io::Cursor::new(data));
    let mut n = 0;
    while let Ok(Some(c)) = p.next_commit() {
        n += 1;
        let _ = (c.pr(), c.reverts(), c.subject());
        if n > 100_000 {
            break;
        }
    }
    assert_eq!(p.seen, n);
});
