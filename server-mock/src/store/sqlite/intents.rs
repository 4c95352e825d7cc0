//! Intent writes inside the writer's transaction: create, transitions, controls and policy. Each
//! returns the response body and the topics to wake once the transaction is committed.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Map, Value};

use crate::domain::clock;
use crate::domain::lifecycle::{self, Action, Outcome, Refusal};
use crate::domain::status::Status;
use crate::domain::validate::{NewIntent, PolicyChange, ResumeAction};
use crate::error::ApiError;
use crate::hub;
use crate::store::{Change, PolicyTarget, Principal};

/// What a committed write must announce.
#[derive(Debug, Default)]
pub struct Effects {
    pub topics: Vec<(String, i64)>,
    pub deadline_added: bool,
}

pub(super) fn pending_with(status: Status, doc: &Map<String, Value>) -> Value {
    let to_agent = doc.get("to_agent").cloned().unwrap_or(Value::Null);
    match status {
        Status::Created | Status::Submitted => {
            json!({"type": "internal", "ref": "axme-server", "name": "delivery"})
        }
        Status::Delivered | Status::Acknowledged | Status::InProgress => {
            json!({"type": "agent", "ref": to_agent, "name": to_agent})
        }
        Status::Waiting => match doc.get("waiting_reason").and_then(Value::as_str) {
            Some("WAITING_FOR_HUMAN") => {
                json!({"type": "human", "ref": "human_task", "name": "human task"})
            }
            Some("WAITING_FOR_AGENT") | None => {
                json!({"type": "agent", "ref": to_agent, "name": to_agent})
            }
            Some(_) => json!({"type": "internal", "ref": "axme-server", "name": "scheduler"}),
        },
        _ => Value::Null,
    }
}

pub(super) fn event(
    intent_id: &str,
    seq: i64,
    status: Status,
    doc: &Map<String, Value>,
    actor: Option<&str>,
    details: Value,
    at: &str,
) -> Value {
    let handler = match status {
        Status::Created | Status::Submitted => Value::Null,
        _ => doc.get("to_agent").cloned().unwrap_or(Value::Null),
    };
    json!({
        "intent_id": intent_id,
        "seq": seq,
        "event_type": status.event_type(),
        "status": status.as_str(),
        "waiting_reason": doc.get("waiting_reason").cloned().unwrap_or(Value::Null),
        "handler": handler,
        "actor": actor,
        "at": at,
        "details": details,
    })
}

pub(super) fn insert_event(
    conn: &Connection,
    intent_id: &str,
    event: &Value,
) -> rusqlite::Result<()> {
    let seq = event["seq"].as_i64().unwrap_or_default();
    conn.prepare_cached("INSERT INTO events (intent_id, seq, doc) VALUES (?1, ?2, ?3)")?
        .execute(params![intent_id, seq, event.to_string()])?;
    Ok(())
}

/// Creates an intent: the row, the events `created`, `submitted`, `delivered` (wire facts §7: delivery
/// is the durable enqueue for the recipient, done here) and the recipient's queue item.
pub fn create(
    conn: &Connection,
    principal: &Principal,
    new: &NewIntent,
) -> Result<(Value, Effects), ApiError> {
    // Time-ordered (version 7) ids: the id index, the events key and the idempotency key then grow
    // at their right edge instead of dirtying a random leaf page per intent, which more than halves
    // the bytes each create writes (BENCHMARKS.md, create throughput). They are still UUIDs.
    let intent_id = uuid::Uuid::now_v7().to_string();
    let now_us = clock::now_us();
    let at = clock::format_us(now_us);
    let correlation_id = new
        .correlation_id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let from_agent = new
        .from_agent
        .clone()
        .unwrap_or_else(|| principal.default_from_agent());
    // Kill switch, mesh policies and the recipient's delivery binding (agents family).
    let admission = super::agents::admit(conn, principal, new, &from_agent, now_us)?;
    let mut doc = json!({
        "intent_id": intent_id,
        "status": "DELIVERED",
        "lifecycle_status": "DELIVERED",
        "waiting_reason": null,
        "intent_type": new.intent_type,
        "correlation_id": correlation_id,
        "from_agent": from_agent,
        "to_agent": new.to_agent,
        "reply_to": new.reply_to,
        "payload": new.payload,
        "deadline_at": new.deadline_us.map(clock::format_us),
        "remind_after_seconds": new.remind_after_seconds,
        "remind_interval_seconds": new.remind_interval_seconds,
        "max_reminders": new.max_reminders,
        "remind_count": 0,
        "escalate_to": new.escalate_to,
        "max_delivery_attempts": new.max_delivery_attempts,
        "delivery_attempt": 1,
        "human_task": new.human_task,
        "pending_with": null,
        "result": null,
        "error": null,
        "policy_generation": 0,
        "controls": {},
        "grants": {},
        "envelope": {},
        "last_seq": 3,
        "created_at": at,
        "updated_at": at,
        "completed_at": null,
    });
    let map = doc.as_object_mut().expect("object");
    map.insert("pending_with".into(), pending_with(Status::Delivered, map));
    let actor = principal.default_from_agent();
    let created_details = json!({"intent_type": new.intent_type, "from_agent": from_agent, "to_agent": new.to_agent, "correlation_id": correlation_id});
    let steps = [
        (Status::Created, created_details),
        (Status::Submitted, json!({})),
        (Status::Delivered, json!({"to_agent": new.to_agent})),
    ];
    conn.prepare_cached(
        "INSERT INTO intents (id, org_id, status, terminal, to_agent, last_seq, deadline_us, doc) VALUES (?1, ?2, 'DELIVERED', 0, ?3, 3, ?4, ?5)",
    )?
    .execute(params![intent_id, principal.org_id, new.to_agent, new.deadline_us, doc.to_string()])?;
    for (index, (status, details)) in steps.into_iter().enumerate() {
        let e = event(
            &intent_id,
            index as i64 + 1,
            status,
            doc.as_object().expect("object"),
            Some(&actor),
            details,
            &at,
        );
        insert_event(conn, &intent_id, &e)?;
    }
    let cursor: i64 = conn
        .prepare_cached(
            "INSERT INTO agent_cursors (org_id, agent, last) VALUES (?1, ?2, 1)
             ON CONFLICT (org_id, agent) DO UPDATE SET last = last + 1 RETURNING last",
        )?
        .query_row(params![principal.org_id, new.to_agent], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO agent_queue (org_id, agent, cursor, intent_id) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![principal.org_id, new.to_agent, cursor, intent_id])?;
    let outbox = super::agents::dispatch(conn, &admission, &intent_id, cursor, now_us)?;
    let body = json!({"ok": true, "intent_id": intent_id, "status": "DELIVERED", "correlation_id": correlation_id, "created_at": at});
    let mut effects = Effects {
        topics: vec![
            (hub::intent_topic(&intent_id), 3),
            (hub::agent_topic(&principal.org_id, &new.to_agent), cursor),
        ],
        deadline_added: new.deadline_us.is_some(),
    };
    effects.topics.extend(outbox);
    Ok((body, effects))
}

pub(super) fn load(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
) -> Result<Map<String, Value>, ApiError> {
    let doc: Option<String> = conn
        .prepare_cached("SELECT doc FROM intents WHERE id = ?1 AND org_id = ?2")?
        .query_row(params![intent_id, org_id], |r| r.get(0))
        .optional()?;
    let doc = doc.ok_or_else(|| ApiError::intent_not_found(intent_id))?;
    match serde_json::from_str(&doc) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::internal(format!(
            "stored intent {intent_id} is unreadable"
        ))),
    }
}

pub(super) fn save(
    conn: &Connection,
    intent_id: &str,
    doc: &Map<String, Value>,
    status: Status,
) -> rusqlite::Result<()> {
    let last_seq = doc
        .get("last_seq")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    conn.prepare_cached(
        "UPDATE intents SET status = ?2, terminal = ?3, last_seq = ?4, doc = ?5 WHERE id = ?1",
    )?
    .execute(params![
        intent_id,
        status.as_str(),
        status.is_terminal(),
        last_seq,
        Value::Object(doc.clone()).to_string()
    ])?;
    Ok(())
}

pub(super) fn current_status(doc: &Map<String, Value>) -> Status {
    doc.get("status")
        .and_then(Value::as_str)
        .and_then(Status::parse)
        .unwrap_or(Status::Delivered)
}

pub(super) fn refusal(intent_id: &str, refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::AlreadyTerminal(status) => ApiError::conflict(
            "intent_already_terminal",
            format!("intent {intent_id} is already {status}; a terminal intent cannot change"),
        )
        .with_details(json!({"status": status.as_str()})),
        Refusal::Invalid { from, action } => ApiError::conflict(
            "invalid_transition",
            format!("{action:?} is not allowed while the intent is {from} (see spec/lifecycle.md)"),
        )
        .with_details(json!({"status": from.as_str()})),
    }
}

/// Applies a change to an intent.
pub fn transition(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
    change: &Change,
) -> Result<(Value, Effects), ApiError> {
    let mut doc = load(conn, org_id, intent_id)?;
    let current = current_status(&doc);
    let (action, actor, details) = describe(change, &doc)?;
    let outcome = match lifecycle::apply(current, action) {
        Ok(outcome) => outcome,
        // A handover or a timer racing a resolve is not an error: the intent simply moved on.
        Err(_) if matches!(change, Change::Acknowledge { .. } | Change::Timeout) => {
            Outcome::Unchanged
        }
        Err(why) => return Err(refusal(intent_id, why)),
    };
    let Outcome::Enter(next) = outcome else {
        let body = json!({"ok": true, "intent": Value::Object(doc), "event": null});
        return Ok((body, Effects::default()));
    };
    let now_us = clock::now_us();
    let at = clock::format_us(now_us);
    let seq = doc
        .get("last_seq")
        .and_then(Value::as_i64)
        .unwrap_or_default()
        + 1;
    doc.insert("status".into(), json!(next.as_str()));
    doc.insert("lifecycle_status".into(), json!(next.as_str()));
    let waiting_reason = match (next, change) {
        (Status::Waiting, Change::Resume { resumption, .. }) => {
            json!(resumption
                .waiting_reason
                .clone()
                .unwrap_or_else(|| "WAITING_FOR_AGENT".into()))
        }
        _ => Value::Null,
    };
    doc.insert("waiting_reason".into(), waiting_reason);
    doc.insert("last_seq".into(), json!(seq));
    doc.insert("updated_at".into(), json!(at));
    match change {
        Change::Resolve(r) => {
            if let Some(result) = &r.result {
                doc.insert("result".into(), result.clone());
            }
            if let Some(error) = &r.error {
                doc.insert("error".into(), error.clone());
            }
        }
        Change::Resume { resumption, .. } => {
            if let Some(result) = &resumption.result {
                doc.insert("result".into(), result.clone());
            }
            if let Some(error) = &resumption.error {
                doc.insert("error".into(), error.clone());
            }
        }
        _ => {}
    }
    if next.is_terminal() {
        doc.insert("completed_at".into(), json!(at));
    }
    let pending = pending_with(next, &doc);
    doc.insert("pending_with".into(), pending);
    let e = event(intent_id, seq, next, &doc, actor.as_deref(), details, &at);
    insert_event(conn, intent_id, &e)?;
    save(conn, intent_id, &doc, next)?;
    // Human tasks, timers, the reply_to inbox and workflows react to every transition (hooks.rs).
    let approved_by = matches!(action, Action::ApproveStep)
        .then(|| actor.clone().unwrap_or_else(|| "operator".into()));
    let followup =
        super::hooks::after_transition(conn, org_id, &doc, current, next, approved_by.as_deref())?;
    let mut body = json!({"ok": true, "intent": Value::Object(doc.clone()), "event": e});
    if let Some(delivery) = followup.completion_delivery {
        body["completion_delivery"] = delivery;
    }
    let mut topics = vec![(hub::intent_topic(intent_id), seq)];
    topics.extend(followup.effects.topics);
    if next.is_terminal() {
        // Listeners filter terminal intents; waking them lets a filtered stream notice nothing is owed.
        let agent = doc
            .get("to_agent")
            .and_then(Value::as_str)
            .unwrap_or_default();
        topics.push((hub::agent_topic(org_id, agent), 0));
    }
    Ok((
        body,
        Effects {
            topics,
            deadline_added: followup.effects.deadline_added,
        },
    ))
}

/// The lifecycle action a change asks for, who asked, and the event details to record.
fn describe(
    change: &Change,
    doc: &Map<String, Value>,
) -> Result<(Action, Option<String>, Value), ApiError> {
    Ok(match change {
        Change::Resolve(r) => {
            let mut details = Map::new();
            for (key, value) in [("result", &r.result), ("error", &r.error)] {
                if let Some(v) = value {
                    details.insert(key.into(), v.clone());
                }
            }
            if let Some(reason) = &r.reason {
                details.insert("reason".into(), json!(reason));
            }
            (
                Action::Resolve(r.status),
                r.actor.clone(),
                Value::Object(details),
            )
        }
        Change::Resume { resumption, owner } => {
            if let Some(owner) = owner {
                let to = doc.get("to_agent").and_then(Value::as_str);
                let from = doc.get("from_agent").and_then(Value::as_str);
                if Some(owner.as_str()) != to && Some(owner.as_str()) != from {
                    return Err(ApiError::new(
                        403,
                        "owner_mismatch",
                        format!("owner agent {owner} is neither the intent's to_agent nor its from_agent"),
                    ));
                }
            }
            let action = match resumption.action {
                ResumeAction::Ack => Action::Ack,
                ResumeAction::Progress => Action::Progress,
                ResumeAction::Wait => Action::Wait,
                ResumeAction::Complete => Action::Complete,
                ResumeAction::Fail => Action::Fail,
                ResumeAction::ApproveStep => Action::ApproveStep,
                ResumeAction::TaskResult => {
                    return Err(ApiError::new(
                        501,
                        "not_implemented",
                        "human task results (`task_result`) are not served by this version of axme-server",
                    ))
                }
            };
            let mut details = Map::new();
            for (key, value) in [
                ("result", &resumption.result),
                ("error", &resumption.error),
                ("details", &resumption.details),
            ] {
                if let Some(v) = value {
                    details.insert(key.into(), v.clone());
                }
            }
            if let Some(message) = &resumption.message {
                details.insert("message".into(), json!(message));
            }
            let actor = resumption.actor.clone().or_else(|| owner.clone());
            (action, actor, Value::Object(details))
        }
        Change::Acknowledge { by, via } => (Action::Ack, Some(by.clone()), json!({"via": via})),
        Change::Timeout => (
            Action::Timeout,
            Some("axme-server".into()),
            json!({"deadline_at": doc.get("deadline_at").cloned().unwrap_or(Value::Null)}),
        ),
    })
}

/// JSON merge patch (RFC 7396): `null` removes a key, objects merge, anything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let target_map = target.as_object_mut().expect("object");
    for (key, value) in patch_map {
        if value.is_null() {
            target_map.remove(key);
        } else {
            merge_patch(target_map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// Updates controls or policy with compare-and-set on `policy_generation`.
pub fn update_policy(
    conn: &Connection,
    org_id: &str,
    intent_id: &str,
    target: PolicyTarget,
    change: &PolicyChange,
) -> Result<(Value, Effects), ApiError> {
    let mut doc = load(conn, org_id, intent_id)?;
    let status = current_status(&doc);
    if status.is_terminal() {
        return Err(refusal(intent_id, Refusal::AlreadyTerminal(status)));
    }
    let generation = doc
        .get("policy_generation")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    if change
        .expected_generation
        .is_some_and(|expected| expected != generation)
    {
        let body = json!({"ok": true, "applied": false, "reason": "stale_policy_generation", "policy_generation": generation});
        return Ok((body, Effects::default()));
    }
    let patches: Vec<(&str, &Option<Value>)> = match target {
        PolicyTarget::Controls => vec![("controls", &change.controls_patch)],
        PolicyTarget::Policy => vec![
            ("grants", &change.grants_patch),
            ("envelope", &change.envelope_patch),
        ],
    };
    let mut body = json!({"ok": true, "applied": true, "policy_generation": generation + 1});
    for (field, patch) in patches {
        let mut current = doc.get(field).cloned().unwrap_or_else(|| json!({}));
        if let Some(patch) = patch {
            merge_patch(&mut current, patch);
        }
        body[field] = current.clone();
        doc.insert(field.into(), current);
    }
    doc.insert("policy_generation".into(), json!(generation + 1));
    doc.insert(
        "updated_at".into(),
        json!(clock::format_us(clock::now_us())),
    );
    save(conn, intent_id, &doc, status)?;
    Ok((body, Effects::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc7396() {
        let mut target = json!({"a": 1, "b": {"c": 2, "d": 3}});
        merge_patch(&mut target, &json!({"a": null, "b": {"c": 5}, "e": [1]}));
        assert_eq!(target, json!({"b": {"c": 5, "d": 3}, "e": [1]}));
    }
}
