//! `axme agents list|show`: the agent registry.

use serde_json::{json, Value};

use crate::app::App;
use crate::args::AgentsCommand;
use crate::error::{CliResult, EXIT_OK};
use crate::output::{s, short_time, Cell, Style};

fn agent_status_style(status: &str) -> Style {
    match status {
        "active" => Style::Green,
        "suspended" => Style::Red,
        _ => Style::Plain,
    }
}

pub async fn run(app: &App, command: AgentsCommand) -> CliResult<i32> {
    let out = &app.out;
    match command {
        AgentsCommand::List { workspace, limit } => {
            let resp = app
                .call(
                    "list_agents",
                    json!({"workspace_id": workspace, "limit": limit}),
                )
                .await?;
            if out.json {
                out.print_json(&resp);
                return Ok(EXIT_OK);
            }
            let rows: Vec<Vec<Cell>> = resp["agents"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| {
                    let status = s(a, "status");
                    vec![
                        Cell::new(s(a, "address")),
                        Cell::styled(status, agent_status_style(status)),
                        Cell::new(s(a, "delivery_mode")),
                        Cell::new(if a["registered"] == Value::Bool(true) {
                            "yes"
                        } else {
                            "no"
                        }),
                        Cell::new(s(a, "address_id")),
                        Cell::new(short_time(s(a, "created_at"))),
                    ]
                })
                .collect();
            out.table(
                &[
                    "ADDRESS",
                    "STATUS",
                    "DELIVERY",
                    "REGISTERED",
                    "ID",
                    "CREATED",
                ],
                &rows,
                "no agents",
            );
            Ok(EXIT_OK)
        }
        AgentsCommand::Show { address } => {
            let resp = app.call("get_agent", json!({"address": address})).await?;
            if out.json {
                out.print_json(&resp);
                return Ok(EXIT_OK);
            }
            let a = &resp["agent"];
            let status = s(a, "status");
            let opt = |key: &str| match &a[key] {
                Value::Null => "-".to_string(),
                Value::String(t) => t.clone(),
                other => other.to_string(),
            };
            out.fields(&[
                ("address", Cell::styled(s(a, "address"), Style::Bold)),
                ("id", Cell::new(s(a, "address_id"))),
                ("status", Cell::styled(status, agent_status_style(status))),
                ("display name", Cell::new(opt("display_name"))),
                ("delivery", Cell::new(opt("delivery_mode"))),
                ("callback", Cell::new(opt("callback_url"))),
                ("registered", Cell::new(opt("registered"))),
                ("service account", Cell::new(opt("service_account_name"))),
                ("blocked", Cell::new(opt("blocked_reason"))),
                ("deliveries", Cell::new(opt("deliveries"))),
                ("created", Cell::new(short_time(s(a, "created_at")))),
            ]);
            Ok(EXIT_OK)
        }
    }
}
