//! Fuzzes what `exec --schema` reads from an agent: any output gives a
//! document (which then validates against the ImplementerOut schema or
//! lists at most 20 violations) or a reason, never a panic; any text as a
//! schema compiles or is refused naming the file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::exec::{extract::extract, schema::Schema, schema::MAX_VIOLATIONS};
use std::sync::OnceLock;

fn implementer() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| {
        let text = include_str!("../../fixtures/schemas/implementer-out.json");
        Schema::compile(&serde_json::from_str(text).unwrap(), "s.json").unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match extract(&text) {
        Ok((doc, _)) => {
            let v = implementer().violations(&doc);
            assert!(v.len() <= MAX_VIOLATIONS);
            assert_eq!(v.is_empty(), implementer().is_valid(&doc));
        }
        Err(why) => assert!(!why.is_empty()),
    }
    if let Ok(schema) = serde_json::from_str::<serde_json::Value>(&text) {
        if let Err(e) = Schema::compile(&schema, "fuzz.json") {
            assert!(e.to_string().starts_with("fuzz.json: "));
        }
    }
});
