//! A human's answer to a task (`task_result`), free of I/O: parsing it and checking it against the
//! task's spec: allowed outcome, required comment, required evidence, and the form's JSON Schema.

use serde_json::{Map, Value};

use super::tasks::{invalid, text, STOP_OUTCOMES, WORKFLOW_PREFIX};
use super::validate::{kind, Invalid};

/// A human's answer: `{"task_result": {"outcome", "comment"?, "data"?, <form fields>...}}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    pub outcome: String,
    pub comment: Option<String>,
    /// The form: `data` merged over the fields beside `outcome` (the CLI sends them at top level).
    pub data: Map<String, Value>,
    /// The `task_result` as sent, recorded in the event and the intent.
    pub raw: Value,
}

/// Parses the `task_result` of a resume body.
pub fn submission(body: &Value) -> Result<Submission, Invalid> {
    let raw = body.get("task_result").cloned().unwrap_or(Value::Null);
    let obj = raw.as_object().ok_or_else(|| {
        invalid(
            "validation_error",
            "task_result".into(),
            format!("`task_result` must be a JSON object, got {}", kind(&raw)),
        )
    })?;
    let outcome = match obj.get("outcome") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        _ => {
            return Err(invalid(
                "validation_error",
                "task_result.outcome".into(),
                "`task_result.outcome` is required: one of the task's allowed_outcomes".into(),
            ))
        }
    };
    let comment = text(obj, "comment", "task_result")?;
    let mut data: Map<String, Value> = obj
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "outcome" | "comment" | "data"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match obj.get("data") {
        None | Some(Value::Null) => {}
        Some(Value::Object(fields)) => data.extend(fields.clone()),
        Some(other) => {
            return Err(invalid(
                "validation_error",
                "task_result.data".into(),
                format!(
                    "`task_result.data` must be a JSON object, got {}",
                    kind(other)
                ),
            ))
        }
    }
    Ok(Submission {
        outcome,
        comment,
        data,
        raw,
    })
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Checks an answer against the task: the outcome is allowed, a comment is there when required,
/// evidence when required, and the form satisfies `form_schema` (for go-ahead outcomes: a refusal
/// need not fill the form in).
pub fn check(spec: &Value, answer: &Submission) -> Result<(), Invalid> {
    let allowed: Vec<&str> = spec["allowed_outcomes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !allowed.contains(&answer.outcome.as_str()) {
        return Err(invalid(
            "outcome_not_allowed",
            "task_result.outcome".into(),
            format!(
                "outcome {:?} is not allowed for this task; allowed: {}",
                answer.outcome,
                allowed.join(", ")
            ),
        ));
    }
    if spec["required_comment"] == Value::Bool(true)
        && answer
            .comment
            .as_deref()
            .is_none_or(|c| c.trim().is_empty())
    {
        return Err(invalid(
            "comment_required",
            "task_result.comment".into(),
            "this task requires a comment: send `task_result.comment`".into(),
        ));
    }
    if spec["evidence_required"] == Value::Bool(true)
        && answer.data.get("evidence").is_none_or(is_empty)
    {
        return Err(invalid(
            "evidence_required",
            "task_result.data.evidence".into(),
            "this task requires evidence: send `task_result.data.evidence` (a link, text or list)"
                .into(),
        ));
    }
    let Some(schema) = spec.get("form_schema").filter(|s| s.is_object()) else {
        return Ok(());
    };
    if STOP_OUTCOMES.contains(&answer.outcome.as_str()) {
        return Ok(());
    }
    let validator = jsonschema::validator_for(schema).map_err(|e| {
        invalid(
            "invalid_form_schema",
            "human_task.form_schema".into(),
            format!("the task's form_schema is unusable: {e}"),
        )
    })?;
    let form = Value::Object(answer.data.clone());
    let problems: Vec<(String, String)> = validator
        .iter_errors(&form)
        .map(|e| {
            let mut path: String = e
                .instance_path()
                .as_str()
                .split('/')
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(".");
            if let jsonschema::error::ValidationErrorKind::Required { property } = e.kind() {
                let name = property.as_str().map(str::to_string).unwrap_or_default();
                path = if path.is_empty() {
                    name
                } else {
                    format!("{path}.{name}")
                };
            }
            (format!("task_result.{path}"), e.to_string())
        })
        .collect();
    match problems.first() {
        None => Ok(()),
        Some((field, _)) => Err(invalid(
            "form_validation_failed",
            field.trim_end_matches('.').to_string(),
            format!(
                "task_result does not satisfy the task's form_schema: {}",
                problems
                    .iter()
                    .map(|(f, m)| format!("{f}: {m}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )),
    }
}

/// Where an answered task sends its intent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Back to the agent: IN_PROGRESS, enqueued again for `to_agent`.
    Continue,
    /// Nobody follows the human (workflow approval steps): COMPLETED with the answer as result.
    Complete,
    /// A refusal: FAILED with the answer as error.
    Fail,
}

pub fn route(outcome: &str, to_agent: &str) -> Route {
    if STOP_OUTCOMES.contains(&outcome) {
        Route::Fail
    } else if to_agent.starts_with(WORKFLOW_PREFIX) {
        Route::Complete
    } else {
        Route::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tasks::normalize_spec;
    use serde_json::json;

    #[test]
    fn answers_are_checked_against_the_task() {
        let spec = normalize_spec(
            &json!({"title": "t", "required_comment": true, "evidence_required": true,
                "form_schema": {"type": "object", "required": ["days"],
                    "properties": {"days": {"type": "integer", "maximum": 90}}}}),
            "human_task",
        )
        .unwrap();
        let answer = |v: Value| submission(&json!({"task_result": v})).unwrap();
        let field = |v: Value| check(&spec, &answer(v)).unwrap_err().field;
        assert_eq!(field(json!({"outcome": "maybe"})), "task_result.outcome");
        assert_eq!(field(json!({"outcome": "approved"})), "task_result.comment");
        assert_eq!(
            field(json!({"outcome": "approved", "comment": "ok"})),
            "task_result.data.evidence"
        );
        assert_eq!(
            field(json!({"outcome": "approved", "comment": "ok", "data": {"evidence": "x"}})),
            "task_result.days"
        );
        assert_eq!(
            field(json!({"outcome": "approved", "comment": "ok", "evidence": "x", "days": 120})),
            "task_result.days"
        );
        check(
            &spec,
            &answer(json!({"outcome": "approved", "comment": "ok", "evidence": "x", "days": 3})),
        )
        .unwrap();
        // A refusal need not fill the form in (but still needs its comment and evidence).
        check(
            &spec,
            &answer(json!({"outcome": "rejected", "comment": "no", "data": {"evidence": ["x"]}})),
        )
        .unwrap();
        assert!(submission(&json!({"task_result": {"comment": "x"}})).is_err());
    }

    #[test]
    fn outcomes_route_the_intent() {
        assert_eq!(route("approved", "agent://deployer"), Route::Continue);
        assert_eq!(route("declined", "agent://deployer"), Route::Fail);
        assert_eq!(
            route("approved", "agent://axme.workflow/x"),
            Route::Complete
        );
    }
}
