//! Webhook subscriptions, events and deliveries inside the writer's transaction, and their reads.
//! A subscription without `owner_agent` covers every owner of its organisation; deleting one revokes it
//! (the row stays, so a repeated delete answers the same).

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};

use super::intents::Effects;
use crate::domain::clock;
use crate::domain::webhooks::{self, WebhooksOp, INLINE_LEASE_US, MAX_ATTEMPTS};
use crate::error::ApiError;
use crate::store::{DeliveryCounts, PendingDelivery, WebhookDeliveries};

const SUB_COLUMNS: &str = "subscription_id, owner_agent, callback_url, event_types, active, description, created_at, updated_at, revoked_at, secret_hint";

fn sub_view(r: &Row<'_>) -> rusqlite::Result<Value> {
    let types: String = r.get(3)?;
    Ok(json!({
        "subscription_id": r.get::<_, String>(0)?,
        "owner_agent": r.get::<_, Option<String>>(1)?,
        "callback_url": r.get::<_, String>(2)?,
        "event_types": serde_json::from_str::<Value>(&types).unwrap_or(json!([])),
        "active": r.get::<_, bool>(4)?,
        "description": r.get::<_, Option<String>>(5)?,
        "created_at": r.get::<_, String>(6)?,
        "updated_at": r.get::<_, String>(7)?,
        "revoked_at": r.get::<_, Option<String>>(8)?,
        "secret_hint": r.get::<_, String>(9)?,
    }))
}

fn get_sub(conn: &Connection, org_id: &str, id: &str) -> rusqlite::Result<Option<Value>> {
    conn.prepare_cached(&format!(
        "SELECT {SUB_COLUMNS} FROM webhook_subscriptions WHERE org_id = ?1 AND subscription_id = ?2"
    ))?
    .query_row(params![org_id, id], sub_view)
    .optional()
}

/// Subscriptions of an organisation; with an owner, those of that owner and the organisation-wide ones.
pub fn list(
    conn: &Connection,
    org_id: &str,
    owner: Option<&str>,
    include_inactive: bool,
) -> rusqlite::Result<Vec<Value>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SUB_COLUMNS} FROM webhook_subscriptions
         WHERE org_id = ?1 AND (?2 IS NULL OR owner_agent IS NULL OR owner_agent = ?2)
           AND (?3 OR (active = 1 AND revoked_at IS NULL))
         ORDER BY created_at, subscription_id"
    ))?;
    let rows = stmt.query_map(params![org_id, owner, include_inactive], sub_view)?;
    rows.collect()
}

fn sub_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "subscription_not_found",
        format!("no webhook subscription {id:?} is visible to this credential and owner"),
    )
}

fn event_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "event_not_found",
        format!("no webhook event {id:?} is visible to this credential and owner"),
    )
}

/// Whether a record owned by `record_owner` is visible to a request acting for `owner`.
fn owner_sees(record_owner: &Value, owner: Option<&str>) -> bool {
    match (record_owner.as_str(), owner) {
        (Some(record), Some(asked)) => record == asked,
        _ => true,
    }
}

/// An event with its deliveries still to attempt and the counts by state.
pub fn deliveries(
    conn: &Connection,
    org_id: &str,
    event_id: &str,
) -> rusqlite::Result<Option<WebhookDeliveries>> {
    let event = conn
        .prepare_cached(
            "SELECT event_id, event_type, owner_agent, source, payload, created_at, replayed_at FROM webhook_events WHERE org_id = ?1 AND event_id = ?2",
        )?
        .query_row(params![org_id, event_id], |r| {
            let payload: String = r.get(4)?;
            Ok(json!({
                "event_id": r.get::<_, String>(0)?,
                "event_type": r.get::<_, String>(1)?,
                "owner_agent": r.get::<_, Option<String>>(2)?,
                "source": r.get::<_, Option<String>>(3)?,
                "payload": serde_json::from_str::<Value>(&payload).unwrap_or(json!({})),
                "created_at": r.get::<_, String>(5)?,
                "replayed_at": r.get::<_, Option<String>>(6)?,
            }))
        })
        .optional()?;
    let Some(event) = event else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT d.delivery_id, s.callback_url, s.secret, d.attempts, d.next_attempt_us FROM webhook_deliveries d
         JOIN webhook_subscriptions s ON s.subscription_id = d.subscription_id
         WHERE d.event_id = ?1 AND d.status = 'pending' AND s.revoked_at IS NULL ORDER BY d.delivery_id",
    )?;
    let pending = stmt
        .query_map([event_id], |r| {
            Ok(PendingDelivery {
                delivery_id: r.get(0)?,
                callback_url: r.get(1)?,
                secret: r.get(2)?,
                attempts: r.get(3)?,
                next_attempt_us: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut counts = DeliveryCounts::default();
    let mut stmt = conn.prepare_cached(
        "SELECT status, COUNT(*) FROM webhook_deliveries WHERE event_id = ?1 GROUP BY status",
    )?;
    for row in stmt.query_map([event_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })? {
        let (status, n) = row?;
        match status.as_str() {
            "delivered" => counts.delivered = n,
            "pending" => counts.pending = n,
            _ => counts.dead_lettered += n,
        }
    }
    Ok(Some(WebhookDeliveries {
        event,
        pending,
        counts,
    }))
}

pub fn perform(conn: &Connection, op: &WebhooksOp) -> Result<(Value, Effects), ApiError> {
    let now = clock::format_us(clock::now_us());
    let body = match op {
        WebhooksOp::Upsert {
            org_id,
            subscription,
        } => upsert(conn, org_id, subscription, &now)?,
        WebhooksOp::Revoke {
            org_id,
            subscription_id,
            owner_agent,
        } => {
            let sub = get_sub(conn, org_id, subscription_id)?
                .filter(|s| owner_sees(&s["owner_agent"], owner_agent.as_deref()))
                .ok_or_else(|| sub_not_found(subscription_id))?;
            conn.prepare_cached(
                "UPDATE webhook_subscriptions SET revoked_at = ?3, active = 0, updated_at = ?3 WHERE org_id = ?1 AND subscription_id = ?2 AND revoked_at IS NULL",
            )?
            .execute(params![org_id, subscription_id, now])?;
            // What was still waiting for this subscription will never be sent.
            conn.prepare_cached(
                "UPDATE webhook_deliveries SET status = 'dead_lettered', last_error = 'subscription revoked', updated_at = ?2
                 WHERE subscription_id = ?1 AND status = 'pending'",
            )?
            .execute(params![subscription_id, now])?;
            let sub = get_sub(conn, org_id, subscription_id)?.unwrap_or(sub);
            json!({"ok": true, "subscription_id": subscription_id, "revoked_at": sub["revoked_at"], "subscription": sub})
        }
        WebhooksOp::Publish { org_id, event } => {
            let (event_id, queued) = publish(conn, org_id, event, &now)?;
            counters(conn, org_id, &event_id, queued)?
        }
        WebhooksOp::Replay {
            org_id,
            event_id,
            owner_agent,
        } => {
            deliveries(conn, org_id, event_id)?
                .filter(|d| owner_sees(&d.event["owner_agent"], owner_agent.as_deref()))
                .ok_or_else(|| event_not_found(event_id))?;
            let queued = conn
                .prepare_cached(
                    "UPDATE webhook_deliveries SET attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
                       status = 'pending', updated_at = ?2, next_attempt_us = ?3
                     WHERE event_id = ?1 AND subscription_id IN (SELECT subscription_id FROM webhook_subscriptions WHERE active = 1 AND revoked_at IS NULL)",
                )?
                .execute(params![event_id, now, clock::now_us() + INLINE_LEASE_US])?;
            conn.prepare_cached("UPDATE webhook_events SET replayed_at = ?2 WHERE event_id = ?1")?
                .execute(params![event_id, now])?;
            counters(conn, org_id, event_id, queued as i64)?
        }
        WebhooksOp::Record { outcomes } => {
            for outcome in outcomes {
                let status = if outcome.delivered {
                    "delivered"
                } else {
                    "failed"
                };
                conn.prepare_cached(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?3, last_error = ?4, updated_at = ?5, next_attempt_us = ?8,
                       status = CASE WHEN ?2 = 'delivered' THEN 'delivered'
                                     WHEN ?6 OR attempts + 1 >= ?7 THEN 'dead_lettered' ELSE 'pending' END
                     WHERE delivery_id = ?1 AND status = 'pending'",
                )?
                .execute(params![outcome.delivery_id, status, outcome.http_status, outcome.error, now, outcome.permanent, MAX_ATTEMPTS, outcome.retry_at_us])?;
            }
            json!({"ok": true, "recorded": outcomes.len()})
        }
    };
    Ok((body, Effects::default()))
}

/// Records an event and queues a delivery for each live subscription it matches (same type; the
/// event's owner or organisation-wide) in the caller's transaction; returns the event id and how many
/// deliveries were queued. Families that raise platform events (`invite.accepted`) call it too.
pub fn publish(
    conn: &Connection,
    org_id: &str,
    event: &webhooks::Event,
    now: &str,
) -> Result<(String, i64), ApiError> {
    let event_id = uuid::Uuid::new_v4().to_string();
    conn.prepare_cached(
        "INSERT INTO webhook_events (event_id, org_id, owner_agent, event_type, source, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        event_id,
        org_id,
        event.owner_agent,
        event.event_type,
        event.source,
        Value::Object(event.payload.clone()).to_string(),
        now
    ])?;
    let mut queued = 0;
    let wanted = json!(event.event_type);
    for sub in list(conn, org_id, event.owner_agent.as_deref(), false)? {
        if !sub["event_types"]
            .as_array()
            .is_some_and(|t| t.contains(&wanted))
        {
            continue;
        }
        conn.prepare_cached(
            "INSERT INTO webhook_deliveries (delivery_id, event_id, subscription_id, status, attempts, updated_at, next_attempt_us) VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5)",
        )?
        .execute(params![
            format!("msg_{}", uuid::Uuid::new_v4().simple()),
            event_id,
            sub["subscription_id"].as_str(),
            now,
            clock::now_us() + INLINE_LEASE_US
        ])?;
        queued += 1;
    }
    Ok((event_id, queued))
}

/// The publish/replay answer: the event, how many deliveries this call queued, and the counts by state.
fn counters(
    conn: &Connection,
    org_id: &str,
    event_id: &str,
    queued: i64,
) -> Result<Value, ApiError> {
    let found = deliveries(conn, org_id, event_id)?.ok_or_else(|| event_not_found(event_id))?;
    let mut body = found.event;
    body["ok"] = json!(true);
    body["queued_deliveries"] = json!(queued);
    body["processed_deliveries"] = json!(0);
    body["delivered"] = json!(found.counts.delivered);
    body["pending"] = json!(found.counts.pending);
    body["dead_lettered"] = json!(found.counts.dead_lettered);
    Ok(body)
}

fn upsert(
    conn: &Connection,
    org_id: &str,
    sub: &webhooks::Subscription,
    now: &str,
) -> Result<Value, ApiError> {
    let existing: Option<String> = match &sub.subscription_id {
        Some(id) => {
            let found = get_sub(conn, org_id, id)?
                .filter(|s| s["revoked_at"].is_null() && owner_sees(&s["owner_agent"], sub.owner_agent.as_deref()))
                .ok_or_else(|| sub_not_found(id))?;
            Some(found["subscription_id"].as_str().unwrap_or(id).to_string())
        }
        None => conn
            .prepare_cached(
                "SELECT subscription_id FROM webhook_subscriptions WHERE org_id = ?1 AND owner_agent IS ?2 AND callback_url = ?3 AND revoked_at IS NULL",
            )?
            .query_row(params![org_id, sub.owner_agent, sub.callback_url], |r| r.get(0))
            .optional()?,
    };
    let types = json!(sub.event_types).to_string();
    let (id, created, new_secret) = match existing {
        Some(id) => {
            conn.prepare_cached(
                "UPDATE webhook_subscriptions SET callback_url = ?3, event_types = ?4, active = ?5, description = COALESCE(?6, description),
                   secret = COALESCE(?7, secret), secret_hint = COALESCE(?8, secret_hint), updated_at = ?9
                 WHERE org_id = ?1 AND subscription_id = ?2",
            )?
            .execute(params![
                org_id, id, sub.callback_url, types, sub.active, sub.description,
                sub.secret, sub.secret.as_deref().map(webhooks::secret_hint), now
            ])?;
            (id, false, None)
        }
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            let generated = sub.secret.is_none().then(webhooks::new_secret);
            let secret = sub
                .secret
                .clone()
                .or_else(|| generated.clone())
                .unwrap_or_default();
            conn.prepare_cached(
                "INSERT INTO webhook_subscriptions (subscription_id, org_id, owner_agent, callback_url, event_types, secret, secret_hint, description, active, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
            )?
            .execute(params![
                id, org_id, sub.owner_agent, sub.callback_url, types, secret,
                webhooks::secret_hint(&secret), sub.description, sub.active, now
            ])?;
            (id, true, generated)
        }
    };
    let view = get_sub(conn, org_id, &id)?.ok_or_else(|| sub_not_found(&id))?;
    let mut body = json!({"ok": true, "subscription": view, "created": created});
    if let Some(secret) = new_secret {
        // Shown once: the receiver needs it to verify signatures.
        body["secret"] = json!(secret);
    }
    Ok(body)
}

/// Events with a pending delivery due at `now_us`, oldest due first (at most `limit`).
pub fn due_events(
    conn: &Connection,
    now_us: i64,
    limit: usize,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.org_id, d.event_id, MIN(d.next_attempt_us) AS due FROM webhook_deliveries d
         JOIN webhook_events e ON e.event_id = d.event_id
         WHERE d.status = 'pending' AND d.next_attempt_us <= ?1
         GROUP BY d.event_id ORDER BY due LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now_us, limit as i64], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    rows.collect()
}

/// When the next pending delivery falls due, if any is pending.
pub fn next_due(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT MIN(next_attempt_us) FROM webhook_deliveries WHERE status = 'pending'",
    )?
    .query_row([], |r| r.get(0))
}
