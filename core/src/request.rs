//! Turning an operation descriptor plus JSON arguments into a concrete request, without I/O.
//!
//! Kept apart from the transport so the rules (which argument goes where, percent-encoding,
//! per-call options, idempotency and trace ids, the body's media type) are unit-tested without a
//! server. Every argument is checked here (parameters against the spec's schema in `params`),
//! so a bad call is an `invalid_argument` before any request.

use std::time::Duration;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::config::ResolvedConfig;
use crate::error::Error;
use crate::operations::{HttpMethod, OperationDescriptor, RetryRule};
use crate::params::{missing, wire_text, Place};
use crate::records::{duration, CallOptions, Zero};

/// Per-call options every operation accepts in its args (besides its own parameters and `body`);
/// `timeout` is in seconds.
pub const CALL_OPTIONS: &[&str] = &[
    "idempotency_key",
    "trace_id",
    "authorization",
    "timeout",
    "retryable",
];

/// Write a [`CallOptions`] record into the args of `op`: the per-call options, and `owner_agent`
/// / `x_owner_agent` when the operation takes them. A value the args already hold is kept if it
/// is the same and refused if it differs (one call, one idempotency key).
pub fn merge_options(
    op: &OperationDescriptor,
    args: &mut Map<String, Value>,
    opts: &CallOptions,
) -> Result<(), Error> {
    let takes = |name: &str| {
        CALL_OPTIONS.contains(&name)
            || op.query_params.iter().any(|p| p.name == name)
            || op.header_params.iter().any(|h| h.arg == name)
    };
    let timeout = opts.timeout_seconds.map(Value::from);
    let retryable = opts.retryable.map(Value::Bool);
    let text = |v: &Option<String>| v.clone().map(Value::String);
    let given = [
        ("idempotency_key", text(&opts.idempotency_key)),
        ("trace_id", text(&opts.trace_id)),
        ("authorization", text(&opts.authorization)),
        ("owner_agent", text(&opts.owner_agent)),
        ("x_owner_agent", text(&opts.x_owner_agent)),
        ("timeout", timeout),
        ("retryable", retryable),
    ];
    for (name, value) in given {
        let Some(value) = value else { continue };
        if !takes(name) {
            continue;
        }
        match args.get(name) {
            None | Some(Value::Null) => {
                args.insert(name.to_string(), value);
            }
            Some(same) if *same == value => {}
            Some(_) => {
                return Err(Error::invalid_argument(format!(
                    "{}: {name} is given both in the arguments and in the call options, \
                     with different values",
                    op.id
                )))
            }
        }
    }
    Ok(())
}

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
    /// The body as sent: serialised JSON, or the raw content of a non-JSON operation. `Bytes`
    /// so every retry of a large upload shares one buffer.
    pub body: Option<Bytes>,
    /// `Content-Type` of `body` (the operation's media type).
    pub content_type: Option<&'static str>,
    /// Per-call timeout overriding the configured one.
    pub timeout: Option<Duration>,
    /// The `X-Trace-Id` sent, if any.
    pub trace_id: Option<String>,
    /// The `Idempotency-Key` sent on every attempt, if any.
    pub idempotency_key: Option<String>,
    /// Whether the request may be repeated, from the operation's [`RetryRule`]: reads always,
    /// writes only with an idempotency key, never for `Never`.
    pub retry_safe: bool,
}

/// Build the request for `op` from `args` (a JSON object or null).
pub fn prepare(
    op: &OperationDescriptor,
    args: &Value,
    cfg: &ResolvedConfig,
) -> Result<PreparedRequest, Error> {
    prepare_with_content(op, args, None, cfg)
}

/// [`prepare`] for an operation whose body is not JSON: `content` is sent as it is, with the
/// operation's media type. Raw bytes never travel inside the JSON args (see the crate README).
pub fn prepare_with_content(
    op: &OperationDescriptor,
    args: &Value,
    content: Option<Bytes>,
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
        let known = op.path_params.iter().any(|p| p.name == name)
            || op.query_params.iter().any(|p| p.name == name)
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
    let given = |name: &str| args.get(name).filter(|v| !v.is_null());
    let mut path = expand_path(op, args)?;
    let mut query = Vec::new();
    for p in op.query_params {
        let config_default = (p.name == "owner_agent")
            .then(|| cfg.default_owner_agent.clone().map(Value::String))
            .flatten();
        let value = match given(p.name).cloned().or(config_default) {
            Some(v) => v,
            None if p.required => return Err(missing(op.id, Place::Query, p.name, &p.schema)),
            None => continue,
        };
        let text = wire_text(op.id, Place::Query, p.name, &p.schema, &value)?;
        query.push(format!(
            "{}={}",
            encode(p.name, false),
            encode(&text, false)
        ));
    }
    if !query.is_empty() {
        path.push('?');
        path.push_str(&query.join("&"));
    }

    let mut headers = Vec::new();
    let not_header_safe = |name: &str| {
        Error::invalid_argument(format!(
            "{}: {name} must be a non-empty string of printable ASCII",
            op.id
        ))
    };
    let text = |name: &str| -> Result<Option<String>, Error> {
        match given(name) {
            None => Ok(None),
            Some(Value::String(s)) if header_safe(s) => Ok(Some(s.clone())),
            Some(_) => Err(not_header_safe(name)),
        }
    };
    for h in op.header_params {
        let Some(v) = given(h.arg) else {
            if h.required {
                return Err(missing(op.id, Place::Header, h.arg, &h.schema));
            }
            continue;
        };
        let v = wire_text(op.id, Place::Header, h.arg, &h.schema, v)?;
        if !header_safe(&v) {
            return Err(not_header_safe(h.arg));
        }
        headers.push((h.header, v));
    }
    if let Some(auth) = text("authorization")? {
        headers.push(("authorization", auth));
    }
    let trace_id = text("trace_id")?.or_else(|| cfg.auto_trace_id.then(new_id));
    if let Some(t) = &trace_id {
        headers.push(("x-trace-id", t.clone()));
        headers.push(("traceparent", traceparent(t)));
    }
    let idempotency_key = text("idempotency_key")?
        .or_else(|| (op.writes && cfg.auto_idempotency_key).then(new_idempotency_key));
    if let Some(k) = &idempotency_key {
        headers.push(("idempotency-key", k.clone()));
    }
    let (body, content_type) = body_of(op, given("body"), content)?;
    if let Some(Value::String(c)) = given("body").and_then(|b| b.get("correlation_id")) {
        if header_safe(c) {
            headers.push(("x-correlation-id", c.clone()));
        }
    }
    let timeout = match given("timeout") {
        None => None,
        Some(v) => {
            let seconds = v.as_f64().ok_or_else(|| {
                Error::invalid_argument(format!(
                    "{}: timeout must be a number of seconds, got {v}",
                    op.id
                ))
            })?;
            Some(duration("timeout", seconds, Zero::Refused)?)
        }
    };
    let retryable = match given("retryable") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(v) => {
            return Err(Error::invalid_argument(format!(
                "{}: retryable must be a boolean, got {v}",
                op.id
            )))
        }
    };
    // A caller may make a write retry-safe (or a read not), never a `Never` operation retried.
    let retry_safe = match op.retry {
        RetryRule::Never => false,
        RetryRule::Always => retryable.unwrap_or(true),
        RetryRule::WithIdempotencyKey | RetryRule::PerCall => {
            retryable.unwrap_or(idempotency_key.is_some())
        }
    };
    Ok(PreparedRequest {
        op_id: op.id,
        method: op.method,
        path_and_query: path,
        headers,
        body,
        content_type,
        timeout,
        retry_safe,
        trace_id,
        idempotency_key,
    })
}

/// The body to send and its media type: `args.body` serialised for a JSON operation, `content`
/// as it is for any other; each in the wrong place, or a required one missing, is refused.
fn body_of(
    op: &OperationDescriptor,
    json_body: Option<&Value>,
    content: Option<Bytes>,
) -> Result<(Option<Bytes>, Option<&'static str>), Error> {
    let fail = |why: String| Err(Error::invalid_argument(format!("{}: {why}", op.id)));
    let Some(spec) = op.body else {
        if json_body.is_some() || content.is_some() {
            return fail("this operation takes no request body".into());
        }
        return Ok((None, None));
    };
    let media = spec.media_type;
    // A JSON null body is no body (bindings pass an absent payload as null).
    let json_body = json_body.filter(|b| !b.is_null());
    match (spec.is_json(), json_body, content) {
        // Every AXP request body is an object (a JSON-RPC batch to /mcp is an array): a bare
        // string, number or boolean is a caller's mistake the server would only refuse later.
        (true, Some(b), None) if !(b.is_object() || b.is_array()) => fail(format!(
            "the request body must be a JSON object, got {}",
            match b {
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                _ => "a boolean",
            }
        )),
        (true, Some(b), None) => {
            let bytes = serde_json::to_vec(b).map_err(|e| {
                Error::invalid_argument(format!("{}: body is not serialisable: {e}", op.id))
            })?;
            Ok((Some(Bytes::from(bytes)), Some(media)))
        }
        (true, _, Some(_)) => fail(format!(
            "the body is JSON ({media}): pass it in args as `body`, not as raw content"
        )),
        (false, None, Some(c)) => Ok((Some(c), Some(media))),
        (false, Some(_), _) => fail(format!(
            "the body is raw bytes ({media}): pass them as the call's content \
             (Client::call_with_content; the bindings' bytes argument), not in args as `body`"
        )),
        (json, None, None) if spec.required => fail(format!(
            "missing the request body ({})",
            if json {
                format!("a JSON value, as `body` in args, sent as {media}")
            } else {
                format!("raw bytes sent as {media}")
            }
        )),
        (_, None, None) => Ok((None, None)),
    }
}

fn expand_path(op: &OperationDescriptor, args: &Map<String, Value>) -> Result<String, Error> {
    let mut path = op.path_template.to_string();
    for p in op.path_params {
        let name = p.name;
        let raw = match args.get(name) {
            None | Some(Value::Null) => return Err(missing(op.id, Place::Path, name, &p.schema)),
            Some(v) => wire_text(op.id, Place::Path, name, &p.schema, v)?,
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
            .any(|s| s.trim().is_empty() || *s == "." || *s == "..")
        {
            // A blank segment can only name nothing: refuse it here rather than ask the server.
            return Err(Error::invalid_argument(format!(
                "{}: {name} must not be blank or contain blank, '.' or '..' segments, got {:?}",
                op.id, raw
            )));
        }
        let encoded: Vec<String> = segments.iter().map(|s| encode(s, true)).collect();
        path = path.replace(&format!("{{{name}}}"), &encoded.join("/"));
    }
    Ok(path)
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

/// A fresh `Idempotency-Key`: a UUIDv7, time-ordered with 74 random bits. Servers keep keys in an
/// index; keys that grow with time land at its right edge instead of on a random page each, which
/// is most of what a create writes to storage besides the intent itself (BENCHMARKS.md).
pub fn new_idempotency_key() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    uuid::Builder::from_unix_timestamp_millis(millis, &rand::random())
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
