//! A table of changes from CSV: one row per change, numeric feature
//! columns, a 0/1 label and optionally a time column to order by.

use crate::error::{input, Result};

/// Changes read from CSV.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Feature names, in column order.
    pub features: Vec<String>,
    /// One row of feature values per change.
    pub rows: Vec<Vec<f64>>,
    /// The labels (empty when the file has no label column).
    pub labels: Vec<bool>,
    /// The time of each change (the row number without a time column).
    pub times: Vec<f64>,
    /// Columns left out because their first value is not a number.
    pub skipped: Vec<String>,
}

/// Which columns mean what.
#[derive(Clone, Debug, Default)]
pub struct Columns<'a> {
    /// The label column (required for training and evaluation).
    pub label: Option<&'a str>,
    /// The time column.
    pub time: Option<&'a str>,
    /// Columns to leave out.
    pub ignore: &'a [String],
}

fn number(s: &str) -> Option<f64> {
    let s = s.trim();
    match s {
        "True" | "true" => Some(1.0),
        "False" | "false" => Some(0.0),
        _ => s.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

/// Reads `text` (the file `name`) as a table.
pub fn read(text: &str, name: &str, c: &Columns) -> Result<Table> {
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| input(format!("{name}: line 1: not CSV ({e})")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |col: &str| {
        header.iter().position(|h| h == col).ok_or_else(|| {
            input(format!(
                "{name}: no column {col:?} (the columns are {})",
                header.join(", ")
            ))
        })
    };
    let label = c.label.map(find).transpose()?;
    let time = c.time.map(find).transpose()?;
    for i in c.ignore {
        find(i)?;
    }
    let mut t = Table::default();
    let mut keep: Vec<usize> = Vec::new();
    for (line, rec) in r.records().enumerate() {
        let line = line + 2;
        let rec = rec.map_err(|e| {
            let l = e.position().map_or(line as u64, |p| p.line());
            input(format!("{name}: line {l}: {e}"))
        })?;
        if keep.is_empty() && t.rows.is_empty() {
            // The first row decides which columns are features.
            for (i, h) in header.iter().enumerate() {
                if Some(i) == label || Some(i) == time || c.ignore.contains(h) {
                    continue;
                }
                if number(rec.get(i).unwrap_or("")).is_some() {
                    keep.push(i);
                    t.features.push(h.clone());
                } else {
                    t.skipped.push(h.clone());
                }
            }
            if keep.is_empty() {
                return Err(input(format!("{name}: no numeric feature column")));
            }
        }
        let cell = |i: usize| -> Result<f64> {
            let v = rec.get(i).unwrap_or("");
            number(v).ok_or_else(|| {
                input(format!(
                    "{name}: line {line}: column {}: {:?} is not a number",
                    header[i],
                    crate::output::safe::one_line(v)
                ))
            })
        };
        t.rows
            .push(keep.iter().map(|&i| cell(i)).collect::<Result<_>>()?);
        if let Some(l) = label {
            let v = cell(l)?;
            if v != 0.0 && v != 1.0 {
                return Err(input(format!(
                    "{name}: line {line}: label {v}: want 0 or 1"
                )));
            }
            t.labels.push(v == 1.0);
        }
        t.times.push(match time {
            Some(i) => cell(i)?,
            None => t.rows.len() as f64,
        });
    }
    if t.rows.is_empty() {
        return Err(input(format!("{name}: no rows")));
    }
    Ok(t)
}

impl Table {
    /// The row indices in time order (ties kept in file order).
    pub fn by_time(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.rows.len()).collect();
        idx.sort_by(|&a, &b| self.times[a].total_cmp(&self.times[b]));
        idx
    }

    /// The rows `idx` as a table of their own.
    pub fn subset(&self, idx: &[usize]) -> Table {
        Table {
            features: self.features.clone(),
            rows: idx.iter().map(|&i| self.rows[i].clone()).collect(),
            labels: if self.labels.is_empty() {
                Vec::new()
            } else {
                idx.iter().map(|&i| self.labels[i]).collect()
            },
            times: idx.iter().map(|&i| self.times[i]).collect(),
            skipped: self.skipped.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_features_label_and_time_and_skips_id_columns() {
        let text = "commit_id,commit_ts,la,ld,fix,label\nabc,20,3,1,True,1\ndef,10,0,2,False,0\n";
        let t = read(
            text,
            "d.csv",
            &Columns {
                label: Some("label"),
                time: Some("commit_ts"),
                ignore: &[],
            },
        )
        .unwrap();
        assert_eq!(t.features, ["la", "ld", "fix"]);
        assert_eq!(t.skipped, ["commit_id"]);
        assert_eq!(t.rows[0], [3.0, 1.0, 1.0]);
        assert_eq!(t.labels, [true, false]);
        assert_eq!(t.by_time(), [1, 0]);
    }

    #[test]
    fn bad_cells_name_the_line_and_column() {
        let c = Columns {
            label: Some("label"),
            time: None,
            ignore: &[],
        };
        let e = read("la,label\n1,0\nx,1\n", "d.csv", &c)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "d.csv: line 3: column la: \"x\" is not a number");
        let e = read("la,label\n1,2\n", "d.csv", &c)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2: label 2"), "{e}");
        let e = read("la\n1\n", "d.csv", &c).unwrap_err().to_string();
        assert!(e.contains("no column \"label\""), "{e}");
        let e = read("la,label\n1,0\n2\n", "d.csv", &c)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("d.csv: line 3:"), "{e}");
    }
}
