//! Validation of request bodies at the edge. Every failure names the field, says what was wrong and
//! what is accepted, and carries the error code the API returns (422 unless noted).

use serde_json::{Map, Value};

use super::address;
use super::clock;
use super::status::{Status, WAITING_REASONS};

/// Largest accepted intent `payload`, serialised (wire facts §1.4).
pub const MAX_PAYLOAD_BYTES: usize = 128 * 1024;

/// A rejected input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub(crate) fn new(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        Invalid {
            code,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// A validated `POST /v1/intents` body.
#[derive(Clone, Debug, PartialEq)]
pub struct NewIntent {
    pub intent_type: String,
    pub correlation_id: Option<String>,
    pub to_agent: String,
    pub from_agent: Option<String>,
    pub reply_to: Option<String>,
    pub payload: Value,
    pub deadline_us: Option<i64>,
    pub remind_after_seconds: Option<i64>,
    pub remind_interval_seconds: Option<i64>,
    pub max_reminders: Option<i64>,
    pub escalate_to: Option<String>,
    pub max_delivery_attempts: i64,
    pub human_task: Option<Value>,
}

/// Checks an intent type against `^[a-z0-9_]+(?:\.[a-z0-9_]+)+\.v[0-9]+$` without a regex engine.
pub fn is_intent_type(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() < 3 {
        return false;
    }
    let (version, names) = parts.split_last().expect("at least three parts");
    let version_ok = version.len() > 1
        && version.starts_with('v')
        && version[1..].chars().all(|c| c.is_ascii_digit());
    version_ok
        && names.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

pub(crate) fn object(body: &Value) -> Result<&Map<String, Value>, Invalid> {
    body.as_object().ok_or_else(|| {
        Invalid::new(
            "validation_error",
            "body",
            "the request body must be a JSON object",
        )
    })
}

pub(crate) fn opt_str<'a>(
    obj: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, Invalid> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(Invalid::new(
            "validation_error",
            field,
            format!("`{field}` must be a string, got {}", kind(other)),
        )),
    }
}

pub(crate) fn opt_int(
    obj: &Map<String, Value>,
    field: &str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, Invalid> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
            _ => Err(Invalid::new(
                "validation_error",
                field,
                format!("`{field}` must be an integer from {min} to {max}, got {n}"),
            )),
        },
        Some(other) => Err(Invalid::new(
            "validation_error",
            field,
            format!(
                "`{field}` must be an integer from {min} to {max}, got {}",
                kind(other)
            ),
        )),
    }
}

pub(crate) fn opt_object(obj: &Map<String, Value>, field: &str) -> Result<Option<Value>, Invalid> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
        Some(other) => Err(Invalid::new(
            "validation_error",
            field,
            format!("`{field}` must be a JSON object, got {}", kind(other)),
        )),
    }
}

pub(crate) fn opt_address(
    obj: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, Invalid> {
    match opt_str(obj, field)? {
        None => Ok(None),
        Some(raw) => address::normalize(raw).map(Some).map_err(|why| {
            Invalid::new("invalid_agent_address", field, format!("`{field}`: {why}"))
        }),
    }
}

/// A JSON value's kind, for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Validates a create-intent body.
pub fn new_intent(body: &Value) -> Result<NewIntent, Invalid> {
    let obj = object(body)?;
    let intent_type = opt_str(obj, "intent_type")?.ok_or_else(|| {
        Invalid::new(
            "validation_error",
            "intent_type",
            "`intent_type` is required, e.g. \"notify.message.v1\"",
        )
    })?;
    if !is_intent_type(intent_type) {
        return Err(Invalid::new(
            "invalid_intent_type",
            "intent_type",
            format!(
                "`intent_type` {intent_type:?} is not accepted; expected dot-separated lower-case names ending in a version, like \"notify.message.v1\""
            ),
        ));
    }
    let correlation_id = match opt_str(obj, "correlation_id")? {
        Some(id) if uuid::Uuid::parse_str(id).is_err() => {
            return Err(Invalid::new(
                "validation_error",
                "correlation_id",
                format!("`correlation_id` {id:?} is not a UUID"),
            ))
        }
        other => other.map(str::to_string),
    };
    let to_agent = opt_address(obj, "to_agent")?.ok_or_else(|| {
        Invalid::new(
            "validation_error",
            "to_agent",
            "`to_agent` is required, e.g. \"agent://acme/prod/billing\"",
        )
    })?;
    let payload = match obj.get("payload") {
        Some(v @ Value::Object(_)) => v.clone(),
        None | Some(Value::Null) => {
            return Err(Invalid::new(
                "validation_error",
                "payload",
                "`payload` is required and must be a JSON object",
            ))
        }
        Some(other) => {
            return Err(Invalid::new(
                "validation_error",
                "payload",
                format!("`payload` must be a JSON object, got {}", kind(other)),
            ))
        }
    };
    let size = serde_json::to_vec(&payload).map(|v| v.len()).unwrap_or(0);
    if size > MAX_PAYLOAD_BYTES {
        return Err(Invalid::new(
            "payload_too_large",
            "payload",
            format!("`payload` is {size} bytes; at most {MAX_PAYLOAD_BYTES} bytes (128 KiB) are accepted"),
        ));
    }
    let deadline_us = match opt_str(obj, "deadline_at")? {
        None => None,
        Some(text) => Some(clock::parse_rfc3339_us(text).ok_or_else(|| {
            Invalid::new(
                "validation_error",
                "deadline_at",
                format!("`deadline_at` {text:?} is not an RFC 3339 timestamp like \"2026-11-22T10:00:00Z\""),
            )
        })?),
    };
    let human_task = match obj.get("human_task") {
        None | Some(Value::Null) => None,
        Some(task) => Some(super::tasks::normalize_spec(task, "human_task")?),
    };
    Ok(NewIntent {
        intent_type: intent_type.to_string(),
        correlation_id,
        to_agent,
        from_agent: opt_address(obj, "from_agent")?,
        reply_to: opt_address(obj, "reply_to")?,
        payload,
        deadline_us,
        remind_after_seconds: opt_int(obj, "remind_after_seconds", 1, 31_536_000)?,
        remind_interval_seconds: opt_int(obj, "remind_interval_seconds", 1, 31_536_000)?,
        max_reminders: opt_int(obj, "max_reminders", 0, 1_000)?,
        escalate_to: opt_address(obj, "escalate_to")?,
        max_delivery_attempts: opt_int(obj, "max_delivery_attempts", 1, 100)?.unwrap_or(3),
        human_task,
    })
}

/// A validated `POST /resolve` body.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolution {
    pub status: Status,
    pub result: Option<Value>,
    pub error: Option<Value>,
    pub reason: Option<String>,
    pub actor: Option<String>,
}

/// Validates a resolve body: `status` must be COMPLETED, FAILED or CANCELED (CANCELLED accepted).
pub fn resolution(body: &Value) -> Result<Resolution, Invalid> {
    let obj = object(body)?;
    let raw = opt_str(obj, "status")?.ok_or_else(|| {
        Invalid::new(
            "validation_error",
            "status",
            "`status` is required: one of COMPLETED, FAILED, CANCELED",
        )
    })?;
    let status = match Status::parse(raw) {
        Some(s @ (Status::Completed | Status::Failed | Status::Canceled)) => s,
        _ => {
            return Err(Invalid::new(
                "invalid_status",
                "status",
                format!("`status` {raw:?} cannot resolve an intent; accepted: COMPLETED, FAILED, CANCELED (or CANCELLED)"),
            ))
        }
    };
    Ok(Resolution {
        status,
        result: any_json(obj, "result"),
        error: any_json(obj, "error"),
        reason: opt_str(obj, "reason")?.map(str::to_string),
        actor: opt_str(obj, "actor")?.map(str::to_string),
    })
}

fn any_json(obj: &Map<String, Value>, field: &str) -> Option<Value> {
    obj.get(field).filter(|v| !v.is_null()).cloned()
}

/// What an agent or a step approval asks of `POST /resume`.
#[derive(Clone, Debug, PartialEq)]
pub struct Resumption {
    pub action: ResumeAction,
    pub waiting_reason: Option<String>,
    pub result: Option<Value>,
    pub error: Option<Value>,
    pub message: Option<String>,
    pub details: Option<Value>,
    pub actor: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumeAction {
    Ack,
    Progress,
    Wait,
    Complete,
    Fail,
    ApproveStep,
    TaskResult,
}

/// Validates a resume body: `{"action": ack|progress|wait|complete|fail, ...}`,
/// `{"task_result": {...}}` or `{"approve_current_step": true}`.
pub fn resumption(body: &Value) -> Result<Resumption, Invalid> {
    let obj = object(body)?;
    let action = match opt_str(obj, "action")? {
        Some("ack") => ResumeAction::Ack,
        Some("progress") => ResumeAction::Progress,
        Some("wait") => ResumeAction::Wait,
        Some("complete") => ResumeAction::Complete,
        Some("fail") => ResumeAction::Fail,
        Some(other) => {
            return Err(Invalid::new(
                "validation_error",
                "action",
                format!("`action` {other:?} is not accepted; expected one of ack, progress, wait, complete, fail"),
            ))
        }
        None if obj.contains_key("task_result") => ResumeAction::TaskResult,
        None => match obj.get("approve_current_step") {
            None | Some(Value::Bool(true)) => ResumeAction::ApproveStep,
            Some(Value::Bool(false)) => {
                return Err(Invalid::new(
                    "validation_error",
                    "approve_current_step",
                    "nothing to do: give `action` (ack, progress, wait, complete, fail), `task_result`, or `approve_current_step: true`",
                ))
            }
            Some(other) => {
                return Err(Invalid::new(
                    "validation_error",
                    "approve_current_step",
                    format!("`approve_current_step` must be a boolean, got {}", kind(other)),
                ))
            }
        },
    };
    let waiting_reason = match opt_str(obj, "waiting_reason")? {
        Some(r) if !WAITING_REASONS.contains(&r) => {
            return Err(Invalid::new(
                "validation_error",
                "waiting_reason",
                format!(
                    "`waiting_reason` {r:?} is not accepted; expected one of {}",
                    WAITING_REASONS.join(", ")
                ),
            ))
        }
        other => other.map(str::to_string),
    };
    Ok(Resumption {
        action,
        waiting_reason,
        result: any_json(obj, "result"),
        error: any_json(obj, "error"),
        message: opt_str(obj, "message")?.map(str::to_string),
        details: opt_object(obj, "details")?,
        actor: opt_str(obj, "actor")?.map(str::to_string),
    })
}

/// A validated `/controls` or `/policy` body: the patches to merge and the optional CAS generation.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyChange {
    pub controls_patch: Option<Value>,
    pub grants_patch: Option<Value>,
    pub envelope_patch: Option<Value>,
    pub expected_generation: Option<i64>,
    pub actor: Option<String>,
    pub reason: Option<String>,
}

/// Validates a controls body (`controls_patch` required) or a policy body (`grants_patch` and/or `envelope_patch`).
pub fn policy_change(body: &Value, controls: bool) -> Result<PolicyChange, Invalid> {
    let obj = object(body)?;
    let change = PolicyChange {
        controls_patch: opt_object(obj, "controls_patch")?,
        grants_patch: opt_object(obj, "grants_patch")?,
        envelope_patch: opt_object(obj, "envelope_patch")?,
        expected_generation: opt_int(obj, "expected_policy_generation", 0, i64::MAX)?,
        actor: opt_str(obj, "actor")?.map(str::to_string),
        reason: opt_str(obj, "reason")?.map(str::to_string),
    };
    if controls && change.controls_patch.is_none() {
        return Err(Invalid::new(
            "validation_error",
            "controls_patch",
            "`controls_patch` is required and must be a JSON object",
        ));
    }
    if !controls && change.grants_patch.is_none() && change.envelope_patch.is_none() {
        return Err(Invalid::new(
            "validation_error",
            "grants_patch",
            "give `grants_patch` and/or `envelope_patch` (JSON objects)",
        ));
    }
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intent_type_pattern() {
        for ok in ["notify.message.v1", "a.b.v12", "deploy_x.approval.v2"] {
            assert!(is_intent_type(ok), "{ok}");
        }
        for bad in [
            "notify.v1",
            "Notify.message.v1",
            "notify.message.1",
            "notify..v1",
            "a.b.v",
        ] {
            assert!(!is_intent_type(bad), "{bad}");
        }
    }

    #[test]
    fn create_body_errors_name_the_field() {
        let ok =
            json!({"intent_type": "notify.message.v1", "to_agent": "agent://x", "payload": {}});
        assert!(new_intent(&ok).is_ok());
        let err = new_intent(&json!({"intent_type": "nope", "to_agent": "x", "payload": {}}))
            .unwrap_err();
        assert_eq!(
            (err.code, err.field.as_str()),
            ("invalid_intent_type", "intent_type")
        );
        let err = new_intent(&json!({"intent_type": "a.b.v1", "to_agent": "a b", "payload": {}}))
            .unwrap_err();
        assert_eq!(err.code, "invalid_agent_address");
        let err = new_intent(&json!({"intent_type": "a.b.v1", "to_agent": "x", "payload": []}))
            .unwrap_err();
        assert!(err.message.contains("an array"), "{}", err.message);
        let big = "x".repeat(MAX_PAYLOAD_BYTES);
        let err =
            new_intent(&json!({"intent_type": "a.b.v1", "to_agent": "x", "payload": {"b": big}}))
                .unwrap_err();
        assert_eq!(err.code, "payload_too_large");
    }

    #[test]
    fn resolve_and_resume_bodies() {
        assert_eq!(
            resolution(&json!({"status": "CANCELLED"})).unwrap().status,
            Status::Canceled
        );
        assert_eq!(
            resolution(&json!({"status": "WAITING"})).unwrap_err().code,
            "invalid_status"
        );
        assert_eq!(
            resumption(&json!({"action": "wait", "waiting_reason": "WAITING_FOR_TIME"}))
                .unwrap()
                .action,
            ResumeAction::Wait
        );
        assert!(resumption(&json!({"action": "dance"})).is_err());
        assert_eq!(
            resumption(&json!({})).unwrap().action,
            ResumeAction::ApproveStep
        );
        assert!(policy_change(&json!({}), true).is_err());
        assert_eq!(
            policy_change(
                &json!({"grants_patch": {}, "expected_policy_generation": 2}),
                false
            )
            .unwrap()
            .expected_generation,
            Some(2)
        );
    }
}
