//! Every error the server sends is the JSON error body of the spec, from whatever layer it comes:
//! a path that does not decode to UTF-8 is refused here before routing, and an error response some
//! layer produced without a JSON body (an extractor's plain-text rejection) is rewritten.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Longest plain-text error body carried over into the JSON message.
const MAX_CARRIED: usize = 2048;

/// Whether the percent-decoded path is UTF-8 (path parameters are strings).
pub fn path_is_utf8(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                decoded.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded).is_ok()
}

fn code_for(status: u16) -> &'static str {
    match status {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "validation_error",
        429 => "rate_limited",
        501 => "not_implemented",
        503 => "unavailable",
        _ => "internal_error",
    }
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|media| media == "application/json" || media.ends_with("+json"))
}

pub async fn layer(req: Request, next: Next) -> Response {
    if !path_is_utf8(req.uri().path()) {
        return ApiError::bad_request(
            "invalid_path",
            "the request path does not decode to UTF-8; percent-encode UTF-8 text in path parameters",
        )
        .into_response();
    }
    let head = req.method() == Method::HEAD;
    let response = next.run(req).await;
    let status = response.status().as_u16();
    if status < 400 || head || is_json(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_CARRIED)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() {
        parts
            .status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_string()
    } else {
        text
    };
    let error = ApiError::new(status, code_for(status), message);
    let body = serde_json::to_vec(&error.body()).unwrap_or_default();
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.insert(
        CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_paths() {
        assert!(path_is_utf8("/v1/intents/abc"));
        assert!(path_is_utf8("/v1/agents/acme%2Fprod/%C3%A9"));
        assert!(path_is_utf8("/v1/x/100%"));
        assert!(!path_is_utf8("/v1/intents/%FF%FE"));
        assert!(!path_is_utf8("/v1/intents/%C3"));
    }
}
