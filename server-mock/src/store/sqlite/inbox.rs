//! Owner inboxes in the store. A terminal intent with `reply_to` becomes (or updates) the thread
//! `thread_id == intent_id` in that owner's inbox; the inbox endpoints change threads. Every change
//! takes the next position of the organisation's inbox counter, which `GET /v1/inbox/changes` pages by.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use super::intent_ops::{next_counter, parse_object};
use super::intents::Effects;
use crate::domain::clock;
use crate::domain::inbox::{self, Deletion};
use crate::error::ApiError;
use crate::store::humans::InboxOp;

fn load(conn: &Connection, org_id: &str, thread_id: &str) -> rusqlite::Result<Option<Value>> {
    conn.prepare_cached("SELECT doc FROM inbox_threads WHERE org_id = ?1 AND thread_id = ?2")?
        .query_row(params![org_id, thread_id], |r| r.get::<_, String>(0))
        .optional()
        .map(|doc| doc.map(|d| Value::Object(parse_object(&d))))
}

fn store(conn: &Connection, org_id: &str, thread: &mut Value) -> rusqlite::Result<()> {
    let seq = next_counter(conn, org_id, "inbox")?;
    thread["updated_at"] = json!(clock::format_us(clock::now_us()));
    let thread_id = thread["thread_id"].as_str().unwrap_or_default().to_string();
    conn.prepare_cached(
        "INSERT INTO inbox_threads (org_id, thread_id, change_seq, doc) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (org_id, thread_id) DO UPDATE SET change_seq = excluded.change_seq, doc = excluded.doc",
    )?
    .execute(params![org_id, thread_id, seq, thread.to_string()])?;
    for agent in inbox::participants(thread) {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO inbox_access (org_id, agent, thread_id) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![org_id, agent, thread_id])?;
    }
    Ok(())
}

/// Delivers a terminal intent to its `reply_to` inbox; returns the `completion_delivery` answer.
pub fn deliver_completion(
    conn: &Connection,
    org_id: &str,
    doc: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let Some(reply_to) = doc.get("reply_to").and_then(Value::as_str) else {
        return Ok(json!({"delivered": false, "reason": "reply_to_not_set"}));
    };
    let intent_id = doc
        .get("intent_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let status = doc
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let at = doc.get("updated_at").cloned().unwrap_or(Value::Null);
    let mut completion = json!({"status": status, "intent_type": doc.get("intent_type"), "seq": doc.get("last_seq")});
    for key in ["result", "error"] {
        if let Some(v) = doc.get(key).filter(|v| !v.is_null()) {
            completion[key] = v.clone();
        }
    }
    let handler = doc
        .get("to_agent")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let event_type = format!("intent.{}", status.to_ascii_lowercase());
    let entry = inbox::entry(
        &event_type,
        handler,
        at.as_str().unwrap_or_default(),
        completion.clone(),
        true,
    );
    let message_id = entry["message_id"].clone();
    let mut thread = match load(conn, org_id, intent_id)? {
        Some(thread) => thread,
        None => json!({
            "thread_id": intent_id, "intent_id": intent_id, "owner_agent": reply_to,
            "from_agent": doc.get("from_agent"), "to_agent": handler,
            "title": format!("{} {status}", doc.get("intent_type").and_then(Value::as_str).unwrap_or("intent")),
            "delegated_to": null, "decision": null, "participants": [reply_to],
            "created_at": at, "timeline": [],
        }),
    };
    thread["status"] = json!("pending");
    thread["unread"] = json!(true);
    if let Some(timeline) = thread["timeline"].as_array_mut() {
        timeline.push(entry);
    }
    store(conn, org_id, &mut thread)?;
    Ok(
        json!({"delivered": true, "reply_to": reply_to, "thread_id": intent_id, "message_id": message_id, "completion": completion}),
    )
}

fn thread_for(
    conn: &Connection,
    org_id: &str,
    thread_id: &str,
    viewer: &str,
) -> Result<Value, ApiError> {
    let thread = load(conn, org_id, thread_id)?.ok_or_else(|| not_found(thread_id))?;
    if !inbox::participants(&thread).iter().any(|p| p == viewer) {
        return Err(not_participant(viewer, &thread));
    }
    Ok(thread)
}

/// 404 for a thread the organisation does not have.
pub fn not_found(thread_id: &str) -> ApiError {
    ApiError::not_found(
        "thread_not_found",
        format!("no inbox thread {thread_id:?} is visible to this credential"),
    )
}

/// 403 for an owner agent that does not see the thread.
pub fn not_participant(viewer: &str, thread: &Value) -> ApiError {
    ApiError::new(
        403,
        "owner_mismatch",
        format!(
            "{viewer} does not see this thread; it belongs to {} (and whom it was delegated to)",
            thread["owner_agent"].as_str().unwrap_or("another owner")
        ),
    )
}

fn push(thread: &mut Value, entry: Value) {
    if let Some(timeline) = thread["timeline"].as_array_mut() {
        timeline.push(entry);
    }
}

/// Runs one inbox write.
pub fn perform(conn: &Connection, op: &InboxOp) -> Result<(Value, Effects), ApiError> {
    let now = clock::format_us(clock::now_us());
    let (org_id, viewer, thread_id) = match op {
        InboxOp::Read {
            org_id,
            viewer,
            thread_id,
        }
        | InboxOp::Reply {
            org_id,
            viewer,
            thread_id,
            ..
        }
        | InboxOp::Delegate {
            org_id,
            viewer,
            thread_id,
            ..
        }
        | InboxOp::Decide {
            org_id,
            viewer,
            thread_id,
            ..
        }
        | InboxOp::DeleteMessages {
            org_id,
            viewer,
            thread_id,
            ..
        } => (org_id, viewer, thread_id),
        InboxOp::DecideApproval { .. } => return super::approvals::decide(conn, op),
    };
    let mut thread = thread_for(conn, org_id, thread_id, viewer)?;
    let mut extra = Map::new();
    let changed = match op {
        InboxOp::Read { .. } => {
            thread["unread"] = json!(false);
            true
        }
        InboxOp::Reply { message, .. } => {
            push(
                &mut thread,
                inbox::entry(
                    "message.sent",
                    viewer,
                    &now,
                    json!({"message": message}),
                    true,
                ),
            );
            thread["status"] = json!("active");
            thread["unread"] = json!(false);
            true
        }
        InboxOp::Delegate { delegation, .. } => {
            if &delegation.delegate_to == viewer {
                return Err(ApiError::new(
                    422,
                    "delegate_to_self",
                    "`delegate_to` is the caller itself; name another agent",
                )
                .with_details(json!({"field": "delegate_to"})));
            }
            let details = json!({"delegate_to": delegation.delegate_to, "note": delegation.note});
            push(
                &mut thread,
                inbox::entry("thread.delegated", viewer, &now, details, false),
            );
            if let Some(list) = thread["participants"].as_array_mut() {
                if !list
                    .iter()
                    .any(|p| p.as_str() == Some(&delegation.delegate_to))
                {
                    list.push(json!(delegation.delegate_to));
                }
            }
            thread["delegated_to"] = json!(delegation.delegate_to);
            thread["status"] = json!("active");
            true
        }
        InboxOp::Decide {
            approve, comment, ..
        } => {
            let word = if *approve { "approve" } else { "reject" };
            match thread["decision"]["decision"].as_str() {
                Some(earlier) if earlier == word => false,
                Some(earlier) => {
                    return Err(ApiError::conflict(
                        "thread_already_decided",
                        format!(
                            "this thread was already decided ({earlier}); a decision cannot change"
                        ),
                    ))
                }
                None => {
                    thread["decision"] = json!({"decision": word, "comment": comment, "decided_at": now, "decided_by": viewer});
                    let kind = if *approve {
                        "thread.approved"
                    } else {
                        "thread.rejected"
                    };
                    push(
                        &mut thread,
                        inbox::entry(kind, viewer, &now, json!({"comment": comment}), false),
                    );
                    thread["status"] = json!("done");
                    thread["unread"] = json!(false);
                    true
                }
            }
        }
        InboxOp::DeleteMessages { deletion, .. } => {
            delete(&mut thread, viewer, deletion, &mut extra)
        }
        InboxOp::DecideApproval { .. } => false,
    };
    if changed {
        store(conn, org_id, &mut thread)?;
    }
    let mut body = json!({"ok": true, "thread": inbox::view(&thread, viewer)});
    if let Some(map) = body.as_object_mut() {
        map.extend(extra);
    }
    Ok((body, Effects::default()))
}

fn delete(
    thread: &mut Value,
    viewer: &str,
    deletion: &Deletion,
    extra: &mut Map<String, Value>,
) -> bool {
    let ids = inbox::delete_messages(thread, viewer, deletion);
    extra.insert("mode".into(), json!(deletion.mode.as_str()));
    extra.insert("deleted_count".into(), json!(ids.len()));
    extra.insert("message_ids".into(), json!(ids));
    !ids.is_empty()
}
