//! The API's error model: every failure is an HTTP status, a stable `error.code`, a message that says
//! what was wrong and what is accepted, and optional details (wire facts §7 "Errors").

use serde_json::{json, Value};

use crate::domain::validate::Invalid;

/// An error the API answers with.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub details: Value,
    /// Extra response headers (for example `Retry-After` on 503).
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
            details: json!({}),
            headers: Vec::new(),
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    pub fn unauthorized(code: &str, message: impl Into<String>) -> Self {
        Self::new(401, code, message)
    }

    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::new(404, code, message)
    }

    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(409, code, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "internal_error", message)
    }

    pub fn intent_not_found(intent_id: &str) -> Self {
        Self::not_found(
            "intent_not_found",
            format!("no intent {intent_id:?} is visible to this credential"),
        )
    }

    /// The JSON body: `{"error":{"code","message","details"},"detail":"<message>"}`.
    pub fn body(&self) -> Value {
        json!({
            "error": {"code": self.code, "message": self.message, "details": self.details},
            "detail": self.message,
        })
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        let status = if invalid.code == "payload_too_large" {
            413
        } else {
            422
        };
        ApiError::new(status, invalid.code, invalid.message)
            .with_details(json!({"field": invalid.field}))
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        tracing::error!(error = %err, "storage error");
        ApiError::internal("the store failed to complete the request; it was not applied")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for ApiError {}
