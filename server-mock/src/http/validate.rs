//! The spec as the first judge of every request to a served operation: its path, query and header
//! parameters and its body are checked against spec/openapi.yaml before any handler runs, so the
//! server refuses exactly what the spec forbids (422, 415 for a media type the operation does not
//! take, 400 for a body that is not JSON). Rules the spec cannot state (a header and a query
//! parameter that must agree, a key reused with another body, a state that forbids a transition)
//! stay with the handlers; docs/reliability.md lists them.

use axme_spec::{Location, OperationRef, RequestViolation, Spec};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::http::body::{parse_json, ParsedJson, MAX_BODY_BYTES};
use crate::state::AppState;

/// Operations of another protocol: MCP judges its JSON-RPC body itself and answers refusals in
/// JSON-RPC's shape.
const MCP: &[&str] = &["mcp_request", "mcp_end_session"];

/// The answer to a request the spec refuses.
pub fn refusal(violations: &[RequestViolation]) -> ApiError {
    let first = &violations[0];
    let more = match violations.len() {
        1 => String::new(),
        n => format!(
            " (and {} more problem{})",
            n - 1,
            if n > 2 { "s" } else { "" }
        ),
    };
    let (key, name) = match first.location {
        Location::Body => ("field", axme_spec::pointer_to_field(&first.name)),
        _ => ("parameter", first.name.clone()),
    };
    let listed: Vec<Value> = violations
        .iter()
        .map(|v| json!({"location": v.location.as_str(), "name": v.name, "message": v.message}))
        .collect();
    let code = first.error_code.as_deref().unwrap_or("validation_error");
    ApiError::new(
        if code == "payload_too_large" {
            413
        } else {
            422
        },
        code,
        format!("{}{more}", first.message),
    )
    .with_details(json!({key: name, "location": first.location.as_str(), "violations": listed}))
}

fn has_body(req: &Request) -> bool {
    let headers = req.headers();
    headers.contains_key("transfer-encoding")
        || headers
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n > 0)
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let spec = Spec::shared();
    // The fault control API is test tooling with checks of its own.
    let Some(op) = spec
        .find_operation(req.method().as_str(), req.uri().path())
        .filter(|op| op.served && !op.faults_only)
    else {
        return next.run(req).await;
    };
    match check(&state, spec, op, req).await {
        Ok(req) => next.run(req).await,
        Err(refused) if MCP.contains(&op.operation_id) => {
            crate::api::mcp_invalid_request(refused.message, refused.details)
        }
        Err(refused) => refused.into_response(),
    }
}

async fn check(
    state: &AppState,
    spec: &Spec,
    op: OperationRef<'_>,
    req: Request,
) -> Result<Request, ApiError> {
    let headers = req.headers();
    // A value with bytes outside visible ASCII is checked as it reads, not skipped as absent.
    spec.validate_parameters(&op, req.uri().path(), req.uri().query(), |name| {
        headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    })
    .map_err(|violations| refusal(&violations))?;
    let Some(body_spec) = spec.request_body(&op) else {
        return Ok(req);
    };
    let content_type = headers
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)").to_string());
    if let Some(media) = content_type.as_deref().filter(|_| has_body(&req)) {
        if !body_spec.takes(media) {
            return Err(ApiError::new(
                415,
                "unsupported_media_type",
                format!(
                    "{} {} takes a body of type {}, not {media:?}",
                    op.method,
                    op.template,
                    body_spec.accepted()
                ),
            )
            .with_details(json!({"accepted": body_spec.media_types.keys().collect::<Vec<_>>()})));
        }
    }
    if !body_spec.is_json() || MCP.contains(&op.operation_id) {
        return Ok(req);
    }
    let (mut parts, body) = req.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|err| {
            super::limits::read_error(&err, state.settings.read_timeout, MAX_BODY_BYTES)
        })?;
    let value = parse_json(&bytes)?;
    spec.validate_body(&op, &value)
        .map_err(|violations| refusal(&violations))?;
    parts.extensions.insert(ParsedJson(value));
    Ok(Request::from_parts(parts, Body::from(bytes)))
}
