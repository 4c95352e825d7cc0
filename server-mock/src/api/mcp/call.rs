//! Running a tool: the HTTP operation goes through the server's own router with the caller's
//! credential and tracing headers, so it is authorised, validated, idempotent, logged and (with
//! `--faults`) fault-injected exactly like the same call made over HTTP.

use axum::body::Body;
use axum::http::{HeaderMap, Request};
use axum::Router;
use serde_json::{json, Value};
use tower::ServiceExt;

use super::tools::{Action, Args, Tool};
use crate::http::actor::Caller;

/// Request headers a tool call passes on to its HTTP operation.
const FORWARDED: [&str; 8] = [
    "x-api-key",
    "authorization",
    "x-trace-id",
    "traceparent",
    "x-axme-client",
    "x-request-id",
    "host",
    "x-forwarded-proto",
];

/// Largest HTTP answer a tool result carries.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// What a call asked for besides the tool's own arguments.
#[derive(Debug, Default)]
pub struct Extras {
    pub owner_agent: Option<String>,
    pub idempotency_key: Option<String>,
}

/// Splits the common arguments off (SDKs inject `owner_agent` and `idempotency_key` into arguments).
pub fn extras(args: &Args, params_owner: Option<&str>) -> Extras {
    let text = |name: &str| args.get(name).and_then(Value::as_str).map(str::to_owned);
    Extras {
        owner_agent: text("owner_agent").or_else(|| params_owner.map(str::to_owned)),
        idempotency_key: text("idempotency_key"),
    }
}

/// The `tools/call` result (wire facts §1.8): the MCP fields (`content`, `structuredContent`,
/// `isError`) plus the upstream ones (`ok`, `tool`, `status`, `data`, `message`). `structuredContent`
/// is what the HTTP operation answered, success or error body alike.
pub fn result(tool: &str, http_status: u16, answer: Value) -> Value {
    let ok = (200..300).contains(&http_status);
    let answer = if answer.is_object() {
        answer
    } else {
        json!({"value": answer})
    };
    let message = if ok {
        format!("{tool}: ok")
    } else {
        let reason = answer["error"]["message"]
            .as_str()
            .or_else(|| answer["detail"].as_str())
            .unwrap_or("the call failed");
        format!("{tool}: {reason}")
    };
    json!({
        "ok": ok,
        "tool": tool,
        "status": if ok { "ok" } else { "error" },
        "http_status": http_status,
        "data": answer,
        "message": message,
        "content": [{"type": "text", "text": answer.to_string()}],
        "structuredContent": answer,
        "isError": !ok,
    })
}

/// Who the credential is (the `axme.whoami` tool), with the human when an actor token came along.
fn whoami(caller: &Caller) -> Value {
    let principal = &caller.principal;
    let human = caller.actor.as_ref().map(|a| {
        json!({"human_id": a.human_id, "name": a.name, "email": a.email, "address": a.address()})
    });
    json!({
        "ok": true,
        "org_id": principal.org_id,
        "org": principal.org_name,
        "workspace_id": principal.workspace_id,
        "workspace": principal.workspace_name,
        "service_account_id": principal.service_account_id,
        "service_account": principal.account_name,
        "key_id": principal.key_id,
        "default_from_agent": principal.default_from_agent(),
        "human": human,
    })
}

/// Runs a tool whose arguments already passed its schema.
pub async fn run(
    app: Router,
    tool: &Tool,
    caller: &Caller,
    headers: &HeaderMap,
    args: &Args,
    extras: Extras,
) -> Value {
    let build = match tool.action {
        Action::WhoAmI => return result(tool.name, 200, whoami(caller)),
        Action::Http(build) => build,
    };
    let call = build(args);
    let mut request = Request::builder().method(call.method).uri(&call.uri);
    for name in FORWARDED {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value);
        }
    }
    if let Some(key) = &extras.idempotency_key {
        request = request.header("idempotency-key", key);
    }
    if let (true, Some(owner)) = (tool.owner_scoped, &extras.owner_agent) {
        request = request.header("x-owner-agent", owner);
    }
    let body = match &call.body {
        Some(body) => {
            request = request.header("content-type", "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    let request = match request.body(body) {
        Ok(request) => request,
        Err(err) => {
            let answer = json!({"error": {"code": "invalid_arguments", "message": format!("the arguments do not form a request: {err}"), "details": {}}});
            return result(tool.name, 422, answer);
        }
    };
    let response = match app.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status().as_u16();
    let answer = match axum::body::to_bytes(response.into_body(), MAX_ANSWER_BYTES).await {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| json!({"text": String::from_utf8_lossy(&bytes)})),
        Err(_) => {
            json!({"error": {"code": "internal_error", "message": "the answer could not be read", "details": {}}})
        }
    };
    result(tool.name, status, answer)
}
