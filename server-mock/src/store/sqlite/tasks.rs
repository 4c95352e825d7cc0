//! Human tasks in the store: opening one (the intent goes WAITING / WAITING_FOR_HUMAN and records
//! `intent.waiting` then `intent.human_task_assigned`), answering it, and ending it. Who may answer
//! is kept as assignee keys (`task_assignees`) so `GET /v1/me/tasks` is an index lookup.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use super::hooks::Followup;
use super::intent_ops::{self, parse_object};
use super::intents::{self, Effects};
use super::task_timers;
use crate::domain::clock;
use crate::domain::status::Status;
use crate::domain::task_answers::{self, Route, Submission};
use crate::domain::tasks;
use crate::domain::validate::NewIntent;
use crate::error::ApiError;
use crate::store::humans::Actor;
use crate::store::Principal;

/// After `intents::create`: opens the human task of `human_task`, or arms the reminders of a plain
/// intent. The create answer then says WAITING when a task was opened.
pub fn after_create(
    conn: &Connection,
    principal: &Principal,
    new: &NewIntent,
    mut body: Value,
    mut effects: Effects,
) -> Result<(Value, Effects), ApiError> {
    let intent_id = body["intent_id"].as_str().unwrap_or_default().to_string();
    let org_id = &principal.org_id;
    let mut followup = Followup::default();
    if let Some(spec) = &new.human_task {
        open(
            conn,
            org_id,
            &intent_id,
            spec,
            &principal.default_from_agent(),
            &mut followup,
        )?;
        body["status"] = json!("WAITING");
    } else if new.remind_after_seconds.is_some() {
        // Most intents have no schedule; only those with reminders pay for arming one.
        let doc = intents::load(conn, org_id, &intent_id)?;
        task_timers::schedule(conn, org_id, &intent_id, &doc, &mut followup)?;
    }
    effects.topics.extend(followup.effects.topics);
    effects.deadline_added |= followup.effects.deadline_added;
    Ok((body, effects))
}

/// Opens the human task `spec` on an intent: WAITING / WAITING_FOR_HUMAN, the task row and its
/// assignee keys, `intent.human_task_assigned`, and the reminder/escalation timers.
pub fn open(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
    spec: &Value,
    actor: &str,
    followup: &mut Followup,
) -> Result<(), ApiError> {
    let title = spec["title"].as_str().unwrap_or_default().to_string();
    let assignees = spec.get("assignees").cloned().unwrap_or_else(|| json!([]));
    let first = assignees[0].as_str().unwrap_or("*").to_string();
    let details =
        json!({"reason": "human_task", "title": title, "task_type": spec.get("task_type")});
    let (_, _, moved) = intent_ops::move_to(
        conn,
        org_id,
        intent_id,
        Status::Waiting,
        actor,
        details,
        |doc| {
            doc.insert("waiting_reason".into(), json!("WAITING_FOR_HUMAN"));
            doc.insert("human_task".into(), spec.clone());
            doc.insert("task_result".into(), Value::Null);
            doc.insert(
                "pending_with".into(),
                json!({"type": "human", "ref": first, "name": title}),
            );
        },
    )?;
    followup.absorb(moved);
    let now_us = clock::now_us();
    let doc = intents::load(conn, org_id, intent_id)?;
    let due_at = doc.get("deadline_at").cloned().unwrap_or(Value::Null);
    let task = json!({
        "assigned_at": clock::format_us(now_us), "due_at": due_at, "assignees": assignees,
        "answered_at": null, "answered_by": null, "outcome": null,
    });
    conn.prepare_cached(
        "INSERT INTO human_tasks (intent_id, org_id, state, assigned_us, doc) VALUES (?1, ?2, 'open', ?3, ?4)
         ON CONFLICT (intent_id) DO UPDATE SET state = 'open', assigned_us = excluded.assigned_us, doc = excluded.doc",
    )?
    .execute(params![intent_id, org_id, now_us, task.to_string()])?;
    conn.prepare_cached("DELETE FROM task_assignees WHERE intent_id = ?1 AND org_id = ?2")?
        .execute(params![intent_id, org_id])?;
    for key in tasks::spec_assignee_keys(spec) {
        add_assignee(conn, org_id, intent_id, &key)?;
    }
    let details = json!({
        "title": title, "task_type": spec.get("task_type"), "assignees": assignees,
        "allowed_outcomes": spec["allowed_outcomes"], "due_at": due_at,
    });
    let (_, doc, topic) = intent_ops::note(
        conn,
        org_id,
        intent_id,
        "intent.human_task_assigned",
        actor,
        details,
        |_| {},
    )?;
    followup.effects.topics.push(topic);
    task_timers::schedule(conn, org_id, intent_id, &doc, followup)
}

/// Lets whoever `key` names answer the task too (escalation).
pub fn add_assignee(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
    key: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO task_assignees (org_id, assignee, intent_id) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![org_id, key, intent_id])?;
    Ok(())
}

/// The task row of an intent: `(state, doc)`.
pub fn load(
    conn: &Connection,
    intent_id: &str,
) -> rusqlite::Result<Option<(String, Map<String, Value>)>> {
    conn.prepare_cached("SELECT state, doc FROM human_tasks WHERE intent_id = ?1")?
        .query_row([intent_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .optional()
        .map(|row| row.map(|(state, doc)| (state, parse_object(&doc))))
}

pub fn is_open(conn: &Connection, intent_id: &str) -> rusqlite::Result<bool> {
    Ok(load(conn, intent_id)?.is_some_and(|(state, _)| state == "open"))
}

/// Ends a task: `answered` (with who and what) or `closed` (its intent moved on without an answer).
pub fn close(
    conn: &Connection,
    intent_id: &str,
    state: &str,
    by: Option<&str>,
    answer: Option<&Value>,
) -> rusqlite::Result<()> {
    let Some((_, mut doc)) = load(conn, intent_id)? else {
        return Ok(());
    };
    if let Some(answer) = answer {
        doc.insert(
            "answered_at".into(),
            json!(clock::format_us(clock::now_us())),
        );
        doc.insert("answered_by".into(), json!(by));
        doc.insert("outcome".into(), answer["outcome"].clone());
    }
    conn.prepare_cached("UPDATE human_tasks SET state = ?2, doc = ?3 WHERE intent_id = ?1")?
        .execute(params![intent_id, state, Value::Object(doc).to_string()])?;
    Ok(())
}

/// A human's answer (`resume` with `task_result`). The intent goes on per the outcome (`Route`).
pub fn submit(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
    answer: &Submission,
    actor: Option<&Actor>,
    by: &str,
) -> Result<(Value, Effects), ApiError> {
    let doc = intents::load(conn, org_id, intent_id)?;
    let status = intents::current_status(&doc);
    if status.is_terminal() {
        return Err(intents::refusal(
            intent_id,
            crate::domain::lifecycle::Refusal::AlreadyTerminal(status),
        ));
    }
    if !is_open(conn, intent_id)? {
        return Err(ApiError::conflict(
            "no_open_human_task",
            format!("intent {intent_id} is {status} and has no open human task; task_result answers a WAITING_FOR_HUMAN step"),
        )
        .with_details(json!({"status": status.as_str()})));
    }
    if let Some(actor) = actor {
        let keys = actor.keys();
        let assigned: bool = conn
            .prepare_cached(
                "SELECT assignee FROM task_assignees WHERE org_id = ?1 AND intent_id = ?2",
            )?
            .query_map(params![org_id, intent_id], |r| r.get::<_, String>(0))?
            .filter_map(Result::ok)
            .any(|k| keys.contains(&k));
        if !assigned {
            return Err(ApiError::new(
                403,
                "not_an_assignee",
                format!(
                    "{} is not among the assignees of this task",
                    actor.address()
                ),
            ));
        }
    }
    let spec = doc.get("human_task").cloned().unwrap_or(Value::Null);
    task_answers::check(&spec, answer)?;
    close(conn, intent_id, "answered", Some(by), Some(&answer.raw))?;
    super::task_timers::clear(conn, intent_id)?;
    let to_agent = doc
        .get("to_agent")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let route = task_answers::route(&answer.outcome, &to_agent);
    let details = json!({"task_result": answer.raw, "outcome": answer.outcome, "answered_by": by});
    let raw = answer.raw.clone();
    let (next, extra): (Status, Option<(&str, Value)>) = match route {
        Route::Continue => (Status::InProgress, None),
        Route::Complete => (
            Status::Completed,
            Some((
                "result",
                json!({"outcome": answer.outcome, "task_result": raw}),
            )),
        ),
        Route::Fail => (
            Status::Failed,
            Some((
                "error",
                json!({"code": format!("human_task_{}", answer.outcome), "message": format!("the human task was answered {:?}", answer.outcome),
                    "outcome": answer.outcome, "comment": answer.comment, "answered_by": by}),
            )),
        ),
    };
    let (event, doc, mut followup) =
        intent_ops::move_to(conn, org_id, intent_id, next, by, details, |doc| {
            doc.insert("task_result".into(), raw);
            if let Some((field, value)) = extra {
                doc.insert(field.into(), value);
            }
        })?;
    if route == Route::Continue {
        followup
            .effects
            .topics
            .push(intent_ops::enqueue(conn, org_id, &to_agent, intent_id)?);
    }
    let mut body = json!({"ok": true, "intent": Value::Object(doc), "event": event});
    if let Some(delivery) = followup.completion_delivery.take() {
        body["completion_delivery"] = delivery;
    }
    Ok((body, followup.effects))
}
