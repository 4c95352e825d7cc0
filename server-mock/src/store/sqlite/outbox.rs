//! The delivery outbox. A row is written with its intent (same transaction), claimed by the delivery
//! worker (a lease: `state = 'claimed'`, due again when the lease runs out), and completed in another
//! transaction together with the intent's transition. A crash between claim and completion leaves the
//! row claimed; the next start releases it and it is sent again: at least once, and never again once
//! its completion is committed. `internal` rows are carried out right inside the claiming transaction.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use super::intents::{self, Effects};
use crate::domain::agents::{delay_seconds, delivery, is_delay_type};
use crate::domain::clock;
use crate::domain::validate;
use crate::error::ApiError;
use crate::hub;
use crate::store::agents::{DeliveryOutcome, OUTBOX_TOPIC};
use crate::store::Change;

/// Rows that can run: pending or claimed (lease), whose agent is not blocked (a kill pauses them).
const RUNNABLE: &str = "o.state IN ('pending', 'claimed') AND NOT EXISTS (
    SELECT 1 FROM agents a WHERE a.org_id = o.org_id AND a.address = o.agent AND a.blocked IS NOT NULL)";

struct Row {
    id: String,
    org_id: String,
    agent: String,
    intent_id: String,
    cursor: i64,
    kind: String,
    step: i64,
    attempts: i64,
    claim: i64,
}

fn finish(conn: &Connection, id: &str, state: &str, error: Option<&str>) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE outbox SET state = ?2, last_error = ?3 WHERE id = ?1")?
        .execute(params![id, state, error])?;
    Ok(())
}

/// Applies a change the outbox makes to an intent. A refusal (the intent moved on meanwhile) is
/// `None`; storage failures abort the transaction.
fn apply(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
    change: &Change,
    topics: &mut Vec<(String, i64)>,
) -> Result<Option<()>, ApiError> {
    match intents::transition(conn, org_id, intent_id, change) {
        Ok((_, effects)) => {
            topics.extend(effects.topics);
            Ok(Some(()))
        }
        Err(err) if err.status < 500 => Ok(None),
        Err(err) => Err(err),
    }
}

fn resume(body: Value) -> Change {
    let resumption = validate::resumption(&body).expect("the outbox builds valid resume bodies");
    Change::Resume {
        resumption,
        owner: None,
    }
}

/// An `internal` row: the server acknowledges the intent, waits `delay_seconds` for delay tools
/// (WAITING_FOR_TIME), and completes it.
fn run_internal(
    conn: &Connection,
    row: &Row,
    doc: &Map<String, Value>,
    now_us: i64,
    topics: &mut Vec<(String, i64)>,
) -> Result<(), ApiError> {
    let intent_type = doc
        .get("intent_type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let delay = match is_delay_type(intent_type) {
        true => delay_seconds(doc.get("payload").unwrap_or(&Value::Null)).unwrap_or(0),
        false => 0,
    };
    let (org, id) = (row.org_id.as_str(), row.intent_id.as_str());
    if row.step == 0 {
        let ack = Change::Acknowledge {
            by: row.agent.clone(),
            via: "internal".into(),
        };
        if apply(conn, org, id, &ack, topics)?.is_none() {
            return Ok(finish(
                conn,
                &row.id,
                "canceled",
                Some("the intent moved on before the server took it"),
            )?);
        }
        if delay > 0 {
            let wait = json!({"action": "wait", "waiting_reason": "WAITING_FOR_TIME", "actor": row.agent, "details": {"delay_seconds": delay}});
            apply(conn, org, id, &resume(wait), topics)?;
            conn.prepare_cached("UPDATE outbox SET step = 1, due_us = ?2 WHERE id = ?1")?
                .execute(params![row.id, now_us + delay * 1_000_000])?;
            return Ok(());
        }
    }
    let result =
        json!({"handled_by": "axme-server", "intent_type": intent_type, "delayed_seconds": delay});
    let done = json!({"action": "complete", "actor": row.agent, "result": result});
    let state = match apply(conn, org, id, &resume(done), topics)? {
        Some(()) => "done",
        None => "canceled",
    };
    Ok(finish(conn, &row.id, state, None)?)
}

/// Claims up to `limit` due rows. Returns the `http` deliveries to POST (with their secrets: the
/// answer never leaves the process).
pub fn claim(conn: &Connection, limit: usize, lease_us: i64) -> Result<(Value, Effects), ApiError> {
    let now_us = clock::now_us();
    let sql = format!(
        "SELECT o.id, o.org_id, o.agent, o.intent_id, o.cursor, o.kind, o.step, o.attempts, o.claim FROM outbox o
         WHERE {RUNNABLE} AND o.due_us <= ?1 ORDER BY o.due_us LIMIT ?2"
    );
    let rows: Vec<Row> = conn
        .prepare_cached(&sql)?
        .query_map(params![now_us, limit as i64], |r| {
            Ok(Row {
                id: r.get(0)?,
                org_id: r.get(1)?,
                agent: r.get(2)?,
                intent_id: r.get(3)?,
                cursor: r.get(4)?,
                kind: r.get(5)?,
                step: r.get(6)?,
                attempts: r.get(7)?,
                claim: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut claimed = Vec::new();
    let mut topics = Vec::new();
    for row in rows {
        let doc = match intents::load(conn, &row.org_id, &row.intent_id) {
            Ok(doc) => doc,
            Err(_) => {
                finish(conn, &row.id, "canceled", Some("the intent is gone"))?;
                continue;
            }
        };
        let status = intents::current_status(&doc);
        if status.is_terminal() {
            finish(
                conn,
                &row.id,
                "canceled",
                Some(&format!("the intent is already {status}")),
            )?;
            continue;
        }
        if row.kind == "internal" {
            run_internal(conn, &row, &doc, now_us, &mut topics)?;
            continue;
        }
        let binding: Option<(String, Option<String>, Option<String>)> = conn
            .prepare_cached("SELECT delivery_mode, callback_url, secret FROM agents WHERE org_id = ?1 AND address = ?2")?
            .query_row(params![row.org_id, row.agent], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((mode, Some(url), Some(secret))) = binding.filter(|b| b.0 == "http") else {
            finish(
                conn,
                &row.id,
                "canceled",
                Some("the agent no longer has an http binding"),
            )?;
            continue;
        };
        debug_assert_eq!(mode, "http");
        let claim = row.claim + 1;
        conn.prepare_cached(
            "UPDATE outbox SET state = 'claimed', claim = ?2, due_us = ?3 WHERE id = ?1",
        )?
        .execute(params![row.id, claim, now_us + lease_us])?;
        let mut body = delivery(row.cursor, &Value::Object(doc));
        body["delivery_id"] = json!(row.id);
        body["delivery_attempt"] = json!(row.attempts + 1);
        claimed.push(json!({
            "id": row.id, "claim": claim, "url": url, "secret": secret,
            "attempt": row.attempts + 1, "intent_id": row.intent_id, "body": body,
        }));
    }
    Ok((
        json!({"claimed": claimed}),
        Effects {
            topics,
            deadline_added: false,
        },
    ))
}

/// Records `intent.delivery_failed` (no status change) with the attempt that failed.
fn record_failure(
    conn: &Connection,
    intent_id: &str,
    doc: &mut Map<String, Value>,
    details: Value,
    next_attempt: i64,
) -> Result<i64, ApiError> {
    let status = intents::current_status(doc);
    let seq = doc
        .get("last_seq")
        .and_then(Value::as_i64)
        .unwrap_or_default()
        + 1;
    let at = clock::format_us(clock::now_us());
    doc.insert("last_seq".into(), json!(seq));
    doc.insert("updated_at".into(), json!(at));
    doc.insert("delivery_attempt".into(), json!(next_attempt));
    let mut event = intents::event(
        intent_id,
        seq,
        status,
        doc,
        Some("axme-server"),
        details,
        &at,
    );
    event["event_type"] = json!("intent.delivery_failed");
    intents::insert_event(conn, intent_id, &event)?;
    intents::save(conn, intent_id, doc, status)?;
    Ok(seq)
}

/// Completes a claimed `http` delivery: 2xx → ACKNOWLEDGED; otherwise `intent.delivery_failed`, then
/// a retry on the schedule, or FAILED after `max_delivery_attempts`.
pub fn complete(
    conn: &Connection,
    id: &str,
    claim: i64,
    outcome: &DeliveryOutcome,
    schedule_us: &[i64],
) -> Result<(Value, Effects), ApiError> {
    let row: Option<(String, String, String, String, i64, i64)> = conn
        .prepare_cached(
            "SELECT org_id, agent, intent_id, state, claim, attempts FROM outbox WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .optional()?;
    let Some((org, agent, intent_id, state, current, attempts)) = row else {
        return Ok((json!({"ok": true, "applied": false}), Effects::default()));
    };
    if state != "claimed" || current != claim {
        // A stale claim (its lease ran out and the row was claimed again): the newer one decides.
        return Ok((json!({"ok": true, "applied": false}), Effects::default()));
    }
    let attempt = attempts + 1;
    let now_us = clock::now_us();
    let mut topics = vec![(OUTBOX_TOPIC.to_string(), 0)];
    let (status, error) = match outcome {
        DeliveryOutcome::Delivered { .. } => {
            conn.prepare_cached(
                "UPDATE outbox SET state = 'done', attempts = ?2, last_error = NULL WHERE id = ?1",
            )?
            .execute(params![id, attempt])?;
            let ack = Change::Acknowledge {
                by: agent,
                via: "http".into(),
            };
            apply(conn, &org, &intent_id, &ack, &mut topics)?;
            return Ok((
                json!({"ok": true, "applied": true}),
                Effects {
                    topics,
                    deadline_added: false,
                },
            ));
        }
        DeliveryOutcome::Failed { status, error } => (status, error),
    };
    let mut doc = match intents::load(conn, &org, &intent_id) {
        Ok(doc) if !intents::current_status(&doc).is_terminal() => doc,
        _ => {
            finish(conn, id, "canceled", Some(error))?;
            return Ok((
                json!({"ok": true, "applied": true}),
                Effects {
                    topics,
                    deadline_added: false,
                },
            ));
        }
    };
    let max = doc
        .get("max_delivery_attempts")
        .and_then(Value::as_i64)
        .unwrap_or(3)
        .max(1);
    let last = attempt >= max;
    let wait_us = schedule_us
        .get((attempt - 1) as usize)
        .or(schedule_us.last())
        .copied()
        .unwrap_or(30_000_000);
    let next_due = (!last).then_some(now_us + wait_us);
    let details = json!({
        "delivery_attempt": attempt, "max_delivery_attempts": max, "error": error, "http_status": status,
        "next_attempt_at": next_due.map(clock::format_us),
    });
    let seq = record_failure(
        conn,
        &intent_id,
        &mut doc,
        details,
        if last { attempt } else { attempt + 1 },
    )?;
    topics.push((hub::intent_topic(&intent_id), seq));
    conn.prepare_cached("UPDATE outbox SET state = ?2, attempts = ?3, due_us = COALESCE(?4, due_us), last_error = ?5 WHERE id = ?1")?
        .execute(params![id, if last { "failed" } else { "pending" }, attempt, next_due, error])?;
    if last {
        let failed = json!({
            "status": "FAILED", "actor": "axme-server", "reason": "delivery_failed",
            "error": {"code": "delivery_failed", "message": format!("the callback of {agent} did not take the intent in {attempt} attempts; last error: {error}"), "delivery_attempt": attempt},
        });
        let resolution = validate::resolution(&failed).expect("a valid resolve body");
        apply(
            conn,
            &org,
            &intent_id,
            &Change::Resolve(resolution),
            &mut topics,
        )?;
    }
    Ok((
        json!({"ok": true, "applied": true}),
        Effects {
            topics,
            deadline_added: false,
        },
    ))
}

/// Makes every claimed row due now (at start, before the worker runs).
pub fn release(conn: &Connection) -> Result<(Value, Effects), ApiError> {
    let released = conn.execute(
        "UPDATE outbox SET state = 'pending', due_us = MIN(due_us, ?1) WHERE state = 'claimed'",
        [clock::now_us()],
    )?;
    let effects = Effects {
        topics: vec![(OUTBOX_TOPIC.to_string(), 0)],
        deadline_added: false,
    };
    Ok((json!({"ok": true, "released": released}), effects))
}

pub fn next_due(conn: &Connection) -> rusqlite::Result<Value> {
    let sql = format!("SELECT MIN(o.due_us) FROM outbox o WHERE {RUNNABLE}");
    let due: Option<i64> = conn.prepare_cached(&sql)?.query_row([], |r| r.get(0))?;
    Ok(due.map_or(Value::Null, Value::from))
}
