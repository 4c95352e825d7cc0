//! Owner inboxes and approvals, free of I/O: the request bodies of the inbox endpoints, and the thread
//! document those endpoints change. A thread lives once per organisation; the owner and any agent it
//! was delegated to see it, each with the timeline entries they have not deleted for themselves.

use serde_json::{json, Map, Value};

use super::address;
use super::validate::{kind, Invalid};

/// Thread statuses: `pending` (new, untouched), `active` (answered or delegated), `done` (decided).
pub const THREAD_STATUSES: [&str; 3] = ["pending", "active", "done"];

fn invalid(code: &'static str, field: &str, message: String) -> Invalid {
    Invalid {
        code,
        field: field.to_string(),
        message,
    }
}

fn object(body: &Value) -> Result<&Map<String, Value>, Invalid> {
    body.as_object().ok_or_else(|| {
        invalid(
            "validation_error",
            "body",
            "the request body must be a JSON object".into(),
        )
    })
}

fn bounded_text(
    obj: &Map<String, Value>,
    field: &str,
    max: usize,
    required: bool,
) -> Result<Option<String>, Invalid> {
    match obj.get(field) {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::String(s))
            if s.chars().count() <= max && (!required || !s.trim().is_empty()) =>
        {
            Ok(Some(s.clone()))
        }
        other => Err(invalid(
            "validation_error",
            field,
            format!(
                "`{field}` must be a {}string of at most {max} characters, got {}",
                if required { "non-empty " } else { "" },
                other.map_or("nothing", kind)
            ),
        )),
    }
}

/// `POST /reply`: `{message}`.
pub fn reply(body: &Value) -> Result<String, Invalid> {
    Ok(bounded_text(object(body)?, "message", 131_072, true)?.unwrap_or_default())
}

/// `POST /delegate`: `{delegate_to, note?}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delegation {
    pub delegate_to: String,
    pub note: Option<String>,
}

pub fn delegation(body: &Value) -> Result<Delegation, Invalid> {
    let obj = object(body)?;
    let raw = bounded_text(obj, "delegate_to", 255, true)?.unwrap_or_default();
    let delegate_to = address::normalize(&raw).map_err(|why| {
        invalid(
            "invalid_agent_address",
            "delegate_to",
            format!("`delegate_to`: {why}"),
        )
    })?;
    Ok(Delegation {
        delegate_to,
        note: bounded_text(obj, "note", 2000, false)?,
    })
}

/// `POST /approve`, `/reject`: `{comment?}`.
pub fn decision_comment(body: &Value) -> Result<Option<String>, Invalid> {
    bounded_text(object(body)?, "comment", 2000, false)
}

/// Whose view `messages/delete` changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteMode {
    /// Hidden for the caller only.
    SelfOnly,
    /// Removed for everyone.
    Both,
}

impl DeleteMode {
    pub fn as_str(self) -> &'static str {
        match self {
            DeleteMode::SelfOnly => "self",
            DeleteMode::Both => "both",
        }
    }
}

/// `POST /messages/delete`: `{mode?: self|both, message_ids?, limit?: 1..100}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deletion {
    pub mode: DeleteMode,
    pub message_ids: Option<Vec<String>>,
    pub limit: usize,
}

pub fn deletion(body: &Value) -> Result<Deletion, Invalid> {
    let obj = object(body)?;
    let mode = match obj.get("mode") {
        None | Some(Value::Null) => DeleteMode::SelfOnly,
        Some(Value::String(m)) if m == "self" => DeleteMode::SelfOnly,
        Some(Value::String(m)) if m == "both" => DeleteMode::Both,
        Some(other) => {
            return Err(invalid(
                "validation_error",
                "mode",
                format!("`mode` must be \"self\" or \"both\", got {other}"),
            ))
        }
    };
    let message_ids = match obj.get("message_ids") {
        None | Some(Value::Null) => None,
        Some(Value::Array(ids)) if ids.iter().all(Value::is_string) => Some(
            ids.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        Some(other) => {
            return Err(invalid(
                "validation_error",
                "message_ids",
                format!(
                    "`message_ids` must be an array of strings, got {}",
                    kind(other)
                ),
            ))
        }
    };
    let limit = match obj.get("limit") {
        None | Some(Value::Null) => 100,
        Some(Value::Number(n)) if n.as_u64().is_some_and(|v| (1..=100).contains(&v)) => {
            n.as_u64().unwrap_or(100) as usize
        }
        Some(other) => {
            return Err(invalid(
                "validation_error",
                "limit",
                format!("`limit` must be an integer from 1 to 100, got {other}"),
            ))
        }
    };
    Ok(Deletion {
        mode,
        message_ids,
        limit,
    })
}

/// `POST /v1/approvals/{id}/decision`: `{decision: approve|reject, comment?}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalDecision {
    pub approve: bool,
    pub comment: Option<String>,
}

impl ApprovalDecision {
    pub fn word(&self) -> &'static str {
        if self.approve {
            "approve"
        } else {
            "reject"
        }
    }

    /// The task outcome a decision stands for.
    pub fn outcome(&self) -> &'static str {
        if self.approve {
            "approved"
        } else {
            "rejected"
        }
    }
}

pub fn approval_decision(body: &Value) -> Result<ApprovalDecision, Invalid> {
    let obj = object(body)?;
    let approve = match obj.get("decision").and_then(Value::as_str) {
        Some("approve" | "approved") => true,
        Some("reject" | "rejected") => false,
        _ => {
            return Err(invalid(
                "validation_error",
                "decision",
                "`decision` is required: \"approve\" or \"reject\"".into(),
            ))
        }
    };
    Ok(ApprovalDecision {
        approve,
        comment: bounded_text(obj, "comment", 1000, false)?,
    })
}

/// A timeline entry. Entries that carry a message (completions, replies) have a `message_id` and can
/// be deleted; the others record what happened to the thread and stay.
pub fn entry(event_type: &str, actor: &str, at: &str, details: Value, message: bool) -> Value {
    let id = uuid::Uuid::new_v4().to_string();
    let mut e = json!({"event_id": id, "event_type": event_type, "actor": actor, "at": at, "details": details});
    if message {
        e["message_id"] = json!(id);
    }
    e
}

/// Everyone who sees the thread in their inbox: the owner, then delegates in order.
pub fn participants(thread: &Value) -> Vec<String> {
    thread["participants"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The thread as `viewer` sees it: entries the viewer deleted for themselves left out.
pub fn view(thread: &Value, viewer: &str) -> Value {
    let mut out = thread.clone();
    if let Some(timeline) = out["timeline"].as_array_mut() {
        timeline.retain(|e| !hidden_for(e, viewer));
        for e in timeline.iter_mut() {
            if let Some(map) = e.as_object_mut() {
                map.remove("hidden_for");
            }
        }
    }
    out
}

fn hidden_for(entry: &Value, viewer: &str) -> bool {
    entry["hidden_for"]
        .as_array()
        .is_some_and(|h| h.iter().any(|v| v.as_str() == Some(viewer)))
}

/// Deletes messages visible to `viewer` (those named, else the oldest up to `limit`); returns their ids.
pub fn delete_messages(thread: &mut Value, viewer: &str, deletion: &Deletion) -> Vec<String> {
    let Some(timeline) = thread["timeline"].as_array_mut() else {
        return Vec::new();
    };
    let chosen: Vec<String> = timeline
        .iter()
        .filter(|e| !hidden_for(e, viewer))
        .filter_map(|e| e["message_id"].as_str())
        .filter(|id| {
            deletion
                .message_ids
                .as_ref()
                .is_none_or(|wanted| wanted.iter().any(|w| w == id))
        })
        .take(deletion.limit)
        .map(str::to_string)
        .collect();
    let is_chosen = |e: &Value| {
        e["message_id"]
            .as_str()
            .is_some_and(|id| chosen.iter().any(|c| c == id))
    };
    match deletion.mode {
        DeleteMode::Both => timeline.retain(|e| !is_chosen(e)),
        DeleteMode::SelfOnly => {
            for e in timeline.iter_mut().filter(|e| is_chosen(e)) {
                let hidden = e
                    .as_object_mut()
                    .expect("timeline entries are objects")
                    .entry("hidden_for")
                    .or_insert_with(|| json!([]));
                if let Some(list) = hidden.as_array_mut() {
                    list.push(json!(viewer));
                }
            }
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread() -> Value {
        json!({"participants": ["agent://o"], "timeline": [
            entry("intent.completed", "agent://w", "t", json!({}), true),
            entry("message.sent", "agent://o", "t", json!({"message": "hi"}), true),
            entry("thread.delegated", "agent://o", "t", json!({}), false),
        ]})
    }

    #[test]
    fn bodies_are_checked() {
        assert_eq!(reply(&json!({"message": "x"})).unwrap(), "x");
        assert_eq!(reply(&json!({"message": ""})).unwrap_err().field, "message");
        assert_eq!(
            delegation(&json!({"delegate_to": "agent://A/B"}))
                .unwrap()
                .delegate_to,
            "agent://a/b"
        );
        assert_eq!(delegation(&json!({})).unwrap_err().field, "delegate_to");
        assert_eq!(deletion(&json!({"mode": "all"})).unwrap_err().field, "mode");
        assert_eq!(deletion(&json!({"limit": 0})).unwrap_err().field, "limit");
        assert_eq!(deletion(&json!({})).unwrap().mode, DeleteMode::SelfOnly);
        assert!(
            !approval_decision(&json!({"decision": "reject"}))
                .unwrap()
                .approve
        );
        assert_eq!(approval_decision(&json!({})).unwrap_err().field, "decision");
    }

    #[test]
    fn deleting_for_self_hides_and_for_both_removes() {
        let mut t = thread();
        let one = Deletion {
            mode: DeleteMode::SelfOnly,
            message_ids: None,
            limit: 1,
        };
        let gone = delete_messages(&mut t, "agent://o", &one);
        assert_eq!(gone.len(), 1);
        assert_eq!(
            view(&t, "agent://o")["timeline"].as_array().unwrap().len(),
            2
        );
        assert_eq!(
            view(&t, "agent://d")["timeline"].as_array().unwrap().len(),
            3
        );
        assert!(view(&t, "agent://d")["timeline"][0]
            .get("hidden_for")
            .is_none());
        let all = Deletion {
            mode: DeleteMode::Both,
            message_ids: None,
            limit: 100,
        };
        assert_eq!(delete_messages(&mut t, "agent://o", &all).len(), 1);
        assert_eq!(t["timeline"].as_array().unwrap().len(), 2);
    }
}
