//! Human tasks on the client side: which outcome an approval or a refusal means for a task, and
//! checking form answers against the task's `form_schema` before anything is sent, naming the
//! place of every problem (`task_result.data.amount`).

use serde_json::{json, Value};

use crate::error::{CliError, CliResult};

/// Outcomes that stop the intent (the server fails it with the answer as error).
const STOP_OUTCOMES: [&str; 4] = ["rejected", "declined", "failed", "canceled"];

/// The task's allowed outcomes (the server fills in its defaults when the spec gives none).
pub fn allowed(task: &Value) -> Vec<String> {
    task["allowed_outcomes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The outcome for a go-ahead: `preferred` when allowed, else the first outcome that does not stop
/// the intent.
pub fn go_ahead(task: &Value, preferred: &str) -> Option<String> {
    let all = allowed(task);
    if all.iter().any(|o| o == preferred) {
        return Some(preferred.to_string());
    }
    all.into_iter()
        .find(|o| !STOP_OUTCOMES.contains(&o.as_str()))
}

/// The outcome for a refusal: `rejected` when allowed, else the first stopping outcome.
pub fn refusal(task: &Value) -> Option<String> {
    let all = allowed(task);
    if all.iter().any(|o| o == "rejected") {
        return Some("rejected".to_string());
    }
    all.into_iter()
        .find(|o| STOP_OUTCOMES.contains(&o.as_str()))
}

/// Whether an outcome stops the intent (then the form need not be filled in).
pub fn stops(outcome: &str) -> bool {
    STOP_OUTCOMES.contains(&outcome)
}

/// Checks `data` against `schema`; every problem with its place under `task_result.data`.
pub fn check(schema: &Value, data: &Value) -> CliResult<()> {
    let validator = jsonschema::validator_for(schema)
        .map_err(|e| CliError::validation(format!("the task's form_schema is not usable: {e}")))?;
    let problems: Vec<Value> = validator
        .iter_errors(data)
        .map(|e| {
            let mut place: Vec<String> = e
                .instance_path()
                .as_str()
                .split('/')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
            if let jsonschema::error::ValidationErrorKind::Required { property } = e.kind() {
                if let Some(name) = property.as_str() {
                    place.push(name.to_string());
                }
            }
            let mut path = String::from("task_result.data");
            for p in place {
                path.push('.');
                path.push_str(&p);
            }
            json!({"path": path, "message": e.to_string()})
        })
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    let first = problems[0]["path"].as_str().unwrap_or("").to_string();
    Err(CliError::validation(format!(
        "the answer does not satisfy the task's form ({} problem{}, first at {first}); nothing was sent",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    ))
    .with_details(json!({"problems": problems})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_follow_the_task() {
        let approval = json!({"allowed_outcomes": ["approved", "rejected"]});
        assert_eq!(go_ahead(&approval, "approved").as_deref(), Some("approved"));
        assert_eq!(refusal(&approval).as_deref(), Some("rejected"));
        let confirm = json!({"allowed_outcomes": ["confirmed", "rejected"]});
        assert_eq!(go_ahead(&confirm, "approved").as_deref(), Some("confirmed"));
        let form = json!({"allowed_outcomes": ["submitted", "declined"]});
        assert_eq!(refusal(&form).as_deref(), Some("declined"));
        assert_eq!(go_ahead(&form, "submitted").as_deref(), Some("submitted"));
    }

    #[test]
    fn form_problems_name_their_place() {
        let schema = json!({"type": "object", "required": ["amount", "reason"],
            "properties": {"amount": {"type": "integer", "minimum": 1},
                           "reason": {"type": "string"}}});
        assert!(check(&schema, &json!({"amount": 3, "reason": "x"})).is_ok());
        let err = check(&schema, &json!({"amount": 0})).unwrap_err();
        let places: Vec<String> = err.places().into_iter().map(|(p, _)| p).collect();
        assert!(
            places.contains(&"task_result.data.amount".to_string()),
            "{places:?}"
        );
        assert!(
            places.contains(&"task_result.data.reason".to_string()),
            "{places:?}"
        );
        assert!(err.message.contains("2 problems"), "{}", err.message);
    }
}
