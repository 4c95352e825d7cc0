//! `axme mesh agents|kill|resume|events|dashboard`.

use std::io::{BufRead, IsTerminal, Write};

use axme_core::CallOptions;
use serde_json::{json, Value};

use crate::app::App;
use crate::args::MeshCommand;
use crate::error::{CliError, CliResult, EXIT_ERROR, EXIT_OK};
use crate::output::{ago, compact, health_style, s, short_time, Cell, Style};

/// `succeeded / (succeeded + failed)` as a percentage, when anything was reported.
pub fn success_rate(period: &Value) -> Option<f64> {
    let ok = period["succeeded"].as_f64().unwrap_or(0.0);
    let failed = period["failed"].as_f64().unwrap_or(0.0);
    (ok + failed > 0.0).then(|| 100.0 * ok / (ok + failed))
}

/// A dollar amount as the dashboard shows it: cents, and fractions of a cent below one cent.
pub fn money(usd: f64) -> String {
    if usd == 0.0 {
        "$0.00".to_string()
    } else if usd < 0.01 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.2}")
    }
}

pub async fn run(app: &App, command: MeshCommand) -> CliResult<i32> {
    let out = &app.out;
    match command {
        MeshCommand::Agents {
            window,
            health,
            limit,
        } => {
            let resp = app
                .call(
                    "mesh_list_agents",
                    json!({"window": window.as_str(), "health": health, "limit": limit}),
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
                    let health = s(a, "health_status");
                    let period = &a["intents_period"];
                    let beat = match a["last_heartbeat_at"].as_str() {
                        Some(t) => ago(t),
                        None => "never".into(),
                    };
                    let latency = match a["metadata"]["avg_latency_ms"].as_f64() {
                        Some(ms) => format!("{} ms", ms.round()),
                        None => "-".into(),
                    };
                    let rate = success_rate(period)
                        .map(|r| format!("{}%", r.round()))
                        .unwrap_or_else(|| "-".into());
                    vec![
                        Cell::new(s(a, "address")),
                        Cell::styled(health, health_style(health)),
                        Cell::new(beat),
                        Cell::new(period["reported"].as_i64().unwrap_or(0).to_string()),
                        Cell::new(period["received"].as_i64().unwrap_or(0).to_string()),
                        Cell::new(rate),
                        Cell::new(latency),
                        Cell::new(money(a["cost_period"]["cost_usd"].as_f64().unwrap_or(0.0))),
                    ]
                })
                .collect();
            out.table(
                &[
                    "AGENT",
                    "HEALTH",
                    "HEARTBEAT",
                    "HANDLED",
                    "RECEIVED",
                    "SUCCESS",
                    "LATENCY",
                    "COST",
                ],
                &rows,
                "no agents yet: agents appear when they heartbeat, are registered or addressed",
            );
            let sum = &resp["summary"];
            let parts: Vec<String> = ["healthy", "degraded", "unreachable", "killed", "unknown"]
                .iter()
                .filter_map(|h| {
                    let n = sum[*h].as_i64().unwrap_or(0);
                    (n > 0).then(|| out.paint(&format!("{n} {h}"), health_style(h)))
                })
                .collect();
            outln!(
                "{}",
                out.paint(
                    &format!(
                        "{} agents, window {}",
                        sum["total"].as_i64().unwrap_or(0),
                        window.as_str()
                    ),
                    Style::Dim
                ) + if parts.is_empty() { "" } else { ": " }
                    + &parts.join(", ")
            );
            Ok(EXIT_OK)
        }
        MeshCommand::Kill { agent, yes } => {
            if !yes {
                confirm(&agent)?;
            }
            let resp = app
                .client()?
                .mesh()
                .kill(&agent, &CallOptions::default())
                .await?;
            switched(app, &resp, "killed", &agent)
        }
        MeshCommand::Resume { agent } => {
            let resp = app
                .client()?
                .mesh()
                .resume(&agent, &CallOptions::default())
                .await?;
            switched(app, &resp, "resumed", &agent)
        }
        MeshCommand::Events { limit, event_type } => {
            let resp = app
                .client()?
                .mesh()
                .list_events(limit, event_type.as_deref(), &CallOptions::default())
                .await?;
            if out.json {
                out.print_json(&resp);
                return Ok(EXIT_OK);
            }
            let rows: Vec<Vec<Cell>> = resp["events"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    let d = &e["details"];
                    vec![
                        Cell::new(short_time(s(e, "created_at"))),
                        Cell::styled(s(e, "event_type"), event_style(s(e, "event_type"))),
                        Cell::new(s(e, "address")),
                        Cell::new(match s(e, "actor_id") {
                            "" => "-",
                            a => a,
                        }),
                        Cell::new(if d.as_object().is_some_and(|m| !m.is_empty()) {
                            compact(d, 80)
                        } else {
                            String::new()
                        }),
                    ]
                })
                .collect();
            out.table(
                &["TIME", "EVENT", "AGENT", "ACTOR", "DETAILS"],
                &rows,
                "no mesh events",
            );
            Ok(EXIT_OK)
        }
        MeshCommand::Dashboard { no_open } => {
            let url = format!("{}/dashboard", app.connection()?.base_url);
            let opened = !no_open && open_browser(&url);
            if out.json {
                out.print_json(&json!({"url": url, "opened": opened}));
            } else if opened {
                outln!("opened {url} in your browser; the page asks for an API key");
            } else {
                outln!("{url}");
                if out.stdout_tty {
                    outln!("open it in a browser; the page asks for an API key (`axme context show --reveal` prints yours)");
                }
            }
            Ok(EXIT_OK)
        }
    }
}

fn event_style(event_type: &str) -> Style {
    match event_type {
        "agent.killed" | "agent.blocked" => Style::Red,
        "agent.resumed" | "agent.online" => Style::Green,
        _ => Style::Plain,
    }
}

fn switched(app: &App, resp: &Value, verb: &str, agent: &str) -> CliResult<i32> {
    let out = &app.out;
    if out.json {
        out.print_json(resp);
        return Ok(EXIT_OK);
    }
    let address = resp["address"].as_str().unwrap_or(agent);
    let note = if resp["changed"] == Value::Bool(false) {
        " (it already was)"
    } else {
        ""
    };
    let style = if verb == "killed" {
        Style::RedBold
    } else {
        Style::Green
    };
    outln!("{} {address}{note}", out.paint(verb, style));
    Ok(EXIT_OK)
}

/// Asks on the terminal; without one, refuses (a kill is never done by accident in a script).
fn confirm(agent: &str) -> CliResult<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(
            CliError::usage(format!("refusing to kill {agent} without confirmation"))
                .with_hint("pass --yes to kill without asking"),
        );
    }
    eprint!(
        "Kill {agent}? Every intent to and from it is refused until `axme mesh resume {agent}`. [y/N] "
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::usage("not killed").with_exit(EXIT_ERROR))
    }
}

/// Opens `url` with the platform's opener when a graphical session seems to be there.
fn open_browser(url: &str) -> bool {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        let graphical = ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
        if !graphical {
            return false;
        }
        ("xdg-open", vec![url])
    };
    std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_money() {
        assert_eq!(
            success_rate(&json!({"succeeded": 3, "failed": 1})),
            Some(75.0)
        );
        assert_eq!(success_rate(&json!({"succeeded": 0, "failed": 0})), None);
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(money(0.002), "$0.0020");
        assert_eq!(money(1.5), "$1.50");
    }
}
