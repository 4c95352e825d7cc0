//! The one way a handler commits a write: under the request's `Idempotency-Key` (when it has one),
//! through the store's single writer, answered only once durable.

use axum::http::HeaderMap;
use serde_json::Value;

use crate::error::ApiError;
use crate::http::idempotency;
use crate::state::AppState;
use crate::store::{Principal, WriteOp, WriteRequest, Written};

pub(crate) async fn commit(
    state: &AppState,
    principal: &Principal,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &Value,
    op: WriteOp,
) -> Result<Written, ApiError> {
    let idempotency = idempotency::for_write(principal, method, path, headers, body)?;
    state.store.write(WriteRequest { op, idempotency }).await
}
