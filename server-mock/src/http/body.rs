//! Request bodies and query parameters, parsed with messages that say what is accepted.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde_json::Value;

use crate::domain::status::Status;
use crate::error::ApiError;
use crate::state::AppState;

/// Largest request body read at all; the intent payload has its own, smaller limit.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON body already read and parsed by the request validation layer.
#[derive(Clone, Debug)]
pub struct ParsedJson(pub Value);

/// A JSON request body. An empty body counts as `{}` (several upstream clients POST without one).
#[derive(Clone, Debug)]
pub struct JsonBody(pub Value);

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(mut req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(ParsedJson(value)) = req.extensions_mut().remove::<ParsedJson>() {
            return Ok(JsonBody(value));
        }
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|err| {
                super::limits::read_error(&err, state.settings.read_timeout, MAX_BODY_BYTES)
            })?;
        parse_json(&bytes).map(JsonBody)
    }
}

pub fn parse_json(bytes: &Bytes) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(
            "invalid_json",
            format!("the request body is not valid JSON ({e}); send a JSON object"),
        )
    })
}

/// Query parameters by name (the last value wins).
pub type Query = HashMap<String, String>;

fn bad_param(name: &str, message: String) -> ApiError {
    ApiError::new(422, "validation_error", message)
        .with_details(serde_json::json!({"parameter": name}))
}

/// An integer parameter within bounds, or its default.
pub fn int_param(
    query: &Query,
    name: &str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ApiError> {
    match query.get(name).map(|v| v.trim()) {
        None | Some("") => Ok(default),
        Some(raw) => match raw.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(bad_param(
                name,
                format!(
                    "query parameter `{name}` must be an integer from {min} to {max}, got {raw:?}"
                ),
            )),
        },
    }
}

/// A comma-separated list of statuses (`status=WAITING,IN_PROGRESS`).
pub fn statuses_param(query: &Query, name: &str) -> Result<Option<Vec<Status>>, ApiError> {
    let Some(raw) = query.get(name).filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    raw.split(',')
        .map(|part| {
            Status::parse(part).ok_or_else(|| {
                ApiError::new(
                    422,
                    "invalid_status",
                    format!(
                        "`{name}` has unknown status {:?}; accepted: {}",
                        part.trim(),
                        Status::accepted_names()
                    ),
                )
                .with_details(serde_json::json!({"parameter": name}))
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
