//! A blocking facade for bindings without an async story of their own.
//!
//! One process-wide multi-threaded tokio runtime lives here (and only here), started on first
//! use; its worker threads keep the connection pool and background I/O alive between calls.
//! Calling the blocking API from inside an async runtime is refused with `invalid_argument`
//! instead of panicking. A [`BlockingStream`] is an iterator; dropping it cancels the stream.

use std::sync::OnceLock;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use tokio::runtime::Runtime;

use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::intents::CallOptions;
use crate::listen::ListenOptions;
use crate::mcp::McpCallOptions;
use crate::mesh::{HeartbeatHandle, Mesh};
use crate::observe::{EventStream, ObserveOptions};
use crate::transport::Client;

/// How long [`BlockingMesh::stop_heartbeat`] waits for a heartbeat in flight (as upstream).
pub const STOP_HEARTBEAT_WAIT: Duration = Duration::from_secs(5);

/// The shared runtime (bindings may also spawn their async work on it).
pub fn runtime() -> Result<&'static Runtime, Error> {
    static RT: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("axme-core")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| {
        Error::new(
            ErrorKind::Connection,
            format!("cannot start the axme-core runtime: {e}"),
        )
    })
}

fn block_on<F: std::future::Future>(f: F) -> Result<F::Output, Error> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::invalid_argument(
            "the blocking API was called from inside an async runtime; use the async Client",
        ));
    }
    Ok(runtime()?.block_on(f))
}

/// The blocking client: the async [`Client`] driven on the shared runtime.
#[derive(Debug, Clone)]
pub struct BlockingClient {
    inner: Client,
}

impl BlockingClient {
    /// Validate `config` and build the client.
    pub fn new(config: Config) -> Result<BlockingClient, Error> {
        Ok(BlockingClient {
            inner: Client::new(config)?,
        })
    }

    /// Build from a JSON config object (what bindings pass).
    pub fn from_json(config_json: &str) -> Result<BlockingClient, Error> {
        BlockingClient::new(Config::from_json(config_json)?)
    }

    /// The async client underneath.
    pub fn client(&self) -> &Client {
        &self.inner
    }

    /// Generic operation call by id (see [`Client::call_by_id`]).
    pub fn call(&self, op_id: &str, args: Value) -> Result<Value, Error> {
        block_on(self.inner.call_by_id(op_id, args))?
    }

    /// See [`Client::create_intent`].
    pub fn create_intent(&self, intent: Value, opts: &CallOptions) -> Result<Value, Error> {
        block_on(self.inner.create_intent(intent, opts))?
    }

    /// See [`Client::send_intent`].
    pub fn send_intent(&self, intent: Value, opts: &CallOptions) -> Result<String, Error> {
        block_on(self.inner.send_intent(intent, opts))?
    }

    /// See [`Client::get_intent`].
    pub fn get_intent(&self, intent_id: &str, opts: &CallOptions) -> Result<Value, Error> {
        block_on(self.inner.get_intent(intent_id, opts))?
    }

    /// See [`Client::list_intent_events`].
    pub fn list_intent_events(
        &self,
        intent_id: &str,
        since: Option<u64>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        block_on(self.inner.list_intent_events(intent_id, since, opts))?
    }

    /// See [`Client::resolve_intent`].
    pub fn resolve_intent(
        &self,
        intent_id: &str,
        body: Value,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        block_on(self.inner.resolve_intent(intent_id, body, opts))?
    }

    /// See [`Client::resume_intent`].
    pub fn resume_intent(
        &self,
        intent_id: &str,
        body: Value,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        block_on(self.inner.resume_intent(intent_id, body, opts))?
    }

    /// See [`Client::cancel_intent`].
    pub fn cancel_intent(
        &self,
        intent_id: &str,
        reason: Option<&str>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        block_on(self.inner.cancel_intent(intent_id, reason, opts))?
    }

    /// See [`Client::wait_for`].
    pub fn wait_for(&self, intent_id: &str, timeout: Option<Duration>) -> Result<Value, Error> {
        block_on(self.inner.wait_for(intent_id, timeout))?
    }

    /// See [`Client::wait_for_with`].
    pub fn wait_for_with(&self, intent_id: &str, opts: ObserveOptions) -> Result<Value, Error> {
        block_on(self.inner.wait_for_with(intent_id, opts))?
    }

    /// See [`Client::call_with_content`] (by operation id).
    pub fn call_with_content(
        &self,
        op_id: &str,
        args: Value,
        content: impl Into<bytes::Bytes>,
    ) -> Result<Value, Error> {
        block_on(self.inner.call_by_id_with_content(op_id, args, content))?
    }

    /// See [`Client::mcp_initialize`].
    pub fn mcp_initialize(
        &self,
        protocol_version: Option<&str>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        block_on(self.inner.mcp_initialize(protocol_version, opts))?
    }

    /// See [`Client::mcp_list_tools`].
    pub fn mcp_list_tools(&self, opts: &CallOptions) -> Result<Value, Error> {
        block_on(self.inner.mcp_list_tools(opts))?
    }

    /// See [`Client::mcp_call_tool`].
    pub fn mcp_call_tool(
        &self,
        name: &str,
        arguments: Value,
        opts: &McpCallOptions,
    ) -> Result<Value, Error> {
        block_on(self.inner.mcp_call_tool(name, arguments, opts))?
    }

    /// The mesh calls (see [`Client::mesh`]).
    pub fn mesh(&self) -> BlockingMesh {
        BlockingMesh {
            inner: self.inner.mesh(),
        }
    }

    /// See [`Client::observe`].
    pub fn observe(&self, intent_id: &str, opts: ObserveOptions) -> BlockingStream {
        BlockingStream {
            stream: self.inner.observe(intent_id, opts),
        }
    }

    /// See [`Client::listen`].
    pub fn listen(&self, address: &str, opts: ListenOptions) -> BlockingStream {
        BlockingStream {
            stream: self.inner.listen(address, opts),
        }
    }
}

/// The mesh calls, blocking. The background heartbeat runs on the shared runtime.
#[derive(Debug, Clone)]
pub struct BlockingMesh {
    inner: Mesh,
}

impl BlockingMesh {
    /// The async view underneath.
    pub fn mesh(&self) -> &Mesh {
        &self.inner
    }

    /// See [`Mesh::heartbeat`].
    pub fn heartbeat(&self, metrics: Option<Value>, opts: &CallOptions) -> Result<Value, Error> {
        block_on(self.inner.heartbeat(metrics, opts))?
    }

    /// See [`Mesh::flush_metrics`].
    pub fn flush_metrics(&self, opts: &CallOptions) -> Result<Value, Error> {
        block_on(self.inner.flush_metrics(opts))?
    }

    /// See [`Mesh::report_metric`].
    pub fn report_metric(
        &self,
        success: bool,
        latency_ms: Option<f64>,
        cost_usd: Option<f64>,
    ) -> Result<(), Error> {
        self.inner.report_metric(success, latency_ms, cost_usd)
    }

    /// See [`Mesh::buffered_metrics`].
    pub fn buffered_metrics(&self) -> Option<Value> {
        self.inner.buffered_metrics()
    }

    /// See [`Mesh::start_heartbeat`]; the task runs on the shared runtime. Keep the handle for
    /// as long as the heartbeat should run (or call [`BlockingMesh::stop_heartbeat`]).
    pub fn start_heartbeat(
        &self,
        interval: Duration,
        include_metrics: bool,
    ) -> Result<HeartbeatHandle, Error> {
        self.inner
            .start_heartbeat_on(runtime()?.handle(), interval, include_metrics)
    }

    /// See [`Mesh::heartbeat_running`].
    pub fn heartbeat_running(&self) -> bool {
        self.inner.heartbeat_running()
    }

    /// Stop the background heartbeat and wait for it, at most [`STOP_HEARTBEAT_WAIT`].
    pub fn stop_heartbeat(&self) -> Result<(), Error> {
        let mesh = &self.inner;
        // The timer must be created inside the runtime, hence the async block.
        block_on(async {
            let _ = tokio::time::timeout(STOP_HEARTBEAT_WAIT, mesh.stop_heartbeat()).await;
        })
    }

    /// See [`Mesh::list_agents`].
    pub fn list_agents(
        &self,
        limit: Option<u32>,
        health: Option<&str>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        block_on(self.inner.list_agents(limit, health, opts))?
    }

    /// See [`Mesh::get_agent`].
    pub fn get_agent(&self, address_id: &str, opts: &CallOptions) -> Result<Value, Error> {
        block_on(self.inner.get_agent(address_id, opts))?
    }

    /// See [`Mesh::kill`].
    pub fn kill(&self, address_id: &str, opts: &CallOptions) -> Result<Value, Error> {
        block_on(self.inner.kill(address_id, opts))?
    }

    /// See [`Mesh::resume`].
    pub fn resume(&self, address_id: &str, opts: &CallOptions) -> Result<Value, Error> {
        block_on(self.inner.resume(address_id, opts))?
    }

    /// See [`Mesh::list_events`].
    pub fn list_events(
        &self,
        limit: Option<u32>,
        event_type: Option<&str>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        block_on(self.inner.list_events(limit, event_type, opts))?
    }
}

/// What [`BlockingStream::next_within`] found.
#[derive(Debug)]
pub enum Polled {
    /// The next item.
    Item(Result<Value, Error>),
    /// The stream has ended.
    End,
    /// Nothing arrived in time; the stream is intact, call again.
    Pending,
}

/// An iterator over an event stream; dropping it cancels the stream.
pub struct BlockingStream {
    stream: EventStream,
}

impl std::fmt::Debug for BlockingStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlockingStream")
    }
}

impl BlockingStream {
    /// Wait at most `wait` for the next item, so a binding can check for interrupts (Ctrl-C)
    /// between waits without losing anything.
    pub fn next_within(&mut self, wait: Duration) -> Polled {
        let stream = &mut self.stream;
        // The timer must be created inside the runtime, hence the async block.
        match block_on(async { tokio::time::timeout(wait, stream.next()).await }) {
            Err(e) => Polled::Item(Err(e)),
            Ok(Err(_)) => Polled::Pending,
            Ok(Ok(Some(item))) => Polled::Item(item),
            Ok(Ok(None)) => Polled::End,
        }
    }
}

impl Iterator for BlockingStream {
    type Item = Result<Value, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match block_on(self.stream.next()) {
            Ok(item) => item,
            Err(e) => Some(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> BlockingClient {
        BlockingClient::from_json(r#"{"api_key":"k","base_url":"http://127.0.0.1:9"}"#).unwrap()
    }

    #[test]
    fn invalid_arguments_fail_before_any_request() {
        let c = client();
        let e = c.get_intent("", &CallOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        let e = c.call("no.such.op", Value::Null).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        let e = c.call("stream_intent_events", Value::Null).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        let mut s = c.observe(
            "i",
            ObserveOptions {
                wait_seconds: 0,
                ..ObserveOptions::default()
            },
        );
        assert_eq!(
            s.next().unwrap().unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert!(s.next().is_none());
        let e = BlockingClient::from_json(r#"{"api_key":""}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn connection_refused_is_a_connection_error() {
        let c = BlockingClient::from_json(
            r#"{"api_key":"k","base_url":"http://127.0.0.1:9","max_retries":0}"#,
        )
        .unwrap();
        let e = c.get_intent("i", &CallOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
        assert!(e.trace_id().is_some());
        assert!(e.is_retryable());
    }

    #[test]
    fn refuses_to_block_inside_a_runtime() {
        let c = client();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let e = rt
            .block_on(async { c.get_intent("i", &CallOptions::default()) })
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    }
}
