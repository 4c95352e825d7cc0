//! The agent mesh: heartbeats, health and usage, the kill switch, per-agent policies and mesh events.
//!
//! A heartbeat speaks for the calling credential's service account: its agent is
//! `agent://<organisation>/<workspace>/<service account>` (the address the account sends from).
//! Kill, resume and policy changes are operator actions and need an admin credential.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

use super::admin::require_admin;
use super::platform::fallback;
use crate::domain::address;
use crate::domain::mesh::{self, Window, HEALTH_VALUES};
use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::http::body::{self, JsonBody};
use crate::http::idempotency;
use crate::http::respond::{ok, written};
use crate::state::AppState;
use crate::store::agents::{AgentsOp, AgentsRead};
use crate::store::{Principal, WriteOp, WriteRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/mesh/heartbeat", post(heartbeat).fallback(fallback))
        .route("/v1/mesh/agents", get(list).fallback(fallback))
        .route(
            "/v1/mesh/agents/{address_id}",
            get(get_one).fallback(fallback),
        )
        .route(
            "/v1/mesh/agents/{address_id}/kill",
            post(kill).fallback(fallback),
        )
        .route(
            "/v1/mesh/agents/{address_id}/resume",
            post(resume).fallback(fallback),
        )
        .route(
            "/v1/mesh/agents/{address_id}/policy",
            get(get_policy).put(set_policy).fallback(fallback),
        )
        .route("/v1/mesh/events", get(events).fallback(fallback))
}

/// A mesh target: an `address_id` (`agt_…`) as listed, or an agent address (`%2F` for `/`).
fn target(raw: &str) -> Result<String, ApiError> {
    if let Some(id) = raw.strip_prefix("agt_") {
        if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Ok(raw.to_string());
        }
    }
    address::normalize(raw).map_err(|why| {
        ApiError::new(
            422,
            "invalid_agent_address",
            format!("{raw:?} is neither an address_id (agt_…) nor an agent address: {why}"),
        )
    })
}

fn window(query: &body::Query) -> Result<Window, ApiError> {
    match query
        .get("window")
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
    {
        None => Ok(Window::Day),
        Some(raw) => Window::parse(raw).ok_or_else(|| {
            ApiError::new(
                422,
                "validation_error",
                format!(
                    "query parameter `window` {raw:?} is not accepted; expected day, week or month"
                ),
            )
        }),
    }
}

fn not_found(target: &str) -> ApiError {
    ApiError::not_found(
        "agent_not_found",
        format!("no agent {target:?} in this organisation; agents appear when registered, addressed or heartbeating"),
    )
}

async fn write(
    state: &AppState,
    principal: &Principal,
    path: &str,
    headers: &HeaderMap,
    body: &Value,
    op: AgentsOp,
) -> Result<Response, ApiError> {
    let op = WriteOp::Agents(op);
    Ok(written(
        super::commit::commit(state, principal, "POST", path, headers, body, op).await?,
    ))
}

async fn heartbeat(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let metrics = mesh::heartbeat(&body)?;
    let op = AgentsOp::Heartbeat {
        org_id: principal.org_id.clone(),
        address: principal.default_from_agent(),
        metrics,
        thresholds: state.settings.agents.health,
    };
    write(
        &state,
        &principal,
        "/v1/mesh/heartbeat",
        &headers,
        &body,
        op,
    )
    .await
}

async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<body::Query>,
) -> Result<Response, ApiError> {
    let limit = body::int_param(&query, "limit", 100, 1, 1000)? as usize;
    let health = match query
        .get("health")
        .map(|h| h.trim())
        .filter(|h| !h.is_empty())
    {
        Some(h) if !HEALTH_VALUES.contains(&h) => {
            return Err(ApiError::new(
                422,
                "validation_error",
                format!(
                    "query parameter `health` {h:?} is not accepted; expected one of {}",
                    HEALTH_VALUES.join(", ")
                ),
            ))
        }
        other => other.map(str::to_string),
    };
    let read = AgentsRead::MeshList {
        org_id: principal.org_id,
        window: window(&query)?,
        health,
        limit,
        thresholds: state.settings.agents.health,
    };
    Ok(ok(state.store.agents_read(read).await?))
}

async fn get_one(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(raw): Path<String>,
    Query(query): Query<body::Query>,
) -> Result<Response, ApiError> {
    let read = AgentsRead::MeshGet {
        org_id: principal.org_id,
        target: target(&raw)?,
        window: window(&query)?,
        thresholds: state.settings.agents.health,
    };
    let found = state.store.agents_read(read).await?;
    if found.is_null() {
        return Err(not_found(&raw));
    }
    Ok(ok(found))
}

async fn switch(
    state: AppState,
    principal: Principal,
    raw: String,
    headers: HeaderMap,
    body: Value,
    kill: bool,
) -> Result<Response, ApiError> {
    require_admin(
        &state,
        &principal,
        if kill {
            "kill an agent"
        } else {
            "resume an agent"
        },
    )
    .await?;
    let (org_id, target, actor) = (
        principal.org_id.clone(),
        target(&raw)?,
        principal.default_from_agent(),
    );
    let (op, action) = match kill {
        true => (
            AgentsOp::Kill {
                org_id,
                target,
                actor,
            },
            "kill",
        ),
        false => (
            AgentsOp::Resume {
                org_id,
                target,
                actor,
            },
            "resume",
        ),
    };
    let path = format!("/v1/mesh/agents/{raw}/{action}");
    write(&state, &principal, &path, &headers, &body, op).await
}

async fn kill(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(raw): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    switch(state, principal, raw, headers, body, true).await
}

async fn resume(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(raw): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    switch(state, principal, raw, headers, body, false).await
}

async fn get_policy(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let read = AgentsRead::Policy {
        org_id: principal.org_id,
        target: target(&raw)?,
    };
    let found = state.store.agents_read(read).await?;
    if found.is_null() {
        return Err(not_found(&raw));
    }
    Ok(ok(found))
}

async fn set_policy(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(raw): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    require_admin(&state, &principal, "change a mesh policy").await?;
    let policy = mesh::policy(&body)?;
    let op = AgentsOp::SetPolicy {
        org_id: principal.org_id.clone(),
        target: target(&raw)?,
        policy,
        actor: principal.default_from_agent(),
    };
    let idempotency = idempotency::for_write(
        &principal,
        "PUT",
        &format!("/v1/mesh/agents/{raw}/policy"),
        &headers,
        &body,
    )?;
    let op = WriteOp::Agents(op);
    Ok(written(
        state.store.write(WriteRequest { op, idempotency }).await?,
    ))
}

async fn events(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<body::Query>,
) -> Result<Response, ApiError> {
    let limit = body::int_param(&query, "limit", 50, 1, 1000)? as usize;
    let event_type = query
        .get("event_type")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    if event_type.as_ref().is_some_and(|t| t.len() > 64) {
        return Err(ApiError::new(
            422,
            "validation_error",
            "query parameter `event_type` is longer than 64 characters",
        ));
    }
    let read = AgentsRead::MeshEvents {
        org_id: principal.org_id,
        limit,
        event_type,
    };
    Ok(ok(state.store.agents_read(read).await?))
}

/// After a create refused for a rate-limit breach (its transaction rolled back), records the
/// automatic block. A crash between the two leaves the agent unblocked, and its next intent over
/// the limit is refused and blocks it again.
pub async fn record_breach(state: &AppState, org_id: &str, refusal: &ApiError) {
    let Some(address) = refusal.details["address"].as_str() else {
        return;
    };
    let op = WriteOp::Agents(AgentsOp::Block {
        org_id: org_id.to_string(),
        address: address.to_string(),
        reason: refusal.details["reason"]
            .as_str()
            .unwrap_or("rate_limit")
            .to_string(),
        details: refusal.details.clone(),
    });
    if let Err(err) = state
        .store
        .write(WriteRequest {
            op,
            idempotency: None,
        })
        .await
    {
        tracing::warn!(error = %err, %address, "recording an automatic block failed");
    }
}
