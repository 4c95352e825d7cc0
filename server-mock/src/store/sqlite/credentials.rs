//! Organisations, workspaces, service accounts and API keys. Keys are `axme_sa_<account id>_<secret>`
//! with 256 random bits of secret; only their SHA-256 digest is stored (a slow password hash would cap
//! request throughput, and high-entropy keys do not need one).

use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::domain::address;
use crate::domain::clock;
use crate::store::{KeyLookup, Principal};

/// The SHA-256 digest of a key, hex-encoded: what the store keeps and looks up.
pub fn key_digest(api_key: &str) -> String {
    hex::encode(Sha256::digest(api_key.as_bytes()))
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

fn now() -> String {
    clock::format_us(clock::now_us())
}

/// Something that names an organisation or workspace: its id or its name.
fn resolve_id(
    conn: &Connection,
    table: &str,
    reference: &str,
    scope: Option<&str>,
) -> anyhow::Result<String> {
    let sql = match (table, scope) {
        ("orgs", _) => "SELECT id FROM orgs WHERE id = ?1 OR name = ?1",
        ("workspaces", Some(_)) => {
            "SELECT id FROM workspaces WHERE (id = ?1 OR name = ?1) AND org_id = ?2"
        }
        _ => anyhow::bail!("unknown table {table}"),
    };
    let found: Option<String> = match scope {
        Some(org) => conn
            .query_row(sql, params![reference, org], |r| r.get(0))
            .optional()?,
        None => conn
            .query_row(sql, params![reference], |r| r.get(0))
            .optional()?,
    };
    found.ok_or_else(|| {
        let what = if table == "orgs" {
            "organisation"
        } else {
            "workspace"
        };
        anyhow::anyhow!("no {what} with id or name {reference:?}")
    })
}

fn check_name(kind: &str, name: &str) -> anyhow::Result<()> {
    if !address::is_segment(name) {
        anyhow::bail!(
            "{kind} name {name:?} is not accepted: use 1-63 lower-case letters, digits, '.', '_' or '-' (it becomes part of agent addresses)"
        );
    }
    Ok(())
}

/// Creates an organisation; returns its id.
pub fn create_org(conn: &Connection, name: &str) -> anyhow::Result<String> {
    check_name("organisation", name)?;
    let id = format!("org_{}", random_hex(8));
    conn.execute(
        "INSERT INTO orgs (id, name, created_at) VALUES (?1, ?2, ?3)",
        params![id, name, now()],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            anyhow::anyhow!("an organisation named {name:?} already exists")
        }
        other => other.into(),
    })?;
    Ok(id)
}

/// Creates a workspace in an organisation (by id or name); returns its id.
pub fn create_workspace(conn: &Connection, org: &str, name: &str) -> anyhow::Result<String> {
    check_name("workspace", name)?;
    let org_id = resolve_id(conn, "orgs", org, None)?;
    let id = format!("ws_{}", random_hex(8));
    conn.execute(
        "INSERT INTO workspaces (id, org_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, org_id, name, now()],
    )?;
    Ok(id)
}

/// A newly created key: the only time its secret is known.
#[derive(Clone, Debug)]
pub struct NewKey {
    pub key_id: String,
    pub api_key: String,
    pub org_id: String,
    pub workspace_id: String,
    pub service_account_id: String,
}

/// Creates a key for the service account `name` in a workspace, creating the account if missing.
pub fn create_key(
    conn: &Connection,
    org: &str,
    workspace: &str,
    name: &str,
) -> anyhow::Result<NewKey> {
    check_name("service account", name)?;
    let org_id = resolve_id(conn, "orgs", org, None)?;
    let workspace_id = resolve_id(conn, "workspaces", workspace, Some(&org_id))?;
    let existing: Option<String> = conn
        .query_row(
            "SELECT id FROM service_accounts WHERE workspace_id = ?1 AND name = ?2",
            params![workspace_id, name],
            |r| r.get(0),
        )
        .optional()?;
    let service_account_id = match existing {
        Some(id) => id,
        None => {
            let id = random_hex(8);
            conn.execute(
                "INSERT INTO service_accounts (id, org_id, workspace_id, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, org_id, workspace_id, name, now()],
            )?;
            id
        }
    };
    Ok(issue_key(
        conn,
        &org_id,
        &workspace_id,
        &service_account_id,
        name,
        None,
    )?)
}

/// Issues a key for an existing service account (optionally expiring); the secret is returned once.
pub fn issue_key(
    conn: &Connection,
    org_id: &str,
    workspace_id: &str,
    service_account_id: &str,
    name: &str,
    expires_us: Option<i64>,
) -> rusqlite::Result<NewKey> {
    let api_key = format!("axme_sa_{service_account_id}_{}", random_hex(32));
    let key_id = format!("key_{}", random_hex(8));
    let hint = format!("{}…", &api_key[..api_key.len().min(29)]);
    conn.execute(
        "INSERT INTO api_keys (id, service_account_id, digest, hint, name, created_at, expires_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![key_id, service_account_id, key_digest(&api_key), hint, name, now(), expires_us],
    )?;
    Ok(NewKey {
        key_id,
        api_key,
        org_id: org_id.to_string(),
        workspace_id: workspace_id.to_string(),
        service_account_id: service_account_id.to_string(),
    })
}

/// A fresh organisation + workspace + account + key, as the fault-injection control API hands out.
pub fn create_isolated_credential(conn: &Connection, label: &str) -> anyhow::Result<NewKey> {
    let clean: String = label
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(24)
        .collect();
    let org_name = format!(
        "t-{}-{}",
        if clean.is_empty() { "case" } else { &clean },
        random_hex(4)
    );
    create_org(conn, &org_name)?;
    create_workspace(conn, &org_name, "default")?;
    create_key(conn, &org_name, "default", "tester")
}

/// One key as `admin keys list` shows it (never the secret).
#[derive(Clone, Debug, serde::Serialize)]
pub struct KeyInfo {
    pub key_id: String,
    pub name: String,
    pub hint: String,
    pub org: String,
    pub workspace: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

pub fn list_keys(conn: &Connection) -> anyhow::Result<Vec<KeyInfo>> {
    let mut stmt = conn.prepare(
        "SELECT k.id, k.name, k.hint, o.name, w.name, k.created_at, k.revoked_at
         FROM api_keys k JOIN service_accounts s ON s.id = k.service_account_id
         JOIN orgs o ON o.id = s.org_id JOIN workspaces w ON w.id = s.workspace_id
         ORDER BY k.created_at",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(KeyInfo {
            key_id: r.get(0)?,
            name: r.get(1)?,
            hint: r.get(2)?,
            org: r.get(3)?,
            workspace: r.get(4)?,
            created_at: r.get(5)?,
            revoked_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes a key by id; the server refuses it from the next request on.
pub fn revoke_key(conn: &Connection, key_id: &str) -> anyhow::Result<()> {
    let changed = conn.execute(
        "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![key_id, now()],
    )?;
    if changed == 0 {
        let exists: Option<String> = conn
            .query_row("SELECT id FROM api_keys WHERE id = ?1", [key_id], |r| {
                r.get(0)
            })
            .optional()?;
        match exists {
            Some(_) => anyhow::bail!("key {key_id} is already revoked"),
            None => anyhow::bail!("no key with id {key_id:?} (see `axme-server admin keys list`)"),
        }
    }
    Ok(())
}

/// Looks a key digest up.
pub fn lookup(conn: &Connection, digest: &str) -> rusqlite::Result<KeyLookup> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.id, k.revoked_at IS NOT NULL OR COALESCE(k.expires_us <= ?2, 0), s.id, s.name, w.id, w.name, o.id, o.name
         FROM api_keys k JOIN service_accounts s ON s.id = k.service_account_id
         JOIN workspaces w ON w.id = s.workspace_id JOIN orgs o ON o.id = s.org_id
         WHERE k.digest = ?1",
    )?;
    let row = stmt
        .query_row(params![digest, clock::now_us()], |r| {
            // An expired key is refused like a revoked one.
            let revoked: bool = r.get(1)?;
            Ok((
                revoked,
                Principal {
                    key_id: r.get(0)?,
                    service_account_id: r.get(2)?,
                    account_name: r.get(3)?,
                    workspace_id: r.get(4)?,
                    workspace_name: r.get(5)?,
                    org_id: r.get(6)?,
                    org_name: r.get(7)?,
                },
            ))
        })
        .optional()?;
    Ok(match row {
        None => KeyLookup::Unknown,
        Some((true, _)) => KeyLookup::Revoked,
        Some((false, principal)) => KeyLookup::Active(principal),
    })
}

/// On first start: a `dev` organisation, `default` workspace and `dev` account with one key.
/// Returns the key when it was created now (it is shown once), `None` when the store already had one.
pub fn bootstrap_dev(conn: &Connection) -> anyhow::Result<Option<NewKey>> {
    let orgs: i64 = conn.query_row("SELECT COUNT(*) FROM orgs", [], |r| r.get(0))?;
    if orgs > 0 {
        return Ok(None);
    }
    create_org(conn, "dev")?;
    create_workspace(conn, "dev", "default")?;
    let key = create_key(conn, "dev", "default", "dev")?;
    // The dev account administers the server over HTTP, as the admin CLI does on the data dir.
    make_admin(conn, &key.service_account_id)?;
    Ok(Some(key))
}

/// Makes a service account an admin: over HTTP it may administer every organisation.
pub fn make_admin(conn: &Connection, service_account_id: &str) -> anyhow::Result<()> {
    conn.execute(
        "UPDATE service_accounts SET admin = 1 WHERE id = ?1",
        [service_account_id],
    )?;
    Ok(())
}
