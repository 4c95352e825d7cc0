//! The outermost layer: every response carries `x-request-id` (echoed or minted), and every request is
//! counted, timed and logged by route (never with its credentials).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Request id of the current request, as a request extension for handlers that want it.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().to_string();
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let mut response = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    state
        .metrics
        .observe_request(&method, &route, status, seconds);
    if status >= 500 {
        tracing::warn!(target: "axme_server::http", %method, %route, status, elapsed_ms = seconds * 1e3, request_id = %request_id, "request failed");
    } else {
        tracing::debug!(target: "axme_server::http", %method, %route, status, elapsed_ms = seconds * 1e3, request_id = %request_id, "request");
    }
    response
}
