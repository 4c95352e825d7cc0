//! Human tasks (wire facts §2.6), free of I/O: the `HumanTaskSpec` with its defaults per task type,
//! what a human's answer (`task_result`) must contain, where each outcome sends the intent, who may
//! answer, and when reminders and the escalation fall due. spec/lifecycle.md §6 is the prose of this.

use serde_json::{Map, Value};

use super::validate::{kind, Invalid};

/// The 14 task types of the upstream schema, plus `form` (the eighth of the marketed types, absent
/// from the schema enum): accepted so bundles written from the upstream READMEs work.
pub const TASK_TYPES: [&str; 15] = [
    "approval",
    "review",
    "clarification",
    "provide_data",
    "attach_file",
    "manual_action",
    "confirmation",
    "validate_real_world",
    "validate_output",
    "assignment",
    "delegation",
    "reroute",
    "override",
    "escalate",
    "form",
];

const SPEC_FIELDS: [&str; 9] = [
    "title",
    "description",
    "task_type",
    "allowed_outcomes",
    "required_comment",
    "assignees",
    "evidence_required",
    "form_schema",
    "notify_email",
];

/// Outcomes that stop the intent: it FAILS with the answer as its error. Any other outcome lets the
/// work go on.
pub const STOP_OUTCOMES: [&str; 4] = ["rejected", "declined", "failed", "canceled"];

/// Addresses under this prefix belong to the server's own workflow engine: nobody acts after the
/// human there, so a go-ahead answer completes the intent instead of handing it back to an agent.
pub const WORKFLOW_PREFIX: &str = "agent://axme.workflow/";

/// Reminders sent when `remind_after_seconds` is given without `max_reminders`.
pub const DEFAULT_MAX_REMINDERS: i64 = 3;

/// The outcomes a task accepts when the spec lists none.
pub fn default_outcomes(task_type: Option<&str>) -> &'static [&'static str] {
    match task_type {
        Some("review") => &["approved", "changes_requested", "rejected"],
        Some("clarification" | "provide_data" | "attach_file") => &["provided", "declined"],
        Some("form") => &["submitted", "declined"],
        Some("manual_action") => &["completed", "failed"],
        Some("confirmation" | "validate_real_world") => &["confirmed", "rejected"],
        Some("assignment") => &["assigned", "declined"],
        Some("delegation") => &["delegated", "declined"],
        Some("reroute") => &["rerouted", "declined"],
        Some("override") => &["override_approved", "rejected"],
        Some("escalate") => &["resolved", "rejected"],
        _ => &["approved", "rejected"],
    }
}

pub(super) fn invalid(code: &'static str, field: String, message: String) -> Invalid {
    Invalid {
        code,
        field,
        message,
    }
}

fn strings(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
    max_items: usize,
) -> Result<Option<Vec<String>>, Invalid> {
    let field = format!("{path}.{key}");
    let items = match obj.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(invalid(
                "validation_error",
                field.clone(),
                format!("`{field}` must be an array of strings, got {}", kind(other)),
            ))
        }
    };
    if items.is_empty() || items.len() > max_items {
        return Err(invalid(
            "validation_error",
            field.clone(),
            format!(
                "`{field}` must hold 1 to {max_items} entries, got {}",
                items.len()
            ),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str().map(str::trim) {
            Some(s) if !s.is_empty() && s.chars().count() <= 320 => {
                if out.iter().any(|o| o == s) {
                    return Err(invalid(
                        "validation_error",
                        format!("{field}[{i}]"),
                        format!("`{field}` lists {s:?} twice"),
                    ));
                }
                out.push(s.to_string());
            }
            _ => {
                return Err(invalid(
                    "validation_error",
                    format!("{field}[{i}]"),
                    format!("`{field}[{i}]` must be a string of at most 320 characters with a non-blank one"),
                ))
            }
        }
    }
    Ok(Some(out))
}

fn boolean(obj: &Map<String, Value>, key: &str, path: &str) -> Result<(), Invalid> {
    match obj.get(key) {
        None | Some(Value::Null | Value::Bool(_)) => Ok(()),
        Some(other) => Err(invalid(
            "validation_error",
            format!("{path}.{key}"),
            format!("`{path}.{key}` must be a boolean, got {}", kind(other)),
        )),
    }
}

pub(super) fn text(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, Invalid> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(invalid(
            "validation_error",
            format!("{path}.{key}"),
            format!("`{path}.{key}` must be a string, got {}", kind(other)),
        )),
    }
}

/// Validates a `HumanTaskSpec` found at `path` (e.g. `human_task`) and returns it with the effective
/// `allowed_outcomes` filled in, so readers see what an answer may say.
pub fn normalize_spec(value: &Value, path: &str) -> Result<Value, Invalid> {
    let obj = value.as_object().ok_or_else(|| {
        invalid(
            "validation_error",
            path.to_string(),
            format!("`{path}` must be a JSON object, got {}", kind(value)),
        )
    })?;
    if let Some(unknown) = obj.keys().find(|k| !SPEC_FIELDS.contains(&k.as_str())) {
        return Err(invalid(
            "validation_error",
            format!("{path}.{unknown}"),
            format!(
                "`{path}` has no field {unknown:?}; accepted: {}",
                SPEC_FIELDS.join(", ")
            ),
        ));
    }
    match text(obj, "title", path)? {
        Some(t) if !t.trim().is_empty() && t.chars().count() <= 255 => {}
        _ => {
            return Err(invalid(
                "validation_error",
                format!("{path}.title"),
                format!("`{path}.title` is required: a string of 1 to 255 characters"),
            ))
        }
    }
    text(obj, "description", path)?;
    let task_type = text(obj, "task_type", path)?;
    if let Some(t) = &task_type {
        if !TASK_TYPES.contains(&t.as_str()) {
            return Err(invalid(
                "validation_error",
                format!("{path}.task_type"),
                format!(
                    "`{path}.task_type` {t:?} is not a task type; accepted: {}",
                    TASK_TYPES.join(", ")
                ),
            ));
        }
    }
    let outcomes = strings(obj, "allowed_outcomes", path, 20)?;
    strings(obj, "assignees", path, 20)?;
    boolean(obj, "required_comment", path)?;
    boolean(obj, "evidence_required", path)?;
    if let Some(email) = text(obj, "notify_email", path)? {
        if !email.contains('@') {
            return Err(invalid(
                "validation_error",
                format!("{path}.notify_email"),
                format!("`{path}.notify_email` {email:?} is not an e-mail address"),
            ));
        }
    }
    match obj.get("form_schema") {
        None | Some(Value::Null) => {}
        Some(schema @ Value::Object(_)) => {
            if let Err(err) = jsonschema::validator_for(schema) {
                return Err(invalid(
                    "invalid_form_schema",
                    format!("{path}.form_schema"),
                    format!("`{path}.form_schema` is not a usable JSON Schema: {err}"),
                ));
            }
        }
        Some(other) => {
            return Err(invalid(
                "invalid_form_schema",
                format!("{path}.form_schema"),
                format!(
                    "`{path}.form_schema` must be a JSON Schema object, got {}",
                    kind(other)
                ),
            ))
        }
    }
    let mut out = obj.clone();
    if outcomes.is_none() {
        let defaults = default_outcomes(task_type.as_deref());
        out.insert("allowed_outcomes".into(), defaults.into());
    }
    Ok(Value::Object(out))
}

/// The form an assignee is matched in: lower-case, without an `agent://`, `human://` or `mailto:`
/// prefix. `*` stands for "anyone in the organisation" (a task without assignees).
pub fn assignee_key(raw: &str) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    ["agent://", "human://", "mailto:"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .unwrap_or(&lower)
        .to_string()
}

/// The keys a human answers to: name, e-mail, `org/workspace/name`, and `*`.
pub fn actor_keys(name: &str, email: Option<&str>, org: &str, workspace: &str) -> Vec<String> {
    let mut keys = vec![
        assignee_key(name),
        assignee_key(&format!("{org}/{workspace}/{name}")),
        "*".to_string(),
    ];
    if let Some(email) = email {
        keys.push(assignee_key(email));
    }
    keys
}

/// The assignee keys stored for a task spec (`*` when it names nobody).
pub fn spec_assignee_keys(spec: &Value) -> Vec<String> {
    let keys: Vec<String> = spec["assignees"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(assignee_key)
                .collect()
        })
        .unwrap_or_default();
    if keys.is_empty() {
        vec!["*".to_string()]
    } else {
        keys
    }
}

/// A reminder schedule, in schedule seconds (one schedule second lasts `unit_us`, 1 s unless a test
/// compresses it). Reminder `k` (1-based) falls due at `start + after + (k-1)·interval`; the escalation,
/// when there is one, one interval after the last reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub start_us: i64,
    pub unit_us: i64,
    pub after: i64,
    pub interval: i64,
    pub max_reminders: i64,
}

impl Schedule {
    /// The schedule of `remind_after_seconds`, `remind_interval_seconds` and `max_reminders`.
    pub fn new(
        start_us: i64,
        unit_us: i64,
        after: Option<i64>,
        interval: Option<i64>,
        max: Option<i64>,
    ) -> Option<Schedule> {
        let after = after?;
        Some(Schedule {
            start_us,
            unit_us,
            after,
            interval: interval.unwrap_or(after).max(1),
            max_reminders: max.unwrap_or(DEFAULT_MAX_REMINDERS),
        })
    }

    pub fn reminder_due(&self, k: i64) -> i64 {
        self.start_us + (self.after + (k - 1) * self.interval) * self.unit_us
    }

    pub fn escalation_due(&self) -> i64 {
        self.start_us + (self.after + self.max_reminders * self.interval) * self.unit_us
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spec_defaults_and_errors_name_the_field() {
        let spec = normalize_spec(&json!({"title": "t", "task_type": "review"}), "human_task")
            .expect("valid");
        assert_eq!(
            spec["allowed_outcomes"],
            json!(["approved", "changes_requested", "rejected"])
        );
        let form = normalize_spec(&json!({"title": "t", "task_type": "form"}), "x").unwrap();
        assert_eq!(form["allowed_outcomes"], json!(["submitted", "declined"]));
        for (bad, field) in [
            (json!({"title": ""}), "human_task.title"),
            (
                json!({"title": "t", "task_type": "dance"}),
                "human_task.task_type",
            ),
            (
                json!({"title": "t", "allowed_outcomes": []}),
                "human_task.allowed_outcomes",
            ),
            (
                json!({"title": "t", "assignees": ["a", "a"]}),
                "human_task.assignees[1]",
            ),
            (json!({"title": "t", "colour": 1}), "human_task.colour"),
            (
                json!({"title": "t", "form_schema": {"type": 7}}),
                "human_task.form_schema",
            ),
            (
                json!({"title": "t", "required_comment": "yes"}),
                "human_task.required_comment",
            ),
        ] {
            let err = normalize_spec(&bad, "human_task").unwrap_err();
            assert_eq!(err.field, field, "{bad}: {}", err.message);
        }
    }

    #[test]
    fn matching_and_schedule() {
        assert_eq!(assignee_key("Agent://Ops/Lead"), "ops/lead");
        assert!(
            actor_keys("alice", Some("A@X.io"), "acme", "default").contains(&"a@x.io".to_string())
        );
        assert_eq!(spec_assignee_keys(&json!({"title": "t"})), vec!["*"]);
        let s = Schedule::new(1_000, 10, Some(5), Some(2), Some(3)).unwrap();
        assert_eq!(
            (s.reminder_due(1), s.reminder_due(3), s.escalation_due()),
            (1_050, 1_090, 1_110)
        );
        assert_eq!(
            Schedule::new(0, 1, Some(4), None, None)
                .unwrap()
                .max_reminders,
            3
        );
        assert!(Schedule::new(0, 1, None, Some(4), None).is_none());
    }
}
