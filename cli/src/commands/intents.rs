//! `axme intents send|get|list|events|watch|cancel|resolve`.

use axme_core::CallOptions;
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::args::{IntentsCommand, SendArgs};
use crate::error::{CliError, CliResult, EXIT_OK};
use crate::output::{compact, s, short_time, status_style, truncate, Cell, Style};
use crate::values::{deadline, json_arg, json_file, json_object_arg, seconds, set_fields};
use crate::watch::{describe, watch};

pub async fn run(app: &App, command: IntentsCommand) -> CliResult<i32> {
    match command {
        IntentsCommand::Send(args) => send(app, *args).await,
        IntentsCommand::Get { id } => get(app, &id).await,
        IntentsCommand::List {
            status,
            limit,
            cursor,
        } => list(app, status, limit, cursor).await,
        IntentsCommand::Events { id, since } => events(app, &id, since).await,
        IntentsCommand::Watch(args) => {
            watch(
                app,
                &args.id,
                args.since,
                seconds("--timeout", args.timeout)?,
            )
            .await
        }
        IntentsCommand::Cancel { id, reason } => {
            let resp = app
                .client()?
                .cancel_intent(&id, reason.as_deref(), &CallOptions::default())
                .await?;
            resolved(app, &id, &resp, "CANCELED")
        }
        IntentsCommand::Resolve {
            id,
            status,
            result,
            error,
            reason,
        } => {
            let mut body = json!({"status": status.as_str()});
            if let Some(r) = result {
                body["result"] = json_arg("--result", &r)?;
            }
            if let Some(e) = error {
                body["error"] = json_arg("--error", &e)?;
            }
            if let Some(r) = reason {
                body["reason"] = json!(r);
            }
            let resp = app
                .client()?
                .resolve_intent(&id, body, &CallOptions::default())
                .await?;
            resolved(app, &id, &resp, status.as_str())
        }
    }
}

fn resolved(app: &App, id: &str, resp: &Value, asked: &str) -> CliResult<i32> {
    let out = &app.out;
    if out.json {
        out.print_json(resp);
    } else {
        let status = resp["intent"]["status"].as_str().unwrap_or(asked);
        outln!("intent {id} {}", out.paint(status, status_style(status)));
    }
    Ok(EXIT_OK)
}

/// The create body from the options.
fn body(args: &SendArgs) -> CliResult<Map<String, Value>> {
    let mut body = match &args.file {
        Some(f) => match json_file("--file", f)? {
            Value::Object(m) => m,
            other => {
                return Err(CliError::usage(format!(
                    "--file must hold a JSON object (the create request), got {}",
                    crate::values::kind(&other)
                )))
            }
        },
        None => Map::new(),
    };
    if let Some(to) = &args.to {
        body.insert("to_agent".into(), json!(to));
    }
    if let Some(t) = &args.intent_type {
        body.insert("intent_type".into(), json!(t));
    }
    let mut payload = match (&args.payload, body.remove("payload")) {
        (Some(p), _) => json_object_arg("--payload", p)?,
        (None, Some(Value::Object(m))) => m,
        (None, Some(other)) => {
            return Err(CliError::usage(format!(
                "the payload must be a JSON object, got {}",
                crate::values::kind(&other)
            )))
        }
        (None, None) => Map::new(),
    };
    set_fields(&mut payload, &args.set, None)?;
    body.insert("payload".into(), Value::Object(payload));
    if let Some(r) = &args.reply_to {
        body.insert("reply_to".into(), json!(r));
    }
    if let Some(d) = &args.deadline {
        body.insert("deadline_at".into(), json!(deadline(d)?));
    }
    if let Some(c) = &args.correlation_id {
        body.insert("correlation_id".into(), json!(c));
    } else if let (Some(key), false) = (&args.idempotency_key, body.contains_key("correlation_id"))
    {
        // Sending again with the same key must send the same body, or the server answers 409.
        body.insert("correlation_id".into(), json!(correlation_for_key(key)));
    }
    if let Some(h) = &args.human_task {
        body.insert(
            "human_task".into(),
            Value::Object(json_object_arg("--human-task", h)?),
        );
    } else if let Some(title) = &args.approval {
        let mut task = json!({"title": title, "task_type": "approval"});
        if !args.assignee.is_empty() {
            task["assignees"] = json!(args.assignee);
        }
        body.insert("human_task".into(), task);
    }
    Ok(body)
}

/// A correlation id derived from an idempotency key (a UUID of version 8, from two FNV-1a hashes),
/// so `send --idempotency-key K` repeated by hand sends the same body and gets the same intent.
pub fn correlation_for_key(key: &str) -> String {
    let fnv = |seed: u64| {
        key.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let hi = fnv(0xcbf2_9ce4_8422_2325);
    let lo = fnv(0x84222325_cbf29ce4 ^ 0x9e37_79b9_7f4a_7c15);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_be_bytes());
    bytes[8..].copy_from_slice(&lo.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

async fn send(app: &App, args: SendArgs) -> CliResult<i32> {
    let body = body(&args)?;
    let timeout = seconds("--timeout", args.timeout)?;
    let opts = CallOptions {
        idempotency_key: args.idempotency_key.clone(),
        ..CallOptions::default()
    };
    let resp = app
        .client()?
        .create_intent(Value::Object(body.clone()), &opts)
        .await?;
    let id = s(&resp, "intent_id").to_string();
    let out = &app.out;
    if out.json {
        if args.watch {
            out.print_json_line(&resp);
        } else {
            out.print_json(&resp);
        }
    } else if out.stdout_tty {
        let status = s(&resp, "status");
        outln!(
            "sent intent {} ({}) to {}",
            out.paint(&id, Style::Bold),
            out.paint(status, status_style(status)),
            body.get("to_agent").and_then(Value::as_str).unwrap_or("?")
        );
        if !args.watch {
            outln!("  follow it:  axme intents watch {id}");
            if body.contains_key("human_task") {
                outln!("  answer it:  axme tasks approve {id}");
            }
        }
    } else {
        outln!("{id}");
    }
    if args.watch {
        return watch(app, &id, 0, timeout).await;
    }
    Ok(EXIT_OK)
}

async fn get(app: &App, id: &str) -> CliResult<i32> {
    let resp = app
        .client()?
        .get_intent(id, &CallOptions::default())
        .await?;
    let out = &app.out;
    if out.json {
        out.print_json(&resp);
        return Ok(EXIT_OK);
    }
    let i = &resp["intent"];
    let status = s(i, "status");
    let mut status_text = status.to_string();
    if let Some(w) = i["waiting_reason"].as_str() {
        status_text.push_str(&format!(" ({w})"));
    }
    let opt = |v: &Value| -> String {
        match v {
            Value::Null => "-".into(),
            Value::String(t) if t.contains('T') && t.ends_with('Z') => short_time(t),
            Value::String(t) => t.clone(),
            other => compact(other, 200),
        }
    };
    let mut rows: Vec<(&str, Cell)> = vec![
        ("intent", Cell::styled(s(i, "intent_id"), Style::Bold)),
        ("type", Cell::new(s(i, "intent_type"))),
        ("status", Cell::styled(status_text, status_style(status))),
        ("from", Cell::new(s(i, "from_agent"))),
        ("to", Cell::new(s(i, "to_agent"))),
        ("correlation", Cell::new(s(i, "correlation_id"))),
        ("created", Cell::new(opt(&i["created_at"]))),
        ("updated", Cell::new(opt(&i["updated_at"]))),
    ];
    for (label, key) in [
        ("completed", "completed_at"),
        ("deadline", "deadline_at"),
        ("reply to", "reply_to"),
    ] {
        if !i[key].is_null() {
            rows.push((label, Cell::new(opt(&i[key]))));
        }
    }
    if let Some(p) = i["pending_with"].as_object() {
        let who = p.get("ref").and_then(Value::as_str).unwrap_or("?");
        let kind = p.get("type").and_then(Value::as_str).unwrap_or("?");
        rows.push(("pending with", Cell::new(format!("{who} ({kind})"))));
    }
    if let Some(t) = i["human_task"].as_object() {
        let title = t.get("title").and_then(Value::as_str).unwrap_or("");
        rows.push((
            "human task",
            Cell::new(format!("{title:?}  (axme tasks get {})", s(i, "intent_id"))),
        ));
    }
    if !i["task_result"].is_null() {
        rows.push(("task answer", Cell::new(opt(&i["task_result"]))));
    }
    rows.push(("payload", Cell::new(opt(&i["payload"]))));
    if !i["result"].is_null() {
        rows.push(("result", Cell::styled(opt(&i["result"]), Style::Green)));
    }
    if !i["error"].is_null() {
        rows.push(("error", Cell::styled(opt(&i["error"]), Style::Red)));
    }
    rows.push((
        "events",
        Cell::new(format!(
            "{} (axme intents events {})",
            i["last_seq"],
            s(i, "intent_id")
        )),
    ));
    out.fields(&rows);
    Ok(EXIT_OK)
}

async fn list(
    app: &App,
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
) -> CliResult<i32> {
    let resp = app
        .call(
            "list_intents",
            json!({"status": status, "limit": limit, "cursor": cursor}),
        )
        .await?;
    let out = &app.out;
    if out.json {
        out.print_json(&resp);
        return Ok(EXIT_OK);
    }
    let rows: Vec<Vec<Cell>> = resp["intents"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            let status = s(i, "status");
            vec![
                Cell::new(s(i, "intent_id")),
                Cell::styled(status, status_style(status)),
                Cell::new(s(i, "intent_type")),
                Cell::new(s(i, "to_agent")),
                Cell::new(short_time(s(i, "updated_at"))),
            ]
        })
        .collect();
    out.table(
        &["ID", "STATUS", "TYPE", "TO", "UPDATED"],
        &rows,
        "no intents",
    );
    if let Some(next) = resp["next_cursor"].as_str() {
        outln!(
            "{}",
            out.paint(
                &format!("more: axme intents list --cursor {next}"),
                Style::Dim
            )
        );
    }
    Ok(EXIT_OK)
}

async fn events(app: &App, id: &str, since: Option<u64>) -> CliResult<i32> {
    let resp = app
        .client()?
        .list_intent_events(id, since, &CallOptions::default())
        .await?;
    let out = &app.out;
    if out.json {
        out.print_json(&resp);
        return Ok(EXIT_OK);
    }
    let rows: Vec<Vec<Cell>> = resp["events"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let status = s(e, "status");
            vec![
                Cell::new(e["seq"].to_string()),
                Cell::new(short_time(s(e, "at"))),
                Cell::new(s(e, "event_type")),
                Cell::styled(status, status_style(status)),
                Cell::new(truncate(&describe(e), 100)),
            ]
        })
        .collect();
    out.table(
        &["SEQ", "TIME", "EVENT", "STATUS", "DETAILS"],
        &rows,
        "no events",
    );
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::correlation_for_key;

    #[test]
    fn correlation_ids_from_keys_are_stable_uuids() {
        let a = correlation_for_key("order-17");
        assert_eq!(a, correlation_for_key("order-17"));
        assert_ne!(a, correlation_for_key("order-18"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }
}
