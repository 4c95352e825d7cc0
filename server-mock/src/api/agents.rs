//! The agent registry: list, get, register with a delivery binding, and the dispatch of the
//! `/v1/agents/{address}/…` family (addresses may hold `/`, so it is one wildcard route whose
//! operations are told apart by the spec's path templates, exactly as the 501 fallback does).

use axum::extract::{Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{any, get};
use axum::{Extension, Router};
use rand::RngCore;
use serde_json::json;

use super::platform::{fallback, not_served};
use super::streams;
use crate::domain::agents::{self, DeliveryMode};
use crate::domain::{address, signature};
use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::http::body::{self, JsonBody};
use crate::http::idempotency;
use crate::http::respond::{ok, written};
use crate::sse::Framing;
use crate::state::AppState;
use crate::store::admin::AdminRead;
use crate::store::agents::{AgentsOp, AgentsRead};
use crate::store::{Principal, WriteOp, WriteRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/agents", get(list).post(register).fallback(fallback))
        .route("/v1/agents/{*rest}", any(dispatch))
}

const LISTEN: &str = "/v1/agents/{address}/intents/stream";
const ONE_AGENT: &str = "/v1/agents/{address}";

async fn dispatch(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    Query(query): Query<body::Query>,
    framing: Option<Extension<Framing>>,
    req: Request,
) -> Result<Response, ApiError> {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let template = crate::spec_routes::template(method.as_str(), &path);
    let (mut parts, _) = req.into_parts();
    let raw_address = match template.as_deref() {
        Some(LISTEN) => rest.strip_suffix("/intents/stream"),
        Some(ONE_AGENT) => Some(rest.as_str()),
        _ => None,
    };
    let Some(raw_address) = raw_address else {
        return Err(not_served(method.as_str(), &path));
    };
    let Auth(principal) =
        <Auth as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, &state)
            .await?;
    if template.as_deref() == Some(LISTEN) {
        let framing = framing.map(|f| f.0).unwrap_or_default();
        return streams::listen(
            state,
            principal,
            raw_address,
            &query,
            &parts.headers,
            framing,
        )
        .await;
    }
    let agent = address::normalize(raw_address)
        .map_err(|why| ApiError::new(422, "invalid_agent_address", why))?;
    let read = AgentsRead::Get {
        org_id: principal.org_id,
        address: agent.clone(),
    };
    let found = state.store.agents_read(read).await?;
    if found.is_null() {
        return Err(ApiError::not_found(
            "agent_not_found",
            format!("no agent {agent} in this organisation; agents appear when registered (POST /v1/agents) or first addressed"),
        ));
    }
    Ok(ok(json!({"ok": true, "agent": found})))
}

/// The address prefix of a workspace of the caller's organisation (`agent://org/workspace/`).
async fn workspace_prefix(
    state: &AppState,
    principal: &Principal,
    workspace: &str,
) -> Result<String, ApiError> {
    let read = AdminRead::Workspaces {
        org_id: principal.org_id.clone(),
    };
    let all = state.store.admin_read(read).await?;
    let found = all.as_array().into_iter().flatten().find(|w| {
        w["workspace_id"].as_str() == Some(workspace) || w["name"].as_str() == Some(workspace)
    });
    match found.and_then(|w| w["name"].as_str()) {
        Some(name) => Ok(format!("agent://{}/{name}/", principal.org_name)),
        None => Err(ApiError::not_found(
            "workspace_not_found",
            format!(
                "organisation {} has no workspace {workspace:?}",
                principal.org_name
            ),
        )),
    }
}

async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<body::Query>,
) -> Result<Response, ApiError> {
    let limit = body::int_param(&query, "limit", 100, 1, 500)? as usize;
    let given = |name: &str| query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    if let Some(org) = given("org_id") {
        if org != principal.org_id && org != principal.org_name {
            return Err(ApiError::not_found(
                "organization_not_found",
                format!("organisation {org:?} is not this credential's; agents are listed per organisation"),
            ));
        }
    }
    let workspace_prefix = match given("workspace_id") {
        Some(w) => Some(workspace_prefix(&state, &principal, w).await?),
        None => None,
    };
    let read = AgentsRead::List {
        org_id: principal.org_id,
        workspace_prefix,
        limit,
    };
    let agents = state.store.agents_read(read).await?;
    Ok(ok(json!({"ok": true, "agents": agents})))
}

async fn register(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let registration =
        agents::registration(&body, &state.settings.agents.callback_hosts).map_err(|invalid| {
            let mut err = ApiError::from(invalid);
            if err.code == "contradictory_fields" {
                err.status = 400;
            }
            err
        })?;
    let secret = (registration.mode == DeliveryMode::Http).then(|| {
        registration.secret.clone().unwrap_or_else(|| {
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            signature::secret_from_bytes(&key)
        })
    });
    let idempotency = idempotency::for_write(&principal, "POST", "/v1/agents", &headers, &body)?;
    let op = WriteOp::Agents(AgentsOp::Register {
        org_id: principal.org_id.clone(),
        actor: principal.default_from_agent(),
        registration,
        secret,
    });
    let result = state.store.write(WriteRequest { op, idempotency }).await?;
    Ok(written(result))
}

/// Why an agent is blocked (killed, or a policy breach), if it is.
pub(super) async fn blocked(
    state: &AppState,
    org_id: &str,
    agent: &str,
) -> Result<Option<String>, ApiError> {
    let read = AgentsRead::Blocked {
        org_id: org_id.to_string(),
        address: agent.to_string(),
    };
    Ok(state
        .store
        .agents_read(read)
        .await?
        .as_str()
        .map(str::to_string))
}

/// Refuses to deliver to a killed or blocked agent (403 `agent_killed` / `agent_blocked`).
pub(super) async fn refuse_blocked(
    state: &AppState,
    org_id: &str,
    agent: &str,
) -> Result<(), ApiError> {
    let Some(reason) = blocked(state, org_id, agent).await? else {
        return Ok(());
    };
    Err(ApiError::new(
        403,
        if reason == "killed" { "agent_killed" } else { "agent_blocked" },
        format!("agent {agent} is {reason}; it receives nothing until POST /v1/mesh/agents/{{address_id}}/resume"),
    )
    .with_details(json!({"address": agent, "reason": reason})))
}
