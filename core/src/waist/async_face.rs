//! The async face of the waist: [`AsyncClient`].

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use serde_json::{Map, Value};

use super::handles::LiveHandle;
use super::runtime::runtime;
use super::stream::Stream;
use crate::cancel::{run_cancellable, CancelToken};
use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::mesh::HeartbeatHandle;
use crate::records::{CallOptions, ClientConfig, HeartbeatOptions, Metric, StreamOptions};
use crate::request::merge_options;
use crate::transport::find_op;

/// How long stopping the heartbeat waits for a heartbeat in flight (as the upstream SDKs' join).
pub const STOP_HEARTBEAT_WAIT: Duration = Duration::from_secs(5);

/// What every copy of one client shares beyond the engine: the token closing it, the
/// background heartbeat it started, and its count of live handles.
#[derive(Debug, Default)]
struct Shared {
    closed: CancelToken,
    heartbeat: Mutex<Option<HeartbeatHandle>>,
    live: Arc<AtomicU64>,
}

/// The client, async. Cheap to clone; clones are the same client.
#[derive(Debug, Clone)]
pub struct AsyncClient {
    client: Client,
    shared: Arc<Shared>,
}

/// The background mesh heartbeat started by [`AsyncClient::mesh_start_heartbeat`].
#[derive(Debug, Clone)]
pub struct Heartbeat {
    handle: HeartbeatHandle,
}

impl Heartbeat {
    /// Ask it to stop (a heartbeat in flight finishes first).
    pub fn stop(&self) {
        self.handle.stop();
    }

    /// Whether it still runs.
    pub fn is_running(&self) -> bool {
        self.handle.is_running()
    }

    /// Resolves once it has stopped.
    pub async fn stopped(&self) {
        self.handle.stopped().await;
    }
}

/// JSON text → a JSON object (empty text or `null`: no arguments).
fn object(what: &str, json: &str) -> Result<Map<String, Value>, Error> {
    match parse(what, json)? {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        _ => Err(Error::invalid_argument(format!(
            "{what} must be a JSON object"
        ))),
    }
}

fn parse(what: &str, json: &str) -> Result<Value, Error> {
    if json.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(json)
        .map_err(|e| Error::invalid_argument(format!("{what} is not valid JSON: {e}")))
}

fn text(v: Result<Value, Error>) -> Result<String, Error> {
    v.map(|v| v.to_string())
}

/// The error for a panic caught at the waist.
pub(crate) fn panicked(payload: Box<dyn std::any::Any + Send>) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    Error::new(
        ErrorKind::Internal,
        format!("axme-core failed inside a call (this is a bug; please report it): {what}"),
    )
}

impl AsyncClient {
    /// Resolve and validate `config` (environment fallbacks included) and build the client.
    /// No request is sent.
    pub fn new(config: ClientConfig) -> Result<AsyncClient, Error> {
        Ok(AsyncClient {
            client: Client::new(config)?,
            shared: Arc::default(),
        })
    }

    /// The engine underneath (the Rust API).
    pub fn engine(&self) -> &Client {
        &self.client
    }

    /// The same client with a connection pool of its own, for another runtime.
    pub fn with_own_connections(&self) -> Result<AsyncClient, Error> {
        Ok(AsyncClient {
            client: self.client.with_own_connections()?,
            shared: self.shared.clone(),
        })
    }

    /// The validated base URL (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.client.config().base_url
    }

    /// The `X-Axme-Client` value every request carries.
    pub fn client_identity(&self) -> &str {
        &self.client.config().client_identity
    }

    /// The MCP session id of the last `initialize`, if the server gave one.
    pub fn mcp_session_id(&self) -> Option<String> {
        self.client.mcp_session_id()
    }

    /// Close the client: calls in flight fail with `canceled`, streams end, the background
    /// heartbeat stops; later calls fail with `canceled` at once. Idempotent.
    pub fn close(&self) {
        self.shared.closed.cancel();
        if let Some(h) = self.heartbeat_slot().take() {
            h.stop();
        }
    }

    /// Whether [`AsyncClient::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.is_cancelled()
    }

    /// This client's streams not yet closed or dropped, plus its calls in flight.
    pub fn live_handles(&self) -> u64 {
        self.shared.live.load(Ordering::SeqCst)
    }

    fn heartbeat_slot(&self) -> std::sync::MutexGuard<'_, Option<HeartbeatHandle>> {
        self.shared
            .heartbeat
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one call: counted as a live handle, ended by `cancel` or by closing the client, and
    /// with a panic turned into an `internal` error.
    async fn guard<T, F>(&self, cancel: Option<&CancelToken>, fut: F) -> Result<T, Error>
    where
        F: Future<Output = Result<T, Error>>,
    {
        let _live = LiveHandle::new(&self.shared.live);
        let caught = AssertUnwindSafe(fut)
            .catch_unwind()
            .map(|r| r.unwrap_or_else(|p| Err(panicked(p))));
        self.shared
            .closed
            .run(run_cancellable(cancel, caught))
            .await
    }

    /// Call an operation by id: `args` is a JSON object of its parameters by name and `body`;
    /// returns the JSON response as text (`null` for an empty body).
    pub async fn call(
        &self,
        op_id: &str,
        args: &str,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        self.guard(cancel, self.call_text(op_id, args, opts, None))
            .await
    }

    /// [`AsyncClient::call`] for an operation whose request body is raw bytes (a media upload).
    pub async fn call_with_content(
        &self,
        op_id: &str,
        args: &str,
        content: Bytes,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        self.guard(cancel, self.call_text(op_id, args, opts, Some(content)))
            .await
    }

    async fn call_text(
        &self,
        op_id: &str,
        args: &str,
        opts: &CallOptions,
        content: Option<Bytes>,
    ) -> Result<String, Error> {
        let op = find_op(op_id)?;
        let mut args = object("args", args)?;
        merge_options(op, &mut args, opts)?;
        self.client
            .transport()
            .call_text(op, Value::Object(args), content)
            .await
    }

    /// Call an operation whose answer is raw bytes (a media download) and return them.
    pub async fn call_bytes(
        &self,
        op_id: &str,
        args: &str,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<Bytes, Error> {
        self.guard(cancel, async {
            let op = find_op(op_id)?;
            let mut args = object("args", args)?;
            merge_options(op, &mut args, opts)?;
            self.client
                .transport()
                .call_bytes(op, Value::Object(args), None)
                .await
        })
        .await
    }

    /// Create an intent (a `correlation_id` is minted when it has none) and return its id.
    pub async fn send_intent(
        &self,
        intent: &str,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        self.guard(cancel, async {
            self.client
                .send_intent(parse("intent", intent)?, opts)
                .await
        })
        .await
    }

    /// Cancel an intent: resolve it with status `CANCELED` (and `reason`).
    pub async fn cancel_intent(
        &self,
        intent_id: &str,
        reason: Option<&str>,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        self.guard(cancel, async {
            text(self.client.cancel_intent(intent_id, reason, opts).await)
        })
        .await
    }

    /// The intent's lifecycle events after `opts.since`, ending after the terminal one. Bad
    /// arguments are refused here, before any request.
    pub fn observe(
        &self,
        intent_id: &str,
        opts: &StreamOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<Stream, Error> {
        let events = self.client.try_observe(intent_id, opts)?;
        Ok(self.stream(events, cancel))
    }

    /// The intents delivered to an agent address; never ends on its own. Bad arguments are
    /// refused here, before any request.
    pub fn listen(
        &self,
        address: &str,
        opts: &StreamOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<Stream, Error> {
        let events = self.client.try_listen(address, opts)?;
        Ok(self.stream(events, cancel))
    }

    fn stream(&self, events: crate::observe::EventStream, cancel: Option<&CancelToken>) -> Stream {
        let live = LiveHandle::new(&self.shared.live);
        Stream::new(events, live, self.shared.closed.child(), cancel.cloned())
    }

    /// Wait until the intent reaches a terminal status and return that event as JSON text.
    pub async fn wait_for(
        &self,
        intent_id: &str,
        opts: &StreamOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        self.guard(cancel, async {
            text(self.client.wait_for_with(intent_id, opts).await)
        })
        .await
    }

    /// MCP `initialize` with `protocol_version` (else the configured one); the result as text.
    pub async fn mcp_initialize(
        &self,
        protocol_version: Option<&str>,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        self.guard(cancel, async {
            text(self.client.mcp_initialize(protocol_version, opts).await)
        })
        .await
    }

    /// MCP `tools/list` (caches the tools' input schemas).
    pub async fn mcp_list_tools(
        &self,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        self.guard(cancel, async {
            text(self.client.mcp_list_tools(opts).await)
        })
        .await
    }

    /// MCP `tools/call` of `name` with `arguments` (a JSON object, or empty for none).
    pub async fn mcp_call_tool(
        &self,
        name: &str,
        arguments: &str,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        self.guard(cancel, async {
            let arguments = parse("arguments", arguments)?;
            text(self.client.mcp_call_tool(name, arguments, opts).await)
        })
        .await
    }

    /// One heartbeat; `metrics` (a JSON object) is sent as `{"metrics": …}`, none sends no body.
    pub async fn mesh_heartbeat(
        &self,
        metrics: Option<&str>,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        self.guard(cancel, async {
            let metrics = metrics.map(|m| parse("metrics", m)).transpose()?;
            text(self.client.mesh().heartbeat(metrics, opts).await)
        })
        .await
    }

    /// One heartbeat carrying the buffered metrics; on failure they stay buffered.
    pub async fn mesh_flush_metrics(
        &self,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        self.guard(cancel, async {
            text(self.client.mesh().flush_metrics(opts).await)
        })
        .await
    }

    /// Buffer one observation for the next heartbeat.
    pub fn mesh_report_metric(&self, metric: &Metric) -> Result<(), Error> {
        self.client.mesh().report(metric)
    }

    /// The metrics the next heartbeat would carry, as JSON text; `None` when nothing is buffered.
    pub fn mesh_buffered_metrics(&self) -> Option<String> {
        self.client.mesh().buffered_metrics().map(|v| v.to_string())
    }

    /// Start the background heartbeat on the shared runtime: one at once, then one every
    /// interval; failures are logged and swallowed. It runs until stopped or the client is
    /// closed (a second start while it runs returns the running one).
    pub fn mesh_start_heartbeat(&self, opts: &HeartbeatOptions) -> Result<Heartbeat, Error> {
        if self.is_closed() {
            return Err(Error::canceled());
        }
        let interval = opts.interval()?;
        let handle = self.client.mesh().start_heartbeat_on(
            runtime()?.handle(),
            interval,
            opts.include_metrics,
        )?;
        *self.heartbeat_slot() = Some(handle.clone());
        Ok(Heartbeat { handle })
    }

    /// Whether the background heartbeat runs.
    pub fn mesh_heartbeat_running(&self) -> bool {
        self.client.mesh().heartbeat_running()
    }

    /// Stop the background heartbeat and wait (at most [`STOP_HEARTBEAT_WAIT`]) for a heartbeat
    /// in flight.
    pub async fn mesh_stop_heartbeat(&self) {
        let handle = self.heartbeat_slot().take();
        let mesh = self.client.mesh();
        let _ = tokio::time::timeout(STOP_HEARTBEAT_WAIT, mesh.stop_heartbeat()).await;
        drop(handle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_inside_a_call_becomes_an_internal_error() {
        let c = AsyncClient::new(ClientConfig {
            api_key: Some("k".into()),
            base_url: Some("http://127.0.0.1:9".into()),
            ..ClientConfig::default()
        })
        .unwrap();
        let boom = async {
            if c.live_handles() == 1 {
                panic!("boom");
            }
            Ok(())
        };
        let e = c.guard(None, boom).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Internal);
        assert!(e.message().contains("boom"), "{e}");
        assert_eq!(c.live_handles(), 0);
        let e = c
            .guard(None, async { Err::<(), _>(Error::protocol("x")) })
            .await;
        assert_eq!(e.unwrap_err().kind(), ErrorKind::Protocol);
    }
}
