//! Turning results into responses.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use crate::error::ApiError;
use crate::store::Written;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(self.body())).into_response();
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

/// A 200 whose JSON body is already text (a stored document answered without decoding it).
pub fn ok_json_text(body: String) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// A 200 with a JSON body.
pub fn ok(body: Value) -> Response {
    Json(body).into_response()
}

/// The response of a committed write; replays say so with `Idempotent-Replayed: true`.
pub fn written(written: Written) -> Response {
    let status = StatusCode::from_u16(written.status).unwrap_or(StatusCode::OK);
    let mut response = (status, Json(written.body)).into_response();
    if written.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}
