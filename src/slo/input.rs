//! SLO event data: CSV `timestamp,good,total` (events per interval) or
//! Prometheus query-API JSON with the good (or bad) and total counters as
//! range vectors (`resultType: matrix`), turned into event counts at
//! timestamps.

use crate::error::{input, Result};
use crate::output::safe::one_line;
use serde::Deserialize;

/// Input text quoted in a message: on one line, at most 80 characters.
fn quote(s: &str) -> String {
    let s = one_line(s);
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.into_owned(),
    }
}

/// How old a recorded ratio may be and still count: Prometheus's default
/// lookback delta.
pub const LOOKBACK_MS: i64 = 5 * 60 * 1000;

/// Event counts at timestamps (Unix milliseconds, ascending), or error
/// ratios already computed over trailing windows (Sloth's recording rules).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Events {
    /// Good events: (time, count).
    pub good: Vec<(i64, f64)>,
    /// Bad events, when the input counts those instead (OpenSLO's
    /// `bad` + `total`): then `good` is empty and `counts_bad` is set.
    pub bad: Vec<(i64, f64)>,
    /// The bad events are counted, not the good ones.
    pub counts_bad: bool,
    /// All events: (time, count).
    pub total: Vec<(i64, f64)>,
    /// Error ratios by window length in seconds: (time, ratio). When this
    /// is not empty, `good` and `total` are, and event counts are unknown.
    pub ratios: std::collections::BTreeMap<i64, Vec<(i64, f64)>>,
}

impl Events {
    /// Whether these are event counts (not ratios).
    pub fn counted(&self) -> bool {
        self.ratios.is_empty()
    }

    /// The times data points were taken: the counts', or the shortest
    /// ratio window's.
    pub fn times(&self) -> Vec<i64> {
        match self.ratios.values().next() {
            Some(v) => v.iter().map(|x| x.0).collect(),
            None => self.total.iter().map(|x| x.0).collect(),
        }
    }

    /// The latest timestamp with data.
    pub fn last(&self) -> Option<i64> {
        self.times().last().copied()
    }

    /// The earliest timestamp with data.
    pub fn first(&self) -> Option<i64> {
        self.times().first().copied()
    }

    /// The error ratio over the `secs` window as last recorded at or before
    /// `at`, and at most [`LOOKBACK_MS`] before it (ratio input only): a
    /// recording rule that stopped is stale, as Prometheus treats it, not
    /// its last value forever.
    pub fn ratio(&self, secs: i64, at: i64) -> Option<f64> {
        let v = self.ratios.get(&secs)?;
        let i = v.partition_point(|x| x.0 <= at);
        let (t, r) = v[i.checked_sub(1)?];
        (at - t <= LOOKBACK_MS).then_some(r)
    }

    /// Good and total events in (from, to].
    pub fn window(&self, from: i64, to: i64) -> (f64, f64) {
        let total = sum(&self.total, from, to);
        if self.counts_bad {
            ((total - sum(&self.bad, from, to)).max(0.0), total)
        } else {
            (sum(&self.good, from, to), total)
        }
    }

    /// The same events up to `at` (later ones dropped).
    pub fn until(&self, at: i64) -> Events {
        let cut = |v: &[(i64, f64)]| v.iter().copied().filter(|x| x.0 <= at).collect();
        Events {
            good: cut(&self.good),
            bad: cut(&self.bad),
            counts_bad: self.counts_bad,
            total: cut(&self.total),
            ratios: self.ratios.iter().map(|(w, v)| (*w, cut(v))).collect(),
        }
    }
}

fn sum(v: &[(i64, f64)], from: i64, to: i64) -> f64 {
    let lo = v.partition_point(|x| x.0 <= from);
    let hi = v.partition_point(|x| x.0 <= to);
    v[lo..hi].iter().map(|x| x.1).sum()
}

/// A timestamp: Unix seconds (integer or fraction) or RFC 3339.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(x) = s.parse::<f64>() {
        return (x.is_finite() && (0.0..1e11).contains(&x)).then(|| (x * 1000.0).round() as i64);
    }
    humantime::parse_rfc3339_weak(s)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_millis()).ok())
}

/// Reads CSV with columns `timestamp`, `good`, `total`: the events in the
/// interval that ends at each timestamp. Rows may come in any order.
pub fn from_csv(text: &str, name: &str) -> Result<Events> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| {
            input(format!(
                "{name}: cannot read the CSV header: {}",
                quote(&e.to_string())
            ))
        })?
        .clone();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(ct), Some(cg), Some(cn)) = (col("timestamp"), col("good"), col("total")) else {
        return Err(input(format!(
            "{name}: expected the columns timestamp,good,total (header: {})",
            quote(&headers.iter().collect::<Vec<_>>().join(","))
        )));
    };
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| input(format!("{name}:{line}: {}", quote(&e.to_string()))))?;
        let field = |c: usize| rec.get(c).unwrap_or("");
        let t = parse_time(field(ct)).ok_or_else(|| {
            input(format!(
                "{name}:{line}: timestamp `{}` is neither Unix seconds nor RFC 3339",
                quote(field(ct))
            ))
        })?;
        let count = |c: usize, what: &str| -> Result<f64> {
            match field(c).parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
                _ => Err(input(format!(
                    "{name}:{line}: {what} `{}` is not a count ≥ 0",
                    quote(field(c))
                ))),
            }
        };
        let (g, n) = (count(cg, "good")?, count(cn, "total")?);
        if g > n {
            return Err(input(format!(
                "{name}:{line}: good ({g}) is more than total ({n})"
            )));
        }
        rows.push((t, g, n));
    }
    rows.sort_by_key(|r| r.0);
    Ok(Events {
        good: rows.iter().map(|r| (r.0, r.1)).collect(),
        total: rows.iter().map(|r| (r.0, r.2)).collect(),
        ..Events::default()
    })
}

#[derive(Deserialize)]
struct Response {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    result_type: String,
    result: Vec<Series>,
}

#[derive(Deserialize)]
struct Series {
    #[serde(default)]
    metric: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
    /// A vector result's one sample.
    #[serde(default)]
    value: Option<(f64, String)>,
}

impl Series {
    fn samples(&self) -> impl Iterator<Item = &(f64, String)> {
        self.values.iter().chain(self.value.iter())
    }
}

/// Which events a Prometheus counter counts, besides the total.
#[derive(Clone, Copy, Debug)]
pub enum Counter<'a> {
    /// The series name of the good-event counter.
    Good(&'a str),
    /// The series name of the bad-event counter.
    Bad(&'a str),
}

/// Reads a Prometheus query-API response holding the good (or bad) and the
/// total counter as range vectors. Every series of a name is a counter: its
/// increases (a drop is a reset: the new value counts from zero) are summed
/// over the series. `NaN` samples and gaps are skipped.
pub fn from_prometheus(text: &str, name: &str, counter: Counter, total: &str) -> Result<Events> {
    let data = response(text, name)?;
    if data.result_type != "matrix" {
        return Err(input(format!(
            "{name}: resultType `{}` holds one sample per series; burn needs the counters over time: export them with query_range (resultType matrix), or Sloth's ratio recording rules",
            quote(&data.result_type)
        )));
    }
    let mut out = Events::default();
    let (want, events) = match counter {
        Counter::Good(g) => (g, &mut out.good),
        Counter::Bad(b) => {
            out.counts_bad = true;
            (b, &mut out.bad)
        }
    };
    for (want, into) in [(want, events), (total, &mut out.total)] {
        let mut found = false;
        for s in data
            .result
            .iter()
            .filter(|s| s.metric.get("__name__").map(String::as_str) == Some(want))
        {
            found = true;
            let mut prev: Option<f64> = None;
            for (t, v) in s.samples() {
                let Ok(v) = v.parse::<f64>() else {
                    return Err(input(format!(
                        "{name}: series {want}: value `{v}` is not a number"
                    )));
                };
                if !v.is_finite() || !t.is_finite() {
                    continue;
                }
                if let Some(p) = prev {
                    let inc = if v >= p { v - p } else { v };
                    into.push(((t * 1000.0).round() as i64, inc));
                }
                prev = Some(v);
            }
        }
        if !found {
            return Err(input(format!(
                "{name}: no series named `{want}` (it has: {})",
                names(&data.result)
            )));
        }
        into.sort_by_key(|x| x.0);
    }
    Ok(out)
}

/// The `data` of a successful Prometheus query-API response.
fn response(text: &str, name: &str) -> Result<Data> {
    let r: Response = serde_json::from_str(text).map_err(|e| {
        input(format!(
            "{name}: line {}: not Prometheus query JSON: {}",
            e.line(),
            quote(&e.to_string())
        ))
    })?;
    if r.status != "success" {
        return Err(input(format!(
            "{name}: the query failed ({}): {}",
            quote(&r.status),
            quote(&r.error.unwrap_or_default())
        )));
    }
    r.data
        .ok_or_else(|| input(format!("{name}: no `data` in the response")))
}

/// Sloth's error-ratio recording rules.
pub const SLOTH_RATIO: &str = "slo:sli_error:ratio_rate";

/// Whether a Prometheus response holds Sloth's error-ratio series.
pub fn has_sloth_ratios(text: &str) -> bool {
    text.contains(SLOTH_RATIO)
}

/// Reads Sloth's `slo:sli_error:ratio_rate<window>` series of the SLO with
/// `sloth_id` from a query-API response (vector or matrix). A `NaN` sample
/// is 0 / 0, a window without traffic: no errors, ratio 0.
pub fn from_sloth(text: &str, name: &str, sloth_id: &str) -> Result<Events> {
    let data = response(text, name)?;
    if data.result_type != "matrix" && data.result_type != "vector" {
        return Err(input(format!(
            "{name}: resultType `{}`: expected a vector or a matrix",
            quote(&data.result_type)
        )));
    }
    let mut out = Events::default();
    for s in &data.result {
        let Some(window) = s
            .metric
            .get("__name__")
            .and_then(|n| n.strip_prefix(SLOTH_RATIO))
        else {
            continue;
        };
        if s.metric.get("sloth_id").map(String::as_str) != Some(sloth_id) {
            continue;
        }
        let secs = crate::units::parse_duration(window)
            .map_err(|e| {
                input(format!(
                    "{name}: series {SLOTH_RATIO}{}: {e}",
                    quote(window)
                ))
            })?
            .as_secs() as i64;
        let into = out.ratios.entry(secs).or_default();
        for (t, v) in s.samples() {
            let Ok(v) = v.parse::<f64>() else {
                return Err(input(format!(
                    "{name}: series {SLOTH_RATIO}{}: value `{}` is not a number",
                    quote(window),
                    quote(v)
                )));
            };
            let v = if v.is_nan() { 0.0 } else { v };
            if v.is_finite() && t.is_finite() {
                into.push(((t * 1000.0).round() as i64, v.clamp(0.0, 1.0)));
            }
        }
    }
    out.ratios.retain(|_, v| !v.is_empty());
    for v in out.ratios.values_mut() {
        v.sort_by_key(|x| x.0);
    }
    if out.ratios.is_empty() {
        return Err(input(format!(
            "{name}: no {SLOTH_RATIO}* samples with sloth_id `{}`",
            quote(sloth_id)
        )));
    }
    Ok(out)
}

fn names(result: &[Series]) -> String {
    let mut n: Vec<&str> = result
        .iter()
        .filter_map(|s| s.metric.get("__name__").map(String::as_str))
        .collect();
    n.sort_unstable();
    n.dedup();
    if n.is_empty() {
        "no __name__ labels".into()
    } else {
        quote(&n.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_sort_and_sum_by_window() {
        let e = from_csv(
            "timestamp,good,total\n120,9,10\n60,10,10\n2026-01-01T00:00:00Z,1,1\n",
            "x.csv",
        )
        .unwrap();
        assert_eq!(e.total[0].0, 60_000);
        assert_eq!(e.window(60_000, 120_000), (9.0, 10.0));
        assert_eq!(e.window(0, 120_000), (19.0, 20.0));
        assert_eq!(e.last(), Some(1_767_225_600_000));
    }

    #[test]
    fn bad_csv_names_the_line() {
        for (csv, want) in [
            ("t,good,total\n", "expected the columns"),
            ("timestamp,good,total\nabc,1,1\n", "x.csv:2: timestamp"),
            ("timestamp,good,total\n1,2,1\n", "x.csv:2: good (2) is more"),
            ("timestamp,good,total\n1,-1,1\n", "x.csv:2: good `-1`"),
        ] {
            let err = from_csv(csv, "x.csv").unwrap_err().to_string();
            assert!(err.contains(want), "{csv}: {err}");
        }
    }

    #[test]
    fn prometheus_counters_become_increases_with_resets_and_nan() {
        let json = r#"{"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"__name__":"ok_total","pod":"a"},"values":[[0,"10"],[60,"15"],[120,"NaN"],[180,"3"]]},
          {"metric":{"__name__":"ok_total","pod":"b"},"values":[[0,"0"],[60,"5"]]},
          {"metric":{"__name__":"all_total","pod":"a"},"values":[[0,"10"],[60,"20"],[180,"4"]]}]}}"#;
        let e = from_prometheus(json, "p.json", Counter::Good("ok_total"), "all_total").unwrap();
        // pod a: +5 at 60, reset to 3 at 180 (+3); pod b: +5 at 60.
        assert_eq!(e.window(0, 60_000).0, 10.0);
        assert_eq!(e.window(60_000, 180_000).0, 3.0);
        assert_eq!(e.window(0, 180_000).1, 14.0);
    }

    #[test]
    fn a_bad_counter_gives_good_as_total_less_bad() {
        let json = r#"{"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"__name__":"err_total"},"values":[[0,"1"],[60,"3"],[120,"0"]]},
          {"metric":{"__name__":"all_total"},"values":[[0,"10"],[60,"20"],[120,"25"]]}]}}"#;
        let e = from_prometheus(json, "p.json", Counter::Bad("err_total"), "all_total").unwrap();
        // +2 bad of +10 at 60; a reset to 0 (no bad) of +5 at 120.
        assert_eq!(e.window(0, 60_000), (8.0, 10.0));
        assert_eq!(e.window(60_000, 120_000), (5.0, 5.0));
        assert_eq!(e.until(60_000).window(0, 120_000), (8.0, 10.0));
        let err = from_prometheus(json, "p.json", Counter::Bad("nope"), "all_total").unwrap_err();
        assert!(err.to_string().contains("no series named `nope`"), "{err}");
    }

    #[test]
    fn a_ratio_older_than_the_lookback_is_stale() {
        let mut e = Events::default();
        e.ratios.insert(300, vec![(0, 0.5)]);
        e.ratios.insert(3600, vec![(0, 0.1), (600_000, 0.2)]);
        assert_eq!(e.ratio(300, 0), Some(0.5));
        assert_eq!(e.ratio(300, LOOKBACK_MS), Some(0.5));
        assert_eq!(e.ratio(300, LOOKBACK_MS + 1), None);
        assert_eq!(e.ratio(3600, 600_000), Some(0.2));
        assert_eq!(e.ratio(3600, 599_999), None, "0.1 is 10 min old");
        assert_eq!(e.ratio(60, 0), None);
    }

    #[test]
    fn quoted_input_stays_on_one_line() {
        // Found by the slo_input fuzz target: a quoted header spanning lines.
        let err = from_csv("\"a\nb\",c\n1,2\n", "x.csv")
            .unwrap_err()
            .to_string();
        assert!(!err.contains('\n') && err.contains("a\\nb"), "{err}");
        let long = format!("{},x\n", "h".repeat(500));
        let err = from_csv(&long, "x.csv").unwrap_err().to_string();
        assert!(err.len() < 300, "{err}");
    }

    #[test]
    fn prometheus_errors_are_one_line() {
        for (json, want) in [
            ("{", "not Prometheus query JSON"),
            (r#"{"status":"error","error":"bad query"}"#, "bad query"),
            (
                r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
                "query_range",
            ),
            (
                r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"x"},"values":[[0,"1"]]}]}}"#,
                "no series named `ok` (it has: x)",
            ),
        ] {
            let err = from_prometheus(json, "p.json", Counter::Good("ok"), "x")
                .unwrap_err()
                .to_string();
            assert!(err.contains(want) && !err.contains('\n'), "{err}");
        }
    }
}
