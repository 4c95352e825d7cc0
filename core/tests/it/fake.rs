//! A small scripted HTTP server for the MCP and mesh tests (the reference server's MCP endpoint
//! and mesh family land on another branch). It logs every request and answers:
//!
//! * `POST /mcp` (and `/rpc/mcp`): a JSON-RPC server speaking `2024-11-05` and `2025-11-25`
//!   (sessions for the latter: `Mcp-Session-Id` from `initialize`, then required together with
//!   `MCP-Protocol-Version`; unknown sessions get 404), with a few tools whose names pick the
//!   behaviour (see `call_tool`).
//! * anything else: the next scripted response for `"METHOD /path"`, else `200 {"ok":true}`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HashMap<String, String>,
    /// `None` when the body was empty.
    pub body: Option<Value>,
}

impl Logged {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
    pub fn rpc_method(&self) -> Option<&str> {
        self.body.as_ref()?.get("method")?.as_str()
    }
}

#[derive(Default)]
pub struct FakeState {
    log: Mutex<Vec<Logged>>,
    scripted: Mutex<HashMap<String, VecDeque<(u16, Value)>>>,
    sessions: Mutex<HashSet<String>>,
    session_counter: AtomicU32,
    /// `tools/call` of `axme.flaky` answers 503 this many times first.
    pub flaky_failures: AtomicU32,
    /// The version `initialize` answers with instead of the requested one.
    pub force_version: Mutex<Option<String>>,
}

pub struct Fake {
    pub base_url: String,
    pub state: Arc<FakeState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Fake {
    pub async fn start() -> Fake {
        let state = Arc::new(FakeState::default());
        let app = Router::new()
            .route("/mcp", post(mcp))
            .route("/rpc/mcp", post(mcp))
            .fallback(scripted)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Fake {
            base_url: format!("http://{addr}"),
            state,
            task,
        }
    }

    /// Queue responses for `"METHOD /path"`, answered in order.
    pub fn script(&self, route: &str, responses: &[(u16, Value)]) {
        self.state
            .scripted
            .lock()
            .unwrap()
            .entry(route.to_string())
            .or_default()
            .extend(responses.iter().cloned());
    }

    /// Every request so far, optionally only those to `path`.
    pub fn requests(&self, path: Option<&str>) -> Vec<Logged> {
        let log = self.state.log.lock().unwrap();
        log.iter()
            .filter(|r| path.is_none_or(|p| r.path == p))
            .cloned()
            .collect()
    }

    /// Forget every MCP session (as a server restart or expiry would).
    pub fn expire_sessions(&self) {
        self.state.sessions.lock().unwrap().clear();
    }
}

fn record(
    state: &FakeState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Logged {
    let entry = Logged {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: serde_json::from_slice(body).ok(),
    };
    state.log.lock().unwrap().push(entry.clone());
    entry
}

fn json_response(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).expect("status"),
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn scripted(
    State(state): State<Arc<FakeState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&state, &method, &uri, &headers, &body);
    let key = format!("{method} {}", uri.path());
    let next = state
        .scripted
        .lock()
        .unwrap()
        .get_mut(&key)
        .and_then(VecDeque::pop_front);
    match next {
        Some((status, body)) => json_response(status, body),
        None => json_response(200, json!({"ok": true})),
    }
}

fn rpc_result(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

fn rpc_error(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message, "data": {"hint": "test"}}})
}

fn tools() -> Value {
    json!([
        {
            "name": "axme.check_nick",
            "inputSchema": {
                "type": "object",
                "required": ["nick"],
                "properties": {"nick": {"type": "string", "minLength": 3}}
            }
        },
        {
            "name": "axme.intents_send",
            "inputSchema": {
                "type": "object",
                "required": ["to_agent", "payload"],
                "additionalProperties": false,
                "properties": {
                    "to_agent": {"type": "string"},
                    "payload": {
                        "type": "object",
                        "properties": {"priority": {"type": "integer", "minimum": 0, "maximum": 9}}
                    },
                    "tags": {"type": "array", "items": {"type": "string"}}
                }
            }
        },
        {"name": "axme.fail", "inputSchema": {"type": "object"}},
        {"name": "axme.no_schema"}
    ])
}

/// Tool behaviour by name: `axme.fail` → `isError` result; `axme.auth` → -32001;
/// `axme.rate` → -32004; `axme.bad_params` → -32602; `axme.internal` → -32603;
/// `axme.custom` → -1; `axme.flaky` → 503 `flaky_failures` times, then a result;
/// `axme.sse` → the result inside an SSE stream after a progress notification;
/// anything else → a result echoing the call.
async fn mcp(
    State(state): State<Arc<FakeState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = record(&state, &method, &uri, &headers, &body);
    let Some(msg) = req.body.clone() else {
        return json_response(200, rpc_error(&Value::Null, -32700, "parse error"));
    };
    let id = msg.get("id").cloned().unwrap_or(Value::Null);
    let rpc = msg["method"].as_str().unwrap_or("");
    let params = msg.get("params").cloned().unwrap_or(json!({}));

    if rpc == "initialize" {
        let asked = params["protocolVersion"].as_str().unwrap_or("").to_string();
        let version = state.force_version.lock().unwrap().clone().unwrap_or(asked);
        let result = json!({
            "protocolVersion": version,
            "capabilities": {"tools": {"listChanged": false}},
            "serverInfo": {"name": "fake", "version": "0"}
        });
        if version == "2025-11-25" {
            let n = state.session_counter.fetch_add(1, Ordering::SeqCst) + 1;
            let sid = format!("sess-{n}");
            state.sessions.lock().unwrap().insert(sid.clone());
            return (
                StatusCode::OK,
                [
                    ("content-type", "application/json"),
                    ("mcp-session-id", sid.as_str()),
                ],
                rpc_result(&id, result).to_string(),
            )
                .into_response();
        }
        return json_response(200, rpc_result(&id, result));
    }

    // 2025-11-25 clients carry the session and the version on every later request.
    if let Some(sid) = req.header("mcp-session-id") {
        if !state.sessions.lock().unwrap().contains(sid) {
            return json_response(
                404,
                json!({"error": {"code": "session_not_found", "message": "unknown session"}}),
            );
        }
        if req.header("mcp-protocol-version") != Some("2025-11-25") {
            return json_response(
                400,
                json!({"error": {"code": "bad_request", "message": "MCP-Protocol-Version required"}}),
            );
        }
    }

    if rpc == "notifications/initialized" {
        return StatusCode::ACCEPTED.into_response();
    }
    if rpc == "tools/list" {
        return json_response(200, rpc_result(&id, json!({"tools": tools()})));
    }
    if rpc != "tools/call" {
        return json_response(200, rpc_error(&id, -32601, "method not found"));
    }
    let name = params["name"].as_str().unwrap_or("");
    let echo = json!({
        "ok": true,
        "tool": name,
        "status": "done",
        "content": [{"type": "text", "text": "ok"}],
        "structuredContent": {"arguments": params["arguments"], "owner_agent": params.get("owner_agent")}
    });
    match name {
        "axme.fail" => json_response(
            200,
            rpc_result(
                &id,
                json!({"isError": true, "tool": name, "content": [{"type": "text", "text": "tool failed"}]}),
            ),
        ),
        "axme.auth" => json_response(200, rpc_error(&id, -32001, "authentication required")),
        "axme.rate" => json_response(200, rpc_error(&id, -32004, "rate limited")),
        "axme.bad_params" => json_response(200, rpc_error(&id, -32602, "invalid params")),
        "axme.internal" => json_response(200, rpc_error(&id, -32603, "internal")),
        "axme.custom" => json_response(200, rpc_error(&id, -1, "custom")),
        "axme.flaky" => {
            let left = state.flaky_failures.load(Ordering::SeqCst);
            if left > 0 {
                state.flaky_failures.store(left - 1, Ordering::SeqCst);
                return json_response(
                    503,
                    json!({"error": {"code": "unavailable", "message": "try later"}}),
                );
            }
            json_response(200, rpc_result(&id, echo))
        }
        "axme.sse" => {
            let progress = json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progress": 1}});
            let body = format!(
                ": opening\n\nevent: message\ndata: {progress}\n\nid: 2\nevent: message\ndata: {}\n\n",
                rpc_result(&id, echo)
            );
            (
                StatusCode::OK,
                [("content-type", "text/event-stream")],
                body,
            )
                .into_response()
        }
        _ => json_response(200, rpc_result(&id, echo)),
    }
}
