//! Fuzzes `evolve`'s files: any text as a scenario (TOML or YAML) or a
//! parameter space gives a value or a one-line error naming the file, never a
//! panic; a space that parses round-trips its baseline through the unit cube
//! and decodes any coordinates to values within bounds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use maestro::evolve::scenario;
use maestro::evolve::space::{Kind, Space};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for name in ["s.toml", "s.yaml"] {
        match scenario::parse(&text, Path::new(name)) {
            Ok(s) => assert!(!s.id.is_empty() && s.hash.len() == 64),
            Err(e) => {
                let m = e.to_string();
                assert!(m.starts_with(name) && !m.contains('\n'), "{m}");
            }
        }
    }
    for name in ["p.toml", "p.yml", "p.json"] {
        match Space::parse(&text, name) {
            Ok(space) => {
                let b = space.baseline();
                let x = space.encode(&b);
                let coords: Vec<f64> = data.iter().map(|&v| v as f64 / 37.0 - 2.0).collect();
                let p = space.decode(&b, &coords);
                for q in &space.params {
                    match &q.kind {
                        Kind::Float { min, max, .. } => {
                            let v = p[&q.name].as_f64().unwrap();
                            assert!(v >= *min && v <= *max, "{v} not in [{min}, {max}]");
                        }
                        Kind::Int { min, max } => {
                            let v = p[&q.name].as_i64().unwrap();
                            assert!(v >= *min && v <= *max);
                        }
                        Kind::Categorical(values) => {
                            assert!(values.iter().any(|v| p[&q.name] == *v));
                        }
                    }
                }
                assert_eq!(x.len(), space.numeric().len());
            }
            Err(e) => {
                let m = e.to_string();
                assert!(m.starts_with(name) && !m.contains('\n'), "{m}");
            }
        }
    }
});
