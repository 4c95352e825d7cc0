//! The operations of the Rust driver: each protocol `op` mapped to axme-core's public API.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axme_core::{CallOptions, Client, Config, Error, StreamOptions};
use futures_util::StreamExt;
use serde_json::{json, Map, Value};

/// Clients by name (`client.new`), shared by every request task.
#[derive(Clone, Default)]
pub struct Clients(Arc<Mutex<HashMap<String, Client>>>);

impl Clients {
    fn get(&self, name: &str) -> Result<Client, Value> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
            .ok_or_else(|| {
                driver_error(format!(
                    "no client named {name:?}; create it with client.new"
                ))
            })
    }
}

/// Every op below (besides `client.new`, `client.close` and `cancel`, handled elsewhere).
const OPS: &[&str] = &[
    "health",
    "create_intent",
    "send_intent",
    "get_intent",
    "list_intent_events",
    "resolve_intent",
    "resume_intent",
    "cancel_intent",
    "observe",
    "wait_for",
    "listen",
    "mcp_initialize",
    "mcp_list_tools",
    "mcp_call_tool",
    "mesh.heartbeat",
    "mesh.report_metric",
    "mesh.flush_metrics",
    "mesh.kill",
    "mesh.resume",
    "call",
];

/// Perform one request; `Err` is the protocol's error object.
pub async fn perform(clients: &Clients, req: &Value) -> Result<Value, Value> {
    let op = req["op"].as_str().unwrap_or_default();
    let args = &req["args"];
    if op == "client.new" {
        return client_new(clients, args);
    }
    if op == "client.close" {
        let name = args["name"].as_str().unwrap_or("default");
        clients
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
        return Ok(json!({}));
    }
    if !OPS.contains(&op) {
        return Err(json!({"kind": "unsupported", "message": format!("unknown op {op:?}")}));
    }
    let c = clients.get(req["client"].as_str().unwrap_or("default"))?;
    let opts = call_options(&req["options"])?;
    let r = match op {
        "health" => c.health().await,
        "create_intent" => c.create_intent(args["intent"].clone(), &opts).await,
        "send_intent" => c
            .send_intent(args["intent"].clone(), &opts)
            .await
            .map(|id| json!({ "intent_id": id })),
        "get_intent" => c.get_intent(str_arg(args, "intent_id")?, &opts).await,
        "list_intent_events" => {
            c.list_intent_events(str_arg(args, "intent_id")?, args["since"].as_u64(), &opts)
                .await
        }
        "resolve_intent" => {
            c.resolve_intent(str_arg(args, "intent_id")?, args["body"].clone(), &opts)
                .await
        }
        "resume_intent" => {
            c.resume_intent(str_arg(args, "intent_id")?, args["body"].clone(), &opts)
                .await
        }
        "cancel_intent" => {
            let reason = args["body"]["reason"].as_str();
            c.cancel_intent(str_arg(args, "intent_id")?, reason, &opts)
                .await
        }
        "observe" => return observe(&c, args, &opts).await,
        "wait_for" => return wait_for(&c, args, &opts).await,
        "listen" => return listen(&c, args, &opts).await,
        "mcp_initialize" => {
            c.mcp_initialize(args["protocol_version"].as_str(), &opts)
                .await
        }
        "mcp_list_tools" => c.mcp_list_tools(&opts).await,
        "mcp_call_tool" => {
            c.mcp_call_tool(str_arg(args, "name")?, args["arguments"].clone(), &opts)
                .await
        }
        "mesh.heartbeat" => c.mesh().heartbeat(non_null(&args["metrics"]), &opts).await,
        "mesh.report_metric" => {
            let success = args["success"].as_bool().unwrap_or(true);
            c.mesh()
                .report_metric(
                    success,
                    args["latency_ms"].as_f64(),
                    args["cost_usd"].as_f64(),
                )
                .map(|()| json!({}))
        }
        "mesh.flush_metrics" => c.mesh().flush_metrics(&opts).await,
        "mesh.get_agent" => {
            c.mesh()
                .get_agent(str_arg(args, "address_id")?, &opts)
                .await
        }
        "mesh.kill" => c.mesh().kill(str_arg(args, "address_id")?, &opts).await,
        "mesh.resume" => c.mesh().resume(str_arg(args, "address_id")?, &opts).await,
        "call" => return generic_call(&c, args, &opts).await,
        other => {
            return Err(json!({"kind": "unsupported", "message": format!("unknown op {other:?}")}))
        }
    };
    r.map_err(|e| error_json(&e))
}

fn client_new(clients: &Clients, args: &Value) -> Result<Value, Value> {
    let name = args["name"].as_str().unwrap_or("default").to_string();
    let config = Config::from_json(&args["config"].to_string()).map_err(|e| error_json(&e))?;
    let client = Client::new(config).map_err(|e| error_json(&e))?;
    clients
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(name, client);
    Ok(json!({}))
}

/// The observe options of a request; `since`, `wait_seconds` and the polling interval are
/// arguments, the trace id a per-call option (one id for every request of the stream).
fn observe_options(args: &Value, call: &CallOptions) -> Result<StreamOptions, Value> {
    Ok(StreamOptions {
        since: args["since"].as_u64().unwrap_or(0),
        wait_seconds: u32_arg(args, "wait_seconds")?.unwrap_or(15),
        poll_interval_seconds: args["poll_interval_ms"].as_u64().unwrap_or(1000) as f64 / 1e3,
        timeout_seconds: ms_arg(args, "timeout_ms")?,
        trace_id: call.trace_id.clone(),
        status: None,
    })
}

async fn observe(c: &Client, args: &Value, call: &CallOptions) -> Result<Value, Value> {
    let opts = observe_options(args, call)?;
    let max = args["max_events"].as_u64().map(|n| n as usize);
    let mut stream = c.observe(str_arg(args, "intent_id")?, &opts);
    let mut events = Vec::new();
    while max.is_none_or(|m| events.len() < m) {
        match stream.next().await {
            Some(Ok(e)) => events.push(e),
            Some(Err(e)) => return Err(error_json(&e)),
            None => break,
        }
    }
    Ok(json!({ "events": events }))
}

async fn wait_for(c: &Client, args: &Value, call: &CallOptions) -> Result<Value, Value> {
    let opts = observe_options(args, call)?;
    c.wait_for_with(str_arg(args, "intent_id")?, &opts)
        .await
        .map_err(|e| error_json(&e))
}

async fn listen(c: &Client, args: &Value, call: &CallOptions) -> Result<Value, Value> {
    let status = match &args["status"] {
        Value::Null => None,
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => Some(
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
        ),
        other => {
            return Err(driver_error(format!(
                "status must be a string or a list: {other}"
            )))
        }
    };
    let opts = StreamOptions {
        since: args["since"].as_u64().unwrap_or(0),
        wait_seconds: u32_arg(args, "wait_seconds")?.unwrap_or(15),
        status,
        timeout_seconds: ms_arg(args, "timeout_ms")?,
        trace_id: call.trace_id.clone(),
        ..StreamOptions::default()
    };
    let max = args["max_events"].as_u64().unwrap_or(1) as usize;
    let mut stream = c.listen(str_arg(args, "address")?, &opts);
    let mut events = Vec::new();
    while events.len() < max {
        match stream.next().await {
            Some(Ok(e)) => events.push(e),
            Some(Err(e)) => return Err(error_json(&e)),
            None => break,
        }
    }
    Ok(json!({ "events": events }))
}

/// The names the generated surfaces give a whole request body (codegen's `body` parameters).
const BODY_PARAMS: &[&str] = &["payload", "bundle", "content"];

/// `call`: a generated operation by its SDK method name (= operation id for the client's own
/// methods), with the generated surfaces' arguments: the body whole under its parameter name
/// (`payload`, `bundle`, `content`), or field by field (`message` of `reply_inbox_thread`); core
/// takes it as `body`. Raw bytes travel as `{"$bytes": "<base64>"}` both ways.
async fn generic_call(c: &Client, args: &Value, opts: &CallOptions) -> Result<Value, Value> {
    // The mesh sub-client's methods (`mesh.list_agents`) are the `mesh_*` operations.
    let method = match str_arg(args, "method")? {
        m if m.starts_with("mesh.") => format!("mesh_{}", &m[5..]),
        m => m.to_string(),
    };
    let method = method.as_str();
    let mut call_args: Map<String, Value> = args["args"].as_object().cloned().unwrap_or_default();
    let op = axme_core::operations::find(method);
    if let Some(op) = op.filter(|op| op.body.is_some()) {
        let is_param = |name: &str| {
            op.path_params.iter().any(|p| p.name == name)
                || op.query_params.iter().any(|p| p.name == name)
                || op.header_params.iter().any(|h| h.arg == name)
        };
        let rest: Vec<String> = call_args
            .keys()
            .filter(|k| !is_param(k) && k.as_str() != "body")
            .cloned()
            .collect();
        let whole = rest
            .iter()
            .find(|k| BODY_PARAMS.contains(&k.as_str()))
            .cloned();
        let body = match whole {
            Some(name) if rest.len() == 1 => call_args.remove(&name),
            _ if rest.is_empty() => None,
            _ => Some(Value::Object(
                rest.iter()
                    .filter_map(|k| call_args.remove(k).map(|v| (k.clone(), v)))
                    .collect(),
            )),
        };
        if let Some(body) = body {
            call_args.insert("body".into(), body);
        }
    }
    let content = match call_args.get("body").and_then(bytes_of) {
        Some(bytes) => {
            call_args.remove("body");
            Some(bytes.map_err(driver_error)?)
        }
        None => None,
    };
    let found = axme_core::transport::find_op(method).map_err(|e| error_json(&e))?;
    axme_core::request::merge_options(found, &mut call_args, opts).map_err(|e| error_json(&e))?;
    let call_args = Value::Object(call_args);
    if op.is_some_and(|op| op.raw_response.is_some()) {
        return c
            .call_by_id_bytes(method, call_args, content.map(Into::into))
            .await
            .map(|b| bytes_json(&b))
            .map_err(|e| error_json(&e));
    }
    match content {
        Some(bytes) => c.call_by_id_with_content(method, call_args, bytes).await,
        None => c.call_by_id(method, call_args).await,
    }
    .map_err(|e| error_json(&e))
}

/// The bytes of a `{"$bytes": "<base64>"}` value; `None` for any other value.
fn bytes_of(v: &Value) -> Option<Result<Vec<u8>, String>> {
    use base64::Engine as _;
    let o = v.as_object().filter(|o| o.len() == 1)?;
    let text = o.get("$bytes")?.as_str()?;
    Some(
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| format!("$bytes is not base64: {e}")),
    )
}

fn bytes_json(bytes: &[u8]) -> Value {
    use base64::Engine as _;
    json!({"$bytes": base64::engine::general_purpose::STANDARD.encode(bytes)})
}

fn call_options(o: &Value) -> Result<CallOptions, Value> {
    let s = |k: &str| o[k].as_str().map(str::to_string);
    Ok(CallOptions {
        idempotency_key: s("idempotency_key"),
        trace_id: s("trace_id"),
        owner_agent: s("owner_agent"),
        timeout_seconds: ms_arg(o, "timeout_ms")?,
        ..CallOptions::default()
    })
}

fn str_arg<'a>(args: &'a Value, name: &str) -> Result<&'a str, Value> {
    match &args[name] {
        Value::String(s) => Ok(s),
        // Absent: let core reject the empty value with its own invalid_argument.
        Value::Null => Ok(""),
        other => Err(driver_error(format!(
            "{name} must be a string, got {other}"
        ))),
    }
}

fn u32_arg(args: &Value, name: &str) -> Result<Option<u32>, Value> {
    match &args[name] {
        Value::Null => Ok(None),
        v => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| driver_error(format!("{name} must be a non-negative integer, got {v}"))),
    }
}

/// Milliseconds in the protocol, seconds in the core's records.
fn ms_arg(args: &Value, name: &str) -> Result<Option<f64>, Value> {
    match &args[name] {
        Value::Null => Ok(None),
        v => v.as_u64().map(|ms| Some(ms as f64 / 1e3)).ok_or_else(|| {
            driver_error(format!(
                "{name} must be milliseconds as an integer, got {v}"
            ))
        }),
    }
}

fn non_null(v: &Value) -> Option<Value> {
    (!v.is_null()).then(|| v.clone())
}

fn driver_error(message: String) -> Value {
    json!({"kind": "driver_error", "message": message})
}

/// The protocol's error object for a core error.
pub fn error_json(e: &Error) -> Value {
    json!({
        "kind": e.kind().as_str(),
        "status": e.status(),
        "code": e.code(),
        "message": e.message(),
        "request_id": e.request_id(),
        "trace_id": e.trace_id(),
        "retry_after_ms": e.retry_after().map(|d| d.as_millis() as u64),
    })
}
