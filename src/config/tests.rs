//! Tests of configuration loading, precedence and validation.

use super::*;
use crate::error::Result;
use std::collections::HashMap;
use std::path::Path;

fn load(dir: &Path, env: &[(&str, &str)], ov: Overrides) -> Result<Resolved> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Resolved::load_with(dir, &ov, |k| env.get(k).cloned())
}

#[test]
fn precedence_is_flag_env_file_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(FILE_NAME),
        "state = 'from-file.db'\n[router]\nlambda = 0.3\nwindow = 50\n",
    )
    .unwrap();
    let sub = dir.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    let r = load(
        &sub,
        &[("MAESTRO_ROUTER_LAMBDA", "0.7")],
        Overrides::default(),
    )
    .unwrap();
    assert_eq!(r.config.router.lambda, 0.7);
    assert_eq!(
        r.source("router.lambda"),
        Source::Env("MAESTRO_ROUTER_LAMBDA".into())
    );
    assert_eq!(r.config.router.window, 50);
    assert!(matches!(r.source("router.window"), Source::File(_)));
    assert_eq!(r.source("router.exploration_cap"), Source::Default);
    assert_eq!(r.base("state", "from-file.db", &sub), dir.path());
    assert_eq!(r.base("state", "file://here.db", &sub), sub);
    let r = load(
        &sub,
        &[("MAESTRO_STATE", "env.db")],
        Overrides {
            state: Some("flag.db".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.base("state", "flag.db", &sub), sub);
}

#[test]
fn bad_files_name_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join(FILE_NAME);
    for (text, needle) in [
        ("[router\nlambda = 1", "line 1"),
        ("[router]\nlamda = 1", "lamda"),
        ("[router]\nexploration_cap = 1.5", "exploration_cap"),
        ("[router]\nobjective = 'min-cost'", "min_eval"),
        (
            "[[arms]]\nid = 'a'\ntier = 'huge'",
            "arms.tier: unknown variant `huge`",
        ),
        (
            "[router]\npolicy = 'ucb'",
            "router.policy: unknown variant `ucb`",
        ),
        ("[router]\nlambda = 'x'", "router.lambda: invalid type"),
        ("[budget]\ndaily_usd = true", "budget.daily_usd"),
        (
            "[[arms]]\nid = 'a'\ntier = 'small'\n[[arms]]\nid = 'a'\ntier = 'large'",
            "twice",
        ),
    ] {
        std::fs::write(&f, text).unwrap();
        let err = load(dir.path(), &[], Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(FILE_NAME) && err.contains(needle),
            "{text:?} gave {err}"
        );
    }
}

#[test]
fn bad_env_values_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(
        dir.path(),
        &[("MAESTRO_ROUTER_WINDOW", "many")],
        Overrides::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("MAESTRO_ROUTER_WINDOW"), "{err}");
    let r = load(
        dir.path(),
        &[("MAESTRO_ROUTER_DOWNSHIFT_TIERS", "small, medium")],
        Overrides::default(),
    )
    .unwrap();
    assert_eq!(
        r.config.router.downshift_tiers,
        vec![Tier::Small, Tier::Medium]
    );
}

#[test]
fn missing_explicit_config_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let ov = Overrides {
        config_file: Some("nope.toml".into()),
        ..Default::default()
    };
    assert!(load(dir.path(), &[], ov)
        .unwrap_err()
        .to_string()
        .contains("not found"));
}
