//! Reminders, escalations and delayed workflow-step retries as durable timers: a row per *next* firing with its due time (indexed),
//! driven by `timers::human_timers`. Firing deletes the row, appends the event and inserts the next
//! row in one transaction, so across restarts no reminder is lost (overdue ones fire at start, each
//! with its own event) and none is sent twice (a fired row is gone).

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use super::hooks::Followup;
use super::intent_ops::{self, parse_object, SERVER_ACTOR, TIMERS_TOPIC};
use super::intents::{self, Effects};
use super::{humans, tasks};
use crate::domain::clock;
use crate::domain::tasks::{assignee_key, Schedule};
use crate::error::ApiError;

fn int(doc: &Map<String, Value>, key: &str) -> Option<i64> {
    doc.get(key).and_then(Value::as_i64)
}

fn insert(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
    kind: &str,
    due_us: i64,
    data: &Value,
    followup: &mut Followup,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO timers (org_id, intent_id, kind, due_us, data) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![org_id, intent_id, kind, due_us, data.to_string()])?;
    followup
        .effects
        .topics
        .push((TIMERS_TOPIC.to_string(), due_us));
    Ok(())
}

fn schedule_json(s: &Schedule) -> Value {
    json!({"start_us": s.start_us, "unit_us": s.unit_us, "after": s.after, "interval": s.interval, "max": s.max_reminders})
}

fn schedule_of(data: &Map<String, Value>) -> Schedule {
    Schedule {
        start_us: int(data, "start_us").unwrap_or_default(),
        unit_us: int(data, "unit_us").unwrap_or(1_000_000),
        after: int(data, "after").unwrap_or(1),
        interval: int(data, "interval").unwrap_or(1),
        max_reminders: int(data, "max").unwrap_or_default(),
    }
}

/// Arms the first reminder and the escalation of an intent from its `remind_*` and `escalate_to`,
/// counted from now. Without `remind_after_seconds` there is no schedule.
pub fn schedule(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
    doc: &Map<String, Value>,
    followup: &mut Followup,
) -> Result<(), ApiError> {
    clear(conn, intent_id)?;
    let unit_us = humans::timer_unit_us(conn)?;
    let Some(s) = Schedule::new(
        clock::now_us(),
        unit_us,
        int(doc, "remind_after_seconds"),
        int(doc, "remind_interval_seconds"),
        int(doc, "max_reminders"),
    ) else {
        return Ok(());
    };
    let mut data = schedule_json(&s);
    if s.max_reminders > 0 {
        data["n"] = json!(1);
        insert(
            conn,
            org_id,
            intent_id,
            "reminder",
            s.reminder_due(1),
            &data,
            followup,
        )?;
    }
    if let Some(to) = doc.get("escalate_to").and_then(Value::as_str) {
        data["escalate_to"] = json!(to);
        insert(
            conn,
            org_id,
            intent_id,
            "escalation",
            s.escalation_due(),
            &data,
            followup,
        )?;
    }
    Ok(())
}

/// Arms the delayed retry of workflow step `index` of `parent` (`retry.retry_delay_seconds`).
pub fn arm_step_retry(
    conn: &Connection,
    org_id: &str,
    parent: &str,
    index: usize,
    due_us: i64,
    followup: &mut Followup,
) -> rusqlite::Result<()> {
    let data = json!({"step_index": index});
    insert(conn, org_id, parent, STEP_RETRY, due_us, &data, followup)
}

/// The kind of a timer that runs a failed workflow step again.
const STEP_RETRY: &str = "step_retry";
/// The kind of a timer that ends a delay, timeout, reminder or escalation step.
const STEP_TIMER: &str = "step_timer";

/// Arms the timer of workflow step `index` of `parent` (a step the server does itself).
pub fn arm_step_timer(
    conn: &Connection,
    org_id: &str,
    parent: &str,
    index: usize,
    due_us: i64,
    followup: &mut Followup,
) -> rusqlite::Result<()> {
    let data = json!({"step_index": index});
    insert(conn, org_id, parent, STEP_TIMER, due_us, &data, followup)
}

/// Drops every timer of an intent (its task was answered, or it ended).
pub fn clear(conn: &Connection, intent_id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM timers WHERE intent_id = ?1")?
        .execute([intent_id])?;
    Ok(())
}

/// Fires one timer. A timer that is gone (fired already, or cleared) does nothing.
pub fn fire(conn: &Connection, timer_id: i64) -> Result<(Value, Effects), ApiError> {
    let row: Option<(String, String, String, String)> = conn
        .prepare_cached("SELECT org_id, intent_id, kind, data FROM timers WHERE id = ?1")?
        .query_row([timer_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((org_id, intent_id, kind, data)) = row else {
        return Ok((json!({"fired": false}), Effects::default()));
    };
    conn.prepare_cached("DELETE FROM timers WHERE id = ?1")?
        .execute([timer_id])?;
    // A timer whose intent is gone or finished is dropped without an event.
    let doc = match intents::load(conn, &org_id, &intent_id) {
        Ok(doc) if !intents::current_status(&doc).is_terminal() => doc,
        _ => return Ok((json!({"fired": false}), Effects::default())),
    };
    let data = parse_object(&data);
    let mut followup = Followup::default();
    if kind == STEP_RETRY || kind == STEP_TIMER {
        let index = int(&data, "step_index").unwrap_or_default() as usize;
        if kind == STEP_RETRY {
            super::workflow::retry_step(conn, &org_id, &intent_id, index, &mut followup)?;
        } else {
            super::workflow::timer_step_fired(conn, &org_id, &intent_id, index, &mut followup)?;
        }
        return Ok((json!({"fired": true}), followup.effects));
    }
    let s = schedule_of(&data);
    let assignees = match tasks::load(conn, &intent_id)? {
        Some((_, task)) => task.get("assignees").cloned().unwrap_or(Value::Null),
        None => Value::Null,
    };
    let event = if kind == "reminder" {
        let n = int(&data, "n").unwrap_or(1);
        let details = json!({"reminder": n, "max_reminders": s.max_reminders,
            "due_at": clock::format_us(s.reminder_due(n)), "assignees": assignees});
        let (event, _, topic) = intent_ops::note(
            conn,
            &org_id,
            &intent_id,
            "intent.reminder",
            SERVER_ACTOR,
            details,
            |doc| {
                doc.insert("remind_count".into(), json!(n));
            },
        )?;
        followup.effects.topics.push(topic);
        if n < s.max_reminders {
            let mut next = Value::Object(data.clone());
            next["n"] = json!(n + 1);
            insert(
                conn,
                &org_id,
                &intent_id,
                "reminder",
                s.reminder_due(n + 1),
                &next,
                &mut followup,
            )?;
        }
        event
    } else {
        let to = data
            .get("escalate_to")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let reminders = int(&doc, "remind_count").unwrap_or_default();
        let details =
            json!({"escalated_to": to, "reminders_sent": reminders, "assignees": assignees});
        let (event, _, topic) = intent_ops::note(
            conn,
            &org_id,
            &intent_id,
            "intent.escalated",
            SERVER_ACTOR,
            details,
            |doc| {
                doc.insert("escalated_to".into(), json!(to));
            },
        )?;
        followup.effects.topics.push(topic);
        // The escalation target may now answer the task as well.
        if tasks::is_open(conn, &intent_id)? {
            tasks::add_assignee(conn, &org_id, &intent_id, &assignee_key(&to))?;
        }
        event
    };
    Ok((json!({"fired": true, "event": event}), followup.effects))
}

/// Timers due at or before `now_us`.
pub fn due(conn: &Connection, now_us: i64, limit: usize) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached("SELECT id FROM timers WHERE due_us <= ?1 ORDER BY due_us, id LIMIT ?2")?
        .query_map(params![now_us, limit as i64], |r| r.get(0))?
        .collect()
}

/// The earliest due time of any timer.
pub fn next_due(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT MIN(due_us) FROM timers")?
        .query_row([], |r| r.get(0))
}
