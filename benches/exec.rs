//! Criterion benchmark of `exec --schema`'s per-attempt work on a typical
//! agent document of about 5 KB (the seed's ImplementerOut: a patch, a list
//! of tests, a rationale): finding it in fenced output, and validating it
//! against the schema (compiled once, as `exec` does). The goal is < 50 µs
//! for the validation.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use maestro::exec::{extract::extract, schema::Schema};

fn document() -> serde_json::Value {
    let patch: String = (0..60)
        .map(|i| format!("+    let value_{i} = compute(input, {i}); // keep the order\n"))
        .collect();
    let tests: Vec<String> = (0..20)
        .map(|i| format!("tests/integration.rs::case_{i}_handles_the_edge"))
        .collect();
    serde_json::json!({
        "patch": format!("--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,3 +1,63 @@\n{patch}"),
        "tests": tests,
        "rationale": "The function must compute each value in order, so that the callers that read them by index see the same sequence; the tests pin every case.".repeat(3),
    })
}

fn bench(c: &mut Criterion) {
    let schema_text = include_str!("../fixtures/schemas/implementer-out.json");
    let schema = Schema::compile(&serde_json::from_str(schema_text).unwrap(), "s").unwrap();
    let doc = document();
    let text = serde_json::to_string_pretty(&doc).unwrap();
    assert!((4_500..6_000).contains(&text.len()), "{} bytes", text.len());
    let output = format!("Here is my change.\n\n```json\n{text}\n```\n\nDone.");
    assert!(schema.violations(&doc).is_empty());
    c.bench_function("validate 5 KB ImplementerOut", |b| {
        b.iter(|| schema.violations(black_box(&doc)))
    });
    c.bench_function("extract 5 KB from fenced output", |b| {
        b.iter(|| extract(black_box(&output)).unwrap())
    });
    let mut broken = doc.clone();
    broken["tests"] = serde_json::json!("one");
    c.bench_function("validate 5 KB with a violation", |b| {
        b.iter(|| schema.violations(black_box(&broken)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
