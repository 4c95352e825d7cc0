//! Scenario bundles: `POST /v1/scenarios/validate` (a dry run listing every problem with its field
//! path) and `POST /v1/scenarios/apply` (start the bundle's workflow). Apply is idempotent by the
//! bundle's `idempotency_key` (or the `Idempotency-Key` header, which the upstream SDKs copy into the
//! bundle): the same key answers the first start again with `idempotent: true`.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::domain::scenarios::{self, BundleError};
use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::http::body::JsonBody;
use crate::http::respond::{ok, written};
use crate::state::AppState;
use crate::store::humans::ScenariosOp;
use crate::store::{WriteOp, WriteRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/scenarios/validate", post(validate))
        .route("/v1/scenarios/apply", post(apply))
}

fn steps_of(plan: &scenarios::Plan) -> Vec<Value> {
    plan.steps
        .iter()
        .map(|s| json!({"step_id": s.step_id, "kind": s.kind_name()}))
        .collect()
}

async fn validate(Auth(_principal): Auth, JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    Ok(ok(match scenarios::compile(&body) {
        Ok(plan) => json!({
            "ok": true, "valid": true, "errors": [], "scenario_id": plan.scenario_id,
            "intent_type": plan.intent.intent_type, "steps": steps_of(&plan),
        }),
        Err(errors) => json!({"ok": true, "valid": false, "errors": errors}),
    }))
}

fn invalid_bundle(errors: Vec<BundleError>) -> ApiError {
    let first = errors
        .first()
        .map(|e| format!("{}: {}", e.path, e.message))
        .unwrap_or_default();
    ApiError::new(
        422,
        "invalid_bundle",
        format!("the bundle has {} problem(s), first {first}; POST /v1/scenarios/validate lists them all", errors.len()),
    )
    .with_details(json!({"errors": errors}))
}

async fn apply(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let mut plan = scenarios::compile(&body).map_err(invalid_bundle)?;
    let header = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or_default().trim().to_string());
    match (&header, &plan.idempotency_key) {
        (Some(h), _) if h.is_empty() || h.len() > 255 => {
            return Err(ApiError::bad_request(
                "invalid_idempotency_key",
                "`Idempotency-Key` must be 1 to 255 visible ASCII characters",
            ))
        }
        (Some(h), Some(b)) if h != b => {
            return Err(ApiError::bad_request(
                "idempotency_key_mismatch",
                format!("header Idempotency-Key ({h}) differs from the bundle's idempotency_key ({b}); send one, or the same in both"),
            ))
        }
        (Some(h), None) => plan.idempotency_key = Some(h.clone()),
        _ => {}
    }
    // The key itself is not part of what it names.
    let mut named = body.clone();
    if let Some(map) = named.as_object_mut() {
        map.remove("idempotency_key");
    }
    let fingerprint = hex::encode(Sha256::digest(named.to_string().as_bytes()));
    let op = WriteOp::Scenarios(ScenariosOp::Apply {
        principal,
        plan: Box::new(plan),
        fingerprint,
    });
    let result = state
        .store
        .write(WriteRequest {
            op,
            idempotency: None,
        })
        .await?;
    let replayed = result.body["idempotent"] == json!(true);
    let mut response = written(result);
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}
