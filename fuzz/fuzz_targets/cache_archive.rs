//! Fuzzes archive extraction: whatever the bytes (zstd frames, tar headers),
//! extraction either fails cleanly or writes only inside the scratch
//! directory.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("dest");
    std::fs::create_dir(&dest).unwrap();
    // Also try the bytes as a raw tar stream, compressed here.
    let framed = zstd::encode_all(data, 1).unwrap();
    for input in [data, &framed[..]] {
        let _ = maestro::cache::archive::extract(input, &dest, "fuzz");
        for e in walkdir::WalkDir::new(dir.path()).follow_links(false) {
            let e = e.unwrap();
            assert!(e.path() == dir.path() || e.path().starts_with(&dest), "{:?} escaped", e.path());
        }
    }
});
