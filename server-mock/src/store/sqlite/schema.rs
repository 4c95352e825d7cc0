//! The SQLite schema and its migrations. `meta.schema_version` records how far a data dir has been
//! migrated; each migration runs once, in order, inside a transaction.

use rusqlite::{Connection, OptionalExtension};

/// Migrations in order; index + 1 is the schema version they produce.
const MIGRATIONS: &[&str] = &[
    // 1: tenancy, credentials, intents and their events, agent queues, idempotency records.
    r#"
    CREATE TABLE orgs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE workspaces (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES orgs(id),
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (org_id, name)
    );
    CREATE TABLE service_accounts (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES orgs(id),
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (workspace_id, name)
    );
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        service_account_id TEXT NOT NULL REFERENCES service_accounts(id),
        digest TEXT NOT NULL UNIQUE,
        hint TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE TABLE intents (
        id TEXT NOT NULL UNIQUE,
        org_id TEXT NOT NULL,
        status TEXT NOT NULL,
        terminal INTEGER NOT NULL DEFAULT 0,
        to_agent TEXT NOT NULL,
        last_seq INTEGER NOT NULL,
        deadline_us INTEGER,
        doc TEXT NOT NULL
    );
    CREATE INDEX intents_by_org ON intents (org_id);
    CREATE INDEX intents_by_org_status ON intents (org_id, status);
    CREATE INDEX intents_open_deadlines ON intents (deadline_us) WHERE deadline_us IS NOT NULL AND terminal = 0;
    CREATE TABLE events (
        intent_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (intent_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE agent_cursors (
        org_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (org_id, agent)
    ) WITHOUT ROWID;
    CREATE TABLE agent_queue (
        org_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        cursor INTEGER NOT NULL,
        intent_id TEXT NOT NULL,
        PRIMARY KEY (org_id, agent, cursor)
    ) WITHOUT ROWID;
    CREATE TABLE idempotency (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_us INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
    ) WITHOUT ROWID;
    CREATE INDEX idempotency_by_age ON idempotency (created_us);
    "#,
    // agents & platform: the agent registry with delivery bindings and mesh state, per-day usage,
    // mesh events, the delivery outbox (due times drive `timers::deliveries`), and admin fields.
    r#"
    CREATE TABLE agents (
        org_id TEXT NOT NULL,
        address TEXT NOT NULL,
        address_id TEXT NOT NULL UNIQUE,
        display_name TEXT,
        registered INTEGER NOT NULL DEFAULT 0,
        delivery_mode TEXT NOT NULL DEFAULT 'stream',
        callback_url TEXT,
        secret TEXT,
        blocked TEXT,
        policy TEXT NOT NULL DEFAULT '{}',
        rate_start_us INTEGER NOT NULL DEFAULT 0,
        rate_count INTEGER NOT NULL DEFAULT 0,
        last_heartbeat_us INTEGER,
        last_metrics TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (org_id, address)
    ) WITHOUT ROWID;
    CREATE TABLE agent_usage (
        org_id TEXT NOT NULL,
        address TEXT NOT NULL,
        day INTEGER NOT NULL,
        sent INTEGER NOT NULL DEFAULT 0,
        received INTEGER NOT NULL DEFAULT 0,
        reported INTEGER NOT NULL DEFAULT 0,
        succeeded INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (org_id, address, day)
    ) WITHOUT ROWID;
    CREATE TABLE mesh_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        org_id TEXT NOT NULL,
        address TEXT NOT NULL,
        event_type TEXT NOT NULL,
        details TEXT NOT NULL,
        actor_id TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX mesh_events_by_org ON mesh_events (org_id, seq);
    CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        intent_id TEXT NOT NULL,
        cursor INTEGER NOT NULL,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        step INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        claim INTEGER NOT NULL DEFAULT 0,
        due_us INTEGER NOT NULL,
        last_error TEXT,
        created_us INTEGER NOT NULL
    );
    CREATE INDEX outbox_due ON outbox (due_us) WHERE state IN ('pending', 'claimed');
    CREATE INDEX outbox_by_agent ON outbox (org_id, agent, state);
    ALTER TABLE orgs ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE workspaces ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE service_accounts ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE service_accounts ADD COLUMN description TEXT;
    ALTER TABLE api_keys ADD COLUMN expires_us INTEGER;
    UPDATE service_accounts SET admin = 1 WHERE id IN (
        SELECT s.id FROM service_accounts s JOIN orgs o ON o.id = s.org_id
        JOIN workspaces w ON w.id = s.workspace_id
        WHERE o.name = 'dev' AND w.name = 'default' AND s.name = 'dev');
    "#,
    // humans: human principals and their actor tokens, human tasks and who may answer them, durable
    // timers (reminders, escalations), owner inboxes, approval decisions, scenario workflows.
    r#"
    CREATE TABLE humans (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES orgs(id),
        workspace_id TEXT NOT NULL REFERENCES workspaces(id),
        name TEXT NOT NULL,
        email TEXT,
        display_name TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (org_id, name)
    );
    CREATE UNIQUE INDEX humans_by_email ON humans (org_id, email) WHERE email IS NOT NULL;
    CREATE TABLE actor_tokens (
        id TEXT PRIMARY KEY,
        human_id TEXT NOT NULL REFERENCES humans(id),
        digest TEXT NOT NULL UNIQUE,
        hint TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE TABLE human_tasks (
        intent_id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL,
        state TEXT NOT NULL,
        assigned_us INTEGER NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX human_tasks_by_org ON human_tasks (org_id, state, assigned_us);
    CREATE TABLE task_assignees (
        org_id TEXT NOT NULL,
        assignee TEXT NOT NULL,
        intent_id TEXT NOT NULL,
        PRIMARY KEY (org_id, assignee, intent_id)
    ) WITHOUT ROWID;
    CREATE TABLE timers (
        id INTEGER PRIMARY KEY,
        org_id TEXT NOT NULL,
        intent_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        due_us INTEGER NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX timers_by_due ON timers (due_us);
    CREATE INDEX timers_by_intent ON timers (intent_id);
    CREATE TABLE inbox_threads (
        org_id TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        change_seq INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (org_id, thread_id)
    ) WITHOUT ROWID;
    CREATE INDEX inbox_threads_by_change ON inbox_threads (org_id, change_seq);
    CREATE TABLE inbox_access (
        org_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        PRIMARY KEY (org_id, agent, thread_id)
    ) WITHOUT ROWID;
    CREATE TABLE org_counters (
        org_id TEXT NOT NULL,
        name TEXT NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (org_id, name)
    ) WITHOUT ROWID;
    CREATE TABLE approvals (
        org_id TEXT NOT NULL,
        approval_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (org_id, approval_id)
    ) WITHOUT ROWID;
    CREATE TABLE workflows (
        org_id TEXT NOT NULL,
        intent_id TEXT NOT NULL,
        idempotency_key TEXT,
        fingerprint TEXT NOT NULL,
        response TEXT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (org_id, intent_id)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX workflows_by_key ON workflows (org_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
    CREATE TABLE workflow_steps (
        step_intent_id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL,
        parent_intent_id TEXT NOT NULL,
        step_id TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX workflow_steps_by_parent ON workflow_steps (parent_intent_id);
    "#,
    // Helper families of the conformance checks: invites, media, schema registry, users and nicks,
    // webhook subscriptions with their events and deliveries.
    r#"
    CREATE TABLE invites (
        token_digest TEXT PRIMARY KEY,
        org_id TEXT NOT NULL,
        owner_agent TEXT NOT NULL,
        recipient_hint TEXT,
        created_us INTEGER NOT NULL,
        expires_us INTEGER NOT NULL,
        accepted_us INTEGER,
        user_id TEXT
    ) WITHOUT ROWID;
    CREATE TABLE media (
        upload_id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL,
        owner_agent TEXT NOT NULL,
        filename TEXT NOT NULL,
        mime_type TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        declared_sha256 TEXT,
        stored_bytes INTEGER,
        stored_sha256 TEXT,
        created_us INTEGER NOT NULL,
        expires_us INTEGER NOT NULL,
        uploaded_us INTEGER,
        finalized_us INTEGER
    ) WITHOUT ROWID;
    CREATE TABLE schemas (
        org_id TEXT NOT NULL,
        semantic_type TEXT NOT NULL,
        schema_json TEXT NOT NULL,
        schema_hash TEXT NOT NULL,
        compatibility_mode TEXT NOT NULL,
        scope TEXT NOT NULL,
        active INTEGER NOT NULL,
        schema_ref TEXT,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (org_id, semantic_type)
    ) WITHOUT ROWID;
    CREATE TABLE users (
        user_id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL,
        owner_agent TEXT NOT NULL,
        nick TEXT NOT NULL,
        normalized_nick TEXT NOT NULL,
        display_name TEXT,
        phone TEXT,
        email TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        renamed_at TEXT,
        UNIQUE (org_id, owner_agent),
        UNIQUE (org_id, normalized_nick)
    );
    CREATE TABLE webhook_subscriptions (
        subscription_id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL,
        owner_agent TEXT,
        callback_url TEXT NOT NULL,
        event_types TEXT NOT NULL,
        secret TEXT NOT NULL,
        secret_hint TEXT NOT NULL,
        description TEXT,
        active INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE INDEX webhook_subscriptions_by_org ON webhook_subscriptions (org_id);
    CREATE TABLE webhook_events (
        event_id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL,
        owner_agent TEXT,
        event_type TEXT NOT NULL,
        source TEXT,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        replayed_at TEXT
    ) WITHOUT ROWID;
    CREATE TABLE webhook_deliveries (
        delivery_id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL,
        subscription_id TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        updated_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id, status);
    "#,
    // Webhook deliveries retried by a timer (timers.rs `webhook_retries`) instead of only on replay.
    r#"
    ALTER TABLE webhook_deliveries ADD COLUMN next_attempt_us INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_us);
    "#,
];

/// The schema version this build writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens a connection with the durability settings every connection uses: WAL, `synchronous=FULL`
/// (a commit returns only after fsync), and a busy timeout so the admin CLI can write beside a server.
pub fn open(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    stable_plans(&conn)?;
    Ok(conn)
}

/// Turns on the query planner stability guarantee (QPSG). Without it SQLite may specialise a plan on
/// the values bound to a statement and then expire the statement whenever its bindings are cleared,
/// which rusqlite's statement cache does each time a statement goes back to it: every use of the
/// API-key lookup was parsed and planned again (~50 µs instead of ~4 µs per lookup). With it, plans
/// do not depend on bound values; results are the same.
pub fn stable_plans(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

/// Brings the database to [`CURRENT_VERSION`], refusing a data dir written by a newer build.
pub fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    )?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |row| row.get::<_, String>(0),
        )
        .optional()?
        .map(|v| v.parse().unwrap_or(0))
        .unwrap_or(0);
    if version > CURRENT_VERSION {
        anyhow::bail!(
            "this data dir has schema version {version}, newer than the {CURRENT_VERSION} this axme-server knows; use a newer axme-server"
        );
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(migration)?;
        tracing::info!(version = index + 1, "applied storage migration");
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [CURRENT_VERSION.to_string()],
    )?;
    tx.commit()?;
    Ok(())
}

/// Reads the schema version of a migrated database.
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT value FROM meta WHERE key = 'schema_version'",
        [],
        |row| row.get::<_, String>(0),
    )
    .map(|v| v.parse().unwrap_or(0))
}
