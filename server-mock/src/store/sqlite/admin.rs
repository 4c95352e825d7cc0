//! Administration over HTTP inside the store: organisations, workspaces, service accounts and their
//! keys. Keys are issued through `credentials::issue_key` (digest only, secret shown once), like
//! the admin CLI.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::credentials;
use super::intents::Effects;
use crate::domain::clock;
use crate::error::ApiError;
use crate::store::admin::{AdminOp, AdminRead};

fn new_id(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    )
}

fn now() -> String {
    clock::format_us(clock::now_us())
}

fn exists_error(err: rusqlite::Error, code: &str, message: String) -> ApiError {
    match err {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            ApiError::conflict(code, message)
        }
        other => other.into(),
    }
}

fn parse(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(json!({}))
}

/// An organisation's id from its id or name.
fn org_id(conn: &Connection, org: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT id FROM orgs WHERE id = ?1 OR name = ?1")?
        .query_row([org], |r| r.get(0))
        .optional()
}

fn org_missing(org: &str) -> ApiError {
    ApiError::not_found(
        "organization_not_found",
        format!("no organisation with id or name {org:?} is visible to this credential"),
    )
}

fn org_json(conn: &Connection, org: &str) -> rusqlite::Result<Option<Value>> {
    let row = conn
        .prepare_cached(
            "SELECT id, name, created_at, profile FROM orgs WHERE id = ?1 OR name = ?1",
        )?
        .query_row([org], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .optional()?;
    let Some((id, name, created_at, profile)) = row else {
        return Ok(None);
    };
    let profile = parse(profile);
    Ok(Some(json!({
        "org_id": id, "name": name, "status": "active", "created_at": created_at,
        "legal_name": profile["legal_name"], "primary_domain": profile["primary_domain"],
        "metadata": if profile["metadata"].is_object() { profile["metadata"].clone() } else { json!({}) },
        "workspaces": workspaces(conn, &id)?,
    })))
}

fn workspaces(conn: &Connection, org_id: &str) -> rusqlite::Result<Value> {
    let mut stmt = conn.prepare_cached("SELECT id, name, created_at, profile FROM workspaces WHERE org_id = ?1 ORDER BY created_at, name")?;
    let rows = stmt.query_map([org_id], |r| {
        let profile = parse(r.get(3)?);
        Ok(json!({
            "workspace_id": r.get::<_, String>(0)?, "org_id": org_id, "name": r.get::<_, String>(1)?,
            "status": "active", "environment": profile["environment"], "region": profile["region"],
            "created_at": r.get::<_, String>(2)?,
        }))
    })?;
    rows.collect::<Result<Vec<_>, _>>().map(Value::Array)
}

const ACCOUNT_COLUMNS: &str =
    "s.id, s.org_id, s.workspace_id, s.name, s.description, s.admin, s.created_at, o.name, w.name";

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    let (org, workspace, name): (String, String, String) = (r.get(7)?, r.get(8)?, r.get(3)?);
    Ok(json!({
        "service_account_id": r.get::<_, String>(0)?, "org_id": r.get::<_, String>(1)?,
        "workspace_id": r.get::<_, String>(2)?, "name": name, "description": r.get::<_, Option<String>>(4)?,
        "admin": r.get::<_, bool>(5)?, "status": "active", "created_at": r.get::<_, String>(6)?,
        "agent_address": format!("agent://{org}/{workspace}/{name}"),
    }))
}

fn account(conn: &Connection, id: &str) -> rusqlite::Result<Option<Value>> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM service_accounts s JOIN orgs o ON o.id = s.org_id JOIN workspaces w ON w.id = s.workspace_id WHERE s.id = ?1"
    );
    conn.prepare_cached(&sql)?
        .query_row([id], account_row)
        .optional()
}

fn accounts(conn: &Connection, org_id: &str, workspace: Option<&str>) -> rusqlite::Result<Value> {
    let workspace_id = match workspace {
        None => None,
        Some(w) => match conn
            .prepare_cached(
                "SELECT id FROM workspaces WHERE org_id = ?1 AND (id = ?2 OR name = ?2)",
            )?
            .query_row(params![org_id, w], |r| r.get::<_, String>(0))
            .optional()?
        {
            Some(id) => Some(id),
            None => return Ok(Value::Null),
        },
    };
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM service_accounts s JOIN orgs o ON o.id = s.org_id JOIN workspaces w ON w.id = s.workspace_id
         WHERE s.org_id = ?1 AND (?2 IS NULL OR s.workspace_id = ?2) ORDER BY s.created_at, s.name"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![org_id, workspace_id], account_row)?;
    rows.collect::<Result<Vec<_>, _>>().map(Value::Array)
}

fn keys(conn: &Connection, service_account_id: &str) -> rusqlite::Result<Value> {
    let now_us = clock::now_us();
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, hint, created_at, revoked_at, expires_us FROM api_keys WHERE service_account_id = ?1 ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([service_account_id], |r| {
        let revoked: Option<String> = r.get(4)?;
        let expires: Option<i64> = r.get(5)?;
        let status = match (&revoked, expires) {
            (Some(_), _) => "revoked",
            (None, Some(at)) if at <= now_us => "expired",
            _ => "active",
        };
        Ok(json!({
            "key_id": r.get::<_, String>(0)?, "name": r.get::<_, String>(1)?, "hint": r.get::<_, String>(2)?,
            "status": status, "created_at": r.get::<_, String>(3)?, "revoked_at": revoked,
            "expires_at": expires.map(clock::format_us),
        }))
    })?;
    rows.collect::<Result<Vec<_>, _>>().map(Value::Array)
}

/// `(org_id, workspace_id, name)` of a service account, or 404.
fn account_parts(conn: &Connection, id: &str) -> Result<(String, String, String), ApiError> {
    conn.prepare_cached("SELECT org_id, workspace_id, name FROM service_accounts WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or_else(|| {
            ApiError::not_found(
                "service_account_not_found",
                format!("no service account {id:?} is visible to this credential"),
            )
        })
}

fn issue(
    conn: &Connection,
    service_account_id: &str,
    name: Option<&str>,
    expires_us: Option<i64>,
) -> Result<Value, ApiError> {
    let (org_id, workspace_id, account_name) = account_parts(conn, service_account_id)?;
    let key = credentials::issue_key(
        conn,
        &org_id,
        &workspace_id,
        service_account_id,
        name.unwrap_or(&account_name),
        expires_us,
    )?;
    let info = keys(conn, service_account_id)?;
    let listed = info
        .as_array()
        .and_then(|all| all.iter().find(|k| k["key_id"] == key.key_id.as_str()))
        .cloned()
        .unwrap_or(json!({}));
    Ok(json!({
        "ok": true, "key_id": key.key_id, "api_key": key.api_key, "service_account_id": service_account_id,
        "name": listed["name"], "hint": listed["hint"], "created_at": listed["created_at"], "expires_at": listed["expires_at"],
    }))
}

fn revoke(
    conn: &Connection,
    service_account_id: &str,
    key_id: &str,
) -> Result<(String, Option<i64>), ApiError> {
    account_parts(conn, service_account_id)?;
    let found: Option<(Option<String>, Option<i64>, String)> = conn
        .prepare_cached("SELECT revoked_at, expires_us, name FROM api_keys WHERE id = ?1 AND service_account_id = ?2")?
        .query_row(params![key_id, service_account_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    match found {
        None => Err(ApiError::not_found(
            "key_not_found",
            format!("service account {service_account_id} has no key {key_id:?}"),
        )),
        Some((Some(_), _, _)) => Err(ApiError::conflict(
            "key_already_revoked",
            format!("key {key_id} is already revoked"),
        )),
        Some((None, expires, name)) => {
            conn.execute(
                "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1",
                params![key_id, now()],
            )?;
            Ok((name, expires))
        }
    }
}

pub fn perform(conn: &Connection, op: &AdminOp) -> Result<(Value, Effects), ApiError> {
    let body = match op {
        AdminOp::CreateOrg(new) => {
            let id = new_id("org_");
            let at = now();
            conn.execute(
                "INSERT INTO orgs (id, name, created_at, profile) VALUES (?1, ?2, ?3, ?4)",
                params![id, new.name, at, new.profile.to_string()],
            )
            .map_err(|e| {
                exists_error(
                    e,
                    "organization_exists",
                    format!("an organisation named {:?} already exists", new.name),
                )
            })?;
            conn.execute("INSERT INTO workspaces (id, org_id, name, created_at) VALUES (?1, ?2, 'default', ?3)", params![new_id("ws_"), id, at])?;
            json!({"ok": true, "organization": org_json(conn, &id)?})
        }
        AdminOp::CreateWorkspace { org, workspace } => {
            let org_id = org_id(conn, org)?.ok_or_else(|| org_missing(org))?;
            let id = new_id("ws_");
            conn.execute(
                "INSERT INTO workspaces (id, org_id, name, created_at, profile) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, org_id, workspace.name, now(), workspace.profile.to_string()],
            )
            .map_err(|e| exists_error(e, "workspace_exists", format!("the organisation already has a workspace named {:?}", workspace.name)))?;
            let all = workspaces(conn, &org_id)?;
            let created = all
                .as_array()
                .and_then(|w| w.iter().find(|w| w["workspace_id"] == id.as_str()))
                .cloned();
            json!({"ok": true, "workspace": created})
        }
        AdminOp::CreateServiceAccount(new) => {
            let org_id = org_id(conn, &new.org)?.ok_or_else(|| org_missing(&new.org))?;
            let workspace_id: String = conn
                .prepare_cached(
                    "SELECT id FROM workspaces WHERE org_id = ?1 AND (id = ?2 OR name = ?2)",
                )?
                .query_row(params![org_id, new.workspace], |r| r.get(0))
                .optional()?
                .ok_or_else(|| {
                    ApiError::not_found(
                        "workspace_not_found",
                        format!(
                            "organisation {} has no workspace {:?}",
                            new.org, new.workspace
                        ),
                    )
                })?;
            // No '_' in the id: keys are `axme_sa_<id>_<secret>`.
            let id = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
            conn.execute(
                "INSERT INTO service_accounts (id, org_id, workspace_id, name, created_at, admin, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, org_id, workspace_id, new.name, now(), new.admin, new.description],
            )
            .map_err(|e| exists_error(e, "service_account_exists", format!("the workspace already has a service account named {:?}", new.name)))?;
            json!({"ok": true, "service_account": account(conn, &id)?})
        }
        AdminOp::CreateKey {
            service_account_id,
            key,
        } => issue(
            conn,
            service_account_id,
            key.name.as_deref(),
            key.expires_us,
        )?,
        AdminOp::RevokeKey {
            service_account_id,
            key_id,
        } => {
            revoke(conn, service_account_id, key_id)?;
            json!({"ok": true, "key_id": key_id, "service_account_id": service_account_id, "revoked": true})
        }
        AdminOp::RotateKey {
            service_account_id,
            key_id,
        } => {
            let (name, expires) = revoke(conn, service_account_id, key_id)?;
            let mut body = issue(
                conn,
                service_account_id,
                Some(&name),
                expires.filter(|at| *at > clock::now_us()),
            )?;
            body["revoked_key_id"] = json!(key_id);
            body
        }
    };
    Ok((body, Effects::default()))
}

pub fn read(conn: &Connection, query: &AdminRead) -> rusqlite::Result<Value> {
    Ok(match query {
        AdminRead::Caller { service_account_id } => conn
            .prepare_cached("SELECT admin, org_id FROM service_accounts WHERE id = ?1")?
            .query_row([service_account_id], |r| {
                Ok(json!({"admin": r.get::<_, bool>(0)?, "org_id": r.get::<_, String>(1)?}))
            })
            .optional()?
            .unwrap_or(Value::Null),
        AdminRead::Org { org } => org_json(conn, org)?.unwrap_or(Value::Null),
        AdminRead::Workspaces { org_id } => workspaces(conn, org_id)?,
        AdminRead::ServiceAccounts { org_id, workspace } => {
            accounts(conn, org_id, workspace.as_deref())?
        }
        AdminRead::ServiceAccount { service_account_id } => {
            match account(conn, service_account_id)? {
                Some(mut sa) => {
                    sa["keys"] = keys(conn, service_account_id)?;
                    sa
                }
                None => Value::Null,
            }
        }
        AdminRead::Keys { service_account_id } => match account(conn, service_account_id)? {
            Some(sa) => json!({"org_id": sa["org_id"], "keys": keys(conn, service_account_id)?}),
            None => Value::Null,
        },
    })
}
