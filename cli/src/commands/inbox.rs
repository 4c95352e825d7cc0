//! `axme inbox list|show|approve|reject|reply`: an owner's threads (`--owner`, else the context's
//! owner agent, else the caller's own address).

use serde_json::{json, Value};

use crate::app::App;
use crate::args::{InboxCommand, ThreadDecision};
use crate::error::{CliResult, EXIT_OK};
use crate::output::{compact, s, short_time, Cell, Style};

pub async fn run(app: &App, command: InboxCommand) -> CliResult<i32> {
    match command {
        InboxCommand::List {
            owner,
            status,
            limit,
        } => {
            let resp = app
                .call(
                    "list_inbox",
                    json!({"owner_agent": owner.owner, "status": status, "limit": limit}),
                )
                .await?;
            let out = &app.out;
            if out.json {
                out.print_json(&resp);
                return Ok(EXIT_OK);
            }
            let rows: Vec<Vec<Cell>> = resp["threads"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| {
                    let status = s(t, "status");
                    vec![
                        Cell::new(s(t, "thread_id")),
                        Cell::styled(status, thread_style(status)),
                        Cell::styled(
                            if t["unread"] == Value::Bool(true) {
                                "*"
                            } else {
                                ""
                            },
                            Style::Cyan,
                        ),
                        Cell::new(s(t, "title")),
                        Cell::new(s(t, "from_agent")),
                        Cell::new(short_time(s(t, "updated_at"))),
                    ]
                })
                .collect();
            outln!(
                "{}",
                out.paint(&format!("inbox of {}", s(&resp, "owner_agent")), Style::Dim)
            );
            out.table(
                &["THREAD", "STATUS", "UNREAD", "TITLE", "FROM", "UPDATED"],
                &rows,
                "no threads",
            );
            Ok(EXIT_OK)
        }
        InboxCommand::Show { thread_id, owner } => {
            let resp = app
                .call(
                    "get_inbox_thread",
                    json!({"thread_id": thread_id, "owner_agent": owner.owner}),
                )
                .await?;
            print_thread(app, &resp);
            Ok(EXIT_OK)
        }
        InboxCommand::Approve(d) => decide(app, d, "approve_inbox_thread").await,
        InboxCommand::Reject(d) => decide(app, d, "reject_inbox_thread").await,
        InboxCommand::Reply {
            thread_id,
            message,
            owner,
        } => {
            let resp = app
                .call(
                    "reply_inbox_thread",
                    json!({"thread_id": thread_id, "owner_agent": owner.owner,
                           "body": {"message": message}}),
                )
                .await?;
            print_thread(app, &resp);
            Ok(EXIT_OK)
        }
    }
}

fn thread_style(status: &str) -> Style {
    match status {
        "pending" => Style::Magenta,
        "active" => Style::Cyan,
        "done" => Style::Green,
        _ => Style::Plain,
    }
}

async fn decide(app: &App, d: ThreadDecision, op: &str) -> CliResult<i32> {
    let mut body = json!({});
    if let Some(c) = d.comment {
        body["comment"] = json!(c);
    }
    let resp = app
        .call(
            op,
            json!({"thread_id": d.thread_id, "owner_agent": d.owner.owner, "body": body}),
        )
        .await?;
    print_thread(app, &resp);
    Ok(EXIT_OK)
}

fn print_thread(app: &App, resp: &Value) {
    let out = &app.out;
    if out.json {
        out.print_json(resp);
        return;
    }
    let t = &resp["thread"];
    let status = s(t, "status");
    let mut rows: Vec<(&str, Cell)> = vec![
        ("thread", Cell::styled(s(t, "thread_id"), Style::Bold)),
        ("title", Cell::new(s(t, "title"))),
        ("status", Cell::styled(status, thread_style(status))),
        ("owner", Cell::new(s(t, "owner_agent"))),
        ("from", Cell::new(s(t, "from_agent"))),
        ("to", Cell::new(s(t, "to_agent"))),
    ];
    if let Some(d) = t["decision"].as_object() {
        let what = d.get("decision").and_then(Value::as_str).unwrap_or("?");
        let by = d.get("decided_by").and_then(Value::as_str).unwrap_or("?");
        rows.push(("decision", Cell::new(format!("{what} by {by}"))));
    }
    if let Some(to) = t["delegated_to"].as_str() {
        rows.push(("delegated to", Cell::new(to)));
    }
    out.fields(&rows);
    let timeline: Vec<Vec<Cell>> = t["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let d = &e["details"];
            let text = d["message"]
                .as_str()
                .or_else(|| d["comment"].as_str())
                .map(str::to_string)
                .unwrap_or_else(|| {
                    if d.as_object().is_some_and(|m| !m.is_empty()) {
                        compact(d, 80)
                    } else {
                        String::new()
                    }
                });
            vec![
                Cell::new(short_time(s(e, "at"))),
                Cell::new(s(e, "event_type")),
                Cell::new(s(e, "actor")),
                Cell::new(text),
            ]
        })
        .collect();
    outln!();
    out.table(
        &["TIME", "EVENT", "ACTOR", "DETAILS"],
        &timeline,
        "empty timeline",
    );
}
