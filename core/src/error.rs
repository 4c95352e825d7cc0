//! The one error type of the client engine, and its flat form for the waist ([`ErrorRecord`]).
//!
//! Every binding maps [`ErrorKind`] to its own exception classes (by kind alone; the mapping is
//! generated per language) and the conformance drivers report [`ErrorKind::as_str`], so the kinds
//! and their snake_case names are a stable contract: add kinds, never rename them. The payload
//! (status, code, message, body, request id, trace id, retry-after) is what the public SDKs put on
//! their HTTP errors; it is boxed so `Result<T, Error>` stays small.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// The stable category of an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ErrorKind {
    /// The caller passed something unusable; caught before any request was sent.
    InvalidArgument,
    /// 401 or 403: missing, invalid or insufficient credentials.
    Auth,
    /// 400, 413, 422 (and other unclassified 4xx): the server rejected the input.
    Validation,
    /// 409: idempotency key reuse, second terminal transition, invalid transition.
    Conflict,
    /// 404: unknown resource or route.
    NotFound,
    /// 429: rate limited or over quota.
    RateLimit,
    /// 5xx: the server failed.
    Server,
    /// A deadline passed: request timeout (or 408), `wait_for`/`observe` deadline.
    Timeout,
    /// The connection could not be made or broke before a full response arrived.
    Connection,
    /// The server answered something the client cannot understand (bad JSON, bad SSE, limits).
    Protocol,
    /// A JSON-RPC error from the MCP endpoint.
    Mcp,
    /// The caller cancelled the call (its cancellation token, or closing the client); the
    /// request in flight was abandoned and its connection closed.
    Canceled,
    /// A defect inside the client engine (a panic caught at the waist); never the caller's or
    /// the server's fault.
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::InvalidArgument,
        ErrorKind::Auth,
        ErrorKind::Validation,
        ErrorKind::Conflict,
        ErrorKind::NotFound,
        ErrorKind::RateLimit,
        ErrorKind::Server,
        ErrorKind::Timeout,
        ErrorKind::Connection,
        ErrorKind::Protocol,
        ErrorKind::Mcp,
        ErrorKind::Canceled,
        ErrorKind::Internal,
    ];

    /// The snake_case name bindings and conformance drivers report.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Auth => "auth",
            ErrorKind::Validation => "validation",
            ErrorKind::Conflict => "conflict",
            ErrorKind::NotFound => "not_found",
            ErrorKind::RateLimit => "rate_limit",
            ErrorKind::Server => "server",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connection => "connection",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Mcp => "mcp",
            ErrorKind::Canceled => "canceled",
            ErrorKind::Internal => "internal",
        }
    }

    /// The kind for an HTTP error status.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            401 | 403 => ErrorKind::Auth,
            404 => ErrorKind::NotFound,
            408 => ErrorKind::Timeout,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimit,
            400..=499 => ErrorKind::Validation,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Protocol,
        }
    }
}

/// Whether an HTTP status is worth retrying: 408, 429, 5xx except 501. 409 is not, unless the
/// server sends `x-should-retry: true` (`crate::retry::should_retry_header`).
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429) || (500..=599).contains(&status) && status != 501
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Response metadata an HTTP error is built from (headers already parsed by the transport).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseMeta {
    /// `x-request-id` or `request-id`.
    pub request_id: Option<String>,
    /// `retry-after-ms` / `Retry-After`, uncapped.
    pub retry_after: Option<Duration>,
    /// `x-should-retry: true|false`.
    pub should_retry: Option<bool>,
}

#[derive(Debug, Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    code: Option<String>,
    body: Option<Value>,
    request_id: Option<String>,
    trace_id: Option<String>,
    retry_after: Option<Duration>,
    should_retry: Option<bool>,
}

/// An error from the client engine. Cheap to move (one pointer); clone when needed.
#[derive(Debug, Clone)]
pub struct Error(Box<Inner>);

impl Error {
    /// A new error of `kind` with `message` and no HTTP details.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(Inner {
            kind,
            message: message.into(),
            status: None,
            code: None,
            body: None,
            request_id: None,
            trace_id: None,
            retry_after: None,
            should_retry: None,
        }))
    }

    /// An [`ErrorKind::InvalidArgument`] error.
    pub fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// An [`ErrorKind::Protocol`] error.
    pub fn protocol(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Protocol, message)
    }

    /// An [`ErrorKind::Canceled`] error: the caller cancelled the call.
    pub fn canceled() -> Error {
        Error::new(ErrorKind::Canceled, "the call was cancelled")
    }

    /// An error for a non-2xx HTTP response: kind from the status, code and message from the body.
    pub fn from_response(status: u16, meta: ResponseMeta, raw_body: &[u8]) -> Error {
        let text = String::from_utf8_lossy(raw_body);
        let body = serde_json::from_slice::<Value>(raw_body).ok();
        let code = body.as_ref().and_then(extract_code);
        let message = body.as_ref().and_then(extract_message).unwrap_or_else(|| {
            let t = text.trim();
            if t.is_empty() {
                format!("HTTP {status}")
            } else {
                t.to_string()
            }
        });
        let body = body.or_else(|| (!text.is_empty()).then(|| Value::String(text.into_owned())));
        let mut e = Error::new(ErrorKind::from_status(status), message);
        e.0.status = Some(status);
        e.0.code = code;
        e.0.body = body;
        e.0.request_id = meta.request_id;
        e.0.retry_after = meta.retry_after;
        e.0.should_retry = meta.should_retry;
        e
    }

    /// Attach the trace id of the request that failed.
    pub fn with_trace_id(mut self, trace_id: Option<String>) -> Error {
        if trace_id.is_some() {
            self.0.trace_id = trace_id;
        }
        self
    }

    /// Attach a machine-readable code.
    pub fn with_code(mut self, code: impl Into<String>) -> Error {
        self.0.code = Some(code.into());
        self
    }

    /// Attach a body (e.g. a JSON-RPC error object).
    pub fn with_body(mut self, body: Value) -> Error {
        self.0.body = Some(body);
        self
    }

    /// Attach how long the server asked to wait before another attempt.
    pub(crate) fn with_retry_after(mut self, wait: Option<Duration>) -> Error {
        self.0.retry_after = wait;
        self
    }

    /// Attach an HTTP-equivalent status (MCP errors carry the status their JSON-RPC code maps to).
    pub(crate) fn with_status(mut self, status: u16) -> Error {
        self.0.status = Some(status);
        self
    }

    /// Attach the server's request id.
    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Error {
        if request_id.is_some() {
            self.0.request_id = request_id;
        }
        self
    }

    /// Override [`Error::is_retryable`].
    pub(crate) fn with_should_retry(mut self, flag: bool) -> Error {
        self.0.should_retry = Some(flag);
        self
    }

    /// The stable category.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }
    /// Human-readable message (never contains credentials).
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }
    /// Machine-readable code: body `error.code`, or `error` when it is a string.
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    /// Response body: JSON when it parsed, else the raw text as a JSON string.
    pub fn body(&self) -> Option<&Value> {
        self.0.body.as_ref()
    }
    /// Server request id (`x-request-id` / `request-id`).
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The `X-Trace-Id` the request was sent with.
    pub fn trace_id(&self) -> Option<&str> {
        self.0.trace_id.as_deref()
    }
    /// How long the server asked the client to wait (`Retry-After` / `retry-after-ms`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// Whether repeating the same request could succeed: connection errors, timeouts, 408, 429,
    /// 5xx except 501; 409 only when the server says so. `x-should-retry` overrides the rest.
    pub fn is_retryable(&self) -> bool {
        if let Some(flag) = self.0.should_retry {
            return flag;
        }
        match (self.0.kind, self.0.status) {
            (ErrorKind::Connection | ErrorKind::Timeout, None) => true,
            (_, Some(status)) => is_retryable_status(status),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.kind, self.0.message)?;
        let mut extras = Vec::new();
        if let Some(s) = self.0.status {
            extras.push(format!("status {s}"));
        }
        if let Some(c) = &self.0.code {
            extras.push(format!("code {c}"));
        }
        if let Some(r) = &self.0.request_id {
            extras.push(format!("request_id {r}"));
        }
        if !extras.is_empty() {
            write!(f, " ({})", extras.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// An [`Error`] as one flat record with every field: what crosses the waist to every binding,
/// which picks its error class by `kind` alone.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ErrorRecord {
    /// The stable category ([`ErrorKind::as_str`] in JSON).
    #[serde(serialize_with = "kind_name")]
    pub kind: ErrorKind,
    /// Human-readable message (never contains credentials).
    pub message: String,
    /// HTTP status, when the error came from a response (MCP errors: the status the public SDKs
    /// map the JSON-RPC code to).
    pub status: Option<u16>,
    /// Machine-readable code: the body's `error.code`, or the JSON-RPC code.
    pub code: Option<String>,
    /// The response body as JSON text (a JSON string when the body was not JSON).
    pub body: Option<String>,
    /// The server's request id.
    pub request_id: Option<String>,
    /// The `X-Trace-Id` the failed request carried.
    pub trace_id: Option<String>,
    /// How long the server asked to wait before another attempt, in seconds.
    pub retry_after_seconds: Option<f64>,
    /// Whether repeating the same request could succeed.
    pub retryable: bool,
}

fn kind_name<S: serde::Serializer>(kind: &ErrorKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.as_str())
}

impl From<&Error> for ErrorRecord {
    fn from(e: &Error) -> ErrorRecord {
        ErrorRecord {
            kind: e.kind(),
            message: e.message().to_string(),
            status: e.status(),
            code: e.code().map(str::to_string),
            body: e.body().map(Value::to_string),
            request_id: e.request_id().map(str::to_string),
            trace_id: e.trace_id().map(str::to_string),
            retry_after_seconds: e.retry_after().map(|d| d.as_secs_f64()),
            retryable: e.is_retryable(),
        }
    }
}

impl From<Error> for ErrorRecord {
    fn from(e: Error) -> ErrorRecord {
        ErrorRecord::from(&e)
    }
}

impl ErrorRecord {
    /// The record as a JSON object (`kind` as its snake_case name).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

/// `error.code`, or `error` itself when it is a string.
fn extract_code(body: &Value) -> Option<String> {
    match body.get("error")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("code")?.as_str().map(str::to_string),
        _ => None,
    }
}

/// `error` (string) → `error.message` → `message` → `detail` (string).
fn extract_message(body: &Value) -> Option<String> {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    s(body.get("error"))
        .or_else(|| s(body.get("error").and_then(|e| e.get("message"))))
        .or_else(|| s(body.get("message")))
        .or_else(|| s(body.get("detail")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resp(status: u16, body: &str) -> Error {
        Error::from_response(status, ResponseMeta::default(), body.as_bytes())
    }

    #[test]
    fn status_maps_to_kind() {
        let cases = [
            (400, ErrorKind::Validation),
            (413, ErrorKind::Validation),
            (422, ErrorKind::Validation),
            (401, ErrorKind::Auth),
            (403, ErrorKind::Auth),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Conflict),
            (429, ErrorKind::RateLimit),
            (500, ErrorKind::Server),
            (501, ErrorKind::Server),
            (503, ErrorKind::Server),
            (408, ErrorKind::Timeout),
        ];
        for (status, kind) in cases {
            assert_eq!(ErrorKind::from_status(status), kind, "{status}");
        }
    }

    #[test]
    fn every_kind_is_listed_once_with_a_distinct_name() {
        let names: std::collections::HashSet<_> =
            ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), ErrorKind::ALL.len());
        assert_eq!(ErrorKind::ALL.len(), 13);
    }

    #[test]
    fn records_carry_every_field() {
        let meta = ResponseMeta {
            request_id: Some("req-9".into()),
            retry_after: Some(Duration::from_millis(1500)),
            should_retry: None,
        };
        let e = Error::from_response(429, meta, br#"{"error":{"code":"slow","message":"m"}}"#)
            .with_trace_id(Some("t".into()));
        let r = ErrorRecord::from(&e);
        assert_eq!(r.kind, ErrorKind::RateLimit);
        assert_eq!((r.status, r.code.as_deref()), (Some(429), Some("slow")));
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"error":{"code":"slow","message":"m"}}"#)
        );
        assert_eq!(
            (r.request_id.as_deref(), r.trace_id.as_deref()),
            (Some("req-9"), Some("t"))
        );
        assert_eq!(r.retry_after_seconds, Some(1.5));
        assert!(r.retryable);
        let json: Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["kind"], "rate_limit");
        assert_eq!(
            ErrorRecord::from(Error::canceled()).kind,
            ErrorKind::Canceled
        );
    }

    #[test]
    fn kind_names_are_stable() {
        assert_eq!(ErrorKind::InvalidArgument.as_str(), "invalid_argument");
        assert_eq!(ErrorKind::RateLimit.as_str(), "rate_limit");
        assert_eq!(ErrorKind::NotFound.to_string(), "not_found");
        assert_eq!(ErrorKind::Mcp.as_str(), "mcp");
    }

    #[test]
    fn message_and_code_extraction_order() {
        let e = resp(404, r#"{"error":"not_found","message":"m","detail":"d"}"#);
        assert_eq!((e.code(), e.message()), (Some("not_found"), "not_found"));
        let e = resp(409, r#"{"error":{"code":"c","message":"em"},"detail":"d"}"#);
        assert_eq!((e.code(), e.message()), (Some("c"), "em"));
        let e = resp(400, r#"{"message":"m","detail":"d"}"#);
        assert_eq!((e.code(), e.message()), (None, "m"));
        let e = resp(409, r#"{"detail":"idempotency key reused"}"#);
        assert_eq!(e.message(), "idempotency key reused");
        let e = resp(422, r#"{"detail":[{"loc":["body"],"msg":"x"}]}"#);
        assert_eq!(e.message(), r#"{"detail":[{"loc":["body"],"msg":"x"}]}"#);
        assert_eq!(
            e.body(),
            Some(&json!({"detail":[{"loc":["body"],"msg":"x"}]}))
        );
        let e = resp(502, "bad gateway");
        assert_eq!(e.message(), "bad gateway");
        assert_eq!(e.body(), Some(&json!("bad gateway")));
        let e = resp(500, "");
        assert_eq!(e.message(), "HTTP 500");
        assert_eq!(e.body(), None);
    }

    #[test]
    fn retryability() {
        assert!(resp(503, "").is_retryable());
        assert!(resp(429, "").is_retryable());
        assert!(resp(408, "").is_retryable());
        assert!(!resp(501, "").is_retryable());
        assert!(!resp(409, "").is_retryable());
        assert!(!resp(400, "").is_retryable());
        let meta = |flag| ResponseMeta {
            should_retry: Some(flag),
            ..ResponseMeta::default()
        };
        assert!(Error::from_response(409, meta(true), b"").is_retryable());
        assert!(!Error::from_response(503, meta(false), b"").is_retryable());
        assert!(Error::new(ErrorKind::Connection, "refused").is_retryable());
        assert!(Error::new(ErrorKind::Timeout, "slow").is_retryable());
        assert!(!Error::invalid_argument("x").is_retryable());
    }

    #[test]
    fn metadata_is_kept_and_displayed() {
        let meta = ResponseMeta {
            request_id: Some("req-1".into()),
            retry_after: Some(Duration::from_secs(3)),
            should_retry: None,
        };
        let e = Error::from_response(
            429,
            meta,
            br#"{"error":{"code":"rate_limited","message":"slow down"}}"#,
        )
        .with_trace_id(Some("t-1".into()));
        assert_eq!(e.request_id(), Some("req-1"));
        assert_eq!(e.trace_id(), Some("t-1"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(
            e.to_string(),
            "rate_limit: slow down (status 429, code rate_limited, request_id req-1)"
        );
        assert!(std::mem::size_of::<Result<(), Error>>() <= 16);
    }
}
