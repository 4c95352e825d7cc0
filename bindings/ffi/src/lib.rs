//! `axme-ffi`: the waist's blocking face ([`axme_core::waist`]) as a C ABI, through uniffi.
//!
//! Go (cgo), Java (JNA) and .NET (`DllImport`) call these functions; each foreign SDK keeps a
//! small hand-written glue (buffers, handles, errors) over the raw declarations codegen writes from
//! this library's uniffi metadata (`codegen/src/waist.rs`). Every method is a few lines: the records
//! ([`ClientConfig`], [`CallOptions`], [`StreamOptions`], [`Metric`], [`HeartbeatOptions`],
//! [`ErrorRecord`]) are axme-core's own, declared once with `#[derive(uniffi::Record)]`.
//!
//! Objects: [`Client`], [`Stream`], [`CancelToken`], [`Heartbeat`]. Every call returns JSON text
//! or raw bytes, or fails with [`AxmeError`] carrying the [`ErrorRecord`]. A panic inside a call is
//! caught by the waist and arrives as an `internal` error; uniffi's own catch (status 2) is the
//! last line of defence, so nothing unwinds into a foreign caller.

// The error is lowered into a buffer once per failed call; its size on the stack does not matter.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axme_core::waist::{self, BlockingClient, BlockingStream};
pub use axme_core::waist::{
    CallOptions, ClientConfig, ErrorKind, ErrorRecord, HeartbeatOptions, Metric, StreamOptions,
};

mod buffers;

uniffi::setup_scaffolding!("axme_ffi");

/// Every failure of a call: the core's error as one record.
#[derive(Debug, uniffi::Error)]
pub enum AxmeError {
    /// The call failed; `error.kind` says how.
    Failed {
        /// Every field of the core's error.
        error: ErrorRecord,
    },
}

impl std::fmt::Display for AxmeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let AxmeError::Failed { error } = self;
        write!(f, "{}: {}", error.kind, error.message)
    }
}

impl std::error::Error for AxmeError {}

impl From<axme_core::Error> for AxmeError {
    fn from(e: axme_core::Error) -> AxmeError {
        AxmeError::Failed { error: e.into() }
    }
}

type Result<T> = std::result::Result<T, AxmeError>;

/// The core's token behind an optional foreign one.
fn token(cancel: &Option<Arc<CancelToken>>) -> Option<&waist::CancelToken> {
    cancel.as_deref().map(|t| &t.0)
}

/// A cancellation switch: pass it to calls and streams, cancel it from any thread.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancelToken(waist::CancelToken);

#[uniffi::export]
impl CancelToken {
    /// A token nobody has cancelled.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Cancel every call and stream holding it (idempotent).
    pub fn cancel(&self) {
        self.0.cancel();
    }

    /// Whether it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}

/// An `observe` or `listen` stream: `next()` blocks for the next item.
#[derive(Debug, uniffi::Object)]
pub struct Stream(BlockingStream);

#[uniffi::export]
impl Stream {
    /// The next item as JSON text; `None` at the end or after `close()`.
    pub fn next(&self) -> Result<Option<String>> {
        Ok(self.0.next()?)
    }

    /// Stop the stream from any thread; a blocked `next()` returns `None`.
    pub fn close(&self) {
        self.0.close();
    }

    /// Whether `close()` was called (or the client was closed).
    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

/// The background mesh heartbeat.
#[derive(Debug, uniffi::Object)]
pub struct Heartbeat(waist::Heartbeat);

#[uniffi::export]
impl Heartbeat {
    /// Ask it to stop (a heartbeat in flight finishes first).
    pub fn stop(&self) {
        self.0.stop();
    }

    /// Whether it still runs.
    pub fn is_running(&self) -> bool {
        self.0.is_running()
    }
}

/// The client. Share it between threads.
#[derive(Debug, uniffi::Object)]
pub struct Client(BlockingClient);

#[uniffi::export]
impl Client {
    /// Validate `config` (environment fallbacks included) and build the client; no request.
    #[uniffi::constructor]
    pub fn new(config: ClientConfig) -> Result<Arc<Self>> {
        Ok(Arc::new(Client(BlockingClient::new(config)?)))
    }

    /// Call an operation by id with JSON `args`; the JSON response as text.
    pub fn call(
        &self,
        op_id: String,
        args: String,
        options: CallOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<String> {
        Ok(self.0.call(&op_id, &args, &options, token(&cancel))?)
    }

    /// [`Client::call`] with a raw request body (a media upload).
    pub fn call_with_content(
        &self,
        op_id: String,
        args: String,
        content: Vec<u8>,
        options: CallOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<String> {
        let content = content.into();
        Ok(self
            .0
            .call_with_content(&op_id, &args, content, &options, token(&cancel))?)
    }

    /// Call an operation that answers raw bytes (a media download).
    pub fn call_bytes(
        &self,
        op_id: String,
        args: String,
        options: CallOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<Vec<u8>> {
        Ok(self
            .0
            .call_bytes(&op_id, &args, &options, token(&cancel))?
            .to_vec())
    }

    /// Create an intent (minting its correlation id when absent); its id.
    pub fn send_intent(
        &self,
        intent: String,
        options: CallOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<String> {
        Ok(self.0.send_intent(&intent, &options, token(&cancel))?)
    }

    /// Cancel an intent (resolve with `CANCELED`).
    pub fn cancel_intent(
        &self,
        intent_id: String,
        reason: Option<String>,
        options: CallOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<String> {
        let reason = reason.as_deref();
        Ok(self
            .0
            .cancel_intent(&intent_id, reason, &options, token(&cancel))?)
    }

    /// An intent's lifecycle events (bad arguments refused here).
    pub fn observe(
        &self,
        intent_id: String,
        options: StreamOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<Arc<Stream>> {
        let stream = self.0.observe(&intent_id, &options, token(&cancel))?;
        Ok(Arc::new(Stream(stream)))
    }

    /// The intents delivered to an agent address (bad arguments refused here).
    pub fn listen(
        &self,
        address: String,
        options: StreamOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<Arc<Stream>> {
        let stream = self.0.listen(&address, &options, token(&cancel))?;
        Ok(Arc::new(Stream(stream)))
    }

    /// Wait for the intent's terminal event.
    pub fn wait_for(
        &self,
        intent_id: String,
        options: StreamOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<String> {
        Ok(self.0.wait_for(&intent_id, &options, token(&cancel))?)
    }

    /// MCP `initialize`.
    pub fn mcp_initialize(
        &self,
        protocol_version: Option<String>,
        options: CallOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<String> {
        let version = protocol_version.as_deref();
        Ok(self.0.mcp_initialize(version, &options, token(&cancel))?)
    }

    /// MCP `tools/list`.
    pub fn mcp_list_tools(
        &self,
        options: CallOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<String> {
        Ok(self.0.mcp_list_tools(&options, token(&cancel))?)
    }

    /// MCP `tools/call`.
    pub fn mcp_call_tool(
        &self,
        name: String,
        arguments: String,
        options: CallOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<String> {
        Ok(self
            .0
            .mcp_call_tool(&name, &arguments, &options, token(&cancel))?)
    }

    /// One mesh heartbeat, with `metrics` (a JSON object) or without a body.
    pub fn mesh_heartbeat(
        &self,
        metrics: Option<String>,
        options: CallOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<String> {
        let metrics = metrics.as_deref();
        Ok(self.0.mesh_heartbeat(metrics, &options, token(&cancel))?)
    }

    /// One heartbeat carrying the buffered metrics.
    pub fn mesh_flush_metrics(
        &self,
        options: CallOptions,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<String> {
        Ok(self.0.mesh_flush_metrics(&options, token(&cancel))?)
    }

    /// Buffer one observation for the next heartbeat.
    pub fn mesh_report_metric(&self, metric: Metric) -> Result<()> {
        Ok(self.0.mesh_report_metric(&metric)?)
    }

    /// The buffered metrics as JSON text, if any.
    pub fn mesh_buffered_metrics(&self) -> Option<String> {
        self.0.mesh_buffered_metrics()
    }

    /// Start the background heartbeat (the running one if it already runs).
    pub fn mesh_start_heartbeat(&self, options: HeartbeatOptions) -> Result<Arc<Heartbeat>> {
        Ok(Arc::new(Heartbeat(self.0.mesh_start_heartbeat(&options)?)))
    }

    /// Stop the background heartbeat, waiting at most 5 s for one in flight.
    pub fn mesh_stop_heartbeat(&self) -> Result<()> {
        Ok(self.0.mesh_stop_heartbeat()?)
    }

    /// Whether the background heartbeat runs.
    pub fn mesh_heartbeat_running(&self) -> bool {
        self.0.mesh_heartbeat_running()
    }

    /// Close the client: calls in flight fail `canceled`, streams end, the heartbeat stops.
    pub fn close(&self) {
        self.0.close();
    }

    /// Whether the client was closed.
    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }

    /// This client's open streams and calls in flight.
    pub fn live_handles(&self) -> u64 {
        self.0.async_client().live_handles()
    }

    /// The validated base URL.
    pub fn base_url(&self) -> String {
        self.0.async_client().base_url().to_string()
    }

    /// The `X-Axme-Client` value.
    pub fn client_identity(&self) -> String {
        self.0.async_client().client_identity().to_string()
    }

    /// The MCP session id of the last `initialize`, if any.
    pub fn mcp_session_id(&self) -> Option<String> {
        self.0.async_client().mcp_session_id()
    }
}

/// Open streams and calls in flight in this process.
#[uniffi::export]
pub fn live_handles() -> u64 {
    waist::live_handles()
}

/// The version of axme-core in this library.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Test hook (test builds only): a panic inside a call, caught by the waist.
#[cfg(test)]
#[uniffi::export]
pub fn panic_inside_a_call() -> Result<String> {
    Ok(waist::catch_panics(|| panic!("boom inside a call"))?)
}

/// Test hook (test builds only): a panic outside the waist's guard, caught by uniffi.
#[cfg(test)]
#[uniffi::export]
pub fn panic_outside_the_waist() -> u32 {
    panic!("boom outside the waist")
}

#[cfg(test)]
mod tests;
