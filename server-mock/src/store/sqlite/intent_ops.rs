//! Moving intents from the writes of the human families (task answers, timers, workflows) with the
//! same bookkeeping as `intents::transition`: one event per change, `seq` from `last_seq`, the
//! projection saved in the same transaction, and the follow-ups of hooks.rs.

use rusqlite::{params, Connection};
use serde_json::{json, Map, Value};

use super::hooks::{self, Followup};
use super::intents;
use crate::domain::clock;
use crate::domain::lifecycle::Refusal;
use crate::domain::status::Status;
use crate::error::ApiError;
use crate::hub;

pub use crate::timers::TIMERS_TOPIC;

/// Who the server itself is, in events it causes.
pub const SERVER_ACTOR: &str = "axme-server";

fn next_seq(doc: &Map<String, Value>) -> i64 {
    doc.get("last_seq")
        .and_then(Value::as_i64)
        .unwrap_or_default()
        + 1
}

/// Moves an intent to `next` and appends its event. `patch` may adjust the projection (result,
/// error, `waiting_reason`, `pending_with`) before the event is written. Returns the event, the
/// saved projection and the follow-ups (hub topics included).
pub fn move_to(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
    next: Status,
    actor: &str,
    details: Value,
    patch: impl FnOnce(&mut Map<String, Value>),
) -> Result<(Value, Map<String, Value>, Followup), ApiError> {
    let mut doc = intents::load(conn, org_id, intent_id)?;
    let current = intents::current_status(&doc);
    if current.is_terminal() {
        return Err(intents::refusal(
            intent_id,
            Refusal::AlreadyTerminal(current),
        ));
    }
    let seq = next_seq(&doc);
    let at = clock::format_us(clock::now_us());
    doc.insert("status".into(), json!(next.as_str()));
    doc.insert("lifecycle_status".into(), json!(next.as_str()));
    doc.insert("waiting_reason".into(), Value::Null);
    doc.insert("last_seq".into(), json!(seq));
    doc.insert("updated_at".into(), json!(at));
    if next.is_terminal() {
        doc.insert("completed_at".into(), json!(at));
    }
    let pending = intents::pending_with(next, &doc);
    doc.insert("pending_with".into(), pending);
    patch(&mut doc);
    let event = intents::event(intent_id, seq, next, &doc, Some(actor), details, &at);
    intents::insert_event(conn, intent_id, &event)?;
    intents::save(conn, intent_id, &doc, next)?;
    let mut followup = hooks::after_transition(conn, org_id, &doc, current, next, None)?;
    followup
        .effects
        .topics
        .push((hub::intent_topic(intent_id), seq));
    if next.is_terminal() {
        let agent = doc
            .get("to_agent")
            .and_then(Value::as_str)
            .unwrap_or_default();
        followup
            .effects
            .topics
            .push((hub::agent_topic(org_id, agent), 0));
    }
    Ok((event, doc, followup))
}

/// An appended event, the saved projection, and the intent's hub topic with the event's seq.
pub type Noted = (Value, Map<String, Value>, (String, i64));

/// Appends an event that leaves the status as it is (`intent.reminder`, `intent.escalated`,
/// `intent.human_task_assigned`). Returns the event, the projection and the intent's topic.
pub fn note(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
    event_type: &str,
    actor: &str,
    details: Value,
    patch: impl FnOnce(&mut Map<String, Value>),
) -> Result<Noted, ApiError> {
    let mut doc = intents::load(conn, org_id, intent_id)?;
    let status = intents::current_status(&doc);
    let seq = next_seq(&doc);
    let at = clock::format_us(clock::now_us());
    doc.insert("last_seq".into(), json!(seq));
    doc.insert("updated_at".into(), json!(at));
    patch(&mut doc);
    let mut event = intents::event(intent_id, seq, status, &doc, Some(actor), details, &at);
    event["event_type"] = json!(event_type);
    intents::insert_event(conn, intent_id, &event)?;
    intents::save(conn, intent_id, &doc, status)?;
    Ok((event, doc, (hub::intent_topic(intent_id), seq)))
}

/// Enqueues an intent for an agent again (a new, larger delivery cursor), so a listening agent gets
/// work back that waited on someone else. Returns the agent's topic.
pub fn enqueue(
    conn: &Connection,
    org_id: &str,
    agent: &str,
    intent_id: &str,
) -> rusqlite::Result<(String, i64)> {
    let cursor: i64 = conn
        .prepare_cached(
            "INSERT INTO agent_cursors (org_id, agent, last) VALUES (?1, ?2, 1)
             ON CONFLICT (org_id, agent) DO UPDATE SET last = last + 1 RETURNING last",
        )?
        .query_row(params![org_id, agent], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO agent_queue (org_id, agent, cursor, intent_id) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![org_id, agent, cursor, intent_id])?;
    Ok((hub::agent_topic(org_id, agent), cursor))
}

/// The next value of a per-organisation counter (inbox change positions).
pub fn next_counter(conn: &Connection, org_id: &str, name: &str) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO org_counters (org_id, name, last) VALUES (?1, ?2, 1)
         ON CONFLICT (org_id, name) DO UPDATE SET last = last + 1 RETURNING last",
    )?
    .query_row(params![org_id, name], |r| r.get(0))
}

/// A JSON document stored in a column, as an object.
pub fn parse_object(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}
