//! The writes that move an intent: resolve, resume, controls and policy.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::intents::intent_path;
use crate::domain::validate;
use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::http::body::{self, JsonBody};
use crate::http::idempotency;
use crate::http::respond::written;
use crate::state::AppState;
use crate::store::{Change, PolicyTarget, Principal, WriteOp, WriteRequest};

async fn apply(
    state: &AppState,
    principal: &Principal,
    intent_id: &str,
    action: &str,
    headers: &HeaderMap,
    body: &serde_json::Value,
    op: WriteOp,
) -> Result<Response, ApiError> {
    let idempotency = idempotency::for_write(
        principal,
        "POST",
        &intent_path(intent_id, action),
        headers,
        body,
    )?;
    let result = state.store.write(WriteRequest { op, idempotency }).await?;
    Ok(written(result))
}

pub async fn resolve(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(intent_id): Path<String>,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    idempotency::owner_agent(&query, &headers)?;
    let resolution = validate::resolution(&body)?;
    let op = WriteOp::Transition {
        org_id: principal.org_id.clone(),
        intent_id: intent_id.clone(),
        change: Change::Resolve(resolution),
    };
    apply(
        &state, &principal, &intent_id, "resolve", &headers, &body, op,
    )
    .await
}

pub async fn resume(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(intent_id): Path<String>,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let owner = idempotency::owner_agent(&query, &headers)?;
    let resumption = validate::resumption(&body)?;
    let op = WriteOp::Transition {
        org_id: principal.org_id.clone(),
        intent_id: intent_id.clone(),
        change: Change::Resume { resumption, owner },
    };
    apply(
        &state, &principal, &intent_id, "resume", &headers, &body, op,
    )
    .await
}

pub async fn controls(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(intent_id): Path<String>,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    idempotency::owner_agent(&query, &headers)?;
    let change = validate::policy_change(&body, true)?;
    let op = WriteOp::UpdatePolicy {
        org_id: principal.org_id.clone(),
        intent_id: intent_id.clone(),
        target: PolicyTarget::Controls,
        change,
    };
    apply(
        &state, &principal, &intent_id, "controls", &headers, &body, op,
    )
    .await
}

pub async fn policy(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(intent_id): Path<String>,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    idempotency::owner_agent(&query, &headers)?;
    let change = validate::policy_change(&body, false)?;
    let op = WriteOp::UpdatePolicy {
        org_id: principal.org_id.clone(),
        intent_id: intent_id.clone(),
        target: PolicyTarget::Policy,
        change,
    };
    apply(
        &state, &principal, &intent_id, "policy", &headers, &body, op,
    )
    .await
}
