//! The schema registry: upsert a JSON Schema for a semantic type, read it back.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use crate::domain::schemas::{self, SchemasOp};
use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::http::body::JsonBody;
use crate::http::idempotency;
use crate::http::respond::{ok, written};
use crate::state::AppState;
use crate::store::{WriteOp, WriteRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/schemas", post(upsert))
        .route("/v1/schemas/{semantic_type}", get(read))
}

async fn upsert(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let upsert = schemas::upsert(&body)?;
    let idempotency = idempotency::for_write(&principal, "POST", "/v1/schemas", &headers, &body)?;
    let op = WriteOp::Schemas(SchemasOp::Upsert {
        org_id: principal.org_id,
        upsert,
    });
    Ok(written(
        state.store.write(WriteRequest { op, idempotency }).await?,
    ))
}

async fn read(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(semantic_type): Path<String>,
) -> Result<Response, ApiError> {
    let schema = state
        .store
        .get_schema(principal.org_id, semantic_type.clone())
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "schema_not_found",
                format!("no schema is registered for {semantic_type:?} in this organisation; register one with POST /v1/schemas"),
            )
        })?;
    Ok(ok(json!({"ok": true, "schema": schema})))
}
