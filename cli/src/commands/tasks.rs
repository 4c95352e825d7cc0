//! `axme tasks list|get|approve|reject|submit`. A task's id is the id of its intent; answers go
//! through `resume` with `task_result`, as the SDKs send them.

use axme_core::CallOptions;
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::args::{DecideArgs, TasksCommand};
use crate::error::{CliError, CliResult, EXIT_OK};
use crate::forms;
use crate::output::{compact, s, short_time, status_style, Cell, Style};
use crate::values::{json_file, set_fields};

pub async fn run(app: &App, command: TasksCommand) -> CliResult<i32> {
    match command {
        TasksCommand::List { status, limit } => list(app, &status, limit).await,
        TasksCommand::Get { task_id } => get(app, &task_id).await,
        TasksCommand::Approve(args) => decide(app, args, true).await,
        TasksCommand::Reject(args) => decide(app, args, false).await,
        TasksCommand::Submit {
            task_id,
            fields,
            file,
            outcome,
            comment,
        } => submit(app, &task_id, &fields, file.as_deref(), outcome, comment).await,
    }
}

fn list_str(v: &Value) -> String {
    let items: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if items.is_empty() {
        "anyone".to_string()
    } else {
        items.join(", ")
    }
}

/// One table row from a task item of `/v1/me/tasks`, or from an intent carrying a task.
fn row(item: &Value, from_intent: bool) -> Vec<Cell> {
    let (title, kind, state, assignees, due) = if from_intent {
        let t = &item["human_task"];
        (
            s(t, "title"),
            s(t, "task_type"),
            "open",
            list_str(&t["assignees"]),
            s(item, "deadline_at"),
        )
    } else {
        (
            s(item, "title"),
            s(item, "task_type"),
            s(item, "task_status"),
            list_str(&item["assignees"]),
            s(item, "due_at"),
        )
    };
    let status = s(item, "status");
    vec![
        Cell::new(s(item, "intent_id")),
        Cell::styled(title, Style::Bold),
        Cell::new(if kind.is_empty() { "approval" } else { kind }),
        Cell::new(state),
        Cell::styled(status, status_style(status)),
        Cell::new(assignees),
        Cell::new(if due.is_empty() {
            "-".to_string()
        } else {
            short_time(due)
        }),
    ]
}

const HEADERS: [&str; 7] = [
    "TASK",
    "TITLE",
    "TYPE",
    "STATE",
    "INTENT",
    "ASSIGNEES",
    "DUE",
];

async fn list(app: &App, status: &str, limit: Option<u32>) -> CliResult<i32> {
    let out = &app.out;
    if app.connection()?.actor_token.is_some() {
        let resp = app
            .call("list_my_tasks", json!({"status": status, "limit": limit}))
            .await?;
        if out.json {
            out.print_json(&resp);
            return Ok(EXIT_OK);
        }
        let rows: Vec<Vec<Cell>> = resp["tasks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| row(t, false))
            .collect();
        out.table(&HEADERS, &rows, "no tasks");
        return Ok(EXIT_OK);
    }
    // With an API key alone there is no "me": the open tasks of the organisation are the
    // intents waiting for a human answer.
    if !matches!(status, "open" | "pending" | "WAITING") {
        return Err(CliError::usage(format!(
            "--status {status} needs a human's actor token; with an API key only open tasks are listed"
        ))
        .with_hint("pass --actor-token, or store one with `axme context set NAME --actor-token TOKEN`"));
    }
    let resp = app
        .call("list_intents", json!({"status": "WAITING", "limit": 200}))
        .await?;
    let mut tasks: Vec<Value> = resp["intents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["human_task"].is_object() && i["task_result"].is_null())
        .cloned()
        .collect();
    if let Some(l) = limit {
        tasks.truncate(l as usize);
    }
    if out.json {
        out.print_json(&json!({"ok": true, "tasks": tasks}));
        return Ok(EXIT_OK);
    }
    let rows: Vec<Vec<Cell>> = tasks.iter().map(|t| row(t, true)).collect();
    out.table(&HEADERS, &rows, "no open tasks");
    Ok(EXIT_OK)
}

/// The intent of a task and its human task spec.
async fn load(app: &App, task_id: &str) -> CliResult<(Value, Value)> {
    let resp = app
        .client()?
        .get_intent(task_id, &CallOptions::default())
        .await?;
    let intent = resp["intent"].clone();
    let task = intent["human_task"].clone();
    if !task.is_object() {
        return Err(CliError::usage(format!(
            "intent {task_id} has no human task (status {})",
            s(&intent, "status")
        )));
    }
    Ok((intent, task))
}

async fn get(app: &App, task_id: &str) -> CliResult<i32> {
    let (intent, task) = load(app, task_id).await?;
    let out = &app.out;
    if out.json {
        out.print_json(&json!({"ok": true, "task": task, "intent": intent}));
        return Ok(EXIT_OK);
    }
    let status = s(&intent, "status");
    let state = if !intent["task_result"].is_null() {
        "answered"
    } else if status == "WAITING" {
        "open"
    } else {
        "closed"
    };
    let mut rows: Vec<(&str, Cell)> = vec![
        ("task", Cell::styled(task_id, Style::Bold)),
        ("title", Cell::new(s(&task, "title"))),
        (
            "type",
            Cell::new(match s(&task, "task_type") {
                "" => "approval",
                t => t,
            }),
        ),
        ("state", Cell::new(state)),
        ("intent", Cell::styled(status, status_style(status))),
        ("outcomes", Cell::new(forms::allowed(&task).join(", "))),
        ("assignees", Cell::new(list_str(&task["assignees"]))),
    ];
    if let Some(d) = task["description"].as_str() {
        rows.push(("description", Cell::new(d)));
    }
    if task["required_comment"] == Value::Bool(true) {
        rows.push(("comment", Cell::new("required")));
    }
    if task["evidence_required"] == Value::Bool(true) {
        rows.push(("evidence", Cell::new("required (data.evidence)")));
    }
    if let Some(props) = task["form_schema"]["properties"].as_object() {
        let required: Vec<&str> = task["form_schema"]["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let fields: Vec<String> = props
            .iter()
            .map(|(k, v)| {
                let ty = v["type"].as_str().unwrap_or("any");
                let req = if required.contains(&k.as_str()) {
                    ", required"
                } else {
                    ""
                };
                format!("{k} ({ty}{req})")
            })
            .collect();
        rows.push(("form", Cell::new(fields.join("; "))));
    }
    if !intent["task_result"].is_null() {
        rows.push(("answer", Cell::new(compact(&intent["task_result"], 200))));
    }
    rows.push(("payload", Cell::new(compact(&intent["payload"], 200))));
    out.fields(&rows);
    if state == "open" {
        outln!();
        outln!("answer with: axme tasks approve {task_id}  |  axme tasks reject {task_id}  |  axme tasks submit {task_id} --field k=v");
    }
    Ok(EXIT_OK)
}

async fn answer(app: &App, task_id: &str, task_result: Value) -> CliResult<i32> {
    let resp = app
        .client()?
        .resume_intent(
            task_id,
            json!({"task_result": task_result}),
            &CallOptions::default(),
        )
        .await?;
    let out = &app.out;
    if out.json {
        out.print_json(&resp);
    } else {
        let outcome = task_result["outcome"].as_str().unwrap_or("?");
        let status = resp["intent"]["status"].as_str().unwrap_or("?");
        outln!(
            "answered task {task_id}: {}; the intent is now {}",
            out.paint(outcome, Style::Bold),
            out.paint(status, status_style(status))
        );
    }
    Ok(EXIT_OK)
}

async fn decide(app: &App, args: DecideArgs, approve: bool) -> CliResult<i32> {
    let (_, task) = load(app, &args.task_id).await?;
    let outcome = match args.outcome {
        Some(o) => o,
        None => {
            let picked = if approve {
                forms::go_ahead(&task, "approved")
            } else {
                forms::refusal(&task)
            };
            picked.ok_or_else(|| {
                CliError::usage(format!(
                    "task {} has no {} outcome among {}; pass --outcome",
                    args.task_id,
                    if approve { "go-ahead" } else { "refusal" },
                    forms::allowed(&task).join(", ")
                ))
            })?
        }
    };
    let mut result = json!({"outcome": outcome});
    if let Some(c) = args.comment {
        result["comment"] = json!(c);
    }
    answer(app, &args.task_id, result).await
}

async fn submit(
    app: &App,
    task_id: &str,
    fields: &[String],
    file: Option<&str>,
    outcome: Option<String>,
    comment: Option<String>,
) -> CliResult<i32> {
    let (_, task) = load(app, task_id).await?;
    let schema = task.get("form_schema").filter(|s| s.is_object());
    let mut data = match file {
        Some(f) => match json_file("--file", f)? {
            Value::Object(m) => m,
            other => {
                return Err(CliError::usage(format!(
                    "--file must hold a JSON object of form answers, got {}",
                    crate::values::kind(&other)
                )))
            }
        },
        None => Map::new(),
    };
    set_fields(&mut data, fields, schema)?;
    let outcome = match outcome {
        Some(o) => o,
        None => forms::go_ahead(&task, "submitted").ok_or_else(|| {
            CliError::usage(format!(
                "task {task_id} has no go-ahead outcome among {}; pass --outcome",
                forms::allowed(&task).join(", ")
            ))
        })?,
    };
    let data = Value::Object(data);
    if let Some(schema) = schema {
        if !forms::stops(&outcome) {
            forms::check(schema, &data)?;
        }
    }
    let mut result = json!({"outcome": outcome, "data": data});
    if let Some(c) = comment {
        result["comment"] = json!(c);
    }
    answer(app, task_id, result).await
}
