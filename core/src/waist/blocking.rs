//! The blocking face of the waist: [`BlockingClient`] and [`BlockingStream`], the same calls as
//! [`AsyncClient`] and [`Stream`], each blocking its calling thread until done. Request/response
//! calls run on the calling thread's own runtime and connection pool ([`CallingThread`]); streams,
//! `wait_for` and the heartbeat run on the shared runtime, so their connections make progress
//! between reads and a thousand waiting threads share one pool. Cancelling a token from another thread ends a blocked call at
//! once. Blocking a thread that drives an async runtime is refused (`invalid_argument`).

use std::panic::AssertUnwindSafe;

use bytes::Bytes;

use super::async_face::{panicked, AsyncClient, Heartbeat};
use super::calling_thread::{CallingThread, Engine};
use super::runtime::{refuse_inside_runtime, runtime};
use super::stream::Stream;
use crate::cancel::CancelToken;
use crate::error::Error;
use crate::records::{CallOptions, ClientConfig, HeartbeatOptions, Metric, StreamOptions};

/// The client, blocking. Share it between threads freely.
#[derive(Debug)]
pub struct BlockingClient {
    client: AsyncClient,
    threads: CallingThread,
}

/// Run `f` with a panic turned into an `internal` error: what a binding's own code at the waist
/// uses so that nothing unwinds into a foreign caller.
pub fn catch_panics<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Err(panicked(p)))
}

/// Block on `fut` on the calling thread's engine, with a panic turned into an `internal` error.
fn block_on<T>(
    engine: &Engine,
    fut: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    catch_panics(|| engine.block_on(fut))
}

/// Block on `fut` on the shared runtime, with a panic turned into an `internal` error.
fn block_on_shared<T>(
    fut: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    refuse_inside_runtime()?;
    let rt = runtime()?;
    catch_panics(|| rt.block_on(fut))
}

impl BlockingClient {
    /// Resolve and validate `config` and build the client. No request is sent.
    pub fn new(config: ClientConfig) -> Result<BlockingClient, Error> {
        Ok(BlockingClient::from_async(AsyncClient::new(config)?))
    }

    /// The blocking face of an existing client (both faces share everything).
    pub fn from_async(client: AsyncClient) -> BlockingClient {
        BlockingClient {
            threads: CallingThread::new(client.clone()),
            client,
        }
    }

    /// The async face of the same client.
    pub fn async_client(&self) -> &AsyncClient {
        &self.client
    }

    /// The calling thread's runtime and client, for a binding that drives a call itself (Python
    /// runs its signal handlers between slices of a wait).
    pub fn engine(&self) -> Result<&Engine, Error> {
        self.threads.engine()
    }

    /// See [`AsyncClient::close`].
    pub fn close(&self) {
        self.client.close();
    }

    /// Whether the client was closed.
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// See [`AsyncClient::call`].
    pub fn call(
        &self,
        op_id: &str,
        args: &str,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let e = self.engine()?;
        block_on(e, e.client().call(op_id, args, opts, cancel))
    }

    /// See [`AsyncClient::call_with_content`].
    pub fn call_with_content(
        &self,
        op_id: &str,
        args: &str,
        content: Bytes,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let e = self.engine()?;
        let call = e
            .client()
            .call_with_content(op_id, args, content, opts, cancel);
        block_on(e, call)
    }

    /// See [`AsyncClient::call_bytes`].
    pub fn call_bytes(
        &self,
        op_id: &str,
        args: &str,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<Bytes, Error> {
        let e = self.engine()?;
        block_on(e, e.client().call_bytes(op_id, args, opts, cancel))
    }

    /// See [`AsyncClient::send_intent`].
    pub fn send_intent(
        &self,
        intent: &str,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let e = self.engine()?;
        block_on(e, e.client().send_intent(intent, opts, cancel))
    }

    /// See [`AsyncClient::cancel_intent`].
    pub fn cancel_intent(
        &self,
        intent_id: &str,
        reason: Option<&str>,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let e = self.engine()?;
        let call = e.client().cancel_intent(intent_id, reason, opts, cancel);
        block_on(e, call)
    }

    /// See [`AsyncClient::wait_for`].
    pub fn wait_for(
        &self,
        intent_id: &str,
        opts: &StreamOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        // A wait is long and mostly idle: it runs on the shared runtime (as streams do) rather
        // than holding a connection pool on each waiting thread.
        block_on_shared(self.client.wait_for(intent_id, opts, cancel))
    }

    /// See [`AsyncClient::observe`].
    pub fn observe(
        &self,
        intent_id: &str,
        opts: &StreamOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<BlockingStream, Error> {
        Ok(BlockingStream::new(
            self.client.observe(intent_id, opts, cancel)?,
        ))
    }

    /// See [`AsyncClient::listen`].
    pub fn listen(
        &self,
        address: &str,
        opts: &StreamOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<BlockingStream, Error> {
        Ok(BlockingStream::new(
            self.client.listen(address, opts, cancel)?,
        ))
    }

    /// See [`AsyncClient::mcp_initialize`].
    pub fn mcp_initialize(
        &self,
        protocol_version: Option<&str>,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let e = self.engine()?;
        let call = e.client().mcp_initialize(protocol_version, opts, cancel);
        block_on(e, call)
    }

    /// See [`AsyncClient::mcp_list_tools`].
    pub fn mcp_list_tools(
        &self,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let e = self.engine()?;
        block_on(e, e.client().mcp_list_tools(opts, cancel))
    }

    /// See [`AsyncClient::mcp_call_tool`].
    pub fn mcp_call_tool(
        &self,
        name: &str,
        arguments: &str,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let e = self.engine()?;
        let call = e.client().mcp_call_tool(name, arguments, opts, cancel);
        block_on(e, call)
    }

    /// See [`AsyncClient::mesh_heartbeat`].
    pub fn mesh_heartbeat(
        &self,
        metrics: Option<&str>,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let e = self.engine()?;
        block_on(e, e.client().mesh_heartbeat(metrics, opts, cancel))
    }

    /// See [`AsyncClient::mesh_flush_metrics`].
    pub fn mesh_flush_metrics(
        &self,
        opts: &CallOptions,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let e = self.engine()?;
        block_on(e, e.client().mesh_flush_metrics(opts, cancel))
    }

    /// See [`AsyncClient::mesh_report_metric`].
    pub fn mesh_report_metric(&self, metric: &Metric) -> Result<(), Error> {
        self.client.mesh_report_metric(metric)
    }

    /// See [`AsyncClient::mesh_buffered_metrics`].
    pub fn mesh_buffered_metrics(&self) -> Option<String> {
        self.client.mesh_buffered_metrics()
    }

    /// See [`AsyncClient::mesh_start_heartbeat`].
    pub fn mesh_start_heartbeat(&self, opts: &HeartbeatOptions) -> Result<Heartbeat, Error> {
        self.client.mesh_start_heartbeat(opts)
    }

    /// See [`AsyncClient::mesh_heartbeat_running`].
    pub fn mesh_heartbeat_running(&self) -> bool {
        self.client.mesh_heartbeat_running()
    }

    /// See [`AsyncClient::mesh_stop_heartbeat`].
    pub fn mesh_stop_heartbeat(&self) -> Result<(), Error> {
        // The heartbeat task lives on the shared runtime, and so does the wait for it.
        block_on_shared(async {
            self.client.mesh_stop_heartbeat().await;
            Ok(())
        })
    }
}

/// A [`Stream`] read by blocking the calling thread.
#[derive(Debug, Clone)]
pub struct BlockingStream {
    stream: Stream,
}

impl BlockingStream {
    /// Wrap an async stream.
    pub fn new(stream: Stream) -> BlockingStream {
        BlockingStream { stream }
    }

    /// The async stream underneath.
    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    /// Block until the next item (JSON text); `None` at the end or after `close()`.
    pub fn next(&self) -> Result<Option<String>, Error> {
        block_on_shared(self.stream.next())
    }

    /// Stop the stream from any thread: a blocked `next()` returns `None` at once.
    pub fn close(&self) {
        self.stream.close();
    }

    /// Whether it was closed.
    pub fn is_closed(&self) -> bool {
        self.stream.is_closed()
    }
}
