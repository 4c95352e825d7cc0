//! The list of `axme.*` tools (wire facts §1.8 names them `axme.<family>_<verb>`; the public checks call
//! `axme.check_nick`). Each maps its arguments to one HTTP operation of the AXP surface.

use axum::http::Method;
use serde_json::{json, Map, Value};

use super::tools::{encode, Args, HttpCall, Tool};

fn text(args: &Args, name: &str) -> String {
    match args.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// `?a=1&b=2` of the arguments present (nothing when none is).
fn query(args: &Args, names: &[&str]) -> String {
    let pairs: Vec<String> = names
        .iter()
        .filter(|n| args.get(**n).is_some_and(|v| !v.is_null()))
        .map(|n| format!("{n}={}", encode(&text(args, n))))
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// The arguments named, as a JSON body.
fn pick(args: &Args, names: &[&str]) -> Value {
    let picked: Map<String, Value> = names
        .iter()
        .filter_map(|n| args.get(*n).map(|v| (n.to_string(), v.clone())))
        .collect();
    Value::Object(picked)
}

fn get(uri: String) -> HttpCall {
    HttpCall {
        method: Method::GET,
        uri,
        body: None,
    }
}

fn post(uri: String, body: Value) -> HttpCall {
    HttpCall {
        method: Method::POST,
        uri,
        body: Some(body),
    }
}

fn intent_path(args: &Args, suffix: &str) -> String {
    format!("/v1/intents/{}{suffix}", encode(&text(args, "intent_id")))
}

/// A human's answer to a task: `resume` with `task_result` (outcome, comment, form fields).
fn task_result(args: &Args, outcome: Option<&str>) -> HttpCall {
    let mut result = args
        .get("fields")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let outcome = outcome
        .map(str::to_owned)
        .unwrap_or_else(|| text(args, "outcome"));
    result.insert("outcome".into(), json!(outcome));
    if let Some(comment) = args.get("comment") {
        result.insert("comment".into(), comment.clone());
    }
    post(intent_path(args, "/resume"), json!({"task_result": result}))
}

fn intent_id() -> Value {
    json!({"intent_id": {"type": "string", "minLength": 1, "maxLength": 64, "description": "Intent id (UUID)."}})
}

fn with_intent_id(mut extra: Value) -> Value {
    extra["intent_id"] = intent_id()["intent_id"].clone();
    extra
}

fn nick() -> Value {
    json!({"nick": {"type": "string", "minLength": 1, "maxLength": 64, "description": "Nick, e.g. @alice."}})
}

fn comment() -> Value {
    with_intent_id(json!({"comment": {"type": "string", "maxLength": 4000}}))
}

fn bundle() -> Value {
    json!({"bundle": {"type": "object", "description": "The ScenarioBundle."}})
}

fn send_args() -> Value {
    let address = json!({"type": "string", "minLength": 1, "maxLength": 383});
    json!({
        "to_agent": address, "reply_to": address, "escalate_to": address,
        "intent_type": {"type": "string", "minLength": 3, "maxLength": 255, "description": "Type like notify.message.v1."},
        "payload": {"type": "object", "description": "The work item."},
        "correlation_id": {"type": "string", "format": "uuid"},
        "deadline_at": {"type": "string", "format": "date-time"},
        "human_task": {"type": "object"},
        "remind_after_seconds": {"type": "integer", "minimum": 1},
        "remind_interval_seconds": {"type": "integer", "minimum": 1},
        "max_reminders": {"type": "integer", "minimum": 0},
    })
}

const SEND_FIELDS: [&str; 11] = [
    "intent_type",
    "to_agent",
    "payload",
    "correlation_id",
    "reply_to",
    "deadline_at",
    "human_task",
    "remind_after_seconds",
    "remind_interval_seconds",
    "max_reminders",
    "escalate_to",
];

fn resume_args() -> Value {
    with_intent_id(json!({
        "action": {"type": "string", "enum": ["ack", "progress", "wait", "complete", "fail"]},
        "result": {"type": "object"}, "error": {"type": "object"}, "details": {"type": "object"},
        "waiting_reason": {"type": "string", "enum": ["WAITING_FOR_HUMAN", "WAITING_FOR_TOOL", "WAITING_FOR_AGENT", "WAITING_FOR_TIME"]},
        "message": {"type": "string", "maxLength": 4000},
        "task_result": {"type": "object"},
    }))
}

const RESUME_FIELDS: [&str; 7] = [
    "action",
    "result",
    "error",
    "details",
    "waiting_reason",
    "message",
    "task_result",
];

fn list_args() -> Value {
    json!({
        "status": {"type": "string", "maxLength": 200},
        "limit": {"type": "integer", "minimum": 1, "maximum": 200},
        "cursor": {"type": "string", "maxLength": 64},
    })
}

const LIST_FIELDS: [&str; 3] = ["status", "limit", "cursor"];

fn log_args() -> Value {
    with_intent_id(json!({"since": {"type": "integer", "minimum": 0}}))
}

fn cancel_args() -> Value {
    with_intent_id(json!({"reason": {"type": "string", "minLength": 1, "maxLength": 1000}}))
}

fn cancel(args: &Args) -> HttpCall {
    let reason = args
        .get("reason")
        .cloned()
        .unwrap_or(json!("canceled through MCP"));
    let body = json!({"status": "CANCELED", "reason": reason});
    post(intent_path(args, "/resolve"), body)
}

fn submit_args() -> Value {
    with_intent_id(json!({
        "outcome": {"type": "string", "minLength": 1, "maxLength": 64},
        "comment": {"type": "string", "maxLength": 4000},
        "fields": {"type": "object", "description": "Form fields of the task."},
    }))
}

fn limit_args() -> Value {
    json!({"limit": {"type": "integer", "minimum": 1, "maximum": 500}})
}

fn address_args() -> Value {
    json!({"address": {"type": "string", "minLength": 1, "maxLength": 383}})
}

fn show_agent(args: &Args) -> HttpCall {
    let address = text(args, "address");
    let bare = address.strip_prefix("agent://").unwrap_or(&address);
    // The address keeps its '/': the path parameter spans segments.
    let segments: Vec<String> = bare.split('/').map(encode).collect();
    get(format!("/v1/agents/{}", segments.join("/")))
}

fn register_args() -> Value {
    let mut args = nick();
    args["display_name"] =
        json!({"type": "string", "minLength": 1, "maxLength": 120, "pattern": "\\S"});
    args
}

const REGISTER_FIELDS: [&str; 3] = ["nick", "display_name", "owner_agent"];

pub fn tools() -> Vec<Tool> {
    vec![
        Tool::new(
            "axme.status",
            "Server status",
            "Health of the server: service, version, storage.",
        )
        .read_only()
        .http(|_| get("/health".into())),
        Tool::new(
            "axme.whoami",
            "Who am I",
            "Organisation, workspace and service account of the API key.",
        )
        .read_only(),
        Tool::new(
            "axme.intents_send",
            "Send an intent",
            "Creates an intent for an agent (POST /v1/intents).",
        )
        .args(send_args, &["to_agent", "intent_type"])
        .http(|a| {
            let mut body = pick(a, &SEND_FIELDS);
            if body.get("payload").is_none() {
                body["payload"] = json!({});
            }
            post("/v1/intents".into(), body)
        }),
        Tool::new(
            "axme.intents_get",
            "Get an intent",
            "An intent with its status and pending_with.",
        )
        .args(intent_id, &["intent_id"])
        .read_only()
        .http(|a| get(intent_path(a, ""))),
        Tool::new(
            "axme.intents_list",
            "List intents",
            "Intents, newest first; `status` is a comma list.",
        )
        .args(list_args, &[])
        .read_only()
        .http(|a| get(format!("/v1/intents{}", query(a, &LIST_FIELDS)))),
        Tool::new(
            "axme.intents_log",
            "Intent events",
            "Lifecycle events of an intent after `since`.",
        )
        .args(log_args, &["intent_id"])
        .read_only()
        .http(|a| get(intent_path(a, &format!("/events{}", query(a, &["since"]))))),
        Tool::new(
            "axme.intents_cancel",
            "Cancel an intent",
            "Resolves an intent as CANCELED.",
        )
        .args(cancel_args, &["intent_id"])
        .owner_scoped()
        .http(cancel),
        Tool::new(
            "axme.intents_resume",
            "Resume an intent",
            "An agent reports (ack, progress, wait, complete, fail).",
        )
        .args(resume_args, &["intent_id"])
        .owner_scoped()
        .http(|a| post(intent_path(a, "/resume"), pick(a, &RESUME_FIELDS))),
        Tool::new(
            "axme.tasks_list",
            "My tasks",
            "Human tasks waiting for the caller.",
        )
        .read_only()
        .http(|_| get("/v1/me/tasks".into())),
        Tool::new(
            "axme.tasks_get",
            "Get a task",
            "The intent behind a human task.",
        )
        .args(intent_id, &["intent_id"])
        .read_only()
        .http(|a| get(intent_path(a, ""))),
        Tool::new(
            "axme.tasks_approve",
            "Approve a task",
            "Submits the outcome `approved`.",
        )
        .args(comment, &["intent_id"])
        .owner_scoped()
        .http(|a| task_result(a, Some("approved"))),
        Tool::new(
            "axme.tasks_reject",
            "Reject a task",
            "Submits the outcome `rejected`.",
        )
        .args(comment, &["intent_id"])
        .owner_scoped()
        .http(|a| task_result(a, Some("rejected"))),
        Tool::new(
            "axme.tasks_submit",
            "Submit a task result",
            "Submits an allowed outcome with form fields.",
        )
        .args(submit_args, &["intent_id", "outcome"])
        .owner_scoped()
        .http(|a| task_result(a, None)),
        Tool::new(
            "axme.agents_list",
            "List agents",
            "Registered agents of the organisation.",
        )
        .args(limit_args, &[])
        .read_only()
        .http(|a| get(format!("/v1/agents{}", query(a, &["limit"])))),
        Tool::new("axme.agents_show", "Show an agent", "One agent by address.")
            .args(address_args, &["address"])
            .read_only()
            .http(show_agent),
        Tool::new(
            "axme.scenarios_validate",
            "Validate a scenario",
            "Checks a ScenarioBundle without running it.",
        )
        .args(bundle, &["bundle"])
        .read_only()
        .http(|a| post("/v1/scenarios/validate".into(), a["bundle"].clone())),
        Tool::new(
            "axme.scenarios_apply",
            "Apply a scenario",
            "Runs a ScenarioBundle.",
        )
        .args(bundle, &["bundle"])
        .http(|a| post("/v1/scenarios/apply".into(), a["bundle"].clone())),
        Tool::new(
            "axme.check_nick",
            "Check a nick",
            "Whether a nick is free in the organisation.",
        )
        .args(nick, &["nick"])
        .read_only()
        .http(|a| get(format!("/v1/users/check-nick{}", query(a, &["nick"])))),
        Tool::new(
            "axme.resolve_nick",
            "Resolve a nick",
            "The user and address behind a nick.",
        )
        .args(nick, &["nick"])
        .read_only()
        .http(|a| get(format!("/v1/users/resolve-nick{}", query(a, &["nick"])))),
        Tool::new(
            "axme.register_nick",
            "Register a nick",
            "Creates a user with a nick.",
        )
        .args(register_args, &["nick"])
        .http(|a| post("/v1/users/register-nick".into(), pick(a, &REGISTER_FIELDS))),
        Tool::new(
            "axme.rename_nick",
            "Rename a nick",
            "Gives the user `owner_agent` a new nick.",
        )
        .args(nick, &["nick", "owner_agent"])
        .http(|a| {
            post(
                "/v1/users/rename-nick".into(),
                pick(a, &["nick", "owner_agent"]),
            )
        }),
        Tool::new(
            "axme.user_profile",
            "User profile",
            "Nick, display name and contact of `owner_agent`.",
        )
        .args(|| json!({}), &["owner_agent"])
        .read_only()
        .http(|a| get(format!("/v1/users/profile{}", query(a, &["owner_agent"])))),
    ]
}
