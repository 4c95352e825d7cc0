//! `axme-node`: the native layer of the `@axme/axme` npm package (napi-rs v3).
//!
//! Conversion code only: JSON strings in, JSON strings out, every rule lives in `axme-core`.
//! Each async call resolves to an envelope the JavaScript layer unwraps:
//! `{"value": <result>}`, `{"error": {kind, message, status, code, requestId, traceId,
//! retryAfter, body}}`, or (stream handles) `{"done": true}`. Errors travel as data rather than
//! as rejected promises so every field of the core's [`Error`] reaches the typed JS errors.
//!
//! `mcp.rs` and `mesh.rs` add the MCP and `client.mesh` calls to [`NativeClient`].
//!
//! Cancellation: a call may take a [`NativeCancel`]; cancelling it drops the Rust future (and
//! with it the request in flight). A [`NativeStream`] (observe/listen) owns its core stream;
//! `close()` or garbage collection cancels a pending `next()` and drops the stream.

// `#[napi]` expands to `extern "C"` glue with unsafe blocks; this crate writes none itself.
#![allow(unsafe_code)]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axme_core::{
    is_terminal, CallOptions, Client, Config, Error, EventStream, HeartbeatHandle, ListenOptions,
    ObserveOptions,
};
use futures_util::StreamExt;
use napi::bindgen_prelude::{Buffer, Either, PromiseRaw, Uint8Array};
use napi::{Env, Status};
use napi_derive::napi;
use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;

mod mcp;
mod mesh;

const DONE: &str = r#"{"done":true}"#;
const CANCELLED: &str = r#"{"cancelled":true}"#;

/// The JSON form of a core error (what the JS layer turns into `AxmeError` subclasses).
fn error_json(e: &Error) -> Value {
    json!({
        "kind": e.kind().as_str(),
        "message": e.message(),
        "status": e.status(),
        "code": e.code(),
        "requestId": e.request_id(),
        "traceId": e.trace_id(),
        "retryAfter": e.retry_after().map(|d| d.as_secs_f64()),
        "body": e.body(),
    })
}

fn envelope(r: Result<Value, Error>) -> String {
    match r {
        Ok(v) => json!({ "value": v }).to_string(),
        Err(e) => json!({ "error": error_json(&e) }).to_string(),
    }
}

/// A thrown (synchronous) error carrying the same JSON, for the constructor.
pub(crate) fn throw(e: &Error) -> napi::Error {
    napi::Error::new(Status::InvalidArg, error_json(e).to_string())
}

pub(crate) fn parse(what: &str, text: &str) -> Result<Value, Error> {
    serde_json::from_str(text)
        .map_err(|e| Error::invalid_argument(format!("{what} is not valid JSON: {e}")))
}

fn seconds(v: Option<&Value>, what: &str) -> Result<Option<Duration>, Error> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(Some(Duration::from_secs_f64(s))),
            _ => Err(Error::invalid_argument(format!(
                "{what} must be a number of seconds > 0"
            ))),
        },
    }
}

pub(crate) fn string(m: &Map<String, Value>, key: &str) -> Result<Option<String>, Error> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::invalid_argument(format!("{key} must be a string"))),
    }
}

pub(crate) fn bool_opt(m: &Map<String, Value>, key: &str) -> Result<Option<bool>, Error> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Error::invalid_argument(format!("{key} must be a boolean"))),
    }
}

pub(crate) fn object(v: Value, what: &str) -> Result<Map<String, Value>, Error> {
    match v {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        _ => Err(Error::invalid_argument(format!("{what} must be an object"))),
    }
}

/// `{idempotency_key, trace_id, owner_agent, x_owner_agent, authorization, timeout}` (the JS
/// layer has already turned camelCase into these names and milliseconds into seconds).
pub(crate) fn call_options(opts_json: &str) -> Result<CallOptions, Error> {
    let m = object(parse("options", opts_json)?, "options")?;
    Ok(CallOptions {
        idempotency_key: string(&m, "idempotency_key")?,
        trace_id: string(&m, "trace_id")?,
        owner_agent: string(&m, "owner_agent")?,
        x_owner_agent: string(&m, "x_owner_agent")?,
        authorization: string(&m, "authorization")?,
        timeout: seconds(m.get("timeout"), "timeout")?,
    })
}

pub(crate) fn uint(m: &Map<String, Value>, key: &str) -> Result<Option<u64>, Error> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| Error::invalid_argument(format!("{key} must be an integer >= 0"))),
    }
}

fn wait_seconds(m: &Map<String, Value>, default: u32) -> Result<u32, Error> {
    match uint(m, "wait_seconds")? {
        None => Ok(default),
        Some(w) => {
            u32::try_from(w).map_err(|_| Error::invalid_argument("wait_seconds must be 1..=60"))
        }
    }
}

/// `{since, wait_seconds, poll_interval, timeout, trace_id}` (seconds) → [`ObserveOptions`].
fn observe_options(opts_json: &str) -> Result<ObserveOptions, Error> {
    let m = object(parse("options", opts_json)?, "options")?;
    let d = ObserveOptions::default();
    Ok(ObserveOptions {
        since: uint(&m, "since")?.unwrap_or(d.since),
        wait_seconds: wait_seconds(&m, d.wait_seconds)?,
        poll_interval: match m.get("poll_interval") {
            Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Duration::ZERO,
            v => seconds(v, "poll_interval")?.unwrap_or(d.poll_interval),
        },
        timeout: seconds(m.get("timeout"), "timeout")?,
        trace_id: string(&m, "trace_id")?,
    })
}

/// `{since, wait_seconds, status, timeout, trace_id}` → [`ListenOptions`]; `status` is a list or a
/// comma-separated string.
fn listen_options(opts_json: &str) -> Result<ListenOptions, Error> {
    let m = object(parse("options", opts_json)?, "options")?;
    let d = ListenOptions::default();
    let status = match m.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.split(',').map(|p| p.trim().to_string()).collect()),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| Error::invalid_argument("status must be strings"))?,
        ),
        Some(_) => return Err(Error::invalid_argument("status must be a string or a list")),
    };
    Ok(ListenOptions {
        since: uint(&m, "since")?.unwrap_or(d.since),
        wait_seconds: wait_seconds(&m, d.wait_seconds)?,
        status,
        timeout: seconds(m.get("timeout"), "timeout")?,
        trace_id: string(&m, "trace_id")?,
    })
}

/// A cancellation switch for one call: `cancel()` drops the call's Rust future.
#[napi]
pub struct NativeCancel {
    token: CancellationToken,
}

#[napi]
impl NativeCancel {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)] // reason: a JS constructor, not a Rust API
    pub fn new() -> Self {
        NativeCancel {
            token: CancellationToken::new(),
        }
    }

    /// Drop the future of the call this switch was given to (idempotent).
    #[napi]
    pub fn cancel(&self) {
        self.token.cancel();
    }
}

/// Run `fut` on the napi tokio runtime; the promise resolves to its envelope, or to
/// `{"cancelled":true}` once `cancel` fires (the future is dropped then).
pub(crate) fn spawn<'env, F>(
    env: &'env Env,
    cancel: Option<&NativeCancel>,
    fut: F,
) -> napi::Result<PromiseRaw<'env, String>>
where
    F: Future<Output = Result<Value, Error>> + Send + 'static,
{
    let token = cancel.map(|c| c.token.clone());
    env.spawn_future(async move {
        Ok(match cancellable(token, fut).await {
            Some(out) => envelope(out),
            None => CANCELLED.to_string(),
        })
    })
}

/// `fut`'s output, or `None` once `token` is cancelled (which drops `fut` and its request).
async fn cancellable<F: Future>(token: Option<CancellationToken>, fut: F) -> Option<F::Output> {
    match token {
        None => Some(fut.await),
        Some(token) => tokio::select! {
            biased;
            _ = token.cancelled() => None,
            r = fut => Some(r),
        },
    }
}

/// Resolve at once with an argument error (no request is sent).
pub(crate) fn fail<'env>(env: &'env Env, e: Error) -> napi::Result<PromiseRaw<'env, String>> {
    spawn(env, None, async move { Err(e) })
}

/// The client: one `axme_core::Client` (connection pool, retry budget).
#[napi]
pub struct NativeClient {
    inner: Client,
    /// The background mesh heartbeat; its task runs while this handle is kept.
    heartbeat: Mutex<Option<HeartbeatHandle>>,
}

#[napi]
impl NativeClient {
    /// `configJson` is the core's snake_case `Config` object. Throws an error whose message is
    /// the JSON of the core error when the config is invalid.
    #[napi(constructor)]
    pub fn new(config_json: String) -> napi::Result<Self> {
        let client = Config::from_json(&config_json)
            .and_then(Client::new)
            .map_err(|e| throw(&e))?;
        Ok(NativeClient {
            inner: client,
            heartbeat: Mutex::new(None),
        })
    }

    /// Generic operation call: `argsJson` holds the operation's parameters by snake_case name,
    /// `body` and the per-call options; `content` is the raw body of an operation whose body is
    /// not JSON (a media upload). Resolves to an envelope.
    #[napi]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        op_id: String,
        args_json: String,
        cancel: Option<&NativeCancel>,
        content: Option<Uint8Array>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let args = match parse("args", &args_json) {
            Ok(a) => a,
            Err(e) => return fail(env, e),
        };
        let client = self.inner.clone();
        // Copied now: the JavaScript buffer must not be touched from the runtime's threads.
        let content = content.map(|c| c.to_vec());
        spawn(env, cancel, async move {
            match content {
                Some(bytes) => client.call_by_id_with_content(&op_id, args, bytes).await,
                None => client.call_by_id(&op_id, args).await,
            }
        })
    }

    /// [`NativeClient::call`] for an operation that answers raw bytes (a media download):
    /// resolves to a `Buffer` holding them, or to an error envelope (a string) like every call.
    #[napi(ts_return_type = "Promise<Buffer | string>")]
    pub fn call_bytes<'env>(
        &self,
        env: &'env Env,
        op_id: String,
        args_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, Either<Buffer, String>>> {
        let client = self.inner.clone();
        let token = cancel.map(|c| c.token.clone());
        env.spawn_future(async move {
            let call = async {
                let args = parse("args", &args_json)?;
                client.call_by_id_bytes(&op_id, args, None).await
            };
            Ok(match cancellable(token, call).await {
                // Handed to JavaScript without a copy or an encoding.
                Some(Ok(bytes)) => Either::A(Buffer::from(Vec::from(bytes))),
                Some(Err(e)) => Either::B(envelope(Err(e))),
                None => Either::B(CANCELLED.to_string()),
            })
        })
    }

    /// `create_intent` (minting `correlation_id` when absent); resolves to the response.
    #[napi]
    pub fn create_intent<'env>(
        &self,
        env: &'env Env,
        intent_json: String,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let parsed = parse("intent", &intent_json).and_then(|i| Ok((i, call_options(&opts_json)?)));
        let (intent, opts) = match parsed {
            Ok(p) => p,
            Err(e) => return fail(env, e),
        };
        let client = self.inner.clone();
        spawn(env, cancel, async move {
            client.create_intent(intent, &opts).await
        })
    }

    /// `send_intent`: resolves to `{"value": "<intent id>"}`.
    #[napi]
    pub fn send_intent<'env>(
        &self,
        env: &'env Env,
        intent_json: String,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let parsed = parse("intent", &intent_json).and_then(|i| Ok((i, call_options(&opts_json)?)));
        let (intent, opts) = match parsed {
            Ok(p) => p,
            Err(e) => return fail(env, e),
        };
        let client = self.inner.clone();
        spawn(env, cancel, async move {
            client.send_intent(intent, &opts).await.map(Value::String)
        })
    }

    /// `cancel_intent` (resolve with `CANCELED`).
    #[napi]
    pub fn cancel_intent<'env>(
        &self,
        env: &'env Env,
        intent_id: String,
        reason: Option<String>,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let opts = match call_options(&opts_json) {
            Ok(o) => o,
            Err(e) => return fail(env, e),
        };
        let client = self.inner.clone();
        spawn(env, cancel, async move {
            client
                .cancel_intent(&intent_id, reason.as_deref(), &opts)
                .await
        })
    }

    /// Observe until the first terminal event and resolve to it (`wait_for` with every observe
    /// option). Cancelling drops the stream and so closes the connection.
    #[napi]
    pub fn wait_for<'env>(
        &self,
        env: &'env Env,
        intent_id: String,
        opts_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let opts = match observe_options(&opts_json) {
            Ok(o) => o,
            Err(e) => return fail(env, e),
        };
        let mut events = self.inner.observe(&intent_id, opts);
        spawn(env, cancel, async move {
            while let Some(item) = events.next().await {
                let event = item?;
                if is_terminal(&event) {
                    return Ok(event);
                }
            }
            Err(Error::protocol(format!(
                "event stream of {intent_id} ended before a terminal event"
            )))
        })
    }

    /// The lifecycle events of an intent as a pull handle.
    #[napi]
    pub fn observe(&self, intent_id: String, opts_json: String) -> NativeStream {
        match observe_options(&opts_json) {
            Ok(o) => NativeStream::new(self.inner.observe(&intent_id, o)),
            Err(e) => NativeStream::failed(e),
        }
    }

    /// The deliveries of an agent address as a pull handle.
    #[napi]
    pub fn listen(&self, address: String, opts_json: String) -> NativeStream {
        match listen_options(&opts_json) {
            Ok(o) => NativeStream::new(self.inner.listen(&address, o)),
            Err(e) => NativeStream::failed(e),
        }
    }
}

/// A core event stream behind an awaitable `next()`. `close()` (or garbage collection) cancels a
/// pending `next()` and drops the stream, which closes its connection.
#[napi]
pub struct NativeStream {
    stream: Arc<tokio::sync::Mutex<Option<EventStream>>>,
    closed: CancellationToken,
}

impl NativeStream {
    fn new(stream: EventStream) -> Self {
        NativeStream {
            stream: Arc::new(tokio::sync::Mutex::new(Some(stream))),
            closed: CancellationToken::new(),
        }
    }

    fn failed(e: Error) -> Self {
        NativeStream::new(Box::pin(futures_util::stream::once(async move { Err(e) })))
    }
}

#[napi]
impl NativeStream {
    /// Resolves to `{"value": item}`, `{"done": true}` (ended or closed) or `{"error": …}`
    /// (after which the stream is done). Concurrent calls are served in order.
    #[napi]
    pub fn next<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, String>> {
        let stream = self.stream.clone();
        let closed = self.closed.clone();
        env.spawn_future(async move {
            let mut guard = tokio::select! {
                biased;
                _ = closed.cancelled() => return Ok(DONE.to_string()),
                g = stream.lock() => g,
            };
            let Some(s) = guard.as_mut() else {
                return Ok(DONE.to_string());
            };
            let item = tokio::select! {
                biased;
                _ = closed.cancelled() => None,
                item = s.next() => item,
            };
            Ok(match item {
                Some(Ok(v)) => envelope(Ok(v)),
                Some(Err(e)) => {
                    *guard = None;
                    envelope(Err(e))
                }
                None => {
                    *guard = None;
                    DONE.to_string()
                }
            })
        })
    }

    /// Stop: a pending `next()` resolves done, the stream and its connection are dropped.
    #[napi]
    pub fn close(&self) {
        self.closed.cancel();
        if let Ok(mut g) = self.stream.try_lock() {
            *g = None;
        }
    }
}

impl Drop for NativeStream {
    fn drop(&mut self) {
        self.closed.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_carry_every_error_field() {
        let e = Error::invalid_argument("bad").with_trace_id(Some("t".into()));
        let v: Value = serde_json::from_str(&envelope(Err(e))).unwrap();
        assert_eq!(v["error"]["kind"], "invalid_argument");
        assert_eq!(v["error"]["message"], "bad");
        assert_eq!(v["error"]["traceId"], "t");
        assert!(v["error"]["status"].is_null());
        let v: Value = serde_json::from_str(&envelope(Ok(json!({"a": 1})))).unwrap();
        assert_eq!(v, json!({"value": {"a": 1}}));
    }

    #[test]
    fn options_are_converted() {
        let o = call_options(r#"{"idempotency_key":"k","timeout":1.5,"trace_id":null}"#).unwrap();
        assert_eq!(o.idempotency_key.as_deref(), Some("k"));
        assert_eq!(o.timeout, Some(Duration::from_millis(1500)));
        assert!(call_options(r#"{"timeout":-1}"#).is_err());
        assert!(call_options("[]").is_err());
        let o = observe_options(r#"{"since":3,"wait_seconds":2,"poll_interval":0}"#).unwrap();
        assert_eq!(
            (o.since, o.wait_seconds, o.poll_interval),
            (3, 2, Duration::ZERO)
        );
        let l = listen_options(r#"{"status":"COMPLETED, FAILED"}"#).unwrap();
        assert_eq!(l.status, Some(vec!["COMPLETED".into(), "FAILED".into()]));
        assert!(listen_options(r#"{"since":-1}"#).is_err());
    }
}
