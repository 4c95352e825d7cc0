//! Human principals and their actor tokens. A token is `axme_actor_<human id>_<secret>` with 256
//! random bits of secret; only its SHA-256 digest is stored (like API keys, it is high-entropy, so a
//! slow password hash would buy nothing). Tokens are shown once, by `axme-server admin users create`.
//! Also the schedule unit of reminders, which tests compress per data dir.

use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};

use super::credentials::key_digest;
use crate::domain::address;
use crate::domain::clock;
use crate::store::humans::{Actor, ActorLookup, ACTOR_TOKEN_PREFIX};

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A human created with its first token (the only time the token is known).
#[derive(Clone, Debug)]
pub struct NewHuman {
    pub human_id: String,
    pub token_id: String,
    pub token: String,
    pub address: String,
}

/// One human as `admin users list` shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HumanInfo {
    pub human_id: String,
    pub name: String,
    pub email: Option<String>,
    pub org: String,
    pub workspace: String,
    pub active_tokens: i64,
}

fn org_and_workspace(
    conn: &Connection,
    org: &str,
    workspace: &str,
) -> anyhow::Result<(String, String)> {
    let org_id: String = conn
        .query_row(
            "SELECT id FROM orgs WHERE id = ?1 OR name = ?1",
            [org],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| anyhow::anyhow!("no organisation with id or name {org:?}"))?;
    let ws_id: String = conn
        .query_row(
            "SELECT id FROM workspaces WHERE (id = ?1 OR name = ?1) AND org_id = ?2",
            params![workspace, org_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| anyhow::anyhow!("no workspace with id or name {workspace:?} in {org:?}"))?;
    Ok((org_id, ws_id))
}

/// Inserts a human (no token); `Err` when the name or e-mail is taken in the organisation.
pub fn insert_human(
    conn: &Connection,
    org_id: &str,
    workspace_id: &str,
    name: &str,
    email: Option<&str>,
    display_name: Option<&str>,
) -> rusqlite::Result<String> {
    let id = format!("usr_{}", random_hex(8));
    conn.execute(
        "INSERT INTO humans (id, org_id, workspace_id, name, email, display_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, org_id, workspace_id, name, email.map(str::to_ascii_lowercase), display_name, clock::format_us(clock::now_us())],
    )?;
    Ok(id)
}

/// Issues a new actor token for a human; returns `(token_id, token)`.
pub fn issue_token(conn: &Connection, human_id: &str) -> rusqlite::Result<(String, String)> {
    let token = format!(
        "{ACTOR_TOKEN_PREFIX}{}_{}",
        human_id.trim_start_matches("usr_"),
        random_hex(32)
    );
    let token_id = format!("tok_{}", random_hex(8));
    let hint = format!("{}…", &token[..token.len().min(30)]);
    conn.execute(
        "INSERT INTO actor_tokens (id, human_id, digest, hint, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![token_id, human_id, key_digest(&token), hint, clock::format_us(clock::now_us())],
    )?;
    Ok((token_id, token))
}

/// `admin users create`: a human principal in a workspace, with its first actor token.
pub fn create_human(
    conn: &Connection,
    org: &str,
    workspace: &str,
    name: &str,
    email: Option<&str>,
) -> anyhow::Result<NewHuman> {
    if !address::is_segment(name) {
        anyhow::bail!("user name {name:?} is not accepted: use 1-63 lower-case letters, digits, '.', '_' or '-' (it becomes part of the user's address)");
    }
    if email.is_some_and(|e| !e.contains('@') || e.len() > 320) {
        anyhow::bail!(
            "--email {:?} is not an e-mail address",
            email.unwrap_or_default()
        );
    }
    let (org_id, ws_id) = org_and_workspace(conn, org, workspace)?;
    let human_id = insert_human(conn, &org_id, &ws_id, name, email, None).map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            anyhow::anyhow!(
                "a user with name {name:?} or that e-mail already exists in this organisation"
            )
        }
        other => other.into(),
    })?;
    let (token_id, token) = issue_token(conn, &human_id)?;
    let (org_name, ws_name): (String, String) = conn.query_row(
        "SELECT o.name, w.name FROM orgs o JOIN workspaces w ON w.org_id = o.id WHERE w.id = ?1",
        [&ws_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(NewHuman {
        human_id,
        token_id,
        token,
        address: format!("agent://{org_name}/{ws_name}/{name}"),
    })
}

/// `admin users token`: another actor token for an existing human; returns `(token_id, token)`.
pub fn token_for(conn: &Connection, org: &str, name: &str) -> anyhow::Result<(String, String)> {
    let human_id: String = conn
        .query_row(
            "SELECT h.id FROM humans h JOIN orgs o ON o.id = h.org_id WHERE (o.id = ?1 OR o.name = ?1) AND h.name = ?2",
            params![org, name],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| anyhow::anyhow!("no user {name:?} in organisation {org:?} (see `axme-server admin users list`)"))?;
    Ok(issue_token(conn, &human_id)?)
}

/// `admin users list`.
pub fn list_humans(conn: &Connection) -> anyhow::Result<Vec<HumanInfo>> {
    let mut stmt = conn.prepare(
        "SELECT h.id, h.name, h.email, o.name, w.name,
                (SELECT COUNT(*) FROM actor_tokens t WHERE t.human_id = h.id AND t.revoked_at IS NULL)
         FROM humans h JOIN orgs o ON o.id = h.org_id JOIN workspaces w ON w.id = h.workspace_id
         ORDER BY o.name, h.name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(HumanInfo {
            human_id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            org: r.get(3)?,
            workspace: r.get(4)?,
            active_tokens: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Looks an actor token digest up.
pub fn lookup(conn: &Connection, digest: &str) -> rusqlite::Result<ActorLookup> {
    let row = conn
        .prepare_cached(
            "SELECT t.id, t.revoked_at, h.id, h.name, h.email, o.id, o.name, w.id, w.name
             FROM actor_tokens t JOIN humans h ON h.id = t.human_id
             JOIN orgs o ON o.id = h.org_id JOIN workspaces w ON w.id = h.workspace_id
             WHERE t.digest = ?1",
        )?
        .query_row([digest], |r| {
            let revoked: Option<String> = r.get(1)?;
            Ok((
                revoked.is_some(),
                Actor {
                    token_id: r.get(0)?,
                    human_id: r.get(2)?,
                    name: r.get(3)?,
                    email: r.get(4)?,
                    org_id: r.get(5)?,
                    org_name: r.get(6)?,
                    workspace_id: r.get(7)?,
                    workspace_name: r.get(8)?,
                },
            ))
        })
        .optional()?;
    Ok(match row {
        None => ActorLookup::Unknown,
        Some((true, _)) => ActorLookup::Revoked,
        Some((false, actor)) => ActorLookup::Active(actor),
    })
}

/// Finds a human of the organisation by e-mail or name, creating it (without a token) when missing.
/// Returns `(human_id, name, created)`.
pub fn ensure_human(
    conn: &Connection,
    org_id: &str,
    workspace_id: &str,
    role: &str,
    contact: &str,
    display_name: Option<&str>,
) -> rusqlite::Result<(String, String, bool)> {
    let email = contact.contains('@').then(|| contact.to_ascii_lowercase());
    let existing: Option<(String, String)> = conn
        .query_row(
            "SELECT id, name FROM humans WHERE org_id = ?1 AND (email = ?2 OR name = ?3)",
            params![org_id, email, contact.to_ascii_lowercase()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((id, name)) = existing {
        return Ok((id, name, false));
    }
    let base: String = match &email {
        Some(e) => e.split('@').next().unwrap_or(role).to_string(),
        None => contact.to_string(),
    }
    .to_ascii_lowercase()
    .chars()
    .map(|c| {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            c
        } else {
            '-'
        }
    })
    .take(56)
    .collect();
    let base = if base.is_empty() {
        role.to_ascii_lowercase()
    } else {
        base
    };
    for attempt in 0..100 {
        let name = if attempt == 0 {
            base.clone()
        } else {
            format!("{base}-{attempt}")
        };
        let taken: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM humans WHERE org_id = ?1 AND name = ?2",
                params![org_id, name],
                |r| r.get(0),
            )
            .optional()?;
        if taken.is_none() {
            let id = insert_human(
                conn,
                org_id,
                workspace_id,
                &name,
                email.as_deref(),
                display_name,
            )?;
            return Ok((id, name, true));
        }
    }
    Err(rusqlite::Error::QueryReturnedNoRows)
}

/// Records how long one schedule second lasts for this data dir (1 s; tests compress it).
pub fn set_timer_unit(conn: &Connection, unit_us: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('timer_unit_us', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [unit_us.max(1).to_string()],
    )?;
    Ok(())
}

/// How long one schedule second lasts, in microseconds.
pub fn timer_unit_us(conn: &Connection) -> rusqlite::Result<i64> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = 'timer_unit_us'")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(1_000_000))
}
