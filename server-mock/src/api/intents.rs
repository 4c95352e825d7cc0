//! Creating, listing and reading intents and their events.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Value};

use super::streams::EVENT_PAGE;
use crate::domain::validate;
use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::http::body::{self, JsonBody};
use crate::http::idempotency;
use crate::http::respond::{ok, ok_json_text, written};
use crate::state::AppState;
use crate::store::{WriteOp, WriteRequest};

pub async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let mut intent = validate::new_intent(&body)?;
    if let Some(header) = headers
        .get("x-correlation-id")
        .and_then(|v| v.to_str().ok())
    {
        match &intent.correlation_id {
            Some(in_body) if in_body != header => {
                return Err(ApiError::bad_request(
                    "correlation_id_mismatch",
                    format!("header X-Correlation-Id ({header}) differs from body correlation_id ({in_body}); send the same value or only one"),
                ))
            }
            Some(_) => {}
            None if uuid::Uuid::parse_str(header).is_ok() => intent.correlation_id = Some(header.to_string()),
            None => {
                return Err(ApiError::new(422, "validation_error", format!("header X-Correlation-Id {header:?} is not a UUID")))
            }
        }
    }
    let idempotency = idempotency::for_write(&principal, "POST", "/v1/intents", &headers, &body)?;
    let org_id = principal.org_id.clone();
    let result = state
        .store
        .write(WriteRequest {
            op: WriteOp::CreateIntent { principal, intent },
            idempotency,
        })
        .await;
    match result {
        Ok(result) => Ok(written(result)),
        Err(refusal)
            if matches!(
                refusal.code.as_str(),
                "rate_limit_exceeded" | "cost_limit_exceeded"
            ) =>
        {
            // A mesh limit breach blocks the sender; the refused transaction could not record it.
            super::mesh::record_breach(&state, &org_id, &refusal).await;
            Err(refusal)
        }
        Err(err) => Err(err),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<body::Query>,
) -> Result<Response, ApiError> {
    let statuses = body::statuses_param(&query, "status")?.unwrap_or_default();
    let limit = body::int_param(&query, "limit", 50, 1, 200)? as usize;
    let cursor = match query.get("cursor").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        None => None,
        Some(raw) => Some(raw.parse::<i64>().map_err(|_| {
            ApiError::new(422, "validation_error", format!("`cursor` {raw:?} is not a cursor this server issued; pass next_cursor back unchanged"))
        })?),
    };
    let page = state
        .store
        .list_intents(principal.org_id, statuses, limit, cursor)
        .await?;
    Ok(ok(
        json!({"ok": true, "intents": page.intents, "next_cursor": page.next_cursor}),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(intent_id): Path<String>,
) -> Result<Response, ApiError> {
    // The stored document goes out as it is: decoding and encoding it again was most of the
    // cost of this, the most frequent read.
    let intent = state
        .store
        .get_intent_text(principal.org_id, intent_id.clone())
        .await?
        .ok_or_else(|| ApiError::intent_not_found(&intent_id))?;
    Ok(ok_json_text(format!(r#"{{"ok":true,"intent":{intent}}}"#)))
}

pub async fn events(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(intent_id): Path<String>,
    Query(query): Query<body::Query>,
) -> Result<Response, ApiError> {
    let since = body::int_param(&query, "since", 0, 0, i64::MAX)?;
    let events = state
        .store
        .list_events(principal.org_id, intent_id.clone(), since, EVENT_PAGE)
        .await?
        .ok_or_else(|| ApiError::intent_not_found(&intent_id))?;
    let next_seq = events
        .last()
        .and_then(|e| e["seq"].as_i64())
        .unwrap_or(since);
    Ok(ok(
        json!({"ok": true, "events": events, "next_seq": next_seq}),
    ))
}

/// The concrete path of a write, for idempotency scoping.
pub fn intent_path(intent_id: &str, action: &str) -> String {
    format!("/v1/intents/{intent_id}/{action}")
}

/// A JSON value's `status` field as text, for stream filtering.
pub fn status_of(doc: &Value) -> &str {
    doc.get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
}
