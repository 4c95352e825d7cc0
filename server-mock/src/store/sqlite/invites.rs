//! Invites inside the writer's transaction, and their read. Only the token's digest is stored.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::credentials::key_digest;
use super::intents::Effects;
use super::{users, webhooks};
use crate::domain::clock;
use crate::domain::invites::InvitesOp;
use crate::domain::webhooks::Event;
use crate::error::ApiError;
use crate::store::UserKey;

struct Row {
    org_id: String,
    owner_agent: String,
    recipient_hint: Option<String>,
    created_us: i64,
    expires_us: i64,
    accepted_us: Option<i64>,
    user_id: Option<String>,
}

fn load(conn: &Connection, digest: &str) -> rusqlite::Result<Option<Row>> {
    conn.prepare_cached(
        "SELECT org_id, owner_agent, recipient_hint, created_us, expires_us, accepted_us, user_id FROM invites WHERE token_digest = ?1",
    )?
    .query_row([digest], |r| {
        Ok(Row {
            org_id: r.get(0)?,
            owner_agent: r.get(1)?,
            recipient_hint: r.get(2)?,
            created_us: r.get(3)?,
            expires_us: r.get(4)?,
            accepted_us: r.get(5)?,
            user_id: r.get(6)?,
        })
    })
    .optional()
}

fn view(token: &str, row: &Row) -> Value {
    let status = match row.accepted_us {
        Some(_) => "accepted",
        None if clock::now_us() >= row.expires_us => "expired",
        None => "pending",
    };
    json!({
        "ok": true,
        "token": token,
        "owner_agent": row.owner_agent,
        "recipient_hint": row.recipient_hint,
        "status": status,
        "created_at": clock::format_us(row.created_us),
        "expires_at": clock::format_us(row.expires_us),
        "accepted_at": row.accepted_us.map(clock::format_us),
        "user_id": row.user_id,
    })
}

/// An invite by token, in any organisation: the token is the capability.
pub fn get(conn: &Connection, token: &str) -> rusqlite::Result<Option<Value>> {
    Ok(load(conn, &key_digest(token))?.map(|row| view(token, &row)))
}

fn not_found() -> ApiError {
    ApiError::not_found(
        "invite_not_found",
        "no invite has this token; check the link, or ask for a new invite",
    )
}

pub fn perform(conn: &Connection, op: &InvitesOp) -> Result<(Value, Effects), ApiError> {
    let now = clock::now_us();
    let body = match op {
        InvitesOp::Create {
            org_id,
            token,
            invite,
        } => {
            conn.prepare_cached(
                "INSERT INTO invites (token_digest, org_id, owner_agent, recipient_hint, created_us, expires_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                key_digest(token),
                org_id,
                invite.owner_agent,
                invite.recipient_hint,
                now,
                now + invite.ttl_seconds * 1_000_000
            ])?;
            get(conn, token)?.ok_or_else(not_found)?
        }
        InvitesOp::Accept {
            org_id,
            org_name,
            token,
            acceptance,
        } => {
            let digest = key_digest(token);
            // Another organisation's invite is not visible to this credential.
            let row = load(conn, &digest)?
                .filter(|row| &row.org_id == org_id)
                .ok_or_else(not_found)?;
            if row.accepted_us.is_some() {
                return Err(ApiError::conflict(
                    "invite_already_accepted",
                    "this invite was already accepted; an invite admits one user",
                ));
            }
            if now >= row.expires_us {
                return Err(ApiError::conflict(
                    "invite_expired",
                    format!(
                        "this invite expired at {}; ask the owner for a new one",
                        clock::format_us(row.expires_us)
                    ),
                ));
            }
            // The accept is made with the organisation's own credential, so a nick that already belongs
            // to one of its users names that user joining; a new nick creates the user.
            let user = match users::find(
                conn,
                org_id,
                &UserKey::Nick(acceptance.nick.normalized.clone()),
            )? {
                Some(existing) => existing,
                None => users::create(
                    conn,
                    org_id,
                    org_name,
                    None,
                    &acceptance.nick,
                    &acceptance.profile,
                )?,
            };
            let user_id = user["user_id"].as_str().unwrap_or_default().to_string();
            conn.prepare_cached(
                "UPDATE invites SET accepted_us = ?2, user_id = ?3 WHERE token_digest = ?1",
            )?
            .execute(params![digest, now, user_id])?;
            let mut body = get(conn, token)?.ok_or_else(not_found)?;
            body["public_address"] = user["public_address"].clone();
            body["nick"] = user["nick"].clone();
            body["normalized_nick"] = user["normalized_nick"].clone();
            // No agent registry is bound to users in the reference server.
            body["registry_bind_status"] = json!("disabled");
            // Subscribers of `invite.accepted` hear of it (the token itself is never sent).
            let event = Event {
                event_type: "invite.accepted".into(),
                source: Some("invites".into()),
                payload:
                    json!({"user_id": user_id, "owner_agent": row.owner_agent, "nick": user["nick"],
                    "public_address": user["public_address"], "accepted_at": clock::format_us(now)})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                owner_agent: Some(row.owner_agent.clone()),
            };
            let (event_id, _) = webhooks::publish(conn, org_id, &event, &clock::format_us(now))?;
            body["webhook_event_id"] = json!(event_id);
            body["user"] = user;
            body
        }
    };
    Ok((body, Effects::default()))
}
