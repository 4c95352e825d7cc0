//! Invites: create (owner), read (anyone holding the token), accept (with a nick).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::domain::invites::{self, InvitesOp};
use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::http::body::JsonBody;
use crate::http::idempotency;
use crate::http::links::base_url;
use crate::http::respond::{ok, written};
use crate::state::AppState;
use crate::store::{WriteOp, WriteRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/invites/create", post(create))
        .route("/v1/invites/{token}", get(read))
        .route("/v1/invites/{token}/accept", post(accept))
}

/// Adds the link a recipient opens (it is built per request, so replays carry the current host).
fn with_link(mut body: Value, headers: &HeaderMap) -> Value {
    if let Some(token) = body["token"].as_str() {
        body["invite_url"] = json!(format!("{}/v1/invites/{token}", base_url(headers)));
    }
    body
}

fn not_found() -> ApiError {
    ApiError::not_found(
        "invite_not_found",
        "no invite has this token; check the link, or ask for a new invite",
    )
}

async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let invite = invites::new_invite(&body)?;
    let idempotency =
        idempotency::for_write(&principal, "POST", "/v1/invites/create", &headers, &body)?;
    let op = WriteOp::Invites(InvitesOp::Create {
        org_id: principal.org_id,
        token: invites::new_token(),
        invite,
    });
    let mut done = state.store.write(WriteRequest { op, idempotency }).await?;
    done.body = with_link(done.body, &headers);
    Ok(written(done))
}

/// No credential needed: the token is the capability (spec: `security` allows none).
async fn read(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !invites::plausible_token(&token) {
        return Err(not_found());
    }
    let invite = state.store.get_invite(token).await?.ok_or_else(not_found)?;
    Ok(ok(with_link(invite, &headers)))
}

async fn accept(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(token): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    if !invites::plausible_token(&token) {
        return Err(not_found());
    }
    let acceptance = invites::acceptance(&body)?;
    let path = format!("/v1/invites/{token}/accept");
    let idempotency = idempotency::for_write(&principal, "POST", &path, &headers, &body)?;
    let op = WriteOp::Invites(InvitesOp::Accept {
        org_id: principal.org_id.clone(),
        org_name: principal.org_name,
        token,
        acceptance,
    });
    let mut done = state.store.write(WriteRequest { op, idempotency }).await?;
    if let (Some(event_id), false) = (done.body["webhook_event_id"].as_str(), done.replayed) {
        // The acceptance is committed; a delivery that fails stays pending for a replay.
        if let Err(err) = super::webhooks::deliver::run(&state, &principal.org_id, event_id).await {
            tracing::warn!(error = %err, "invite.accepted webhook deliveries were not attempted");
        }
    }
    done.body = with_link(done.body, &headers);
    Ok(written(done))
}
