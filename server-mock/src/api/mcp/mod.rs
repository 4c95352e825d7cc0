//! `POST /mcp`: the Model Context Protocol over HTTP (JSON-RPC 2.0), protocol versions 2024-11-05 and
//! 2025-11-25 (see `domain/mcp.rs`). This module is the transport: `Origin` checks, sessions
//! (`Mcp-Session-Id`, `MCP-Protocol-Version`), batches and HTTP statuses; `rpc.rs` answers the methods.
//!
//! Answers are always `application/json` (never an SSE stream): every method here answers at once, and
//! the upstream clients read the body as JSON.

mod call;
mod catalog;
mod limit;
mod rpc;
mod session;
mod tools;

use std::sync::{Arc, OnceLock};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde_json::{json, Value};

use crate::domain::mcp::{self, RpcError};
use crate::state::AppState;
use rpc::{Ctx, Reply};

/// Largest JSON-RPC body read.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the endpoint keeps between requests.
#[derive(Debug, Default)]
pub struct McpState {
    sessions: session::Sessions,
    /// `tools/call` counts per (organisation, owner, tool).
    calls: limit::CallLimiter,
    /// The application tool calls are dispatched through, built on first use.
    app: OnceLock<Router>,
}

impl McpState {
    fn app(&self, state: &AppState) -> Router {
        self.app
            .get_or_init(|| crate::api::router(state.clone()))
            .clone()
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/mcp",
            post(handle)
                .delete(end_session)
                .get(no_stream)
                .options(preflight),
        )
        .layer(Extension(Arc::new(McpState::default())))
}

/// A transport-level failure: an HTTP status with a JSON-RPC error body (`id` null).
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    code: i64,
    message: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = RpcError::new(Value::Null, self.code, self.message).to_json();
        (self.status, Json(body)).into_response()
    }
}

fn refusal(status: StatusCode, code: i64, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        code,
        message: message.into(),
    }
}

fn refuse(status: StatusCode, code: i64, message: impl Into<String>) -> Response {
    refusal(status, code, message).into_response()
}

/// A request to `/mcp` the spec refuses (a header out of its bounds): a transport error in the
/// JSON-RPC shape MCP clients read.
pub(crate) fn invalid_request(message: impl Into<String>, data: Value) -> Response {
    let body = RpcError::new(Value::Null, mcp::INVALID_REQUEST, message.into())
        .with_data(data)
        .to_json();
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// DNS-rebinding protection: a browser page on a foreign origin must not reach this endpoint.
fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), Refusal> {
    match header(headers, "origin") {
        Some(origin) if !mcp::origin_allowed(origin, &state.settings.mcp_allowed_origins) => {
            Err(refusal(StatusCode::FORBIDDEN, mcp::INVALID_REQUEST,
                format!("Origin {origin:?} is not allowed to call /mcp; loopback origins are, others with --mcp-allowed-origin"),
            ))
        }
        _ => Ok(()),
    }
}

/// Lets allowed browser origins read the answer and the session header.
fn with_cors(mut response: Response, headers: &HeaderMap) -> Response {
    if let Some(origin) = headers.get("origin") {
        let out = response.headers_mut();
        out.insert("access-control-allow-origin", origin.clone());
        out.insert(
            "access-control-expose-headers",
            HeaderValue::from_static("mcp-session-id, x-request-id"),
        );
        out.insert("vary", HeaderValue::from_static("Origin"));
    }
    response
}

async fn preflight(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(refused) = check_origin(&state, &headers) {
        return refused.into_response();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    out.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("POST, DELETE"),
    );
    out.insert(
        "access-control-allow-headers",
        HeaderValue::from_static("content-type, authorization, x-api-key, mcp-session-id, mcp-protocol-version, idempotency-key, x-trace-id, traceparent"),
    );
    out.insert("access-control-max-age", HeaderValue::from_static("600"));
    with_cors(response, &headers)
}

/// This server pushes nothing, so it offers no SSE stream (the transport then requires 405).
async fn no_stream() -> Response {
    let mut response = refuse(
        StatusCode::METHOD_NOT_ALLOWED,
        mcp::INVALID_REQUEST,
        "GET /mcp (a server-to-client stream) is not offered; POST JSON-RPC messages",
    );
    response
        .headers_mut()
        .insert("allow", HeaderValue::from_static("POST, DELETE"));
    response
}

async fn end_session(
    State(state): State<AppState>,
    Extension(mcp_state): Extension<Arc<McpState>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = check_origin(&state, &headers) {
        return refused.into_response();
    }
    let Some(id) = header(&headers, "mcp-session-id") else {
        return refuse(
            StatusCode::BAD_REQUEST,
            mcp::INVALID_REQUEST,
            "DELETE /mcp needs the Mcp-Session-Id of the session to end",
        );
    };
    if !mcp_state
        .sessions
        .end(id, credential_digest(&headers).as_deref())
    {
        return refuse(
            StatusCode::NOT_FOUND,
            mcp::INVALID_REQUEST,
            "no such MCP session for this credential (ended, expired, or opened with another credential)",
        );
    }
    with_cors(
        Json(json!({"ok": true, "ended": true})).into_response(),
        &headers,
    )
}

/// The digest of the credential a request presents (never the key itself).
pub(crate) fn credential_digest(headers: &HeaderMap) -> Option<String> {
    crate::http::auth::presented_key(headers)
        .filter(|k| !k.is_empty())
        .map(|k| crate::store::sqlite::credentials::key_digest(&k))
}

/// The session a request belongs to, after the transport rules of 2025-11-25.
fn session_of<'h>(
    state: &McpState,
    headers: &'h HeaderMap,
    initialize: bool,
) -> Result<Option<&'h str>, Refusal> {
    let version = header(headers, "mcp-protocol-version");
    if let Some(v) = version.filter(|v| !mcp::VERSIONS.contains(v)) {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            mcp::INVALID_REQUEST,
            format!(
                "MCP-Protocol-Version {v:?} is not served; served: {}",
                mcp::VERSIONS.join(", ")
            ),
        ));
    }
    // initialize starts afresh: it never belongs to a session.
    if initialize {
        return Ok(None);
    }
    match header(headers, "mcp-session-id") {
        Some(id) => match state.sessions.touch(id) {
            None => Err(refusal(
                StatusCode::NOT_FOUND,
                mcp::INVALID_REQUEST,
                "no such MCP session (ended, expired or from before a restart); initialize again",
            )),
            Some(negotiated) if version != Some(negotiated) => Err(refusal(
                StatusCode::BAD_REQUEST,
                mcp::INVALID_REQUEST,
                format!("requests of this session must carry MCP-Protocol-Version: {negotiated}"),
            )),
            Some(_) => Ok(Some(id)),
        },
        None if version == Some(mcp::SESSION_VERSION) => Err(refusal(
            StatusCode::BAD_REQUEST,
            mcp::INVALID_REQUEST,
            format!(
                "protocol {} needs the Mcp-Session-Id that initialize returned",
                mcp::SESSION_VERSION
            ),
        )),
        None => Ok(None),
    }
}

async fn handle(
    State(state): State<AppState>,
    Extension(mcp_state): Extension<Arc<McpState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(refused) = check_origin(&state, &headers) {
        return refused.into_response();
    }
    let response = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => handle_bytes(&state, &mcp_state, &headers, &bytes).await,
        Err(err) if crate::http::limits::is_timeout(&err) => {
            crate::http::limits::timeout_error(state.settings.read_timeout).into_response()
        }
        Err(_) => refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            mcp::INVALID_REQUEST,
            format!("the JSON-RPC body exceeds {MAX_BODY_BYTES} bytes"),
        ),
    };
    with_cors(response, &headers)
}

async fn handle_bytes(
    state: &AppState,
    mcp_state: &McpState,
    headers: &HeaderMap,
    bytes: &Bytes,
) -> Response {
    let parsed: Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(err) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                mcp::PARSE_ERROR,
                format!("the body is not JSON ({err}); send one JSON-RPC 2.0 message"),
            )
        }
    };
    let (messages, batch) = match parsed {
        Value::Array(items) if items.is_empty() => {
            return refuse(
                StatusCode::BAD_REQUEST,
                mcp::INVALID_REQUEST,
                "an empty batch",
            )
        }
        Value::Array(items) => (items, true),
        single => (vec![single], false),
    };
    let initialize = !batch && messages[0]["method"] == json!("initialize");
    let session_id = match session_of(mcp_state, headers, initialize) {
        Ok(session) => session,
        Err(refused) => return refused.into_response(),
    };
    if batch && session_id.is_some() {
        return refuse(
            StatusCode::BAD_REQUEST,
            mcp::INVALID_REQUEST,
            format!(
                "protocol {} takes one message per POST, not batches",
                mcp::SESSION_VERSION
            ),
        );
    }
    let ctx = Ctx {
        state,
        mcp: mcp_state,
        headers,
        session_id,
    };
    let mut replies = Vec::new();
    for message in &messages {
        let reply = match mcp::classify(message) {
            Ok(message) => rpc::answer(&ctx, message).await,
            Err(err) if !batch => {
                // A lone invalid message is answered with its id when it could be read.
                return (StatusCode::BAD_REQUEST, Json(err.to_json())).into_response();
            }
            Err(err) => Reply::Json(err.to_json()),
        };
        replies.push(reply);
    }
    if !batch {
        return match replies.pop() {
            Some(Reply::Nothing) | None => StatusCode::ACCEPTED.into_response(),
            Some(Reply::Json(body)) => Json(body).into_response(),
            Some(Reply::Unauthorized(body)) => {
                let mut response = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
                response
                    .headers_mut()
                    .insert("www-authenticate", HeaderValue::from_static("Bearer"));
                response
            }
            Some(Reply::Opened { body, session_id }) => {
                let mut response = Json(body).into_response();
                if let Ok(value) = HeaderValue::from_str(&session_id) {
                    response.headers_mut().insert("mcp-session-id", value);
                }
                response
            }
        };
    }
    let answers: Vec<Value> = replies
        .into_iter()
        .filter_map(|reply| match reply {
            Reply::Nothing => None,
            Reply::Json(body) | Reply::Unauthorized(body) | Reply::Opened { body, .. } => {
                Some(body)
            }
        })
        .collect();
    if answers.is_empty() {
        StatusCode::ACCEPTED.into_response()
    } else {
        Json(Value::Array(answers)).into_response()
    }
}
