//! Reads of the human families: a human's tasks and an owner's inbox.

use rusqlite::{params_from_iter, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::intent_ops::parse_object;

fn placeholders(count: usize, first: usize) -> String {
    (0..count)
        .map(|i| format!("?{}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One `GET /v1/me/tasks` item from a task row and its intent.
fn task_item(state: &str, task: &Value, intent: &Value) -> Value {
    let spec = intent.get("human_task").cloned().unwrap_or(Value::Null);
    json!({
        "intent_id": intent["intent_id"], "intent_type": intent["intent_type"],
        "status": intent["status"], "waiting_reason": intent["waiting_reason"],
        "from_agent": intent["from_agent"], "to_agent": intent["to_agent"],
        "title": spec["title"], "task_type": spec.get("task_type").cloned().unwrap_or(Value::Null),
        "task_status": state, "assigned_at": task["assigned_at"], "due_at": intent["deadline_at"],
        "assignees": task.get("assignees").cloned().unwrap_or(json!([])),
        "remind_count": intent["remind_count"], "escalated_to": intent.get("escalated_to").cloned().unwrap_or(Value::Null),
        "answered_at": task["answered_at"], "answered_by": task["answered_by"], "outcome": task["outcome"],
        "human_task": spec,
    })
}

pub fn my_tasks(
    conn: &Connection,
    org_id: &str,
    keys: &[String],
    states: &[String],
    limit: usize,
) -> rusqlite::Result<Vec<Value>> {
    let sql = format!(
        "SELECT t.state, t.doc, i.doc FROM human_tasks t JOIN intents i ON i.id = t.intent_id
         WHERE t.org_id = ?1 AND t.state IN ({}) AND t.intent_id IN
           (SELECT intent_id FROM task_assignees WHERE org_id = ?1 AND assignee IN ({}))
         ORDER BY t.assigned_us DESC LIMIT {limit}",
        placeholders(states.len(), 2),
        placeholders(keys.len(), 2 + states.len()),
    );
    let mut args: Vec<String> = vec![org_id.to_string()];
    args.extend(states.iter().cloned());
    args.extend(keys.iter().cloned());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            let state: String = r.get(0)?;
            let task = Value::Object(parse_object(&r.get::<_, String>(1)?));
            let intent = Value::Object(parse_object(&r.get::<_, String>(2)?));
            Ok(task_item(&state, &task, &intent))
        })?
        .collect();
    rows
}

pub fn inbox_threads(
    conn: &Connection,
    org_id: &str,
    owner: &str,
    status: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<Value>> {
    let filter = if status.is_some() {
        " AND json_extract(t.doc, '$.status') = ?3"
    } else {
        ""
    };
    let sql = format!(
        "SELECT t.doc FROM inbox_access a JOIN inbox_threads t ON t.org_id = a.org_id AND t.thread_id = a.thread_id
         WHERE a.org_id = ?1 AND a.agent = ?2{filter} ORDER BY t.change_seq DESC LIMIT {limit}"
    );
    let mut args = vec![org_id.to_string(), owner.to_string()];
    args.extend(status.map(str::to_string));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| {
            Ok(Value::Object(parse_object(&r.get::<_, String>(0)?)))
        })?
        .collect();
    rows
}

pub fn inbox_changes(
    conn: &Connection,
    org_id: &str,
    owner: &str,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<(i64, Value)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.change_seq, t.doc FROM inbox_access a JOIN inbox_threads t ON t.org_id = a.org_id AND t.thread_id = a.thread_id
         WHERE a.org_id = ?1 AND a.agent = ?2 AND t.change_seq > ?3 ORDER BY t.change_seq LIMIT ?4",
    )?;
    let rows = stmt
        .query_map(rusqlite::params![org_id, owner, after, limit as i64], |r| {
            Ok((
                r.get(0)?,
                Value::Object(parse_object(&r.get::<_, String>(1)?)),
            ))
        })?
        .collect();
    rows
}

pub fn inbox_thread(
    conn: &Connection,
    org_id: &str,
    thread_id: &str,
) -> rusqlite::Result<Option<Value>> {
    conn.prepare_cached("SELECT doc FROM inbox_threads WHERE org_id = ?1 AND thread_id = ?2")?
        .query_row([org_id, thread_id], |r| r.get::<_, String>(0))
        .optional()
        .map(|d| d.map(|d| Value::Object(parse_object(&d))))
}
