//! Webhook subscriptions (create or update, list, delete) and platform events (publish, replay), owner
//! scoped by `owner_agent` / `x-owner-agent` inside the credential's organisation.

pub(super) mod deliver;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{delete, post};
use axum::Router;
use serde_json::{json, Value};

use crate::domain::webhooks::{self, WebhooksOp};
use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::http::body::{self, JsonBody};
use crate::http::idempotency;
use crate::http::respond::{ok, written};
use crate::state::AppState;
use crate::store::{Principal, WriteOp, Written};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/webhooks/subscriptions", post(upsert).get(list))
        .route(
            "/v1/webhooks/subscriptions/{subscription_id}",
            delete(revoke),
        )
        .route("/v1/webhooks/events", post(publish))
        .route("/v1/webhooks/events/{event_id}/replay", post(replay))
}

async fn write(
    state: &AppState,
    principal: &Principal,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &Value,
    op: WebhooksOp,
) -> Result<Written, ApiError> {
    let op = WriteOp::Webhooks(op);
    crate::api::commit::commit(state, principal, method, path, headers, body, op).await
}

/// Ids are UUIDs; anything else cannot name a record.
fn uuid_or_404(raw: &str, code: &str, what: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| {
            ApiError::not_found(
                code,
                format!("no {what} {raw:?} is visible to this credential and owner"),
            )
        })
}

async fn upsert(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let owner = idempotency::owner_agent(&query, &headers)?;
    let subscription = webhooks::subscription(&body, owner)?;
    let op = WebhooksOp::Upsert {
        org_id: principal.org_id.clone(),
        subscription,
    };
    let done = write(
        &state,
        &principal,
        "POST",
        "/v1/webhooks/subscriptions",
        &headers,
        &body,
        op,
    )
    .await?;
    Ok(written(done))
}

async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let owner = idempotency::owner_agent(&query, &headers)?;
    let include_inactive = match query.get("include_inactive").map(|v| v.trim()) {
        None | Some("") | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(other) => {
            return Err(ApiError::new(
                422,
                "validation_error",
                format!("`include_inactive` must be true or false, got {other:?}"),
            )
            .with_details(json!({"parameter": "include_inactive"})))
        }
    };
    let subscriptions = state
        .store
        .list_webhook_subscriptions(principal.org_id, owner, include_inactive)
        .await?;
    Ok(ok(json!({"ok": true, "subscriptions": subscriptions})))
}

async fn revoke(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(raw): Path<String>,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let owner = idempotency::owner_agent(&query, &headers)?;
    let subscription_id = uuid_or_404(&raw, "subscription_not_found", "webhook subscription")?;
    let path = format!("/v1/webhooks/subscriptions/{subscription_id}");
    let op = WebhooksOp::Revoke {
        org_id: principal.org_id.clone(),
        subscription_id,
        owner_agent: owner,
    };
    let done = write(
        &state,
        &principal,
        "DELETE",
        &path,
        &headers,
        &json!({}),
        op,
    )
    .await?;
    Ok(written(done))
}

/// Sends what the write queued and folds the outcome into its answer (counts as they are now, also
/// for an idempotent replay of the publish).
async fn deliver_and_answer(
    state: &AppState,
    principal: &Principal,
    mut done: Written,
) -> Result<Response, ApiError> {
    let event_id = done.body["event_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (processed, counts) = deliver::run(state, &principal.org_id, &event_id).await?;
    done.body["processed_deliveries"] = json!(processed);
    done.body["delivered"] = json!(counts.delivered);
    done.body["pending"] = json!(counts.pending);
    done.body["dead_lettered"] = json!(counts.dead_lettered);
    Ok(written(done))
}

async fn publish(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let owner = idempotency::owner_agent(&query, &headers)?;
    let event = webhooks::event(&body, owner)?;
    let op = WebhooksOp::Publish {
        org_id: principal.org_id.clone(),
        event,
    };
    let done = write(
        &state,
        &principal,
        "POST",
        "/v1/webhooks/events",
        &headers,
        &body,
        op,
    )
    .await?;
    deliver_and_answer(&state, &principal, done).await
}

async fn replay(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(raw): Path<String>,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let owner = idempotency::owner_agent(&query, &headers)?;
    let event_id = uuid_or_404(&raw, "event_not_found", "webhook event")?;
    let path = format!("/v1/webhooks/events/{event_id}/replay");
    let op = WebhooksOp::Replay {
        org_id: principal.org_id.clone(),
        event_id,
        owner_agent: owner,
    };
    let done = write(&state, &principal, "POST", &path, &headers, &json!({}), op).await?;
    deliver_and_answer(&state, &principal, done).await
}
