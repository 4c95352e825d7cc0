//! Users and nicks inside the writer's transaction, and their reads. Nicks are unique per organisation
//! (`UNIQUE (org_id, normalized_nick)`), so two concurrent registrations of one nick cannot both win.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};

use super::intents::Effects;
use crate::domain::clock;
use crate::domain::users::{self, Nick, Profile, UsersOp};
use crate::error::ApiError;
use crate::store::UserKey;

const COLUMNS: &str = "u.user_id, u.owner_agent, u.nick, u.normalized_nick, u.display_name, u.phone, u.email, u.created_at, u.updated_at, u.renamed_at, o.name";

fn view(row: &Row<'_>) -> rusqlite::Result<Value> {
    let normalized: String = row.get(3)?;
    let org_name: String = row.get(10)?;
    Ok(json!({
        "user_id": row.get::<_, String>(0)?,
        "owner_agent": row.get::<_, String>(1)?,
        "nick": row.get::<_, String>(2)?,
        "normalized_nick": normalized,
        "public_address": users::public_address(&normalized, &org_name),
        "display_name": row.get::<_, Option<String>>(4)?,
        "phone": row.get::<_, Option<String>>(5)?,
        "email": row.get::<_, Option<String>>(6)?,
        "created_at": row.get::<_, String>(7)?,
        "updated_at": row.get::<_, String>(8)?,
        "renamed_at": row.get::<_, Option<String>>(9)?,
    }))
}

/// A user of an organisation by nick or by address (without the `ok` of a response).
pub fn find(conn: &Connection, org_id: &str, key: &UserKey) -> rusqlite::Result<Option<Value>> {
    let (column, value) = match key {
        UserKey::Nick(normalized) => ("normalized_nick", normalized),
        UserKey::Owner(owner_agent) => ("owner_agent", owner_agent),
    };
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.org_id = ?1 AND u.{column} = ?2"
    ))?
    .query_row(params![org_id, value], view)
    .optional()
}

fn nick_taken(nick: &Nick) -> ApiError {
    ApiError::conflict(
        "nick_taken",
        format!("nick {} is already registered in this organisation; check-nick tells which nicks are free", nick.normalized),
    )
}

fn user_not_found(owner_agent: &str) -> ApiError {
    ApiError::not_found(
        "user_not_found",
        format!(
            "no user with owner_agent {owner_agent} in this organisation; register a nick first"
        ),
    )
}

/// Creates a user; `owner_agent` defaults to a fresh `agent://<org>/users/<user id>`.
pub fn create(
    conn: &Connection,
    org_id: &str,
    org_name: &str,
    owner_agent: Option<&str>,
    nick: &Nick,
    profile: &Profile,
) -> Result<Value, ApiError> {
    if find(conn, org_id, &UserKey::Nick(nick.normalized.clone()))?.is_some() {
        return Err(nick_taken(nick));
    }
    let user_id = uuid::Uuid::new_v4().to_string();
    let owner_agent = owner_agent
        .map(str::to_owned)
        .unwrap_or_else(|| users::user_address(org_name, &user_id));
    if find(conn, org_id, &UserKey::Owner(owner_agent.clone()))?.is_some() {
        return Err(ApiError::conflict(
            "user_exists",
            format!("{owner_agent} already has a nick; change it with rename-nick"),
        ));
    }
    let now = clock::format_us(clock::now_us());
    conn.prepare_cached(
        "INSERT INTO users (user_id, org_id, owner_agent, nick, normalized_nick, display_name, phone, email, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    )?
    .execute(params![
        user_id, org_id, owner_agent, nick.given, nick.normalized,
        profile.display_name, profile.phone, profile.email, now
    ])?;
    find(conn, org_id, &UserKey::Owner(owner_agent))?
        .ok_or_else(|| ApiError::internal("the user just created is missing"))
}

pub fn perform(conn: &Connection, op: &UsersOp) -> Result<(Value, Effects), ApiError> {
    let now = clock::format_us(clock::now_us());
    let body = match op {
        UsersOp::Register {
            org_id,
            org_name,
            owner_agent,
            nick,
            profile,
        } => create(
            conn,
            org_id,
            org_name,
            owner_agent.as_deref(),
            nick,
            profile,
        )?,
        UsersOp::Rename {
            org_id,
            owner_agent,
            nick,
            ..
        } => {
            let Some(current) = find(conn, org_id, &UserKey::Owner(owner_agent.clone()))? else {
                return Err(user_not_found(owner_agent));
            };
            let other_holder = current["normalized_nick"] != json!(nick.normalized)
                && find(conn, org_id, &UserKey::Nick(nick.normalized.clone()))?.is_some();
            if other_holder {
                return Err(nick_taken(nick));
            }
            conn.prepare_cached(
                "UPDATE users SET nick = ?3, normalized_nick = ?4, renamed_at = ?5, updated_at = ?5 WHERE org_id = ?1 AND owner_agent = ?2",
            )?
            .execute(params![org_id, owner_agent, nick.given, nick.normalized, now])?;
            let mut body = find(conn, org_id, &UserKey::Owner(owner_agent.clone()))?
                .ok_or_else(|| user_not_found(owner_agent))?;
            body["previous_nick"] = current["nick"].clone();
            body
        }
        UsersOp::UpdateProfile {
            org_id,
            owner_agent,
            profile,
            ..
        } => {
            let changed = conn
                .prepare_cached(
                    "UPDATE users SET display_name = COALESCE(?3, display_name), phone = COALESCE(?4, phone),
                     email = COALESCE(?5, email), updated_at = ?6 WHERE org_id = ?1 AND owner_agent = ?2",
                )?
                .execute(params![org_id, owner_agent, profile.display_name, profile.phone, profile.email, now])?;
            if changed == 0 {
                return Err(user_not_found(owner_agent));
            }
            find(conn, org_id, &UserKey::Owner(owner_agent.clone()))?
                .ok_or_else(|| user_not_found(owner_agent))?
        }
    };
    let mut body = body;
    body["ok"] = json!(true);
    Ok((body, Effects::default()))
}
