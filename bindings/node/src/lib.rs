//! `axme-node`: the native layer of the `@axme/axme` npm package (napi-rs v3) over the waist
//! (`axme_core::waist`'s async face), conversion only.
//!
//! Arguments and results cross as JSON text; options are the waist's records as JSON objects.
//! Each call resolves to an envelope the JavaScript layer unwraps: `{"value": …}` or
//! `{"error": <the core's ErrorRecord>}`; stream reads also `{"done": true}`. Errors travel as
//! data rather than rejected promises so every field of the record reaches the typed JS errors.
//! A call may take a [`NativeCancel`] (the waist's cancellation token): cancelling it drops the
//! call's future and its request. [`NativeStream`] wraps the waist's stream handle.

// `#[napi]` expands to `extern "C"` glue with unsafe blocks; this crate writes none itself.
#![allow(unsafe_code)]

use std::future::Future;

use axme_core::waist::{
    self, AsyncClient, CallOptions, CancelToken, ClientConfig, Error, ErrorRecord,
    HeartbeatOptions, Metric, Stream, StreamOptions,
};
use napi::bindgen_prelude::{Buffer, Either, PromiseRaw, Uint8Array};
use napi::{Env, Status};
use napi_derive::napi;
use serde::de::DeserializeOwned;
use serde_json::json;

const DONE: &str = r#"{"done":true}"#;

/// The envelope of a result: `{"value": <JSON text>}` or `{"error": <record>}`.
fn envelope(r: Result<String, Error>) -> String {
    match r {
        Ok(json_text) => format!(r#"{{"value":{json_text}}}"#),
        Err(e) => format!(r#"{{"error":{}}}"#, ErrorRecord::from(&e).to_json()),
    }
}

/// A synchronous throw carrying the error record's JSON (what the JS layer parses).
fn throw(e: &Error) -> napi::Error {
    napi::Error::new(Status::InvalidArg, ErrorRecord::from(e).to_json())
}

/// A record from its JSON form (empty: the defaults).
fn record<T: DeserializeOwned + Default>(what: &str, json: &str) -> Result<T, Error> {
    axme_core::records::from_json(what, json)
}

/// A JSON string literal of `s` (a result that is text, such as an intent id).
fn quoted(s: String) -> String {
    json!(s).to_string()
}

/// A cancellation switch for calls and streams: `cancel()` from JavaScript drops them.
#[napi]
pub struct NativeCancel {
    token: CancelToken,
}

#[napi]
impl NativeCancel {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)] // reason: a JS constructor, not a Rust API
    pub fn new() -> Self {
        NativeCancel {
            token: CancelToken::new(),
        }
    }

    /// Cancel every call and stream holding this switch (idempotent).
    #[napi]
    pub fn cancel(&self) {
        self.token.cancel();
    }
}

fn token(cancel: Option<&NativeCancel>) -> Option<CancelToken> {
    cancel.map(|c| c.token.clone())
}

/// Runs `fut` on napi's runtime; the promise resolves to its envelope.
fn spawn<'env, F>(env: &'env Env, fut: F) -> napi::Result<PromiseRaw<'env, String>>
where
    F: Future<Output = Result<String, Error>> + Send + 'static,
{
    env.spawn_future(async move { Ok(envelope(fut.await)) })
}

/// Parses an options record, then runs the call it feeds; a bad record resolves to its error.
macro_rules! call {
    ($env:expr, $what:literal, $json:expr, |$o:ident| $body:expr) => {{
        match record($what, &$json) {
            Ok($o) => spawn($env, async move { $body.await }),
            Err(e) => spawn($env, async move { Err::<String, _>(e) }),
        }
    }};
}

/// The client (the waist's async face).
#[napi]
pub struct NativeClient {
    inner: AsyncClient,
}

#[napi]
impl NativeClient {
    /// `configJson` is the core's `ClientConfig` record; throws the error record's JSON when it
    /// is refused.
    #[napi(constructor)]
    pub fn new(config_json: String) -> napi::Result<Self> {
        let config: ClientConfig = record("config", &config_json).map_err(|e| throw(&e))?;
        let inner = AsyncClient::new(config).map_err(|e| throw(&e))?;
        Ok(NativeClient { inner })
    }

    /// The `X-Axme-Client` value every request carries.
    #[napi(getter)]
    pub fn client_identity(&self) -> String {
        self.inner.client_identity().to_string()
    }

    /// Streams open and calls in flight.
    #[napi(getter)]
    pub fn live_handles(&self) -> u32 {
        u32::try_from(self.inner.live_handles()).unwrap_or(u32::MAX)
    }

    /// Cancel every call in flight, end every stream, stop the heartbeat.
    #[napi]
    pub fn close(&self) {
        self.inner.close();
    }

    /// The generic call by operation id; `content` is the raw body of an operation whose body is
    /// not JSON (a media upload).
    #[napi]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        op_id: String,
        args_json: String,
        options_json: String,
        cancel: Option<&NativeCancel>,
        content: Option<Uint8Array>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let (c, t) = (self.inner.clone(), token(cancel));
        // Copied now: the JavaScript buffer must not be touched from the runtime's threads.
        let content = content.map(|b| b.to_vec());
        call!(env, "call options", options_json, |o| async move {
            match content {
                Some(b) => {
                    c.call_with_content(&op_id, &args_json, b.into(), &o, t.as_ref())
                        .await
                }
                None => c.call(&op_id, &args_json, &o, t.as_ref()).await,
            }
        })
    }

    /// The call of an operation answering raw bytes (a media download): a `Buffer`, or an error
    /// envelope (a string).
    #[napi(ts_return_type = "Promise<Buffer | string>")]
    pub fn call_bytes<'env>(
        &self,
        env: &'env Env,
        op_id: String,
        args_json: String,
        options_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, Either<Buffer, String>>> {
        let (c, t) = (self.inner.clone(), token(cancel));
        env.spawn_future(async move {
            let bytes = match record::<CallOptions>("call options", &options_json) {
                Ok(o) => c.call_bytes(&op_id, &args_json, &o, t.as_ref()).await,
                Err(e) => Err(e),
            };
            Ok(match bytes {
                // Handed to JavaScript without a copy or an encoding.
                Ok(b) => Either::A(Buffer::from(Vec::from(b))),
                Err(e) => Either::B(envelope(Err(e))),
            })
        })
    }

    /// Create an intent (a correlation id is minted when it has none); resolves to its id.
    #[napi]
    pub fn send_intent<'env>(
        &self,
        env: &'env Env,
        intent_json: String,
        options_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let (c, t) = (self.inner.clone(), token(cancel));
        call!(env, "call options", options_json, |o| async move {
            c.send_intent(&intent_json, &o, t.as_ref())
                .await
                .map(quoted)
        })
    }

    /// Cancel an intent (resolve with `CANCELED` and `reason`).
    #[napi]
    pub fn cancel_intent<'env>(
        &self,
        env: &'env Env,
        intent_id: String,
        reason: Option<String>,
        options_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let (c, t) = (self.inner.clone(), token(cancel));
        call!(env, "call options", options_json, |o| async move {
            c.cancel_intent(&intent_id, reason.as_deref(), &o, t.as_ref())
                .await
        })
    }

    /// Wait for the intent's terminal event.
    #[napi]
    pub fn wait_for<'env>(
        &self,
        env: &'env Env,
        intent_id: String,
        options_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let (c, t) = (self.inner.clone(), token(cancel));
        call!(env, "stream options", options_json, |o| async move {
            c.wait_for(&intent_id, &o, t.as_ref()).await
        })
    }

    /// The intent's lifecycle events; throws the error record's JSON for bad arguments.
    #[napi]
    pub fn observe(
        &self,
        intent_id: String,
        options_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<NativeStream> {
        let o: StreamOptions = record("stream options", &options_json).map_err(|e| throw(&e))?;
        let t = token(cancel);
        let stream = self.inner.observe(&intent_id, &o, t.as_ref());
        Ok(NativeStream(stream.map_err(|e| throw(&e))?))
    }

    /// The intents delivered to an agent address; throws for bad arguments.
    #[napi]
    pub fn listen(
        &self,
        address: String,
        options_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<NativeStream> {
        let o: StreamOptions = record("stream options", &options_json).map_err(|e| throw(&e))?;
        let t = token(cancel);
        let stream = self.inner.listen(&address, &o, t.as_ref());
        Ok(NativeStream(stream.map_err(|e| throw(&e))?))
    }

    /// MCP `initialize` (`protocolVersion`, else the configured one).
    #[napi]
    pub fn mcp_initialize<'env>(
        &self,
        env: &'env Env,
        protocol_version: Option<String>,
        options_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let (c, t) = (self.inner.clone(), token(cancel));
        call!(env, "call options", options_json, |o| async move {
            c.mcp_initialize(protocol_version.as_deref(), &o, t.as_ref())
                .await
        })
    }

    /// MCP `tools/list` (caches the tools' input schemas).
    #[napi]
    pub fn mcp_list_tools<'env>(
        &self,
        env: &'env Env,
        options_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let (c, t) = (self.inner.clone(), token(cancel));
        call!(env, "call options", options_json, |o| async move {
            c.mcp_list_tools(&o, t.as_ref()).await
        })
    }

    /// MCP `tools/call` of `name` with `argumentsJson` (an object or null).
    #[napi]
    pub fn mcp_call_tool<'env>(
        &self,
        env: &'env Env,
        name: String,
        arguments_json: String,
        options_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let (c, t) = (self.inner.clone(), token(cancel));
        call!(env, "call options", options_json, |o| async move {
            c.mcp_call_tool(&name, &arguments_json, &o, t.as_ref())
                .await
        })
    }

    /// One heartbeat carrying the buffered metrics; on failure they stay buffered.
    #[napi]
    pub fn mesh_flush_metrics<'env>(
        &self,
        env: &'env Env,
        options_json: String,
        cancel: Option<&NativeCancel>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let (c, t) = (self.inner.clone(), token(cancel));
        call!(env, "call options", options_json, |o| async move {
            c.mesh_flush_metrics(&o, t.as_ref()).await
        })
    }

    /// Buffer one observation (the core's `Metric` record); throws for bad values.
    #[napi]
    pub fn mesh_report_metric(&self, metric_json: String) -> napi::Result<()> {
        record::<Metric>("metric", &metric_json)
            .and_then(|m| self.inner.mesh_report_metric(&m))
            .map_err(|e| throw(&e))
    }

    /// The metrics the next heartbeat would carry, as JSON text (none when nothing is buffered).
    #[napi]
    pub fn mesh_buffered_metrics(&self) -> Option<String> {
        self.inner.mesh_buffered_metrics()
    }

    /// Start the background heartbeat (the core's `HeartbeatOptions` record); it runs on the
    /// core's threads, so it never keeps Node.js alive.
    #[napi]
    pub fn mesh_start_heartbeat(&self, options_json: String) -> napi::Result<()> {
        record::<HeartbeatOptions>("heartbeat options", &options_json)
            .and_then(|o| self.inner.mesh_start_heartbeat(&o))
            .map(drop)
            .map_err(|e| throw(&e))
    }

    /// Whether the background heartbeat runs.
    #[napi]
    pub fn mesh_heartbeat_running(&self) -> bool {
        self.inner.mesh_heartbeat_running()
    }

    /// Stop the background heartbeat; resolves once it has exited (at most 5 s for one in flight).
    #[napi]
    pub fn mesh_stop_heartbeat<'env>(
        &self,
        env: &'env Env,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let c = self.inner.clone();
        spawn(env, async move {
            let rt = waist::runtime()?;
            // The heartbeat task lives on the core's runtime; wait for it there.
            let stopped = rt.spawn(async move { c.mesh_stop_heartbeat().await });
            stopped
                .await
                .map_err(|e| Error::new(waist::ErrorKind::Internal, e.to_string()))?;
            Ok("null".to_string())
        })
    }
}

/// A waist stream behind an awaitable `next()`; `close()` (or garbage collection) ends a
/// pending `next()` and closes the connection.
#[napi]
pub struct NativeStream(Stream);

#[napi]
impl NativeStream {
    /// Resolves to `{"value": item}`, `{"done": true}` (ended or closed) or `{"error": …}` (after
    /// which the stream is done). Concurrent calls are served in order.
    #[napi]
    pub fn next<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, String>> {
        let stream = self.0.clone();
        env.spawn_future(async move {
            Ok(match stream.next().await {
                Ok(Some(item)) => envelope(Ok(item)),
                Ok(None) => DONE.to_string(),
                Err(e) => envelope(Err(e)),
            })
        })
    }

    /// Stop: a pending `next()` resolves done, the connection closes.
    #[napi]
    pub fn close(&self) {
        self.0.close();
    }
}

impl Drop for NativeStream {
    fn drop(&mut self) {
        self.0.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_carry_every_error_field() {
        let e = Error::invalid_argument("bad").with_trace_id(Some("t".into()));
        let v: serde_json::Value = serde_json::from_str(&envelope(Err(e))).unwrap();
        assert_eq!(v["error"]["kind"], "invalid_argument");
        assert_eq!(v["error"]["message"], "bad");
        assert_eq!(v["error"]["trace_id"], "t");
        assert!(v["error"]["status"].is_null());
        let v: serde_json::Value =
            serde_json::from_str(&envelope(Ok(r#"{"a":1}"#.into()))).unwrap();
        assert_eq!(v, json!({"value": {"a": 1}}));
        assert_eq!(quoted("id-1".into()), r#""id-1""#);
    }
}
