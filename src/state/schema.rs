//! Schema migrations, applied in order and keyed on `PRAGMA user_version`.

/// Each entry migrates from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,
    idem_key   TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,
    payload    TEXT NOT NULL
);
CREATE TABLE arms (
    id           TEXT PRIMARY KEY,
    tier         TEXT NOT NULL,
    prior_eval   REAL,
    prior_cost   REAL,
    prior_weight REAL NOT NULL DEFAULT 0,
    added_at_ms  INTEGER NOT NULL,
    retired_at_ms INTEGER
);
CREATE TABLE decisions (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    task         TEXT NOT NULL,
    arm          TEXT NOT NULL,
    explored     INTEGER NOT NULL,
    propensity   REAL NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    at_ms        INTEGER NOT NULL
);
CREATE INDEX decisions_by_task ON decisions(task, seq);
CREATE TABLE outcomes (
    decision_id  TEXT PRIMARY KEY,
    arm          TEXT NOT NULL,
    eval         REAL NOT NULL,
    cost_usd     REAL NOT NULL,
    tokens_in    INTEGER,
    tokens_out   INTEGER,
    day          TEXT NOT NULL,
    at_ms        INTEGER NOT NULL
);
CREATE TABLE arm_stats (
    arm          TEXT PRIMARY KEY,
    pulls        INTEGER NOT NULL DEFAULT 0,
    reports      INTEGER NOT NULL DEFAULT 0,
    eval_sum     REAL NOT NULL DEFAULT 0,
    cost_sum     REAL NOT NULL DEFAULT 0,
    ev_clock     INTEGER NOT NULL DEFAULT 0,
    ev_successes REAL NOT NULL DEFAULT 0,
    ev_failures  REAL NOT NULL DEFAULT 0,
    ev_cost_weight REAL NOT NULL DEFAULT 0,
    ev_cost_mean REAL NOT NULL DEFAULT 0,
    ev_cost_m2   REAL NOT NULL DEFAULT 0
);
CREATE TABLE daily_spend (
    day          TEXT PRIMARY KEY,
    usd          REAL NOT NULL
);
CREATE TABLE downshift_audit (
    id           INTEGER PRIMARY KEY,
    at_ms        INTEGER NOT NULL,
    active       INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    actor        TEXT NOT NULL
);
CREATE TABLE meta (
    key          TEXT PRIMARY KEY,
    value        TEXT NOT NULL
);
"#,
    r#"
-- One row per cache get/put (the event's idempotency key is `cache:<id>`).
CREATE TABLE cache_ops (
    id           TEXT PRIMARY KEY,
    at_ms        INTEGER NOT NULL,
    op           TEXT NOT NULL,          -- put | get
    key          TEXT NOT NULL,          -- the key asked for
    matched_key  TEXT,                   -- get: the entry restored
    outcome      TEXT NOT NULL,          -- stored | exists | hit | restore-hit | miss | rejected
    bytes        INTEGER NOT NULL DEFAULT 0,
    millis       INTEGER NOT NULL DEFAULT 0,
    saved_millis INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cache_ops_key ON cache_ops (matched_key, at_ms);
"#,
    r#"
-- Summary values recorded by `bench-gate record`, one per benchmark per run.
CREATE TABLE bench_history (
    seq          INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    measure      TEXT NOT NULL,
    value        REAL NOT NULL,
    at_ms        INTEGER NOT NULL,
    source       TEXT NOT NULL
);
CREATE INDEX bench_history_name ON bench_history (name, measure, seq);
"#,
    r#"
-- `sbom-diff --record`: one row per episode of a (package, advisory group) in
-- a scope, open while resolved_ms is NULL.
CREATE TABLE vuln_episodes (
    seq           INTEGER PRIMARY KEY,
    scope         TEXT NOT NULL,
    ecosystem     TEXT NOT NULL,
    package       TEXT NOT NULL,
    grp           TEXT NOT NULL,
    id            TEXT NOT NULL,
    severity      TEXT NOT NULL,
    score         REAL,
    version       TEXT NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    resolved_ms   INTEGER
);
CREATE INDEX vuln_episodes_open ON vuln_episodes (scope, ecosystem, package, grp, resolved_ms);
"#,
    r#"
-- `sbom-diff --record` keeps what each record saw, so that episodes are
-- rebuilt in time order whatever order the records came in (a backfill).
CREATE TABLE vuln_records (
    scope TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (scope, at_ms)
);
CREATE TABLE vuln_observations (
    scope     TEXT NOT NULL,
    at_ms     INTEGER NOT NULL,
    ecosystem TEXT NOT NULL,
    package   TEXT NOT NULL,
    grp       TEXT NOT NULL,
    id        TEXT NOT NULL,
    severity  TEXT NOT NULL,
    score     REAL,
    version   TEXT NOT NULL,
    PRIMARY KEY (scope, at_ms, ecosystem, package, grp)
);
-- Earlier states: the records their episodes imply, each seeing every
-- episode open at its time (replaying them gives the same episodes).
INSERT OR IGNORE INTO vuln_records (scope, at_ms)
    SELECT scope, first_seen_ms FROM vuln_episodes
    UNION SELECT scope, last_seen_ms FROM vuln_episodes
    UNION SELECT scope, resolved_ms FROM vuln_episodes WHERE resolved_ms IS NOT NULL;
INSERT OR IGNORE INTO vuln_observations
    SELECT r.scope, r.at_ms, e.ecosystem, e.package, e.grp, e.id, e.severity, e.score, e.version
    FROM vuln_records r JOIN vuln_episodes e
      ON e.scope = r.scope AND e.first_seen_ms <= r.at_ms AND r.at_ms <= e.last_seen_ms;
"#,
    // 7: the knowledge graph (`maestro graph`): commits and the files they touched.
    r#"
CREATE TABLE graph_commits (
    sha      TEXT PRIMARY KEY,
    author   TEXT NOT NULL,
    email    TEXT NOT NULL,
    at_s     INTEGER NOT NULL,
    pr       INTEGER,
    reverts  TEXT,
    subject  TEXT NOT NULL,
    parents  INTEGER NOT NULL,
    files    INTEGER NOT NULL
);
CREATE INDEX graph_commits_by_pr ON graph_commits(pr);
CREATE TABLE graph_touches (
    sha      TEXT NOT NULL,
    path     TEXT NOT NULL,
    old_path TEXT,
    added    INTEGER,
    deleted  INTEGER,
    PRIMARY KEY (sha, path)
) WITHOUT ROWID;
CREATE INDEX graph_touches_by_path ON graph_touches(path);
"#,
    // 8: CODEOWNERS rules (`graph ingest codeowners`), replaced whole on each ingest.
    r#"
CREATE TABLE graph_codeowners (
    line     INTEGER PRIMARY KEY,
    pattern  TEXT NOT NULL,
    owners   TEXT NOT NULL
);
"#,
    // 9: the rest of the knowledge graph: test results (`graph ingest junit`),
    // incidents, pull request events, and lockfile packages and dependencies.
    r#"
CREATE TABLE graph_tests (
    run      TEXT NOT NULL,
    sha      TEXT,
    pr       INTEGER,
    suite    TEXT NOT NULL,
    name     TEXT NOT NULL,
    file     TEXT,
    outcome  TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    message  TEXT,
    PRIMARY KEY (run, suite, name)
) WITHOUT ROWID;
CREATE TABLE graph_incidents (
    id       TEXT PRIMARY KEY,
    at_s     INTEGER NOT NULL,
    severity TEXT NOT NULL,
    title    TEXT NOT NULL,
    pr       INTEGER,
    sha      TEXT
);
CREATE TABLE graph_prs (
    number    INTEGER PRIMARY KEY,
    title     TEXT NOT NULL,
    author    TEXT NOT NULL,
    state     TEXT NOT NULL,
    base_sha  TEXT NOT NULL,
    head_sha  TEXT NOT NULL,
    merge_sha TEXT,
    updated_s INTEGER NOT NULL,
    labels    TEXT NOT NULL
);
CREATE TABLE graph_packages (
    lockfile  TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    name      TEXT NOT NULL,
    version   TEXT NOT NULL,
    dir       TEXT,
    PRIMARY KEY (lockfile, ecosystem, name, version)
) WITHOUT ROWID;
CREATE TABLE graph_depends (
    lockfile     TEXT NOT NULL,
    ecosystem    TEXT NOT NULL,
    from_name    TEXT NOT NULL,
    from_version TEXT NOT NULL,
    to_name      TEXT NOT NULL,
    to_version   TEXT NOT NULL,
    PRIMARY KEY (lockfile, ecosystem, from_name, from_version, to_name, to_version)
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE exec_runs (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    decision_id  TEXT,
    arm          TEXT,
    schema_sha   TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    valid        INTEGER NOT NULL,
    first_valid  INTEGER NOT NULL,
    outcome      TEXT NOT NULL,
    at_ms        INTEGER NOT NULL
);
CREATE INDEX exec_runs_by_decision ON exec_runs(decision_id);
CREATE TABLE exec_attempts (
    run_id       TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    outcome      TEXT NOT NULL,
    method       TEXT,
    violations   INTEGER NOT NULL,
    exit_code    INTEGER,
    duration_ms  INTEGER NOT NULL,
    PRIMARY KEY (run_id, attempt)
) WITHOUT ROWID;
ALTER TABLE outcomes ADD COLUMN eval_robust REAL;
"#,
    r#"
ALTER TABLE decisions ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE decisions ADD COLUMN chain TEXT;
ALTER TABLE decisions ADD COLUMN failed TEXT NOT NULL DEFAULT '';
"#,
    r#"
ALTER TABLE downshift_audit ADD COLUMN prev_hash TEXT;
ALTER TABLE downshift_audit ADD COLUMN hash TEXT;
"#,
    r#"
ALTER TABLE arms ADD COLUMN params TEXT;
"#,
];

/// The schema version this build writes.
pub const VERSION: u32 = MIGRATIONS.len() as u32;
