//! `scale manifest`: a KEDA `ScaledObject` for agent workers that take jobs
//! from a BullMQ queue, checked against KEDA's own CRD schema (and for
//! fields the schema does not know, which the API server would silently
//! drop) before it is printed.
//!
//! BullMQ keeps waiting jobs in the list `<prefix>:<queue>:wait` and, from
//! version 4, jobs with a priority in the sorted set
//! `<prefix>:<queue>:prioritized`. KEDA's redis scaler reads a list's LLEN
//! and a sorted set's ZCARD; with both, `scalingModifiers` adds them so the
//! target applies to every waiting job. The HPA behaviour is written out
//! (the Kubernetes defaults that `scale simulate` models), so a cluster
//! whose defaults differ still scales the way the plan was proven.

use super::sim::Scaling;
use crate::error::{input, Result};
use crate::exec::schema::Schema;
use serde_json::{json, Map, Value};

/// KEDA's ScaledObject CRD (kedacore/keda v2.20.2, Apache-2.0).
const CRD: &str = include_str!("../../fixtures/keda/keda.sh_scaledobjects.yaml");

/// Where KEDA finds redis.
#[derive(Clone, Debug, PartialEq)]
pub enum Redis {
    /// `host:port`, written into the manifest.
    Address(String),
    /// The name of an environment variable of the scaled container that holds it.
    AddressFromEnv(String),
}

/// What the manifest describes.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// The ScaledObject's name.
    pub name: String,
    /// Its namespace, if given.
    pub namespace: Option<String>,
    /// The Deployment it scales.
    pub deployment: String,
    /// The BullMQ queue.
    pub queue: String,
    /// BullMQ's key prefix (`bull`).
    pub prefix: String,
    /// BullMQ's major version: from 4 prioritized jobs are counted too.
    pub bullmq_major: u32,
    /// Where redis is.
    pub redis: Redis,
    /// An environment variable with the redis password.
    pub password_from_env: Option<String>,
    /// Connect with TLS.
    pub tls: bool,
    /// The scaling the plan chose (listLength must be a whole number).
    pub scaling: Scaling,
}

/// A Kubernetes object name: a DNS-1123 subdomain.
pub fn check_name(what: &str, s: &str) -> Result<()> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if ok {
        Ok(())
    } else {
        Err(input(format!(
            "{what} `{}` is not a Kubernetes name (lower-case letters, digits, `-` and `.`, at most 253)",
            crate::output::safe::one_line(s)
        )))
    }
}

/// An environment variable name as Kubernetes accepts it.
fn check_env(what: &str, s: &str) -> Result<()> {
    let ok = !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(input(format!(
            "{what} `{}` is not an environment variable name",
            crate::output::safe::one_line(s)
        )))
    }
}

/// The ScaledObject as a JSON value (not yet validated).
pub fn build(spec: &Spec) -> Result<Value> {
    check_name("--name", &spec.name)?;
    check_name("--deployment", &spec.deployment)?;
    if let Some(ns) = &spec.namespace {
        check_name("--namespace", ns)?;
    }
    if spec.queue.is_empty() || spec.queue.chars().any(char::is_control) {
        return Err(input(
            "--queue must be a queue name without control characters",
        ));
    }
    if spec.prefix.is_empty() || spec.prefix.chars().any(char::is_control) {
        return Err(input(
            "--prefix must be non-empty, without control characters",
        ));
    }
    let s = &spec.scaling;
    if s.list_length.fract() != 0.0 || s.list_length < 1.0 || s.list_length > 1e9 {
        return Err(input(format!(
            "listLength {} must be a whole number ≥ 1: KEDA reads it as an integer",
            s.list_length
        )));
    }
    if s.max_replicas < 1 {
        return Err(input("maxReplicaCount is 0: the budget affords no replica"));
    }
    let list_length = format!("{}", s.list_length as u64);
    let activation = format!("{}", s.activation.max(0.0).floor() as u64);
    let mut meta = Map::new();
    match &spec.redis {
        Redis::Address(a) => {
            if a.is_empty() || a.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(input("--redis-address must be host:port"));
            }
            meta.insert("address".into(), json!(a));
        }
        Redis::AddressFromEnv(e) => {
            check_env("--redis-address-from-env", e)?;
            meta.insert("addressFromEnv".into(), json!(e));
        }
    }
    if let Some(p) = &spec.password_from_env {
        check_env("--password-from-env", p)?;
        meta.insert("passwordFromEnv".into(), json!(p));
    }
    if spec.tls {
        meta.insert("enableTLS".into(), json!("true"));
    }
    let key = |state: &str| format!("{}:{}:{}", spec.prefix, spec.queue, state);
    let trigger = |name: &str, key: String| {
        let mut m = meta.clone();
        m.insert("listName".into(), json!(key));
        m.insert("listLength".into(), json!(list_length));
        m.insert("activationListLength".into(), json!(activation));
        json!({"type": "redis", "name": name, "metricType": "AverageValue", "metadata": m})
    };
    let mut triggers = vec![trigger("wait", key("wait"))];
    let mut advanced = json!({
        "horizontalPodAutoscalerConfig": {
            "behavior": {
                "scaleUp": {
                    "stabilizationWindowSeconds": 0,
                    "selectPolicy": "Max",
                    "policies": [
                        {"type": "Percent", "value": 100, "periodSeconds": 15},
                        {"type": "Pods", "value": 4, "periodSeconds": 15}
                    ]
                },
                "scaleDown": {
                    "stabilizationWindowSeconds": s.down_stabilisation.round() as i64,
                    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]
                }
            }
        }
    });
    if spec.bullmq_major >= 4 {
        triggers.push(trigger("prioritized", key("prioritized")));
        advanced["scalingModifiers"] = json!({
            "formula": "wait + prioritized",
            "target": list_length,
            "activationTarget": activation,
            "metricType": "AverageValue"
        });
    }
    let mut metadata = json!({
        "name": spec.name,
        "labels": {"app.kubernetes.io/managed-by": "maestro"}
    });
    if let Some(ns) = &spec.namespace {
        metadata["namespace"] = json!(ns);
    }
    Ok(json!({
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": metadata,
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.deployment},
            "pollingInterval": s.polling.round() as i64,
            "cooldownPeriod": s.cooldown.round() as i64,
            "minReplicaCount": s.min_replicas,
            "maxReplicaCount": s.max_replicas,
            "advanced": advanced,
            "triggers": triggers
        }
    }))
}

/// The CRD's `openAPIV3Schema` for `keda.sh/v1alpha1`.
fn crd_schema() -> Result<Value> {
    let crd: Value = serde_saphyr::from_str(CRD)
        .map_err(|e| anyhow::anyhow!("the embedded KEDA CRD does not parse: {e}"))?;
    let version = crd["spec"]["versions"]
        .as_array()
        .and_then(|v| v.iter().find(|v| v["name"] == "v1alpha1"))
        .ok_or_else(|| anyhow::anyhow!("the embedded KEDA CRD has no v1alpha1"))?;
    let mut schema = version["schema"]["openAPIV3Schema"].clone();
    // OpenAPI 3.0 schemas are closest to JSON Schema draft 4.
    schema["$schema"] = json!("http://json-schema.org/draft-04/schema#");
    Ok(schema)
}

/// Every way `doc` breaks the CRD: schema violations, and fields the schema
/// does not declare (the API server prunes those without a word).
pub fn validate(doc: &Value) -> Result<Vec<String>> {
    let schema = crd_schema()?;
    let compiled = Schema::compile(&schema, "the KEDA CRD")?;
    let mut problems: Vec<String> = compiled
        .violations(doc)
        .into_iter()
        .map(|v| format!("{}: {}", v.instance_path, v.message))
        .collect();
    unknown_fields(doc, &schema, String::new(), &mut problems);
    Ok(problems)
}

/// Keys of `doc` that `schema` does not declare, where it declares its keys.
fn unknown_fields(doc: &Value, schema: &Value, at: String, out: &mut Vec<String>) {
    match doc {
        Value::Object(m) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let open = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
            let extra = schema.get("additionalProperties");
            for (k, v) in m {
                let sub = match (props.and_then(|p| p.get(k)), extra) {
                    (Some(s), _) => s,
                    (None, Some(e)) if e.is_object() => e,
                    _ if open || props.is_none() => continue,
                    _ => {
                        out.push(format!("{at}/{k}: not a field of the KEDA ScaledObject"));
                        continue;
                    }
                };
                unknown_fields(v, sub, format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    unknown_fields(v, s, format!("{at}/{i}"), out);
                }
            }
        }
        _ => {}
    }
}

/// The manifest as YAML.
pub fn to_yaml(doc: &Value) -> Result<String> {
    serde_saphyr::to_string(doc).map_err(|e| anyhow::anyhow!("cannot write YAML: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec {
            name: "agents".into(),
            namespace: Some("ci".into()),
            deployment: "agent-worker".into(),
            queue: "agents".into(),
            prefix: "bull".into(),
            bullmq_major: 5,
            redis: Redis::Address("redis:6379".into()),
            password_from_env: Some("REDIS_PASSWORD".into()),
            tls: false,
            scaling: Scaling {
                list_length: 3.0,
                ..Scaling::default()
            },
        }
    }

    #[test]
    fn a_built_manifest_passes_the_crd() {
        let doc = build(&spec()).unwrap();
        assert_eq!(validate(&doc).unwrap(), Vec::<String>::new());
        let t = &doc["spec"]["triggers"];
        assert_eq!(t[0]["metadata"]["listName"], "bull:agents:wait");
        assert_eq!(t[1]["metadata"]["listName"], "bull:agents:prioritized");
        assert_eq!(
            doc["spec"]["advanced"]["scalingModifiers"]["formula"],
            "wait + prioritized"
        );
        // BullMQ 3 has no prioritized set.
        let old = build(&Spec {
            bullmq_major: 3,
            ..spec()
        })
        .unwrap();
        assert_eq!(old["spec"]["triggers"].as_array().unwrap().len(), 1);
        assert!(old["spec"]["advanced"].get("scalingModifiers").is_none());
        assert!(validate(&old).unwrap().is_empty());
    }

    #[test]
    fn the_crd_catches_wrong_types_and_unknown_fields() {
        let mut doc = build(&spec()).unwrap();
        doc["spec"]["maxReplicaCount"] = json!("twenty");
        doc["spec"]["minReplicas"] = json!(1);
        doc["spec"]["advanced"]["scalingModifiers"]["metricType"] = json!("Utilisation");
        let p = validate(&doc).unwrap();
        assert!(
            p.iter().any(|x| x.starts_with("/spec/maxReplicaCount")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|x| x == "/spec/minReplicas: not a field of the KEDA ScaledObject"),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|x| x.starts_with("/spec/advanced/scalingModifiers/metricType")),
            "{p:?}"
        );
        doc["spec"]["triggers"] = json!([]);
        let p = validate(&doc).unwrap();
        assert!(p.iter().any(|x| x.starts_with("/spec/triggers")), "{p:?}");
    }

    #[test]
    fn names_and_hostile_values_are_refused_or_quoted() {
        for bad in ["Agent", "a_b", "-a", "a\nb", ""] {
            let e = build(&Spec {
                deployment: bad.into(),
                ..spec()
            })
            .unwrap_err()
            .to_string();
            assert!(e.contains("--deployment") && !e.contains('\n'), "{e}");
        }
        let e = build(&Spec {
            password_from_env: Some("X=1; rm".into()),
            ..spec()
        })
        .unwrap_err();
        assert!(e.to_string().contains("environment variable"));
        // A queue name that looks like YAML stays a string value.
        let doc = build(&Spec {
            queue: "a: b # c'\"{}".into(),
            ..spec()
        })
        .unwrap();
        let yaml = to_yaml(&doc).unwrap();
        let back: Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(back, doc);
        let frac = build(&Spec {
            scaling: Scaling {
                list_length: 2.5,
                ..Scaling::default()
            },
            ..spec()
        })
        .unwrap_err();
        assert!(frac.to_string().contains("whole number"));
    }
}
