//! The MCP methods: `initialize`, `ping`, `tools/list`, `tools/call`, `resources/list`,
//! `prompts/list` and the notifications. Protocol failures are JSON-RPC errors; a tool that fails is a
//! result with `isError: true`.

use std::time::Instant;

use axum::http::HeaderMap;
use serde_json::{json, Value};

use super::call;
use super::tools;
use super::McpState;
use crate::domain::mcp::{self, Message, RpcError};
use crate::http::actor::Caller;
use crate::state::AppState;

/// What answering one message produced.
#[derive(Debug)]
pub enum Reply {
    /// A notification or a response: nothing to answer.
    Nothing,
    Json(Value),
    /// `tools/call` without a valid credential: answered with HTTP 401 when alone.
    Unauthorized(Value),
    /// `initialize` that opened a session (protocol 2025-11-25).
    Opened {
        body: Value,
        session_id: String,
    },
}

/// The request context shared by the messages of one POST.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub mcp: &'a McpState,
    pub headers: &'a HeaderMap,
    pub session_id: Option<&'a str>,
}

fn error(err: RpcError) -> Reply {
    Reply::Json(err.to_json())
}

pub async fn answer(ctx: &Ctx<'_>, message: Message) -> Reply {
    match message {
        Message::Response => Reply::Nothing,
        Message::Notification { method } => {
            if let ("notifications/initialized", Some(id)) = (method.as_str(), ctx.session_id) {
                ctx.mcp.sessions.mark_initialized(id);
            }
            Reply::Nothing
        }
        Message::Request { id, method, params } => request(ctx, id, &method, params).await,
    }
}

async fn request(ctx: &Ctx<'_>, id: Value, method: &str, params: Value) -> Reply {
    match method {
        "initialize" => initialize(ctx, id, &params),
        "ping" => Reply::Json(mcp::result(&id, json!({}))),
        "tools/list" => {
            let tools: Vec<Value> = tools::all().iter().map(tools::Tool::describe).collect();
            Reply::Json(mcp::result(&id, json!({"tools": tools})))
        }
        "tools/call" => call_tool(ctx, id, &params).await,
        "resources/list" => Reply::Json(mcp::result(&id, json!({"resources": []}))),
        "resources/templates/list" => Reply::Json(mcp::result(&id, json!({"resourceTemplates": []}))),
        "prompts/list" => Reply::Json(mcp::result(&id, json!({"prompts": []}))),
        other => error(RpcError::new(
            id,
            mcp::METHOD_NOT_FOUND,
            format!("method {other:?} is not served; served: initialize, ping, tools/list, tools/call, resources/list, resources/templates/list, prompts/list"),
        )),
    }
}

fn initialize(ctx: &Ctx<'_>, id: Value, params: &Value) -> Reply {
    let Some(requested) = params["protocolVersion"].as_str() else {
        return error(RpcError::new(
            id,
            mcp::INVALID_PARAMS,
            format!(
                "initialize needs params.protocolVersion; served: {}",
                mcp::VERSIONS.join(", ")
            ),
        ));
    };
    let version = mcp::negotiate(requested);
    let body = mcp::result(
        &id,
        json!({
            "protocolVersion": version,
            "capabilities": {
                "tools": {"listChanged": false},
                "resources": {"listChanged": false, "subscribe": false},
                "prompts": {"listChanged": false},
            },
            "serverInfo": {"name": "axme-server", "title": "AXME reference server", "version": env!("CARGO_PKG_VERSION")},
            "instructions": "AXP intents, tasks, agents, scenarios and nicks as axme.* tools. tools/call needs the API key (Authorization: Bearer or x-api-key).",
        }),
    );
    if version == mcp::SESSION_VERSION {
        let session_id = ctx
            .mcp
            .sessions
            .open(version, super::credential_digest(ctx.headers));
        return Reply::Opened { body, session_id };
    }
    Reply::Json(body)
}

async fn call_tool(ctx: &Ctx<'_>, id: Value, params: &Value) -> Reply {
    let Some(name) = params["name"].as_str() else {
        return error(RpcError::new(
            id,
            mcp::INVALID_PARAMS,
            "tools/call needs params.name (a tool of tools/list)",
        ));
    };
    let args = match &params["arguments"] {
        Value::Null => Default::default(),
        Value::Object(args) => args.clone(),
        _ => {
            return error(RpcError::new(
                id,
                mcp::INVALID_PARAMS,
                "params.arguments must be an object",
            ))
        }
    };
    let Some((tool, validator)) = tools::find(name) else {
        return error(RpcError::new(
            id,
            mcp::INVALID_PARAMS,
            format!("unknown tool {name:?}; tools/list names the tools"),
        ));
    };
    let caller = match authenticate(ctx).await {
        Ok(caller) => caller,
        Err(err) => {
            let rpc = RpcError::new(
                id,
                mcp::AUTH_REQUIRED,
                format!("tools/call needs a credential: {}", err.message),
            )
            .with_data(json!({"http_status": err.status, "code": err.code}));
            return Reply::Unauthorized(rpc.to_json());
        }
    };
    let mut extras = call::extras(&args, params["owner_agent"].as_str());
    let owner = extras
        .owner_agent
        .clone()
        .unwrap_or_else(|| caller.address());
    if let Some(refusal) = over_limit(ctx, &id, caller.principal.org_id.clone(), owner, name) {
        return refusal;
    }
    let instance = Value::Object(args.clone());
    let violations: Vec<Value> = validator
        .iter_errors(&instance)
        .map(|e| json!({"path": e.instance_path().to_string(), "message": e.to_string()}))
        .collect();
    let result = if violations.is_empty() {
        // Clients may send the key as the POST's own `Idempotency-Key` instead of an argument.
        extras.idempotency_key = extras.idempotency_key.or_else(|| {
            let header = ctx.headers.get("idempotency-key")?.to_str().ok()?;
            Some(header.trim().to_string()).filter(|k| !k.is_empty())
        });
        call::run(
            ctx.mcp.app(ctx.state),
            tool,
            &caller,
            ctx.headers,
            &args,
            extras,
        )
        .await
    } else {
        let message = format!(
            "the arguments of {name} do not match its inputSchema: {}",
            violations[0]["message"].as_str().unwrap_or_default()
        );
        let answer = json!({"error": {"code": "invalid_arguments", "message": message, "details": {"violations": violations}}, "detail": message});
        call::result(name, 422, answer)
    };
    Reply::Json(mcp::result(&id, result))
}

/// Counts a `tools/call` of `tool` for (organisation, owner); past the minute's limit, the -32004
/// refusal with the seconds until the window reopens.
fn over_limit(
    ctx: &Ctx<'_>,
    id: &Value,
    org_id: String,
    owner: String,
    tool: &str,
) -> Option<Reply> {
    let per_minute = ctx.state.settings.mcp_calls_per_minute;
    let key = (org_id, owner, tool.to_string());
    let retry_after = ctx.mcp.calls.admit(key, per_minute, Instant::now()).err()?;
    let rpc = RpcError::new(
        id.clone(),
        mcp::RATE_LIMITED,
        format!("rate limit: at most {per_minute} calls of {tool} a minute per owner; retry in {retry_after} s"),
    )
    .with_data(json!({"http_status": 429, "code": "rate_limit_exceeded", "retry_after": retry_after, "limit_per_minute": per_minute}));
    Some(error(rpc))
}

/// The caller of a `tools/call`, as every HTTP operation sees it: an API key (`x-api-key` or
/// `Authorization: Bearer`), a human's actor token, or both.
async fn authenticate(ctx: &Ctx<'_>) -> Result<Caller, crate::error::ApiError> {
    use axum::extract::FromRequestParts;
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.headers = ctx.headers.clone();
    Caller::from_request_parts(&mut parts, ctx.state).await
}
