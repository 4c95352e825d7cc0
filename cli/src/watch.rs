//! Following an intent: each lifecycle event as it arrives (the core's `observe`: SSE with resume,
//! gap filling and a polling fallback), a spinner on a terminal while waiting, and an exit code
//! that says how the intent ended.

use std::time::{Duration, Instant};

use axme_core::{is_terminal, ErrorKind, StreamOptions};
use futures_util::StreamExt;
use serde_json::Value;

use crate::app::App;
use crate::error::{exit_for_status, CliError, CliResult, EXIT_WATCH_TIMEOUT};
use crate::output::{clock, compact, s, status_style, truncate, Out, Style};

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// One line about an event's details: the step, the task, the answer, the result or error.
pub fn describe(event: &Value) -> String {
    let d = &event["details"];
    let mut parts: Vec<String> = Vec::new();
    if let Some(step) = d["step_id"].as_str() {
        let mut text = format!("step {step}");
        if let Some(kind) = d["kind"].as_str() {
            text.push_str(&format!(" ({kind})"));
        }
        if let Some(to) = d["to_agent"].as_str() {
            text.push_str(&format!(" → {to}"));
        }
        if let Some(status) = d["status"].as_str() {
            text.push_str(&format!(" {status}"));
        }
        if let Some(sub) = d["step_intent_id"].as_str() {
            if d["kind"] == "approval" && event["status"] == "WAITING" {
                text.push_str(&format!(" · answer with `axme tasks approve {sub}`"));
            } else {
                text.push_str(&format!(" · intent {sub}"));
            }
        }
        parts.push(text);
    }
    if event["event_type"] == "intent.human_task_assigned" {
        if let Some(title) = d["title"].as_str() {
            parts.push(format!("task {title:?}"));
        }
        if let Some(outcomes) = d["allowed_outcomes"].as_array() {
            let list: Vec<&str> = outcomes.iter().filter_map(Value::as_str).collect();
            parts.push(format!("outcomes {}", list.join("/")));
        }
    }
    if let Some(answer) = d["task_result"].as_object() {
        let outcome = answer.get("outcome").and_then(Value::as_str).unwrap_or("?");
        let mut text = format!("answered {outcome}");
        if let Some(c) = answer.get("comment").and_then(Value::as_str) {
            text.push_str(&format!(": {c:?}"));
        }
        parts.push(text);
    }
    for key in ["message", "reason"] {
        if let Some(m) = d[key].as_str() {
            parts.push(m.to_string());
        }
    }
    if is_terminal(event) {
        if let Some(r) = d.get("result").filter(|r| !r.is_null()) {
            parts.push(format!("result {}", compact(r, 80)));
        }
        if let Some(e) = d.get("error").filter(|e| !e.is_null()) {
            parts.push(format!("error {}", compact(e, 80)));
        }
    }
    if let Some(actor) = event["actor"].as_str() {
        parts.push(format!("by {actor}"));
    }
    truncate(&parts.join(" · "), 160)
}

/// The text line of one event.
pub fn event_line(out: &Out, event: &Value) -> String {
    let status = s(event, "status");
    let seq = event["seq"].as_u64().unwrap_or(0);
    let line = format!(
        "{}  {}  {}  {}  {}",
        out.paint(&clock(s(event, "at")), Style::Dim),
        format_args!("{:<4}", format!("#{seq}")),
        format_args!("{:<26}", s(event, "event_type")),
        out.paint(&format!("{status:<12}"), status_style(status)),
        describe(event)
    );
    line.trim_end().to_string()
}

/// Follows `id` from `since` until a terminal event; returns the exit code for how it ended.
pub async fn watch(app: &App, id: &str, since: u64, timeout: Option<Duration>) -> CliResult<i32> {
    let client = app.client()?;
    let out = &app.out;
    let mut events = client.observe(
        id,
        &StreamOptions {
            since,
            timeout_seconds: timeout.map(|t| t.as_secs_f64()),
            ..StreamOptions::default()
        },
    );
    let spin = out.stderr_tty && !out.json;
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(120));
    let mut frame = 0usize;
    let mut last_status = String::from("?");
    let clear = |spin: bool| {
        if spin {
            eprint!("\r\x1b[K");
        }
    };
    loop {
        tokio::select! {
            item = events.next() => {
                clear(spin);
                let event = match item {
                    Some(Ok(ev)) => ev,
                    Some(Err(e)) if e.kind() == ErrorKind::Timeout && e.status().is_none() => {
                        let waited = timeout.map(|t| t.as_secs_f64()).unwrap_or_default();
                        return Err(CliError::from(e)
                            .with_exit(EXIT_WATCH_TIMEOUT)
                            .with_hint(format!(
                                "the intent is still {last_status} after {waited}s; watch it again with `axme intents watch {id}`"
                            )));
                    }
                    Some(Err(e)) => return Err(e.into()),
                    None => {
                        return Err(CliError::from(axme_core::Error::protocol(format!(
                            "the event stream of {id} ended before the intent did"
                        ))))
                    }
                };
                last_status = s(&event, "status").to_string();
                if out.json {
                    out.print_json_line(&event);
                } else {
                    outln!("{}", event_line(out, &event));
                }
                if is_terminal(&event) {
                    if !out.json {
                        outln!(
                            "intent {id} {}",
                            out.paint(&last_status, status_style(&last_status))
                        );
                    }
                    return Ok(exit_for_status(&last_status));
                }
            }
            _ = tick.tick(), if spin => {
                frame = (frame + 1) % SPINNER.len();
                eprint!(
                    "\r{} waiting · {} · {}s\x1b[K",
                    out.err_paint(&SPINNER[frame].to_string(), Style::Cyan),
                    last_status,
                    started.elapsed().as_secs()
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn step_events_say_how_to_answer_an_approval() {
        let ev = json!({"seq": 5, "event_type": "intent.waiting", "status": "WAITING",
            "at": "2026-01-01T00:00:00Z", "actor": null,
            "details": {"step_id": "ops", "kind": "approval", "step_intent_id": "abc"}});
        assert_eq!(
            describe(&ev),
            "step ops (approval) · answer with `axme tasks approve abc`"
        );
        let done = json!({"event_type": "intent.completed", "status": "COMPLETED",
            "actor": "agent://dev/default/dev", "details": {"result": {"ok": 1}}});
        assert_eq!(
            describe(&done),
            "result {\"ok\":1} · by agent://dev/default/dev"
        );
    }
}
