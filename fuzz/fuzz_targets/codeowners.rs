//! Fuzzes the CODEOWNERS parser of `graph ingest codeowners`: any text
//! parses or is refused with a message naming its line, never a panic; a
//! parsed file answers for any path.
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::graph::codeowners::Owners;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Owners::parse(text, "CODEOWNERS") {
        Ok(o) => {
            for path in ["src/main.rs", "a/b/c.md", "", "docs", ".github/CODEOWNERS"] {
                let _ = o.owners_of(path);
            }
            for line in text.lines().take(3) {
                let _ = o.owners_of(line);
            }
        }
        Err(e) => assert!(e.to_string().starts_with("CODEOWNERS:"), "{e}"),
    }
});
