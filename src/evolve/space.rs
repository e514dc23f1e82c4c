//! The parameter space: continuous (`float`, optionally on a log scale),
//! integer (`int`) and `categorical` parameters with bounds and defaults.
//!
//! CMA-ES works on the numeric parameters in the unit cube: coordinate
//! u ∈ [0, 1] maps linearly (or log-linearly) onto [min, max]; an integer
//! takes the nearest of its values, each owning an equal share of [0, 1].
//! A coordinate outside [0, 1] is mirrored back in, so the search never
//! proposes a value outside the bounds.

use crate::error::{input, Result};
use crate::output::safe::one_line;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    param: Vec<Def>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Def {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    min: Option<f64>,
    max: Option<f64>,
    #[serde(default)]
    log: bool,
    values: Option<Vec<String>>,
    default: Option<Value>,
}

/// What values a parameter takes.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A real number in [min, max].
    Float {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
        /// Searched on a log scale (min > 0).
        log: bool,
    },
    /// An integer in [min, max].
    Int {
        /// Lower bound.
        min: i64,
        /// Upper bound.
        max: i64,
    },
    /// One of a list of names.
    Categorical(Vec<String>),
}

/// One parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Its name, as the evaluator sees it.
    pub name: String,
    /// Its values.
    pub kind: Kind,
    /// Its default: the baseline.
    pub default: Value,
}

/// The parameters, in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct Space {
    /// The parameters.
    pub params: Vec<Param>,
}

/// A point: every parameter's value, by name (sorted, so its JSON is canonical).
pub type Point = BTreeMap<String, Value>;

/// Parameters at most.
pub const MAX_PARAMS: usize = 100;

impl Space {
    /// Reads a space file (TOML, YAML or JSON: `[[param]]` entries).
    pub fn parse(text: &str, name: &str) -> Result<Space> {
        let f: File = crate::docfile::parse(text, name)?;
        if f.param.is_empty() || f.param.len() > MAX_PARAMS {
            return Err(input(format!(
                "{name}: give 1 to {MAX_PARAMS} [[param]] entries"
            )));
        }
        let mut params: Vec<Param> = Vec::new();
        for d in f.param {
            let p = param(d).map_err(|e| input(format!("{name}: {e}")))?;
            if params.iter().any(|q| q.name == p.name) {
                return Err(input(format!(
                    "{name}: parameter `{}` is defined twice",
                    one_line(&p.name)
                )));
            }
            params.push(p);
        }
        Ok(Space { params })
    }

    /// Indices of the numeric (float and int) parameters.
    pub fn numeric(&self) -> Vec<usize> {
        (0..self.params.len())
            .filter(|&i| !matches!(self.params[i].kind, Kind::Categorical(_)))
            .collect()
    }

    /// Indices of the categorical parameters.
    pub fn categorical(&self) -> Vec<usize> {
        (0..self.params.len())
            .filter(|&i| matches!(self.params[i].kind, Kind::Categorical(_)))
            .collect()
    }

    /// The defaults.
    pub fn baseline(&self) -> Point {
        self.params
            .iter()
            .map(|p| (p.name.clone(), p.default.clone()))
            .collect()
    }

    /// The numeric parameters of `point` in unit-cube coordinates.
    pub fn encode(&self, point: &Point) -> Vec<f64> {
        self.numeric()
            .into_iter()
            .map(|i| {
                let p = &self.params[i];
                let v = point.get(&p.name).and_then(Value::as_f64).unwrap_or(0.0);
                match p.kind {
                    Kind::Float { min, max, log } if max > min => {
                        if log {
                            (v.ln() - min.ln()) / (max.ln() - min.ln())
                        } else {
                            (v - min) / (max - min)
                        }
                    }
                    Kind::Int { min, max } => (v - min as f64 + 0.5) / ((max - min + 1) as f64),
                    _ => 0.5,
                }
            })
            .collect()
    }

    /// `base` with its numeric parameters set from unit-cube coordinates `x`
    /// (mirrored into [0, 1]).
    pub fn decode(&self, base: &Point, x: &[f64]) -> Point {
        let mut out = base.clone();
        for (&i, &u) in self.numeric().iter().zip(x) {
            let p = &self.params[i];
            let u = mirror(u);
            let v = match p.kind {
                Kind::Float { min, max, log } => {
                    let v = if log {
                        (min.ln() + u * (max.ln() - min.ln())).exp()
                    } else {
                        min + u * (max - min)
                    };
                    json!(round6(v).clamp(min, max))
                }
                Kind::Int { min, max } => {
                    let k = (u * (max - min + 1) as f64).floor() as i64;
                    json!((min + k).clamp(min, max))
                }
                Kind::Categorical(_) => continue,
            };
            out.insert(p.name.clone(), v);
        }
        out
    }
}

/// Six significant decimals: a float parameter's value, so that candidates
/// that differ below that are one candidate (and one cache entry).
fn round6(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(5 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

/// Folds any real number into [0, 1] by reflection at the bounds.
pub fn mirror(u: f64) -> f64 {
    if !u.is_finite() {
        return 0.5;
    }
    let r = u.rem_euclid(2.0);
    if r > 1.0 {
        2.0 - r
    } else {
        r
    }
}

fn param(d: Def) -> std::result::Result<Param, String> {
    let name = d.name.trim().to_string();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err("a parameter needs a name without control characters".into());
    }
    let what = format!("parameter `{}`", one_line(&name));
    let (kind, default) = match d.kind.as_str() {
        "float" => {
            let (Some(min), Some(max)) = (d.min, d.max) else {
                return Err(format!("{what}: a float needs min and max"));
            };
            if !(min.is_finite() && max.is_finite() && min < max) {
                return Err(format!("{what}: min {min} must be below max {max}"));
            }
            if d.log && min <= 0.0 {
                return Err(format!("{what}: a log scale needs min > 0"));
            }
            let default = match &d.default {
                None => (min + max) / 2.0,
                Some(v) => v
                    .as_f64()
                    .filter(|x| (min..=max).contains(x))
                    .ok_or_else(|| format!("{what}: default must be a number in [{min}, {max}]"))?,
            };
            (
                Kind::Float {
                    min,
                    max,
                    log: d.log,
                },
                json!(default),
            )
        }
        "int" => {
            let (Some(min), Some(max)) = (d.min, d.max) else {
                return Err(format!("{what}: an int needs min and max"));
            };
            if min.fract() != 0.0
                || max.fract() != 0.0
                || min >= max
                || min.abs() > 1e15
                || max.abs() > 1e15
            {
                return Err(format!(
                    "{what}: min and max must be whole numbers, min < max"
                ));
            }
            let (min, max) = (min as i64, max as i64);
            let default = match &d.default {
                None => min + (max - min) / 2,
                Some(v) => v
                    .as_i64()
                    .filter(|x| (min..=max).contains(x))
                    .ok_or_else(|| {
                        format!("{what}: default must be a whole number in [{min}, {max}]")
                    })?,
            };
            (Kind::Int { min, max }, json!(default))
        }
        "categorical" => {
            let values = d.values.unwrap_or_default();
            if values.is_empty() {
                return Err(format!("{what}: a categorical parameter needs values"));
            }
            let mut seen = std::collections::BTreeSet::new();
            if !values.iter().all(|v| seen.insert(v)) {
                return Err(format!("{what}: values repeat"));
            }
            let default = match &d.default {
                None => values[0].clone(),
                Some(Value::String(s)) if values.contains(s) => s.clone(),
                Some(_) => return Err(format!("{what}: default must be one of its values")),
            };
            (Kind::Categorical(values), json!(default))
        }
        other => {
            return Err(format!(
                "{what}: type `{}` is not float, int or categorical",
                one_line(other)
            ))
        }
    };
    if d.log && !matches!(kind, Kind::Float { .. }) {
        return Err(format!("{what}: only a float can be on a log scale"));
    }
    if (d.min.is_some() || d.max.is_some()) && matches!(kind, Kind::Categorical(_)) {
        return Err(format!(
            "{what}: a categorical parameter has values, not min and max"
        ));
    }
    Ok(Param {
        name,
        kind,
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPACE: &str = r#"
[[param]]
name = "temperature"
type = "float"
min = 0.0
max = 1.5
default = 0.7

[[param]]
name = "top_p"
type = "float"
min = 0.01
max = 1.0
log = true
default = 0.9

[[param]]
name = "few_shot"
type = "int"
min = 0
max = 8
default = 2

[[param]]
name = "system_prompt"
type = "categorical"
values = ["terse", "detailed"]
"#;

    #[test]
    fn encode_and_decode_are_inverse_on_the_defaults() {
        let s = Space::parse(SPACE, "space.toml").unwrap();
        assert_eq!(s.numeric(), [0, 1, 2]);
        assert_eq!(s.categorical(), [3]);
        let b = s.baseline();
        assert_eq!(b["system_prompt"], "terse");
        let x = s.encode(&b);
        assert_eq!(s.decode(&b, &x), b);
        // Out of the cube: mirrored back in, never out of bounds.
        let far = s.decode(&b, &[1.2, -0.3, 7.9]);
        assert!((far["temperature"].as_f64().unwrap() - 1.2).abs() < 1e-9);
        let k = far["few_shot"].as_i64().unwrap();
        assert!((0..=8).contains(&k));
        // Every integer value is reachable, each from an equal share.
        let hits: std::collections::BTreeSet<i64> = (0..900)
            .map(|i| {
                s.decode(&b, &[0.5, 0.5, i as f64 / 900.0])["few_shot"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        assert_eq!(hits.len(), 9);
    }

    #[test]
    fn bad_spaces_name_the_file_and_the_problem() {
        for (text, want) in [
            ("[[param]]\nname = \"t\"\ntype = \"float\"\nmin = 1\n", "needs min and max"),
            ("[[param]]\nname = \"t\"\ntype = \"float\"\nmin = 1\nmax = 0\n", "must be below"),
            ("[[param]]\nname = \"t\"\ntype = \"int\"\nmin = 0\nmax = 3\ndefault = 9\n", "default must be"),
            ("[[param]]\nname = \"t\"\ntype = \"enum\"\n", "not float, int or categorical"),
            ("[[param]]\nname = \"t\"\ntype = \"categorical\"\nvalues = [\"a\", \"a\"]\n", "repeat"),
            ("[[param]]\nname = \"t\"\ntype = \"float\"\nmin = 0\nmax = 1\nlog = true\n", "log scale needs"),
            ("[[param]]\nname = \"t\"\ntype = \"float\"\nmin = 0\nmax = 1\n[[param]]\nname = \"t\"\ntype = \"float\"\nmin = 0\nmax = 1\n", "defined twice"),
            ("[[param]]\nname = \"t\"\ntipe = \"float\"\n", "space.toml:"),
            ("param = 3\n", "space.toml:1"),
        ] {
            let e = Space::parse(text, "space.toml").unwrap_err().to_string();
            assert!(e.contains(want) && e.starts_with("space.toml") && !e.contains('\n'), "{text}: {e}");
        }
    }
}
