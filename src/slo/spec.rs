//! Objectives from OpenSLO (`openslo/v1alpha`, `openslo/v1`) and Sloth
//! (`prometheus/v1`, and its `PrometheusServiceLevel` resource) YAML files,
//! as `[[slo]]` settings.
//!
//! What maestro takes from them: the name, the objective, the period, and
//! where the events are: the good/total (or bad/total) counter names when a
//! query is a bare metric name, and Sloth's `sloth_id`, under which Sloth's
//! recording rules publish the error ratios. Everything else (alerting,
//! labels, descriptions) is Sloth's or the OpenSLO tool's business.

use crate::config::SloConfig;
use crate::error::{input, Result};
use crate::output::safe::one_line;
use serde_json::Value;

/// A PromQL query that is a bare metric name, as a series name.
fn bare_series(q: Option<&str>) -> Option<String> {
    let q = q?.trim();
    let mut chars = q.chars();
    let first = chars.next()?;
    let ok = (first.is_ascii_alphabetic() || first == '_' || first == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    ok.then(|| q.to_string())
}

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// Reads every SLO in the documents of `yaml`.
pub fn load(yaml: &str, name: &str) -> Result<Vec<SloConfig>> {
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(yaml).map_err(|e| crate::docfile::yaml_error(name, &e))?;
    // OpenSLO SLIs that SLOs refer to by name.
    let slis: Vec<&Value> = docs
        .iter()
        .filter(|d| text(d, &["kind"]) == Some("SLI"))
        .collect();
    let mut out = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let at = format!("{name} (document {})", i + 1);
        let api = text(d, &["apiVersion"]).or_else(|| text(d, &["version"]));
        match (api, text(d, &["kind"])) {
            (Some("prometheus/v1"), _) => sloth(d, &at, &mut out)?,
            (Some(a), Some("PrometheusServiceLevel")) if a.starts_with("sloth.slok.dev/") => {
                sloth(&d["spec"], &at, &mut out)?
            }
            (Some(a), Some("SLO")) if a.starts_with("openslo/") => {
                openslo(d, a, &slis, &at, &mut out)?
            }
            (Some(a), Some(_)) if a.starts_with("openslo/") => {}
            (Some(a), _) if a.starts_with("sloth.slok.dev/") => {}
            (None, None) if d.is_null() => {}
            (a, k) => {
                return Err(input(format!(
                    "{at}: neither an OpenSLO SLO nor a Sloth spec (apiVersion/version `{}`, kind `{}`)",
                    one_line(a.unwrap_or("")),
                    one_line(k.unwrap_or(""))
                )))
            }
        }
    }
    if out.is_empty() {
        return Err(input(format!("{name}: no SLO in it")));
    }
    for s in &out {
        crate::config::check_slo(s).map_err(|e| input(format!("{name}: {e}")))?;
    }
    Ok(out)
}

/// Sloth's `prometheus/v1` spec (or a PrometheusServiceLevel's `spec`).
fn sloth(spec: &Value, at: &str, out: &mut Vec<SloConfig>) -> Result<()> {
    let service = text(spec, &["service"])
        .ok_or_else(|| input(format!("{at}: a Sloth spec needs `service`")))?;
    let slos = spec["slos"]
        .as_array()
        .ok_or_else(|| input(format!("{at}: a Sloth spec needs a `slos` list")))?;
    for (j, s) in slos.iter().enumerate() {
        let slo_name =
            text(s, &["name"]).ok_or_else(|| input(format!("{at}: slos[{j}] has no `name`")))?;
        let objective = s["objective"].as_f64().ok_or_else(|| {
            input(format!(
                "{at}: slo `{}` has no numeric `objective`",
                one_line(slo_name)
            ))
        })?;
        // Sloth's id, the label its recording rules carry.
        let id = format!("{service}-{slo_name}");
        let mut c = SloConfig::new(&id, objective);
        c.sloth_id = Some(id);
        // Sloth's specs carry no period: its default, 30 days. Its queries
        // are templates over the window, so the events come from its
        // recording rules (or CSV), not from counters named here.
        c.period = "30d".into();
        out.push(c);
    }
    Ok(())
}

/// An OpenSLO `SLO` document.
fn openslo(
    d: &Value,
    api: &str,
    slis: &[&Value],
    at: &str,
    out: &mut Vec<SloConfig>,
) -> Result<()> {
    let spec = &d["spec"];
    let name = text(d, &["metadata", "name"])
        .ok_or_else(|| input(format!("{at}: an OpenSLO SLO needs metadata.name")))?;
    let service = text(spec, &["service"]).unwrap_or("");
    if let Some(m) = text(spec, &["budgetingMethod"]) {
        if m != "Occurrences" {
            return Err(input(format!(
                "{at}: SLO `{}`: budgetingMethod {} is not supported (maestro counts occurrences)",
                one_line(name),
                one_line(m)
            )));
        }
    }
    let period = if api == "openslo/v1alpha" {
        let w = &spec["timeWindows"][0];
        match (
            w["count"].as_u64(),
            text(w, &["unit"]).map(str::to_ascii_lowercase),
        ) {
            (None, None) => "30d".to_string(),
            (Some(n), Some(u)) if u == "day" => format!("{n}d"),
            (Some(n), Some(u)) if u == "week" => format!("{}d", 7 * n),
            (Some(n), Some(u)) if u == "hour" => format!("{n}h"),
            _ => {
                return Err(input(format!(
                    "{at}: SLO `{}`: timeWindows must count Hour, Day or Week",
                    one_line(name)
                )))
            }
        }
    } else {
        let w = &spec["timeWindow"][0];
        match text(w, &["duration"]) {
            None => "30d".to_string(),
            Some(dur) if dur.ends_with('w') => match dur[..dur.len() - 1].parse::<u64>() {
                Ok(n) => format!("{}d", 7 * n),
                Err(_) => return Err(bad_duration(at, name, dur)),
            },
            Some(dur) if dur.ends_with(['m', 'h', 'd']) => {
                crate::units::parse_duration(dur).map_err(|_| bad_duration(at, name, dur))?;
                dur.to_string()
            }
            Some(dur) => return Err(bad_duration(at, name, dur)),
        }
    };
    // The indicator: inline, or an SLI document named by indicatorRef.
    let indicator = match (spec.get("indicator"), text(spec, &["indicatorRef"])) {
        (Some(i), _) => Some(i),
        (None, Some(r)) => slis
            .iter()
            .find(|s| text(s, &["metadata", "name"]) == Some(r))
            .copied(),
        _ => None,
    };
    let objectives = spec["objectives"]
        .as_array()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| input(format!("{at}: SLO `{}` has no objectives", one_line(name))))?;
    for (idx, o) in objectives.iter().enumerate() {
        let objective = match (o["target"].as_f64(), o["targetPercent"].as_f64()) {
            (Some(t), None) => 100.0 * t,
            (None, Some(p)) => p,
            _ => {
                return Err(input(format!(
                    "{at}: SLO `{}` objective {idx}: give exactly one of target and targetPercent",
                    one_line(name)
                )))
            }
        };
        // v1alpha keeps the ratio on the objective; v1 on the indicator.
        let ratio = if api == "openslo/v1alpha" {
            &o["ratioMetrics"]
        } else {
            indicator.map_or(&Value::Null, |i| &i["spec"]["ratioMetric"])
        };
        let query = |k: &str| {
            text(ratio, &[k, "query"])
                .or_else(|| text(ratio, &[k, "metricSource", "spec", "query"]))
        };
        let (slo_name, id) = if objectives.len() == 1 && api != "openslo/v1alpha" {
            (name.to_string(), format!("{service}-{name}"))
        } else {
            // Sloth's naming for OpenSLO objectives.
            (format!("{name}-{idx}"), format!("{service}-{name}-{idx}"))
        };
        let mut c = SloConfig::new(&slo_name, objective);
        c.period = period.clone();
        c.sloth_id = Some(id);
        c.good = bare_series(query("good"));
        c.bad = bare_series(query("bad"));
        c.total = bare_series(query("total"));
        out.push(c);
    }
    Ok(())
}

fn bad_duration(at: &str, name: &str, d: &str) -> anyhow::Error {
    input(format!(
        "{at}: SLO `{}`: timeWindow duration `{}`: maestro budgets over a rolling window in m, h, d or w",
        one_line(name),
        one_line(d)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sloth_and_openslo_become_slos() {
        let sloth = "version: prometheus/v1\nservice: myservice\nslos:\n  - name: requests-availability\n    objective: 99.9\n    sli:\n      events:\n        error_query: sum(rate(x{code=~\"5..\"}[{{.window}}]))\n        total_query: sum(rate(x[{{.window}}]))\n";
        let s = load(sloth, "s.yml").unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].name, "myservice-requests-availability");
        assert_eq!(
            s[0].sloth_id.as_deref(),
            Some("myservice-requests-availability")
        );
        assert_eq!((s[0].objective, s[0].period.as_str()), (99.9, "30d"));
        assert!(s[0].good.is_none() && s[0].total.is_none());

        let v1 = "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: agent-pass\nspec:\n  service: agents\n  budgetingMethod: Occurrences\n  timeWindow:\n    - duration: 4w\n      isRolling: true\n  indicatorRef: agent-evals\n  objectives:\n    - targetPercent: 99.5\n---\napiVersion: openslo/v1\nkind: SLI\nmetadata:\n  name: agent-evals\nspec:\n  ratioMetric:\n    counter: true\n    good:\n      metricSource:\n        type: Prometheus\n        spec:\n          query: agent_evals_passed_total\n    total:\n      metricSource:\n        type: Prometheus\n        spec:\n          query: agent_evals_total\n";
        let s = load(v1, "o.yaml").unwrap();
        assert_eq!(s[0].name, "agent-pass");
        assert_eq!((s[0].objective, s[0].period.as_str()), (99.5, "28d"));
        assert_eq!(s[0].good.as_deref(), Some("agent_evals_passed_total"));
        assert_eq!(s[0].total.as_deref(), Some("agent_evals_total"));
    }

    #[test]
    fn unsupported_and_broken_files_say_where() {
        for (yaml, want) in [
            ("a: [1,\n", "o.yaml:"),
            ("kind: Deployment\napiVersion: apps/v1\n", "neither an OpenSLO SLO nor a Sloth spec"),
            (
                "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  budgetingMethod: Timeslices\n  objectives: [{target: 0.9}]\n",
                "budgetingMethod Timeslices",
            ),
            (
                "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  timeWindow: [{duration: 1M}]\n  objectives: [{target: 0.9}]\n",
                "rolling window",
            ),
            (
                "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  objectives: [{target: 1.5}]\n",
                "must be a percentage",
            ),
            ("version: prometheus/v1\nservice: s\n", "needs a `slos` list"),
        ] {
            let e = load(yaml, "o.yaml").unwrap_err().to_string();
            assert!(e.contains(want) && !e.contains('\n'), "{yaml}: {e}");
        }
    }
}
