//! `axme scenarios validate|apply [--watch]`.

use serde_json::{json, Value};

use crate::app::App;
use crate::args::ScenariosCommand;
use crate::error::{CliResult, EXIT_ERROR, EXIT_OK};
use crate::output::{s, status_style, Cell, Style};
use crate::values::{json_file, seconds};
use crate::watch::watch;

pub async fn run(app: &App, command: ScenariosCommand) -> CliResult<i32> {
    let out = &app.out;
    match command {
        ScenariosCommand::Validate { file } => {
            let bundle = json_file("the bundle", &file)?;
            let resp = app
                .call("validate_scenario", json!({"body": bundle}))
                .await?;
            let valid = resp["valid"] == Value::Bool(true);
            if out.json {
                out.print_json(&resp);
            } else if valid {
                let steps: Vec<String> = resp["steps"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|st| format!("{} ({})", s(st, "step_id"), s(st, "kind")))
                    .collect();
                outln!(
                    "{} scenario {}, intent type {}",
                    out.paint("valid:", Style::Green),
                    s(&resp, "scenario_id"),
                    s(&resp, "intent_type")
                );
                if !steps.is_empty() {
                    outln!("steps: {}", steps.join(" → "));
                }
            } else {
                let rows: Vec<Vec<Cell>> = resp["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| {
                        vec![
                            Cell::styled(
                                match s(e, "path") {
                                    "" => "(bundle)",
                                    p => p,
                                },
                                Style::Bold,
                            ),
                            Cell::new(s(e, "code")),
                            Cell::new(s(e, "message")),
                        ]
                    })
                    .collect();
                outln!(
                    "{} {} problem{}",
                    out.paint("invalid:", Style::Red),
                    rows.len(),
                    if rows.len() == 1 { "" } else { "s" }
                );
                out.table(&["PLACE", "CODE", "PROBLEM"], &rows, "");
            }
            Ok(if valid { EXIT_OK } else { EXIT_ERROR })
        }
        ScenariosCommand::Apply {
            file,
            watch: follow,
            timeout,
            idempotency_key,
        } => {
            let timeout = seconds("--timeout", timeout)?;
            let bundle = json_file("the bundle", &file)?;
            let resp = app
                .call(
                    "apply_scenario",
                    json!({"body": bundle, "idempotency_key": idempotency_key}),
                )
                .await?;
            let id = s(&resp, "intent_id").to_string();
            if out.json {
                if follow {
                    out.print_json_line(&resp);
                } else {
                    out.print_json(&resp);
                }
            } else {
                let status = s(&resp, "status");
                let pending = match &resp["pending_with"] {
                    Value::String(p) => p.clone(),
                    Value::Null => "-".into(),
                    other => other.to_string(),
                };
                let agents: Vec<String> = resp["agents"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| {
                        let created = if a["created"] == Value::Bool(true) {
                            ", new"
                        } else {
                            ""
                        };
                        format!("{} = {}{created}", s(a, "role"), s(a, "address"))
                    })
                    .collect();
                let mut rows: Vec<(&str, Cell)> = vec![
                    ("workflow", Cell::styled(id.clone(), Style::Bold)),
                    ("scenario", Cell::new(s(&resp, "scenario_id"))),
                    ("status", Cell::styled(status, status_style(status))),
                    ("pending with", Cell::new(pending)),
                ];
                if !agents.is_empty() {
                    rows.push(("agents", Cell::new(agents.join("; "))));
                }
                if resp["idempotent"] == Value::Bool(true) {
                    rows.push((
                        "note",
                        Cell::new("applied before with this key: the same workflow"),
                    ));
                }
                out.fields(&rows);
                if !follow {
                    outln!("  follow it:  axme intents watch {id}");
                } else {
                    outln!();
                }
            }
            if follow {
                return watch(app, &id, 0, timeout).await;
            }
            Ok(EXIT_OK)
        }
    }
}
