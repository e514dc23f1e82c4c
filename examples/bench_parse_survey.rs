//! Parses every file under a directory with format detection and prints one
//! line per file: the format and series count, or the error.
//! Usage: cargo run --example bench_parse_survey -- fixtures/bench-outputs
fn main() {
    let root = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/bench-outputs".into());
    let (mut ok, mut bad) = (0, 0);
    for e in walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
    {
        let p = e.path();
        let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !e.file_type().is_file()
            || n.ends_with(".md")
            || n.ends_with(".csv")
            || n.ends_with(".log")
        {
            continue;
        }
        if ["estimates.json", "benchmark.json", "tukey.json", "raw.csv"].contains(&n) {
            continue; // criterion side files; sample.json carries the data
        }
        match maestro::bench::formats::load_file(p, None) {
            Ok(r) => {
                ok += 1;
                println!(
                    "ok   {:<18} {:>4} series  {}",
                    r.format,
                    r.series.len(),
                    p.display()
                );
            }
            Err(e) => {
                bad += 1;
                println!("ERR  {e:#}");
            }
        }
    }
    println!("{ok} parsed, {bad} rejected");
}
