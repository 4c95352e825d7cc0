//! The middleware that applies fault rules and records the request log of fault-managed credentials.
//! Requests of other credentials pass through untouched.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::ending::{Ending, JournaledBody};
use super::ResetConnection;
use crate::domain::clock;
use crate::http::auth::presented_key;
use crate::http::body::MAX_BODY_BYTES;
use crate::state::AppState;
use crate::store::sqlite::credentials::key_digest;

fn fingerprint(secret: &str) -> String {
    format!("fp:{}", &key_digest(secret)[..12])
}

/// Headers as `{name: [values]}`, with credential values replaced by their fingerprint.
fn logged_headers(headers: &axum::http::HeaderMap) -> Value {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        let text = value.to_str().unwrap_or("<non-ascii>").to_string();
        let shown = match name.as_str() {
            "x-api-key" => fingerprint(&text),
            "authorization" => match text.split_once(' ') {
                Some((scheme, secret)) => format!("{scheme} {}", fingerprint(secret.trim())),
                None => fingerprint(&text),
            },
            _ => text,
        };
        out.entry(name.as_str().to_string())
            .or_default()
            .push(shown);
    }
    json!(out)
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(faults) = state.faults.clone() else {
        return next.run(req).await;
    };
    let Some(credential) =
        presented_key(req.headers()).and_then(|key| faults.by_digest(&key_digest(&key)))
    else {
        return next.run(req).await;
    };
    let method = req.method().to_string();
    // Rules and the journal name routes by their openapi.yaml template, looked up for this method
    // and path. Axum's matched template is only the fallback (a path the spec lacks): it may belong
    // to another method (`POST /v1/intents/bulk-cancel` matches `GET /v1/intents/{intent_id}`) and
    // is one wildcard for the agent family, whose addresses may hold `/`.
    let route = crate::spec_routes::template(&method, req.uri().path()).or_else(|| {
        req.extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str)
            .filter(|matched| !matched.contains("{*"))
            .map(str::to_string)
    });
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(err) => {
            return crate::http::limits::read_error(
                &err,
                state.settings.read_timeout,
                MAX_BODY_BYTES,
            )
            .into_response()
        }
    };
    let (attempt, plan, index) = {
        let mut cred = credential.lock().expect("faults lock");
        let counted = route.as_deref().unwrap_or(parts.uri.path());
        let attempt = cred.next_attempt(&method, counted);
        let plan = cred.plan(&method, counted, attempt);
        let entry = json!({
            "at": clock::format_us(clock::now_us()),
            "elapsed_ms": faults.started.elapsed().as_secs_f64() * 1e3,
            "method": method,
            "path": parts.uri.path(),
            "route": route,
            "query": parts.uri.query(),
            "attempt": attempt,
            "headers": logged_headers(&parts.headers),
            "body_sha256": (!bytes.is_empty()).then(|| hex::encode(Sha256::digest(&bytes))),
            "status": null,
            "ended": null,
            "ended_ms": null,
        });
        let index = cred.log(entry);
        (attempt, plan, index)
    };
    // Dropped with this future if the client closes the connection before the answer.
    let ending = Ending::new(credential.clone(), index, faults.started);
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    let response = if plan.reset {
        let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        response.extensions_mut().insert(ResetConnection);
        response
    } else if let Some((status, headers, body)) = plan.respond {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = match body {
            Value::Null => {
                let message = format!("fault injected on attempt {attempt}");
                let body = json!({"error": {"code": default_code(status), "message": message, "details": {}}, "detail": message});
                (status, Json(body)).into_response()
            }
            Value::String(text) => (status, text).into_response(),
            other => (status, Json(other)).into_response(),
        };
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) =
                (HeaderName::try_from(name), HeaderValue::try_from(value))
            {
                response.headers_mut().insert(name, value);
            }
        }
        response
    } else {
        let mut req = Request::from_parts(parts, Body::from(bytes));
        if let Some(framing) = plan.sse {
            req.extensions_mut().insert(framing);
        }
        next.run(req).await
    };
    // A reset connection answered nothing: its status stays `null`.
    if plan.reset {
        ending.finish("fault_reset");
        return response;
    }
    credential
        .lock()
        .expect("faults lock")
        .set_status(index, response.status().as_u16());
    let (parts, body) = response.into_parts();
    Response::from_parts(parts, JournaledBody::wrap(body, ending))
}

/// The `error.code` the server itself uses for a status (server-wire.md), for injected responses
/// without a body of their own.
fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid_parameter",
        401 => "invalid_api_key",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        422 => "validation_error",
        429 => "rate_limited",
        501 => "not_implemented",
        503 => "unavailable",
        500..=599 => "internal_error",
        _ => "injected_fault",
    }
}
