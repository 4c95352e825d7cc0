//! MCP client: JSON-RPC 2.0 over `POST {mcp_endpoint_path}` (default `/mcp`).
//!
//! * `initialize` negotiates a protocol version: `2024-11-05` (the upstream SDK default) or
//!   `2025-11-25`. A `Mcp-Session-Id` the server returns is kept and sent on every later request;
//!   under `2025-11-25` every later request also carries `MCP-Protocol-Version`, and the client
//!   sends the `notifications/initialized` notification the protocol asks for. A request rejected
//!   with 404 while carrying a session id means the session expired: the client initializes again
//!   (same version) and repeats the request once.
//! * `list_tools` caches each tool's `inputSchema`; `call_tool` checks the arguments
//!   against it before sending ([`crate::json_schema`]; failures are `invalid_argument`), after
//!   putting `owner_agent` (argument, else config `default_owner_agent`) and `idempotency_key`
//!   into the arguments when they are missing (wire facts §1.8). The cache is per client, shared
//!   by its clones; calls for tools without a cached schema are not checked, as upstream.
//! * Retries: `initialize` and `tools/list` like reads; `tools/call` only with an idempotency key
//!   or `retryable: Some(true)`. A `tools/call` carries an `Idempotency-Key` header (the caller's
//!   key, else one minted per call when `auto_idempotency_key` is on) so the server's replay
//!   protection covers every attempt. The JSON-RPC errors -32603 (internal) and -32004 (rate
//!   limited, after its `retry_after`) are retried by the same rules as a 5xx or a 429.
//! * Results: the JSON-RPC `result` object, unchanged. A tool failure (`isError: true`) is a
//!   result, not an error, as in the public SDKs. A JSON-RPC `error` becomes an [`Error`] whose
//!   `code` is the JSON-RPC code (as text), whose `status` is the HTTP status the public SDKs map it
//!   to and whose kind is what that status means (-32001/-32003 → `auth`, 403; -32004 →
//!   `rate_limit`, 429; -32602 → `validation`, 422; any other code `mcp`, 502 for ≤ -32000, else
//!   400), with the body `{code, message, data}`. Responses may be plain JSON or an SSE
//!   stream (the `2025-11-25` transport allows both); either way the response whose `id` matches
//!   the request is taken.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::error::{Error, ErrorKind};
use crate::json_schema;
use crate::operations;
use crate::records::CallOptions;
pub use crate::records::{MCP_PROTOCOL_2024_11_05, MCP_PROTOCOL_2025_11_25, MCP_PROTOCOL_VERSIONS};
use crate::request::{new_id, new_idempotency_key, prepare, PreparedRequest};
use crate::sse::SseParser;
use crate::transport::{RawResponse, Transport};

const ACCEPT: &str = "application/json, text/event-stream";

/// The MCP state of one client (its session, negotiated version and cached tool schemas), shared
/// by every clone of the client.
#[derive(Debug, Default)]
pub struct McpSession {
    state: Mutex<McpState>,
}

/// Behind the session's mutex, never held across an await.
#[derive(Debug, Default)]
struct McpState {
    session_id: Option<String>,
    /// The version the server agreed to in the last successful `initialize`.
    negotiated: Option<String>,
    /// The version asked for in the last `initialize` (used to initialize again).
    requested: Option<String>,
    schemas: HashMap<String, Arc<Value>>,
}

/// How one JSON-RPC exchange is sent.
struct Rpc<'a> {
    method: &'a str,
    params: Value,
    trace_id: Option<&'a str>,
    authorization: Option<&'a str>,
    timeout: Option<Duration>,
    idempotency_key: Option<String>,
    retry_safe: bool,
}

impl<'a> Rpc<'a> {
    fn new(method: &'a str, params: Value, opts: &'a CallOptions) -> Result<Rpc<'a>, Error> {
        Ok(Rpc {
            method,
            params,
            trace_id: opts.trace_id.as_deref(),
            authorization: opts.authorization.as_deref(),
            timeout: opts.timeout()?,
            idempotency_key: None,
            retry_safe: true,
        })
    }
}

/// Check a requested protocol version.
fn supported(version: &str) -> Result<(), Error> {
    if MCP_PROTOCOL_VERSIONS.contains(&version) {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!(
            "unsupported MCP protocol version {version:?}; supported: {}",
            MCP_PROTOCOL_VERSIONS.join(", ")
        )))
    }
}

/// The error for a JSON-RPC `error` object, mapped as the public SDKs map it (wire facts §1.8).
pub(crate) fn rpc_error(error: &Value, request_id: Option<String>) -> Error {
    let code = error.get("code").and_then(Value::as_i64).unwrap_or(-32000);
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .unwrap_or("MCP RPC error")
        .to_string();
    let data = error.get("data").cloned().unwrap_or(Value::Null);
    // A rate limit may say when the window reopens (`data.retry_after`, seconds), as HTTP's
    // `Retry-After` does; the retry loop waits for it.
    let retry_after = data
        .get("retry_after")
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
        .map(std::time::Duration::from_secs_f64);
    // The codes with an HTTP meaning get that kind (so every SDK raises its auth, rate-limit or
    // validation error for them, as the public SDKs do); every other JSON-RPC error is `mcp`.
    let (kind, status) = match code {
        -32001 | -32003 => (ErrorKind::Auth, 403),
        -32004 => (ErrorKind::RateLimit, 429),
        -32602 => (ErrorKind::Validation, 422),
        c if c <= -32000 => (ErrorKind::Mcp, 502),
        _ => (ErrorKind::Mcp, 400),
    };
    Error::new(kind, message.clone())
        .with_status(status)
        .with_code(code.to_string())
        .with_body(json!({"code": code, "message": message, "data": data}))
        .with_request_id(request_id)
        .with_retry_after(retry_after)
        // Rate limits and internal errors may pass; a bad method, params or auth will not.
        .with_should_retry(matches!(code, -32004 | -32603))
}

/// The JSON-RPC message answering `id` in a response body (JSON, or an SSE stream of messages).
pub(crate) fn find_response(resp: &RawResponse, id: &str) -> Result<Value, Error> {
    let matches = |m: &Value| {
        m.get("id").and_then(Value::as_str) == Some(id)
            && (m.get("result").is_some() || m.get("error").is_some())
    };
    if resp.content_type.starts_with("text/event-stream") {
        let mut parser = SseParser::new();
        let mut events = parser.feed(&resp.body)?;
        events.extend(parser.finish()?);
        for ev in events {
            match serde_json::from_str::<Value>(&ev.data) {
                Ok(m) if matches(&m) => return Ok(m),
                Ok(m) => {
                    tracing::debug!(method = ?m.get("method"), "ignoring an MCP message that is not our response")
                }
                Err(_) => tracing::debug!("ignoring a non-JSON MCP event"),
            }
        }
        return Err(Error::protocol(format!(
            "MCP event stream ended without the response to request {id}"
        )));
    }
    if resp.body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::protocol(format!(
            "MCP endpoint answered HTTP {} without a JSON-RPC response",
            resp.status
        )));
    }
    let msg: Value = serde_json::from_slice(&resp.body)
        .map_err(|e| Error::protocol(format!("MCP response is not JSON: {e}")))?;
    let msg = match msg {
        // A batch answer: pick ours.
        Value::Array(items) => items.into_iter().find(matches).ok_or_else(|| {
            Error::protocol(format!("MCP batch response has no answer to request {id}"))
        })?,
        m => m,
    };
    // An error about a request the server could not read may carry a null id.
    let id_ok = match msg.get("id") {
        Some(Value::String(s)) => s == id,
        None | Some(Value::Null) => msg.get("error").is_some(),
        Some(_) => false,
    };
    if !id_ok {
        return Err(Error::protocol(format!(
            "MCP response id {} does not match request {id}",
            msg.get("id").unwrap_or(&Value::Null)
        ))
        .with_body(msg));
    }
    Ok(msg)
}

impl McpSession {
    fn lock(&self) -> std::sync::MutexGuard<'_, McpState> {
        // The state stays consistent even if a holder panicked (plain field writes only).
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The session's calls, made through `transport`.
    pub fn with<'a>(&'a self, transport: &'a Transport) -> Mcp<'a> {
        Mcp {
            t: transport,
            session: self,
        }
    }

    /// The session id the MCP server gave in the last `initialize`, if any.
    pub fn session_id(&self) -> Option<String> {
        self.lock().session_id.clone()
    }

    /// The protocol version agreed in the last successful `initialize`, if any.
    pub fn protocol_version(&self) -> Option<String> {
        self.lock().negotiated.clone()
    }

    /// The cached `inputSchema` of a tool (from the last `tools/list`).
    pub fn tool_schema(&self, name: &str) -> Option<Value> {
        self.lock().schemas.get(name).map(|s| Value::clone(s))
    }
}

/// The MCP calls of one client: its session, and the transport they go over.
#[derive(Debug, Clone, Copy)]
pub struct Mcp<'a> {
    t: &'a Transport,
    session: &'a McpSession,
}

impl Mcp<'_> {
    fn mcp_lock(&self) -> std::sync::MutexGuard<'_, McpState> {
        self.session.lock()
    }

    /// Build the HTTP request for one JSON-RPC message (`id: None` for a notification).
    fn mcp_request(&self, rpc: &Rpc<'_>, id: Option<&str>) -> Result<PreparedRequest, Error> {
        let mut body = Map::new();
        body.insert("jsonrpc".into(), json!("2.0"));
        if let Some(id) = id {
            body.insert("id".into(), json!(id));
        }
        body.insert("method".into(), json!(rpc.method));
        body.insert("params".into(), rpc.params.clone());
        let mut args = Map::new();
        args.insert("body".into(), Value::Object(body));
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                args.insert(k.into(), json!(v));
            }
        };
        put("trace_id", rpc.trace_id);
        put("authorization", rpc.authorization);
        put("idempotency_key", rpc.idempotency_key.as_deref());
        if let Some(t) = rpc.timeout {
            args.insert("timeout".into(), json!(t.as_secs_f64()));
        }
        let mut req = prepare(
            operations::get(operations::ids::MCP_REQUEST),
            &Value::Object(args),
            self.t.config(),
        )?;
        req.path_and_query = self.t.config().mcp_endpoint_path.clone();
        if rpc.idempotency_key.is_none() {
            // `prepare` mints a key for every POST; MCP decides per method (see module docs).
            req.headers.retain(|(name, _)| *name != "idempotency-key");
            req.idempotency_key = None;
        }
        req.retry_safe = rpc.retry_safe;
        if rpc.method != "initialize" {
            let (session, version) = {
                let st = self.mcp_lock();
                (st.session_id.clone(), st.negotiated.clone())
            };
            if let Some(s) = session {
                req.headers.push(("mcp-session-id", s));
            }
            let version = version.unwrap_or_else(|| self.t.config().mcp_protocol_version.clone());
            if version != MCP_PROTOCOL_2024_11_05 {
                req.headers.push(("mcp-protocol-version", version));
            }
        }
        Ok(req)
    }

    /// One JSON-RPC request → its `result` object. Re-initializes once on an expired session.
    async fn mcp_rpc(&self, rpc: Rpc<'_>) -> Result<Value, Error> {
        match self.mcp_exchange(&rpc).await {
            Err(e)
                if e.status() == Some(404)
                    && rpc.method != "initialize"
                    && self.mcp_had_session() =>
            {
                tracing::debug!("MCP session expired; initializing again");
                let version = self.mcp_lock().requested.clone();
                {
                    let mut st = self.mcp_lock();
                    st.session_id = None;
                }
                let opts = CallOptions {
                    trace_id: rpc.trace_id.map(str::to_string),
                    authorization: rpc.authorization.map(str::to_string),
                    timeout_seconds: rpc.timeout.map(|t| t.as_secs_f64()),
                    ..CallOptions::default()
                };
                self.initialize(version.as_deref(), &opts).await?;
                self.mcp_exchange(&rpc).await.map(|(result, _)| result)
            }
            r => r.map(|(result, _)| result),
        }
    }

    fn mcp_had_session(&self) -> bool {
        self.mcp_lock().session_id.is_some()
    }

    /// Send one request and return `(result, response)`.
    async fn mcp_exchange(&self, rpc: &Rpc<'_>) -> Result<(Value, RawResponse), Error> {
        let id = new_id();
        let req = self.mcp_request(rpc, Some(&id))?;
        // A JSON-RPC error is judged inside the retry loop: -32603 and -32004 are retried when
        // the request is retry-safe (a read, or a tools/call with an idempotency key).
        let (msg, resp) = self
            .t
            .execute_raw_checked(&req, ACCEPT, |resp| {
                let msg = find_response(&resp, &id)?;
                match msg.get("error").filter(|e| !e.is_null()) {
                    Some(err) => Err(rpc_error(err, resp.request_id.clone())),
                    None => Ok((msg, resp)),
                }
            })
            .await
            .map_err(|e| e.with_trace_id(req.trace_id.clone()))?;
        match msg.get("result") {
            Some(Value::Object(_)) => {}
            _ => {
                return Err(Error::protocol(format!(
                    "MCP response to {} has no result object",
                    rpc.method
                ))
                .with_body(msg)
                .with_trace_id(req.trace_id.clone()))
            }
        }
        let result = msg.get("result").cloned().unwrap_or(Value::Null);
        Ok((result, resp))
    }

    /// JSON-RPC `initialize` with `protocol_version` (else config `mcp_protocol_version`).
    /// Returns the result (`{protocolVersion, capabilities, serverInfo?, ...}`). Retried like a
    /// read. Starts a fresh session: a previous session id is dropped first. Of `opts`, the trace
    /// id, authorization and timeout apply; the other fields are ignored.
    pub async fn initialize(
        &self,
        protocol_version: Option<&str>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        let version = protocol_version
            .map(str::to_string)
            .unwrap_or_else(|| self.t.config().mcp_protocol_version.clone());
        supported(&version)?;
        {
            let mut st = self.mcp_lock();
            st.session_id = None;
            st.negotiated = None;
            st.requested = Some(version.clone());
        }
        let params = json!({
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "axme-core", "version": env!("CARGO_PKG_VERSION")},
        });
        let (result, resp) = self
            .mcp_exchange(&Rpc::new("initialize", params, opts)?)
            .await?;
        let agreed = match result.get("protocolVersion") {
            None | Some(Value::Null) => version.clone(),
            Some(Value::String(v)) if MCP_PROTOCOL_VERSIONS.contains(&v.as_str()) => v.clone(),
            Some(other) => {
                return Err(Error::new(
                    ErrorKind::Mcp,
                    format!("the MCP server offers protocol version {other}, which this client does not speak"),
                )
                .with_code("unsupported_protocol_version")
                .with_body(result));
            }
        };
        {
            let mut st = self.mcp_lock();
            st.session_id = resp.session_id.filter(|s| !s.is_empty());
            st.negotiated = Some(agreed.clone());
        }
        if agreed != MCP_PROTOCOL_2024_11_05 {
            self.mcp_notify_initialized(opts).await;
        }
        Ok(result)
    }

    /// `notifications/initialized`, best effort: servers that do not expect it may refuse it.
    async fn mcp_notify_initialized(&self, opts: &CallOptions) {
        let Ok(mut rpc) = Rpc::new("notifications/initialized", json!({}), opts) else {
            return;
        };
        rpc.retry_safe = false;
        let sent = match self.mcp_request(&rpc, None) {
            Ok(req) => self.t.execute_raw(&req, ACCEPT).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = sent {
            tracing::debug!(kind = %e.kind(), status = ?e.status(), "notifications/initialized was refused; continuing");
        }
    }

    /// JSON-RPC `tools/list` → `{tools: [{name, inputSchema, ...}]}`; replaces the cached input
    /// schemas with the ones listed. Retried like a read. `opts` as for [`Mcp::initialize`].
    pub async fn list_tools(&self, opts: &CallOptions) -> Result<Value, Error> {
        let result = self
            .mcp_rpc(Rpc::new("tools/list", json!({}), opts)?)
            .await?;
        if let Some(tools) = result.get("tools").and_then(Value::as_array) {
            let schemas = tools
                .iter()
                .filter_map(|t| {
                    let name = t.get("name")?.as_str()?;
                    let schema = t.get("inputSchema").filter(|s| s.is_object())?;
                    Some((name.to_string(), Arc::new(schema.clone())))
                })
                .collect();
            self.mcp_lock().schemas = schemas;
        }
        Ok(result)
    }

    /// JSON-RPC `tools/call` of `name` with `arguments` (an object, or null for none). See the
    /// module docs for argument injection, schema checks, retries and error mapping. A tool
    /// failure comes back as `Ok` with `isError: true` in the result.
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: Value,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid_argument("tool name must not be empty"));
        }
        let mut args = match arguments {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(Error::invalid_argument(format!(
                    "arguments of tool {name} must be a JSON object, got {}",
                    json_schema::type_name(&other)
                )))
            }
        };
        for (what, v) in [
            ("owner_agent", &opts.owner_agent),
            ("idempotency_key", &opts.idempotency_key),
        ] {
            if matches!(v, Some(s) if s.trim().is_empty()) {
                return Err(Error::invalid_argument(format!("{what} must not be empty")));
            }
        }
        let owner = opts
            .owner_agent
            .clone()
            .or_else(|| self.t.config().default_owner_agent.clone());
        let mut injected = Vec::new();
        if let Some(o) = &owner {
            if !args.contains_key("owner_agent") {
                args.insert("owner_agent".into(), json!(o));
                injected.push("owner_agent");
            }
        }
        if let Some(k) = &opts.idempotency_key {
            if !args.contains_key("idempotency_key") {
                args.insert("idempotency_key".into(), json!(k));
                injected.push("idempotency_key");
            }
        }
        let args = Value::Object(args);
        if opts.validate_input_schema.unwrap_or(true) {
            let schema = self.mcp_lock().schemas.get(name).cloned();
            if let Some(schema) = schema {
                let problems = json_schema::violations(&schema, &args, &injected);
                if !problems.is_empty() {
                    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                    let body: Vec<Value> = problems
                        .iter()
                        .map(|v| json!({"path": v.path, "message": v.message}))
                        .collect();
                    return Err(Error::invalid_argument(format!(
                        "arguments of MCP tool {name} do not match its input schema: {}",
                        list.join("; ")
                    ))
                    .with_code("invalid_tool_arguments")
                    .with_body(json!({"tool": name, "errors": body})));
                }
            }
        }
        let mut params = json!({"name": name, "arguments": args});
        if let Some(o) = owner {
            params["owner_agent"] = json!(o);
        }
        let key = opts.idempotency_key.clone().or_else(|| {
            self.t
                .config()
                .auto_idempotency_key
                .then(new_idempotency_key)
        });
        self.mcp_rpc(Rpc {
            method: "tools/call",
            params,
            trace_id: opts.trace_id.as_deref(),
            authorization: opts.authorization.as_deref(),
            timeout: opts.timeout()?,
            idempotency_key: key,
            retry_safe: opts.retryable.unwrap_or(opts.idempotency_key.is_some()),
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn raw(content_type: &str, body: &str) -> RawResponse {
        RawResponse {
            status: 200,
            content_type: content_type.into(),
            session_id: None,
            request_id: None,
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn rpc_error_mapping_follows_the_public_sdks() {
        let cases = [
            (-32001, 403, false),
            (-32003, 403, false),
            (-32004, 429, true),
            (-32602, 422, false),
            (-32603, 502, true),
            (-32601, 502, false),
            (-32700, 502, false),
            (-32000, 502, false),
            (-1, 400, false),
            (7, 400, false),
        ];
        for (code, status, retryable) in cases {
            let e = rpc_error(
                &json!({"code": code, "message": "m", "data": {"x": 1}}),
                Some("r".into()),
            );
            let kind = match code {
                -32001 | -32003 => ErrorKind::Auth,
                -32004 => ErrorKind::RateLimit,
                -32602 => ErrorKind::Validation,
                _ => ErrorKind::Mcp,
            };
            assert_eq!(e.kind(), kind, "{code}");
            assert_eq!(e.status(), Some(status), "{code}");
            assert_eq!(e.code(), Some(code.to_string().as_str()));
            assert_eq!(e.is_retryable(), retryable, "{code}");
            assert_eq!(e.request_id(), Some("r"));
            assert_eq!(
                e.body(),
                Some(&json!({"code": code, "message": "m", "data": {"x": 1}}))
            );
        }
        let limited = json!({"code": -32004, "message": "slow down", "data": {"retry_after": 7}});
        let e = rpc_error(&limited, None);
        assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(7)));
        assert_eq!(
            rpc_error(&json!({"code": -32004}), None).retry_after(),
            None
        );
        let e = rpc_error(&json!({"code": "nope"}), None);
        assert_eq!(
            (e.code(), e.status(), e.message()),
            (Some("-32000"), Some(502), "MCP RPC error")
        );
    }

    #[test]
    fn responses_are_matched_by_id_in_json_and_sse() {
        let ok = raw(
            "application/json",
            r#"{"jsonrpc":"2.0","id":"a","result":{"x":1}}"#,
        );
        assert_eq!(find_response(&ok, "a").unwrap()["result"]["x"], 1);
        let wrong = raw(
            "application/json",
            r#"{"jsonrpc":"2.0","id":"b","result":{}}"#,
        );
        assert_eq!(
            find_response(&wrong, "a").unwrap_err().kind(),
            ErrorKind::Protocol
        );
        let null_id_error = raw(
            "application/json",
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse"}}"#,
        );
        assert!(find_response(&null_id_error, "a").unwrap()["error"].is_object());
        let batch = raw(
            "application/json",
            r#"[{"jsonrpc":"2.0","id":"z","result":{}},{"jsonrpc":"2.0","id":"a","result":{"y":2}}]"#,
        );
        assert_eq!(find_response(&batch, "a").unwrap()["result"]["y"], 2);
        let sse = raw(
            "text/event-stream; charset=utf-8",
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n\
             : ping\n\nid: 1\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"a\",\n\
             data: \"result\":{\"ok\":true}}\n\n",
        );
        assert_eq!(find_response(&sse, "a").unwrap()["result"]["ok"], true);
        let sse_without = raw("text/event-stream", "data: {}\n\n");
        assert_eq!(
            find_response(&sse_without, "a").unwrap_err().kind(),
            ErrorKind::Protocol
        );
        let empty = raw("application/json", "");
        assert_eq!(
            find_response(&empty, "a").unwrap_err().kind(),
            ErrorKind::Protocol
        );
        let not_json = raw("application/json", "<html>");
        assert_eq!(
            find_response(&not_json, "a").unwrap_err().kind(),
            ErrorKind::Protocol
        );
    }

    #[test]
    fn versions_are_checked_before_any_request() {
        assert!(supported("2024-11-05").is_ok());
        assert!(supported("2025-11-25").is_ok());
        assert_eq!(
            supported("2025-03-26").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
}
