//! `maestro risk train` and `risk evaluate` on data made in the test (a
//! known rule plus noise) and on one public JIT set when ../shared is there.

mod common;

use common::Project;

/// Changes in time order whose risk grows with lines added and with being
/// a fix, labels drawn from a seeded xorshift generator (the same every run).
fn changes(p: &Project, name: &str, rows: std::ops::Range<u64>) {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut s = String::from("commit_id,commit_ts,la,nf,fix,label\n");
    for i in 0..rows.end {
        let (a, b, c, d) = (next(), next(), next(), next());
        if i < rows.start {
            continue;
        }
        let la = (a * a * 500.0) as u64;
        let nf = 1 + (b * 9.0) as u64;
        let fix = u8::from(c < 0.3);
        let risk = 0.05 + la as f64 / 700.0 + 0.2 * f64::from(fix);
        let label = u8::from(d < risk);
        s.push_str(&format!(
            "c{i:x},{},{la},{nf},{fix},{label}\n",
            1_000_000 + i * 60
        ));
    }
    std::fs::write(p.path().join(name), s).unwrap();
}

#[test]
fn trains_a_calibrated_model_that_ranks_held_out_changes_and_round_trips() {
    let p = Project::new("");
    changes(&p, "train.csv", 0..3000);
    changes(&p, "test.csv", 3000..4000);
    let t = p.json(&[
        "risk",
        "train",
        "--data",
        "train.csv",
        "--time",
        "commit_ts",
        "--out",
        "m.json",
    ]);
    assert_eq!(t["rows"], 3000, "{t}");
    assert!(t["candidates"].as_array().unwrap().len() >= 5, "{t}");
    let e = p.json(&[
        "risk",
        "evaluate",
        "--model",
        "m.json",
        "--data",
        "test.csv",
        "--time",
        "commit_ts",
    ]);
    let auc = e["auc"].as_f64().unwrap();
    assert!(auc > 0.7, "{e}");
    assert!(e["ece"].as_f64().unwrap() < 0.1, "{e}");
    assert!(e["brier_skill"].as_f64().unwrap() > 0.0, "{e}");
    // The model file round-trips: training again gives the same bytes.
    let first = std::fs::read(p.path().join("m.json")).unwrap();
    p.json(&[
        "risk",
        "train",
        "--data",
        "train.csv",
        "--time",
        "commit_ts",
        "--out",
        "m.json",
    ]);
    assert_eq!(first, std::fs::read(p.path().join("m.json")).unwrap());
    // Markdown for the step summary.
    let md = p
        .cmd()
        .args([
            "--format", "markdown", "risk", "evaluate", "--model", "m.json", "--data", "test.csv",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&md.stdout).starts_with("| rows | base rate |"));
    // A learner family chosen by name.
    for (family, chosen) in [
        ("logistic", "logistic"),
        ("gbm", "boosted trees"),
        ("blend", "mean of"),
    ] {
        let t = p.json(&[
            "risk",
            "train",
            "--data",
            "train.csv",
            "--model",
            family,
            "--out",
            "f.json",
        ]);
        assert!(
            t["chosen"].as_str().unwrap().starts_with(chosen),
            "{family}: {t}"
        );
    }
    // The pictures: well-formed SVG carrying the figures reported.
    p.ok(&[
        "risk",
        "evaluate",
        "--model",
        "m.json",
        "--data",
        "test.csv",
        "--reliability-out",
        "plots/rel.svg",
        "--roc-out",
        "plots/roc.svg",
    ]);
    for (f, want) in [
        ("rel.svg", format!("ECE {:.3}", e["ece"].as_f64().unwrap())),
        ("roc.svg", format!("AUC {auc:.3}")),
    ] {
        let svg = std::fs::read_to_string(p.path().join("plots").join(f)).unwrap();
        assert!(svg.contains(&want), "{f}: {want}");
        let mut r = quick_xml::Reader::from_str(&svg);
        let mut depth = 0i32;
        loop {
            match r.read_event().unwrap() {
                quick_xml::events::Event::Start(_) => depth += 1,
                quick_xml::events::Event::End(_) => depth -= 1,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0, "{f} is balanced");
    }
}

#[test]
fn mismatched_features_and_malformed_input_are_exit_2_naming_what_is_wrong() {
    let p = Project::new("");
    changes(&p, "train.csv", 0..500);
    p.json(&[
        "risk",
        "train",
        "--data",
        "train.csv",
        "--time",
        "commit_ts",
        "--out",
        "m.json",
    ]);
    std::fs::write(p.path().join("other.csv"), "la,ns,label\n1,2,0\n3,4,1\n").unwrap();
    std::fs::write(
        p.path().join("bad.csv"),
        "la,nf,fix,label\n1,2,0,1\n1,x,0,0\n",
    )
    .unwrap();
    std::fs::write(p.path().join("m2.json"), "{\"format\": 1,").unwrap();
    std::fs::write(p.path().join("one.csv"), "la,label\n1,0\n2,0\n").unwrap();
    for (args, want) in [
        (
            &[
                "risk",
                "evaluate",
                "--model",
                "m.json",
                "--data",
                "other.csv",
            ][..],
            "other.csv: the data does not match the model's features: missing",
        ),
        (
            &["risk", "evaluate", "--model", "m.json", "--data", "bad.csv"][..],
            "bad.csv: line 3: column nf: \"x\" is not a number",
        ),
        (
            &[
                "risk",
                "evaluate",
                "--model",
                "m2.json",
                "--data",
                "train.csv",
            ][..],
            "m2.json: line 1: not a maestro risk model",
        ),
        (
            &["risk", "train", "--data", "one.csv", "--out", "x.json"][..],
            "needs both labels",
        ),
        (
            &[
                "risk",
                "train",
                "--data",
                "train.csv",
                "--label",
                "bug",
                "--out",
                "x.json",
            ][..],
            "train.csv: no column \"bug\"",
        ),
    ] {
        let out = p.cmd().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let err = String::from_utf8_lossy(
        &p.cmd()
            .args([
                "risk",
                "evaluate",
                "--model",
                "m.json",
                "--data",
                "other.csv",
            ])
            .output()
            .unwrap()
            .stderr,
    )
    .to_string();
    assert!(
        err.contains("missing fix, nf") || err.contains("missing nf, fix"),
        "{err}"
    );
    assert!(err.contains("not in the model: ns"), "{err}");
}

/// On a public set (oldest 80 % → newest 20 %), the model beats lines added
/// alone, the literature's simple baseline.
#[test]
fn beats_lines_added_alone_on_a_public_jit_set() {
    let Some(path) = common::shared_data("jit/kamei2013/postgres.csv") else {
        return;
    };
    let p = Project::new("");
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    let ts = header.split(',').position(|c| c == "commit_ts").unwrap();
    lines.sort_by_key(|l| l.split(',').nth(ts).unwrap().parse::<f64>().unwrap() as i64);
    let cut = lines.len() * 4 / 5;
    std::fs::write(
        p.path().join("train.csv"),
        format!("{header}\n{}\n", lines[..cut].join("\n")),
    )
    .unwrap();
    std::fs::write(
        p.path().join("test.csv"),
        format!("{header}\n{}\n", lines[cut..].join("\n")),
    )
    .unwrap();
    let cols = ["--time", "commit_ts", "--ignore", "transaction_id"];
    let mut train = vec!["risk", "train", "--data", "train.csv", "--out", "m.json"];
    train.extend(cols);
    p.json(&train);
    let mut eval = vec![
        "risk", "evaluate", "--model", "m.json", "--data", "test.csv",
    ];
    eval.extend(cols);
    let e = p.json(&eval);
    // Lines added alone ranks the test changes at AUC 0.589
    // (scripts/eval/risk_jit.py); the literature reports 0.70–0.83 here.
    let auc = e["auc"].as_f64().unwrap();
    assert!(auc > 0.8, "{e}");
    assert!(e["ece"].as_f64().unwrap() < 0.1, "{e}");
}

#[test]
fn score_gives_the_probability_reasons_and_the_policy_verdict() {
    let p = Project::new("");
    changes(&p, "train.csv", 0..3000);
    p.json(&[
        "risk",
        "train",
        "--data",
        "train.csv",
        "--time",
        "commit_ts",
        "--out",
        "m.json",
    ]);
    // Risk grows with lines added and with fixes (the generator's rule).
    std::fs::write(
        p.path().join("big.json"),
        r#"{"la": 480, "nf": 3, "fix": 1}"#,
    )
    .unwrap();
    std::fs::write(
        p.path().join("small.json"),
        r#"{"la": 0, "nf": 3, "fix": 0}"#,
    )
    .unwrap();
    let big = p.json(&[
        "risk",
        "score",
        "--model",
        "m.json",
        "--features",
        "big.json",
    ]);
    let small = p.json(&[
        "risk",
        "score",
        "--model",
        "m.json",
        "--features",
        "small.json",
    ]);
    let (pb, ps) = (
        big["probability"].as_f64().unwrap(),
        small["probability"].as_f64().unwrap(),
    );
    assert!(pb > 0.6 && ps < 0.2, "{big} {small}");
    // The generator's true rate here is 0.05 + 480/700 + 0.2 = 0.94.
    assert_eq!(big["verdict"], "warn", "warn at 0.7 by default; {big}");
    assert_eq!(big["reasons"][0]["feature"], "la", "{big}");
    assert!(
        big["reasons"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("adds 480 lines (top "),
        "{big}"
    );
    assert_eq!(small["verdict"], "pass");
    // Enforced over the threshold: exit 1; warned: exit 0; off: no verdict.
    let run = |policy: &str| {
        p.cmd()
            .args([
                "risk",
                "score",
                "--model",
                "m.json",
                "--features",
                "big.json",
                "--threshold",
                "0.5",
                "--policy",
                policy,
            ])
            .output()
            .unwrap()
    };
    let enforce = run("enforce");
    assert_eq!(enforce.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&enforce.stdout).contains("(fail at 0.50, policy enforce)"));
    assert_eq!(run("warn").status.code(), Some(0));
    assert!(String::from_utf8_lossy(&run("off").stdout).contains("(off at 0.50"));
    // The same from maestro.toml's [risk], and from the environment.
    std::fs::write(
        p.path().join("maestro.toml"),
        "[risk]\npolicy = \"enforce\"\nthreshold = 0.5\n",
    )
    .unwrap();
    let score = [
        "risk",
        "score",
        "--model",
        "m.json",
        "--features",
        "big.json",
    ];
    assert_eq!(p.cmd().args(score).output().unwrap().status.code(), Some(1));
    let env = p
        .cmd()
        .env("MAESTRO_RISK_THRESHOLD", "0.99")
        .args(score)
        .output()
        .unwrap();
    assert_eq!(
        env.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&env.stdout)
    );
    std::fs::write(p.path().join("maestro.toml"), "[risk]\nthreshold = 1.5\n").unwrap();
    let bad = p.cmd().args(score).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("risk.threshold"));
    std::fs::write(p.path().join("maestro.toml"), "").unwrap();
    // Missing features, or a value that is not a number: exit 2.
    std::fs::write(p.path().join("few.json"), r#"{"la": 1}"#).unwrap();
    std::fs::write(
        p.path().join("text.json"),
        r#"{"la": "many", "nf": 1, "fix": 0}"#,
    )
    .unwrap();
    for (file, want) in [
        (
            "few.json",
            "few.json: the data does not match the model's features: missing",
        ),
        ("text.json", "text.json: la: \"many\" is not a number"),
    ] {
        let out = p
            .cmd()
            .args(["risk", "score", "--model", "m.json", "--features", file])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "{err}");
    }
}
