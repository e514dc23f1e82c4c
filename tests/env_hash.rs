//! `maestro env-hash` through the binary.

mod common;
use common::Project;

fn repo(lock: &str) -> Project {
    let p = Project::new("");
    std::fs::create_dir_all(p.path().join(".git")).unwrap();
    std::fs::create_dir_all(p.path().join("app")).unwrap();
    std::fs::write(p.path().join("Cargo.lock"), lock).unwrap();
    std::fs::write(p.path().join("app/go.sum"), "mod v1\n").unwrap();
    p
}

fn hash(p: &Project, args: &[&str]) -> String {
    p.json(&[&["env-hash"], args].concat())["env_hash"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn same_inputs_in_another_order_or_place_give_the_same_hash() {
    let (a, b) = (repo("v1\n"), repo("v1\n"));
    let h = hash(&a, &["--env", "PATH", "--env", "HOME"]);
    assert_eq!(h, hash(&b, &["--env", "HOME", "--env", "PATH"]));
    assert_eq!(h.len(), 64);
    // One byte in a lockfile, or a different variable set, changes it.
    std::fs::write(b.path().join("Cargo.lock"), "v2\n").unwrap();
    assert_ne!(h, hash(&b, &["--env", "PATH", "--env", "HOME"]));
    assert_ne!(h, hash(&a, &["--env", "PATH"]));
}

#[test]
fn actions_get_env_hash_in_github_env_and_outputs() {
    let p = repo("v1\n");
    let env_file = p.path().join("gh_env");
    let out_file = p.path().join("gh_out");
    let out = p
        .cmd()
        .args(["env-hash"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_ENV", &env_file)
        .env("GITHUB_OUTPUT", &out_file)
        .output()
        .unwrap();
    assert!(out.status.success());
    let h = String::from_utf8(out.stdout).unwrap().trim().to_string();
    // A hash, not an empty string (which every file would "contain").
    assert!(
        h.len() >= 16 && h.chars().all(|c| c.is_ascii_alphanumeric() || c == ':'),
        "{h}"
    );
    let env = std::fs::read_to_string(&env_file).unwrap();
    assert!(env.lines().any(|l| l.ends_with(&format!("={h}"))), "{env}");
    let o = std::fs::read_to_string(&out_file).unwrap();
    assert!(o.lines().any(|l| l == format!("env_hash={h}")), "{o}");
}

#[test]
fn a_missing_lockfile_or_bad_glob_is_exit_2() {
    let p = repo("v1\n");
    p.cmd()
        .args(["env-hash", "--lockfile", "nope.lock"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nope.lock"));
    p.cmd()
        .args(["env-hash", "--glob", "a[b"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--glob"));
}

/// `--explain` lists every input with its own digest and says `set` or
/// `unset` for variables: never a value.
#[test]
fn explain_never_prints_a_value() {
    let p = repo("v1\n");
    let out = p
        .cmd()
        .env("MY_TOKEN", "hunter2-very-secret")
        .env("RUSTFLAGS", "-C opt-level=3 --cfg secret_flag")
        .args([
            "env-hash",
            "--env",
            "MY_TOKEN",
            "--env",
            "RUSTFLAGS",
            "--env",
            "NOT_SET_HERE",
            "--explain",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap();
    for secret in ["hunter2", "secret_flag", "opt-level"] {
        assert!(!text.contains(secret), "{secret} printed: {text}");
    }
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("MY_TOKEN").ends_with("set"), "{text}");
    assert!(line("NOT_SET_HERE").ends_with("unset"), "{text}");
    let j = p.json(&["env-hash", "--env", "MY_TOKEN", "--explain"]);
    assert!(!j.to_string().contains("hunter2"));
}
