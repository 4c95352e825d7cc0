//! Approval decisions. An `approval_id` that names an intent waiting on a human task answers that
//! task (approve → `approved`, reject → `rejected`, checked like any answer). Any other id is recorded
//! as a free-standing decision: the upstream conformance check decides a fresh random id and expects
//! 200. A decision is final: the same decision again answers the stored one, another is 409.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::intent_ops::parse_object;
use super::intents::Effects;
use super::tasks;
use crate::domain::clock;
use crate::domain::task_answers::Submission;
use crate::error::ApiError;
use crate::store::humans::InboxOp;

pub fn decide(conn: &Connection, op: &InboxOp) -> Result<(Value, Effects), ApiError> {
    let InboxOp::DecideApproval {
        org_id,
        approval_id,
        decision,
        by,
        actor,
    } = op
    else {
        return Err(ApiError::internal("not an approval decision"));
    };
    let stored: Option<String> = conn
        .prepare_cached("SELECT doc FROM approvals WHERE org_id = ?1 AND approval_id = ?2")?
        .query_row(params![org_id, approval_id], |r| r.get(0))
        .optional()?;
    if let Some(stored) = stored {
        let approval = Value::Object(parse_object(&stored));
        if approval["decision"].as_str() == Some(decision.word()) {
            return Ok((
                json!({"ok": true, "approval": approval}),
                Effects::default(),
            ));
        }
        return Err(ApiError::conflict(
            "approval_already_decided",
            format!(
                "approval {approval_id} was already decided ({}); a decision cannot change",
                approval["decision"].as_str().unwrap_or("?")
            ),
        ));
    }
    let is_intent: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM intents WHERE id = ?1 AND org_id = ?2")?
        .query_row(params![approval_id, org_id], |r| r.get(0))
        .optional()?;
    let (mut effects, mut intent_status) = (Effects::default(), Value::Null);
    if is_intent.is_some() {
        if !tasks::is_open(conn, approval_id)? {
            return Err(ApiError::conflict(
                "approval_not_pending",
                format!("intent {approval_id} has no open human task to approve or reject"),
            ));
        }
        let mut raw = json!({"outcome": decision.outcome()});
        if let Some(comment) = &decision.comment {
            raw["comment"] = json!(comment);
        }
        let answer = Submission {
            outcome: decision.outcome().to_string(),
            comment: decision.comment.clone(),
            data: Default::default(),
            raw,
        };
        let (body, submitted) = tasks::submit(conn, org_id, approval_id, &answer, actor.as_deref(), by)
            .map_err(|e| match e.code.as_str() {
                "outcome_not_allowed" => ApiError::conflict(
                    "not_an_approval",
                    format!("the human task of intent {approval_id} does not take {:?}; answer it with resume and task_result ({})", decision.outcome(), e.message),
                ),
                _ => e,
            })?;
        effects = submitted;
        intent_status = body["intent"]["status"].clone();
    }
    let approval = json!({
        "approval_id": approval_id, "decision": decision.word(), "comment": decision.comment,
        "decided_at": clock::format_us(clock::now_us()), "decided_by": by,
        "intent_id": if is_intent.is_some() { json!(approval_id) } else { Value::Null },
        "intent_status": intent_status,
    });
    conn.prepare_cached("INSERT INTO approvals (org_id, approval_id, doc) VALUES (?1, ?2, ?3)")?
        .execute(params![org_id, approval_id, approval.to_string()])?;
    Ok((json!({"ok": true, "approval": approval}), effects))
}
