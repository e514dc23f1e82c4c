//! Fuzzes what `risk train` and `risk evaluate` read: any CSV reads as a
//! table or is refused naming the file; any text parses as a model or is
//! refused naming it; a parsed model scores a table or refuses it, never
//! panicking. The first byte picks the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::risk::data::{read, Columns};
use maestro::risk::model::Model;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let cols = Columns {
        label: Some("label"),
        time: None,
        ignore: &[],
    };
    if pick % 2 == 0 {
        match read(text, "d.csv", &cols) {
            Ok(t) => {
                assert_eq!(t.rows.len(), t.labels.len());
                assert!(t.rows.iter().all(|r| r.len() == t.features.len()));
            }
            Err(e) => assert!(e.to_string().starts_with("d.csv:"), "{e}"),
        }
    } else {
        match Model::parse(text, "m.json") {
            Ok(m) => {
                let t = maestro::risk::data::Table {
                    features: m.features.iter().map(|f| f.name.clone()).collect(),
                    rows: vec![vec![1.0; m.features.len()]],
                    labels: vec![true],
                    times: vec![0.0],
                    skipped: Vec::new(),
                };
                let _ = m.predict(&t);
            }
            Err(e) => assert!(e.to_string().starts_with("m.json:"), "{e}"),
        }
    }
});
