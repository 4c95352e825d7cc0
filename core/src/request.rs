//! Turning an operation descriptor plus JSON arguments into a concrete request, without I/O.
//!
//! Kept apart from the transport so the rules (which argument goes where, percent-encoding,
//! per-call options, idempotency and trace ids) are unit-tested without a server. Every
//! argument is checked here, so a bad call is an `invalid_argument` before any request.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::config::ResolvedConfig;
use crate::error::Error;
use crate::operations::{HttpMethod, OperationDescriptor};

/// Per-call options every operation accepts (besides its own parameters and `body`).
pub const CALL_OPTIONS: &[&str] = &["idempotency_key", "trace_id", "authorization", "timeout"];

/// A request ready to send (the transport adds credentials and `X-Axme-Client`).
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedRequest {
    /// Operation id, for logs and spans.
    pub op_id: &'static str,
    /// HTTP method.
    pub method: HttpMethod,
    /// Encoded path and query, e.g. `/v1/intents/a%20b/events?since=3`.
    pub path_and_query: String,
    /// Request-specific headers (trace, idempotency, correlation, owner, authorization override).
    pub headers: Vec<(&'static str, String)>,
    /// JSON body, serialised.
    pub body: Option<Vec<u8>>,
    /// Per-call timeout overriding the configured one.
    pub timeout: Option<Duration>,
    /// The `X-Trace-Id` sent, if any.
    pub trace_id: Option<String>,
    /// The `Idempotency-Key` sent on every attempt, if any.
    pub idempotency_key: Option<String>,
    /// Whether the request may be repeated: reads always, writes only with an idempotency key.
    pub retry_safe: bool,
}

/// Build the request for `op` from `args` (a JSON object or null).
pub fn prepare(
    op: &OperationDescriptor,
    args: &Value,
    cfg: &ResolvedConfig,
) -> Result<PreparedRequest, Error> {
    let empty = Map::new();
    let args = match args {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => {
            return Err(Error::invalid_argument(format!(
                "{}: args must be a JSON object",
                op.id
            )))
        }
    };
    for name in args.keys() {
        let known = op.path_params.contains(&name.as_str())
            || op.query_params.contains(&name.as_str())
            || op.header_params.iter().any(|h| h.arg == name)
            || CALL_OPTIONS.contains(&name.as_str())
            || name == "body";
        if !known {
            return Err(Error::invalid_argument(format!(
                "{} does not take argument {name:?}",
                op.id
            )));
        }
    }
    let mut path = expand_path(op, args)?;
    let mut query = Vec::new();
    for &name in op.query_params {
        let value = match args.get(name) {
            Some(v) if !v.is_null() => Some(scalar_list(op.id, name, v)?),
            _ if name == "owner_agent" => cfg.default_owner_agent.clone(),
            _ => None,
        };
        if let Some(v) = value {
            query.push(format!("{}={}", encode(name, false), encode(&v, false)));
        }
    }
    if !query.is_empty() {
        path.push('?');
        path.push_str(&query.join("&"));
    }

    let mut headers = Vec::new();
    let text = |name: &str| -> Result<Option<String>, Error> {
        match args.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if header_safe(s) => Ok(Some(s.clone())),
            Some(_) => Err(Error::invalid_argument(format!(
                "{}: {name} must be a non-empty string of printable ASCII",
                op.id
            ))),
        }
    };
    for h in op.header_params {
        if let Some(v) = text(h.arg)? {
            headers.push((h.header, v));
        }
    }
    if let Some(auth) = text("authorization")? {
        headers.push(("authorization", auth));
    }
    let trace_id = text("trace_id")?.or_else(|| cfg.auto_trace_id.then(new_id));
    if let Some(t) = &trace_id {
        headers.push(("x-trace-id", t.clone()));
        headers.push(("traceparent", traceparent(t)));
    }
    let idempotency_key =
        text("idempotency_key")?.or_else(|| (op.writes && cfg.auto_idempotency_key).then(new_id));
    if let Some(k) = &idempotency_key {
        headers.push(("idempotency-key", k.clone()));
    }
    let body = args.get("body").filter(|b| !b.is_null());
    if let Some(Value::String(c)) = body.and_then(|b| b.get("correlation_id")) {
        if header_safe(c) {
            headers.push(("x-correlation-id", c.clone()));
        }
    }
    let timeout = match args.get("timeout") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_f64() {
            Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Some(Duration::from_secs_f64(s)),
            _ => {
                return Err(Error::invalid_argument(format!(
                    "{}: timeout must be seconds > 0",
                    op.id
                )))
            }
        },
    };
    Ok(PreparedRequest {
        op_id: op.id,
        method: op.method,
        path_and_query: path,
        headers,
        body: body.map(|b| serde_json::to_vec(b).unwrap_or_default()),
        timeout,
        retry_safe: !op.writes || idempotency_key.is_some(),
        trace_id,
        idempotency_key,
    })
}

fn expand_path(op: &OperationDescriptor, args: &Map<String, Value>) -> Result<String, Error> {
    let mut path = op.path_template.to_string();
    for &name in op.path_params {
        let raw = match args.get(name) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            None | Some(Value::Null) => {
                return Err(Error::invalid_argument(format!(
                    "{}: missing path parameter {name:?}",
                    op.id
                )))
            }
            Some(_) => {
                return Err(Error::invalid_argument(format!(
                    "{}: {name} must be a string",
                    op.id
                )))
            }
        };
        let is_address = name == "address" || name.ends_with("_address");
        let value = if is_address {
            raw.strip_prefix("agent://").unwrap_or(&raw)
        } else {
            &raw
        };
        let segments: Vec<&str> = if is_address {
            value.split('/').collect()
        } else {
            vec![value]
        };
        if segments
            .iter()
            .any(|s| s.is_empty() || *s == "." || *s == "..")
        {
            return Err(Error::invalid_argument(format!(
                "{}: {name} must not be empty or contain empty, '.' or '..' segments",
                op.id
            )));
        }
        let encoded: Vec<String> = segments.iter().map(|s| encode(s, true)).collect();
        path = path.replace(&format!("{{{name}}}"), &encoded.join("/"));
    }
    Ok(path)
}

/// A query value: scalars as text, arrays joined with commas.
fn scalar_list(op: &str, name: &str, v: &Value) -> Result<String, Error> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let out = match v {
        Value::Array(items) => items
            .iter()
            .map(one)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(",")),
        v => one(v),
    };
    out.ok_or_else(|| {
        Error::invalid_argument(format!(
            "{op}: {name} must be a string, number, bool or list of them"
        ))
    })
}

/// Percent-encode everything except RFC 3986 unreserved characters (and `,` in query values).
fn encode(s: &str, path: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (!path && b == b',');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn header_safe(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
}

/// A fresh UUIDv4 string. The bytes come from the thread-local CSPRNG (ChaCha, seeded from the
/// OS) rather than a `getrandom` syscall per id: every request mints one or two of these.
pub fn new_id() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string()
}

/// A W3C `traceparent` whose trace id is the UUID/32-hex `X-Trace-Id` when it is one (so both
/// headers name the same trace), else a fresh random one; the span id is always fresh.
pub fn traceparent(trace_id: &str) -> String {
    let hex: String = trace_id
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    let usable = hex.len() == 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && hex.bytes().any(|b| b != b'0');
    let trace = if usable {
        hex
    } else {
        uuid::Uuid::new_v4().simple().to_string()
    };
    let span = loop {
        let v: u64 = rand::random();
        if v != 0 {
            break v;
        }
    };
    format!("00-{trace}-{span:016x}-01")
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
