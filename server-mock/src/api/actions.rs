//! The writes that move an intent: resolve, resume, controls and policy.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::intents::intent_path;
use crate::domain::task_answers;
use crate::domain::validate::{self, ResumeAction};
use crate::error::ApiError;
use crate::http::actor::Caller;
use crate::http::auth::Auth;
use crate::http::body::{self, JsonBody};
use crate::http::idempotency;
use crate::http::respond::written;
use crate::state::AppState;
use crate::store::humans::TasksOp;
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

/// Agents' actions and step approvals move the intent through `intents::transition`; a human's
/// `task_result` goes to the human task family, which checks it against the task. A human may call
/// with an actor token alone (`Caller`).
pub async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    Path(intent_id): Path<String>,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let owner = idempotency::owner_agent(&query, &headers)?;
    let resumption = validate::resumption(&body)?;
    let principal = caller.principal.clone();
    let op = if resumption.action == ResumeAction::TaskResult {
        let by = match (&caller.actor, &resumption.actor) {
            (None, Some(on_behalf_of)) => on_behalf_of.clone(),
            _ => caller.address(),
        };
        WriteOp::Tasks(TasksOp::Submit {
            org_id: principal.org_id.clone(),
            intent_id: intent_id.clone(),
            answer: task_answers::submission(&body)?,
            actor: caller.actor.map(Box::new),
            by,
        })
    } else {
        WriteOp::Transition {
            org_id: principal.org_id.clone(),
            intent_id: intent_id.clone(),
            change: Change::Resume { resumption, owner },
        }
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
