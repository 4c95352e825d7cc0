//! Health, capabilities, metrics, and the answers for routes that are not served.

use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::ApiError;
use crate::http::respond::ok;
use crate::state::AppState;

pub async fn health() -> Response {
    ok(
        json!({"ok": true, "service": "axme-server", "version": env!("CARGO_PKG_VERSION"), "storage": "sqlite"}),
    )
}

/// The spec requires a credential here as everywhere but health (`security` at the top level).
pub async fn capabilities(_auth: crate::http::auth::Auth) -> Response {
    ok(json!({
        "ok": true,
        "protocol_version": "axp.v1",
        "capabilities": [
            "intents", "intents.list", "intents.events", "intents.events.stream", "intents.resolve",
            "intents.resume", "intents.controls", "intents.policy", "intents.deadline", "agents.listen",
            "idempotency", "human_tasks", "inbox", "approvals", "scenarios", "invites", "media",
            "schemas", "users.nicks", "webhooks.subscriptions", "webhooks.events", "mcp",
        ],
        "supported_intent_types": ["intent.ask.v1", "intent.notify.v1", "intent.task.v1"],
    }))
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// Unknown paths: 501 when the public AXP surface (spec/openapi.yaml) has the operation but this server
/// does not serve it yet, 405 when the path exists for other methods, else 404.
pub async fn fallback(req: Request) -> Response {
    not_served(req.method().as_str(), req.uri().path()).into_response()
}

pub fn not_served(method: &str, path: &str) -> ApiError {
    match crate::spec_routes::lookup(method, path) {
        crate::spec_routes::Lookup::Operation(operation_id) => ApiError::new(
            501,
            "not_implemented",
            format!("{method} {path} ({operation_id}) is part of AXP but not served by this version of axme-server"),
        )
        .with_details(json!({"operation_id": operation_id})),
        crate::spec_routes::Lookup::OtherMethods(allowed) => method_not_allowed_error(method, path, &allowed),
        crate::spec_routes::Lookup::Unknown => {
            ApiError::not_found("route_not_found", format!("no AXP route matches {method} {path}"))
        }
    }
}

/// A served route matched the path but not the method. The spec may still have an operation for
/// this method and a path that the route's template swallows (`POST /v1/intents/bulk-cancel` against
/// `GET /v1/intents/{intent_id}`): that is 501 like any other operation not served yet.
pub async fn method_not_allowed(req: Request) -> Response {
    let (method, path) = (req.method().as_str(), req.uri().path());
    if let crate::spec_routes::Lookup::Operation(_) = crate::spec_routes::lookup(method, path) {
        return not_served(method, path).into_response();
    }
    let allowed = crate::spec_routes::methods(path);
    method_not_allowed_error(method, path, &allowed).into_response()
}

/// The `Allow` value for a path: the methods the spec has for it (all routed, served or 501),
/// with HEAD beside GET and OPTIONS.
pub fn allow_value(methods: &[String]) -> String {
    let mut all: Vec<&str> = methods.iter().map(String::as_str).collect();
    if all.contains(&"GET") {
        all.push("HEAD");
    }
    all.push("OPTIONS");
    all.join(", ")
}

fn method_not_allowed_error(method: &str, path: &str, allowed: &[String]) -> ApiError {
    let mut error = ApiError::new(
        405,
        "method_not_allowed",
        format!(
            "{method} is not allowed on {path}; allowed: {}",
            allowed.join(", ")
        ),
    )
    .with_details(json!({"allowed": allowed}));
    error.headers.push(("allow".into(), allow_value(allowed)));
    error
}

/// `OPTIONS` on any path of the spec names its methods (`/mcp` answers CORS preflights itself).
pub async fn options(req: Request, next: axum::middleware::Next) -> Response {
    if req.method() != axum::http::Method::OPTIONS || req.uri().path() == "/mcp" {
        return next.run(req).await;
    }
    let methods = crate::spec_routes::methods(req.uri().path());
    if methods.is_empty() {
        return ApiError::not_found(
            "route_not_found",
            format!("no AXP route matches {}", req.uri().path()),
        )
        .into_response();
    }
    (
        axum::http::StatusCode::NO_CONTENT,
        [(axum::http::header::ALLOW, allow_value(&methods))],
    )
        .into_response()
}
