//! The control API under `/_faults` (spec/faults.md). It has no credentials of its own: it exists only
//! on a server started with `--faults`, which is for tests on loopback.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::http::body::JsonBody;
use crate::http::respond::ok;
use crate::state::AppState;
use crate::store::sqlite::credentials::key_digest;
use crate::store::{WriteOp, WriteRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_faults/credentials", post(create_credential))
        .route(
            "/_faults/credentials/{credential_id}/rules",
            post(add_rules).delete(clear_rules),
        )
        .route(
            "/_faults/credentials/{credential_id}/requests",
            get(requests),
        )
}

fn faults(state: &AppState) -> Result<&std::sync::Arc<super::Faults>, ApiError> {
    state.faults.as_ref().ok_or_else(|| {
        ApiError::not_found(
            "route_not_found",
            "fault injection is off (start the server with --faults)",
        )
    })
}

async fn create_credential(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let faults = faults(&state)?;
    let label = body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("case")
        .to_string();
    let written = state
        .store
        .write(WriteRequest {
            op: WriteOp::CreateCredential { label },
            idempotency: None,
        })
        .await?;
    let credential_id = written.body["credential_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let api_key = written.body["api_key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    faults.register(&credential_id, &key_digest(&api_key));
    Ok(ok(written.body))
}

fn credential(
    state: &AppState,
    id: &str,
) -> Result<std::sync::Arc<std::sync::Mutex<super::CredentialFaults>>, ApiError> {
    faults(state)?.by_id(id).ok_or_else(|| {
        ApiError::not_found(
            "not_found",
            format!("no fault credential {id:?}; create one with POST /_faults/credentials"),
        )
    })
}

async fn add_rules(
    State(state): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let credential = credential(&state, &id)?;
    let rules = super::parse_rules(&body)?;
    let rule_ids = credential.lock().expect("faults lock").add_rules(rules);
    Ok(ok(json!({"ok": true, "rule_ids": rule_ids})))
}

async fn clear_rules(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let cleared = credential(&state, &id)?
        .lock()
        .expect("faults lock")
        .clear_rules();
    Ok(ok(json!({"ok": true, "cleared": cleared})))
}

async fn requests(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let requests = credential(&state, &id)?
        .lock()
        .expect("faults lock")
        .requests();
    Ok(ok(json!({"requests": requests})))
}
