//! `axme._native`: the Python face of `axme-core`.
//!
//! Conversion code only. Arguments and results cross the boundary as JSON text (Python's `json`
//! module on one side, serde_json on the other), options as typed keyword arguments, and a core
//! [`Error`] becomes the exception class `axme.exceptions` picks for its kind. Every wait
//! releases the GIL. Blocking waits run in short slices so Ctrl-C (and any other Python signal
//! handler) is honoured between them; async calls are asyncio futures whose cancellation drops
//! the Rust future, which cancels the request in flight.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use axme_core::blocking::runtime;
use axme_core::{
    CallOptions, CallingThread, Client, Config, Error, HeartbeatHandle, ListenOptions,
    McpCallOptions, ObserveOptions,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyTuple};
use serde_json::Value;

mod logging;
mod stream;

use stream::NativeStream;

/// How long one blocking wait lasts before Python gets a chance to run signal handlers.
const SLICE: Duration = Duration::from_millis(50);

/// Build the exception for a core error through `axme.exceptions._from_core`, which owns the
/// kind → class table.
fn to_pyerr(py: Python<'_>, e: &Error) -> PyErr {
    static FACTORY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let build = || -> PyResult<PyErr> {
        let factory = FACTORY.get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("axme.exceptions")?
                    .getattr("_from_core")?
                    .unbind(),
            )
        })?;
        let body = e.body().map(Value::to_string);
        let args = PyTuple::new(
            py,
            [
                e.kind().as_str().into_pyobject(py)?.into_any(),
                e.message().into_pyobject(py)?.into_any(),
                e.status().into_pyobject(py)?,
                e.code().into_pyobject(py)?,
                body.into_pyobject(py)?,
                e.request_id().into_pyobject(py)?,
                e.trace_id().into_pyobject(py)?,
                e.retry_after().map(|d| d.as_secs_f64()).into_pyobject(py)?,
                e.is_retryable().into_pyobject(py)?.to_owned().into_any(),
            ],
        )?;
        Ok(PyErr::from_value(factory.bind(py).call1(args)?))
    };
    build().unwrap_or_else(|err| err)
}

/// [`to_pyerr`] from a thread that may not be attached to the interpreter (async futures).
fn to_pyerr_attached(e: Error) -> PyErr {
    Python::attach(|py| to_pyerr(py, &e))
}

fn parse_json(what: &str, text: &str) -> Result<Value, Error> {
    serde_json::from_str(text)
        .map_err(|e| Error::invalid_argument(format!("{what} is not valid JSON: {e}")))
}

/// A boxed future the blocking helpers drive.
type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send>>;

/// Drive `fut` on `rt` with the GIL released, in slices of [`SLICE`]; between slices run
/// Python's signal handlers, and if one raises (Ctrl-C), drop the future (cancelling its request)
/// and propagate the exception.
fn block_on_interruptible<T: Send>(
    py: Python<'_>,
    rt: &tokio::runtime::Runtime,
    mut fut: BoxFuture<T>,
) -> PyResult<T> {
    if tokio::runtime::Handle::try_current().is_ok() {
        let e = Error::invalid_argument(
            "the blocking client was called from inside the axme runtime; use AsyncAxmeClient",
        );
        return Err(to_pyerr(py, &e));
    }
    loop {
        let polled =
            py.detach(|| rt.block_on(async { tokio::time::timeout(SLICE, &mut fut).await }));
        match polled {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => return Err(to_pyerr(py, &e)),
            Err(_elapsed) => py.check_signals()?,
        }
    }
}

/// Per-call options of the high-level calls, from their keyword arguments. (The core checks the
/// values: empty or non-header-safe strings are `invalid_argument` before any request.)
fn call_options(
    idempotency_key: Option<String>,
    trace_id: Option<String>,
    owner_agent: Option<String>,
    x_owner_agent: Option<String>,
    authorization: Option<String>,
) -> CallOptions {
    CallOptions {
        idempotency_key,
        trace_id,
        owner_agent,
        x_owner_agent,
        authorization,
        timeout: None,
    }
}

fn seconds(name: &str, value: Option<f64>) -> Result<Option<Duration>, Error> {
    match value {
        None => Ok(None),
        Some(s) if (0.0..1e9).contains(&s) => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(Error::invalid_argument(format!(
            "{name} must be a finite number of seconds >= 0, got {s}"
        ))),
    }
}

/// The client: one `axme_core::Client` (config, retry budget, MCP and mesh state) shared by both
/// the blocking and the async entry points. Async calls and streams use its connection pool on the
/// shared runtime; blocking request/response calls run on the calling thread's own runtime and
/// pool (`axme_core::CallingThread`), which saves two thread wake-ups per call.
#[pyclass(module = "axme._native", frozen)]
struct NativeClient {
    client: Client,
    calling_thread: CallingThread,
    /// The background mesh heartbeat; the task runs while this handle is kept.
    heartbeat: Mutex<Option<HeartbeatHandle>>,
}

/// How long `mesh_stop_heartbeat` waits for a heartbeat in flight (as the public SDK's join).
const STOP_HEARTBEAT_WAIT: Duration = Duration::from_secs(5);

impl NativeClient {
    /// A blocking request/response call: the future `call` makes from the calling thread's
    /// client, driven on the calling thread.
    fn run<T: Send + 'static>(
        &self,
        py: Python<'_>,
        call: impl FnOnce(Client) -> BoxFuture<T>,
    ) -> PyResult<T> {
        let engine = self.calling_thread.engine().map_err(|e| to_pyerr(py, &e))?;
        block_on_interruptible(py, engine.runtime(), call(engine.client().clone()))
    }

    /// A blocking wait on work that belongs to the shared runtime (the mesh heartbeat).
    fn run_shared<T: Send + 'static>(&self, py: Python<'_>, fut: BoxFuture<T>) -> PyResult<T> {
        let rt = runtime().map_err(|e| to_pyerr(py, &e))?;
        block_on_interruptible(py, rt, fut)
    }

    fn spawn<'py, T>(py: Python<'py>, fut: BoxFuture<T>) -> PyResult<Bound<'py, PyAny>>
    where
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            fut.await.map_err(to_pyerr_attached)
        })
    }
}

fn json_text(v: Result<Value, Error>) -> Result<String, Error> {
    v.map(|v| v.to_string())
}

/// The generic call, with the raw body beside the JSON args when there is one; the response as
/// JSON text, which Python parses.
async fn call_future(
    client: Client,
    op_id: String,
    args: Value,
    content: Option<Vec<u8>>,
) -> Result<String, Error> {
    client
        .call_by_id_text(&op_id, args, content.map(Into::into))
        .await
}

#[pymethods]
impl NativeClient {
    /// Validate the JSON config (`axme_core::Config` fields) and build the client. No request is
    /// sent.
    #[new]
    fn new(py: Python<'_>, config_json: &str) -> PyResult<Self> {
        let client = Config::from_json(config_json)
            .and_then(Client::new)
            .map_err(|e| to_pyerr(py, &e))?;
        Ok(NativeClient {
            calling_thread: CallingThread::new(client.clone()),
            client,
            heartbeat: Mutex::new(None),
        })
    }

    /// The validated base URL (no trailing slash).
    #[getter]
    fn base_url(&self) -> String {
        self.client.config().base_url.clone()
    }

    /// The `X-Axme-Client` value sent with every request.
    #[getter]
    fn client_identity(&self) -> String {
        self.client.config().client_identity.clone()
    }

    /// The MCP session id of the last `initialize` (protocol 2025-11-25), if the server gave one.
    #[getter]
    fn mcp_session_id(&self) -> Option<String> {
        self.client.mcp_session_id()
    }

    /// Call an operation by id with JSON arguments; returns the JSON response text. `content`
    /// is the raw body of an operation whose body is not JSON (a media upload).
    #[pyo3(signature = (op_id, args_json, content=None))]
    fn call(
        &self,
        py: Python<'_>,
        op_id: String,
        args_json: &str,
        content: Option<Vec<u8>>,
    ) -> PyResult<String> {
        let args = parse_json("args", args_json).map_err(|e| to_pyerr(py, &e))?;
        self.run(py, |client| {
            Box::pin(call_future(client, op_id, args, content))
        })
    }

    /// [`NativeClient::call`] as an awaitable; cancelling it cancels the request.
    #[pyo3(signature = (op_id, args_json, content=None))]
    fn acall<'py>(
        &self,
        py: Python<'py>,
        op_id: String,
        args_json: &str,
        content: Option<Vec<u8>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = parse_json("args", args_json).map_err(|e| to_pyerr(py, &e))?;
        let client = self.client.clone();
        Self::spawn(py, Box::pin(call_future(client, op_id, args, content)))
    }

    /// [`NativeClient::call`] for an operation that answers raw bytes (a media download).
    #[pyo3(signature = (op_id, args_json, content=None))]
    fn call_bytes(
        &self,
        py: Python<'_>,
        op_id: String,
        args_json: &str,
        content: Option<Vec<u8>>,
    ) -> PyResult<Py<PyBytes>> {
        let args = parse_json("args", args_json).map_err(|e| to_pyerr(py, &e))?;
        let bytes = self.run(py, |client| {
            Box::pin(async move {
                client
                    .call_by_id_bytes(&op_id, args, content.map(Into::into))
                    .await
            })
        })?;
        Ok(PyBytes::new(py, &bytes).unbind())
    }

    /// [`NativeClient::call_bytes`] as an awaitable.
    #[pyo3(signature = (op_id, args_json, content=None))]
    fn acall_bytes<'py>(
        &self,
        py: Python<'py>,
        op_id: String,
        args_json: &str,
        content: Option<Vec<u8>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = parse_json("args", args_json).map_err(|e| to_pyerr(py, &e))?;
        let client = self.client.clone();
        Self::spawn(
            py,
            Box::pin(async move {
                let bytes = client
                    .call_by_id_bytes(&op_id, args, content.map(Into::into))
                    .await?;
                Ok(Python::attach(|py| PyBytes::new(py, &bytes).unbind()))
            }),
        )
    }

    /// `create_intent` with a minted `correlation_id` when the intent has none; returns the
    /// JSON response text.
    #[pyo3(signature = (intent_json, *, idempotency_key=None, trace_id=None))]
    fn create_intent(
        &self,
        py: Python<'_>,
        intent_json: &str,
        idempotency_key: Option<String>,
        trace_id: Option<String>,
    ) -> PyResult<String> {
        self.run(py, |client| {
            Self::create_future(client, intent_json, idempotency_key, trace_id)
        })
    }

    /// [`NativeClient::create_intent`] as an awaitable.
    #[pyo3(signature = (intent_json, *, idempotency_key=None, trace_id=None))]
    fn acreate_intent<'py>(
        &self,
        py: Python<'py>,
        intent_json: &str,
        idempotency_key: Option<String>,
        trace_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = Self::create_future(self.client.clone(), intent_json, idempotency_key, trace_id);
        Self::spawn(py, fut)
    }

    /// Cancel = resolve with `CANCELED` (+ `reason`); returns the JSON response text.
    #[pyo3(signature = (intent_id, *, reason=None, owner_agent=None, x_owner_agent=None,
        authorization=None, idempotency_key=None, trace_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn cancel_intent(
        &self,
        py: Python<'_>,
        intent_id: String,
        reason: Option<String>,
        owner_agent: Option<String>,
        x_owner_agent: Option<String>,
        authorization: Option<String>,
        idempotency_key: Option<String>,
        trace_id: Option<String>,
    ) -> PyResult<String> {
        let opts = call_options(
            idempotency_key,
            trace_id,
            owner_agent,
            x_owner_agent,
            authorization,
        );
        self.run(py, |client| {
            Self::cancel_future(client, intent_id, reason, opts)
        })
    }

    /// [`NativeClient::cancel_intent`] as an awaitable.
    #[pyo3(signature = (intent_id, *, reason=None, owner_agent=None, x_owner_agent=None,
        authorization=None, idempotency_key=None, trace_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn acancel_intent<'py>(
        &self,
        py: Python<'py>,
        intent_id: String,
        reason: Option<String>,
        owner_agent: Option<String>,
        x_owner_agent: Option<String>,
        authorization: Option<String>,
        idempotency_key: Option<String>,
        trace_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = call_options(
            idempotency_key,
            trace_id,
            owner_agent,
            x_owner_agent,
            authorization,
        );
        let fut = Self::cancel_future(self.client.clone(), intent_id, reason, opts);
        Self::spawn(py, fut)
    }

    /// MCP `initialize`; returns the JSON-RPC result as JSON text.
    #[pyo3(signature = (*, protocol_version=None, trace_id=None))]
    fn mcp_initialize(
        &self,
        py: Python<'_>,
        protocol_version: Option<String>,
        trace_id: Option<String>,
    ) -> PyResult<String> {
        self.run(py, |client| {
            Self::mcp_initialize_future(client, protocol_version, trace_id)
        })
    }

    /// [`NativeClient::mcp_initialize`] as an awaitable.
    #[pyo3(signature = (*, protocol_version=None, trace_id=None))]
    fn amcp_initialize<'py>(
        &self,
        py: Python<'py>,
        protocol_version: Option<String>,
        trace_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = Self::mcp_initialize_future(self.client.clone(), protocol_version, trace_id);
        Self::spawn(py, fut)
    }

    /// MCP `tools/list` (caches the tools' input schemas); the result as JSON text.
    #[pyo3(signature = (*, trace_id=None))]
    fn mcp_list_tools(&self, py: Python<'_>, trace_id: Option<String>) -> PyResult<String> {
        self.run(py, |client| Self::mcp_list_tools_future(client, trace_id))
    }

    /// [`NativeClient::mcp_list_tools`] as an awaitable.
    #[pyo3(signature = (*, trace_id=None))]
    fn amcp_list_tools<'py>(
        &self,
        py: Python<'py>,
        trace_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = Self::mcp_list_tools_future(self.client.clone(), trace_id);
        Self::spawn(py, fut)
    }

    /// MCP `tools/call` with JSON arguments; the result as JSON text.
    #[pyo3(signature = (name, arguments_json, *, owner_agent=None, idempotency_key=None,
        trace_id=None, validate_input_schema=true, retryable=None))]
    #[allow(clippy::too_many_arguments)]
    fn mcp_call_tool(
        &self,
        py: Python<'_>,
        name: String,
        arguments_json: &str,
        owner_agent: Option<String>,
        idempotency_key: Option<String>,
        trace_id: Option<String>,
        validate_input_schema: bool,
        retryable: Option<bool>,
    ) -> PyResult<String> {
        let opts = McpCallOptions {
            owner_agent,
            idempotency_key,
            trace_id,
            validate_input_schema,
            retryable,
            ..McpCallOptions::default()
        };
        self.run(py, |client| {
            Self::mcp_call_tool_future(client, name, arguments_json, opts)
        })
    }

    /// [`NativeClient::mcp_call_tool`] as an awaitable.
    #[pyo3(signature = (name, arguments_json, *, owner_agent=None, idempotency_key=None,
        trace_id=None, validate_input_schema=true, retryable=None))]
    #[allow(clippy::too_many_arguments)]
    fn amcp_call_tool<'py>(
        &self,
        py: Python<'py>,
        name: String,
        arguments_json: &str,
        owner_agent: Option<String>,
        idempotency_key: Option<String>,
        trace_id: Option<String>,
        validate_input_schema: bool,
        retryable: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = McpCallOptions {
            owner_agent,
            idempotency_key,
            trace_id,
            validate_input_schema,
            retryable,
            ..McpCallOptions::default()
        };
        let fut = Self::mcp_call_tool_future(self.client.clone(), name, arguments_json, opts);
        Self::spawn(py, fut)
    }

    /// Buffer one mesh observation for the next heartbeat.
    #[pyo3(signature = (*, success=true, latency_ms=None, cost_usd=None))]
    fn mesh_report_metric(
        &self,
        py: Python<'_>,
        success: bool,
        latency_ms: Option<f64>,
        cost_usd: Option<f64>,
    ) -> PyResult<()> {
        self.client
            .mesh()
            .report_metric(success, latency_ms, cost_usd)
            .map_err(|e| to_pyerr(py, &e))
    }

    /// The metrics the next heartbeat would carry, as JSON text (`None` when nothing is
    /// buffered).
    fn mesh_buffered_metrics(&self) -> Option<String> {
        self.client.mesh().buffered_metrics().map(|v| v.to_string())
    }

    /// Start the background heartbeat on the engine's runtime (a second call while it runs
    /// does nothing).
    #[pyo3(signature = (*, interval_seconds=30.0, include_metrics=true))]
    fn mesh_start_heartbeat(
        &self,
        py: Python<'_>,
        interval_seconds: f64,
        include_metrics: bool,
    ) -> PyResult<()> {
        let started = (|| {
            let interval = seconds("interval_seconds", Some(interval_seconds))?.unwrap_or_default();
            let _entered = runtime()?.enter();
            self.client
                .mesh()
                .start_heartbeat(interval, include_metrics)
        })()
        .map_err(|e| to_pyerr(py, &e))?;
        *self.heartbeat.lock().unwrap_or_else(|p| p.into_inner()) = Some(started);
        Ok(())
    }

    /// Whether the background heartbeat runs.
    #[getter]
    fn mesh_heartbeat_running(&self) -> bool {
        self.client.mesh().heartbeat_running()
    }

    /// Stop the background heartbeat and wait (at most 5 s) for a heartbeat in flight.
    fn mesh_stop_heartbeat(&self, py: Python<'_>) -> PyResult<()> {
        let handle = self
            .heartbeat
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let mesh = self.client.mesh();
        self.run_shared(
            py,
            Box::pin(async move {
                let _ = tokio::time::timeout(STOP_HEARTBEAT_WAIT, mesh.stop_heartbeat()).await;
                drop(handle);
                Ok(())
            }),
        )
    }

    /// One heartbeat carrying the buffered metrics (put back if it fails); the response as JSON
    /// text.
    #[pyo3(signature = (*, trace_id=None))]
    fn mesh_flush_metrics(&self, py: Python<'_>, trace_id: Option<String>) -> PyResult<String> {
        self.run(py, |client| Self::mesh_flush_future(client, trace_id))
    }

    /// [`NativeClient::mesh_flush_metrics`] as an awaitable.
    #[pyo3(signature = (*, trace_id=None))]
    fn amesh_flush_metrics<'py>(
        &self,
        py: Python<'py>,
        trace_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = Self::mesh_flush_future(self.client.clone(), trace_id);
        Self::spawn(py, fut)
    }

    /// Mesh `kill` (never retried); the response as JSON text.
    #[pyo3(signature = (address_id, *, trace_id=None))]
    fn mesh_kill(
        &self,
        py: Python<'_>,
        address_id: String,
        trace_id: Option<String>,
    ) -> PyResult<String> {
        self.run(py, |client| {
            Self::mesh_switch_future(client, true, address_id, trace_id)
        })
    }

    /// [`NativeClient::mesh_kill`] as an awaitable.
    #[pyo3(signature = (address_id, *, trace_id=None))]
    fn amesh_kill<'py>(
        &self,
        py: Python<'py>,
        address_id: String,
        trace_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = Self::mesh_switch_future(self.client.clone(), true, address_id, trace_id);
        Self::spawn(py, fut)
    }

    /// Mesh `resume` (never retried); the response as JSON text.
    #[pyo3(signature = (address_id, *, trace_id=None))]
    fn mesh_resume(
        &self,
        py: Python<'_>,
        address_id: String,
        trace_id: Option<String>,
    ) -> PyResult<String> {
        self.run(py, |client| {
            Self::mesh_switch_future(client, false, address_id, trace_id)
        })
    }

    /// [`NativeClient::mesh_resume`] as an awaitable.
    #[pyo3(signature = (address_id, *, trace_id=None))]
    fn amesh_resume<'py>(
        &self,
        py: Python<'py>,
        address_id: String,
        trace_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = Self::mesh_switch_future(self.client.clone(), false, address_id, trace_id);
        Self::spawn(py, fut)
    }

    /// The lifecycle events of an intent (see `axme_core::Client::observe`).
    #[pyo3(signature = (intent_id, *, since=0, wait_seconds=15, poll_interval_seconds=1.0,
        timeout_seconds=None, trace_id=None))]
    #[allow(clippy::too_many_arguments)] // one per keyword of the Python call
    fn observe(
        &self,
        py: Python<'_>,
        intent_id: &str,
        since: u64,
        wait_seconds: u32,
        poll_interval_seconds: f64,
        timeout_seconds: Option<f64>,
        trace_id: Option<String>,
    ) -> PyResult<NativeStream> {
        let opts = (|| {
            Ok::<_, Error>(ObserveOptions {
                since,
                wait_seconds,
                poll_interval: seconds("poll_interval_seconds", Some(poll_interval_seconds))?
                    .unwrap_or_default(),
                timeout: seconds("timeout_seconds", timeout_seconds)?,
                trace_id,
            })
        })()
        .map_err(|e| to_pyerr(py, &e))?;
        Ok(NativeStream::new(self.client.observe(intent_id, opts)))
    }

    /// The deliveries of an agent address (see `axme_core::Client::listen`); `status` is a
    /// list of statuses to include.
    #[pyo3(signature = (address, *, since=0, wait_seconds=15, timeout_seconds=None, status=None,
        trace_id=None))]
    #[allow(clippy::too_many_arguments)] // one per keyword of the Python call
    fn listen(
        &self,
        py: Python<'_>,
        address: &str,
        since: u64,
        wait_seconds: u32,
        timeout_seconds: Option<f64>,
        status: Option<Vec<String>>,
        trace_id: Option<String>,
    ) -> PyResult<NativeStream> {
        let timeout = seconds("timeout_seconds", timeout_seconds).map_err(|e| to_pyerr(py, &e))?;
        let opts = ListenOptions {
            since,
            wait_seconds,
            status,
            timeout,
            trace_id,
        };
        Ok(NativeStream::new(self.client.listen(address, opts)))
    }
}

impl NativeClient {
    fn create_future(
        client: Client,
        intent_json: &str,
        idempotency_key: Option<String>,
        trace_id: Option<String>,
    ) -> BoxFuture<String> {
        let intent = parse_json("intent", intent_json);
        let opts = call_options(idempotency_key, trace_id, None, None, None);
        Box::pin(async move { json_text(client.create_intent(intent?, &opts).await) })
    }

    fn mcp_initialize_future(
        client: Client,
        protocol_version: Option<String>,
        trace_id: Option<String>,
    ) -> BoxFuture<String> {
        let opts = call_options(None, trace_id, None, None, None);
        Box::pin(async move {
            json_text(
                client
                    .mcp_initialize(protocol_version.as_deref(), &opts)
                    .await,
            )
        })
    }

    fn mcp_list_tools_future(client: Client, trace_id: Option<String>) -> BoxFuture<String> {
        let opts = call_options(None, trace_id, None, None, None);
        Box::pin(async move { json_text(client.mcp_list_tools(&opts).await) })
    }

    fn mcp_call_tool_future(
        client: Client,
        name: String,
        arguments_json: &str,
        opts: McpCallOptions,
    ) -> BoxFuture<String> {
        let arguments = parse_json("arguments", arguments_json);
        Box::pin(async move { json_text(client.mcp_call_tool(&name, arguments?, &opts).await) })
    }

    fn mesh_flush_future(client: Client, trace_id: Option<String>) -> BoxFuture<String> {
        let mesh = client.mesh();
        let opts = call_options(None, trace_id, None, None, None);
        Box::pin(async move { json_text(mesh.flush_metrics(&opts).await) })
    }

    fn mesh_switch_future(
        client: Client,
        kill: bool,
        address_id: String,
        trace_id: Option<String>,
    ) -> BoxFuture<String> {
        let mesh = client.mesh();
        let opts = call_options(None, trace_id, None, None, None);
        Box::pin(async move {
            if kill {
                json_text(mesh.kill(&address_id, &opts).await)
            } else {
                json_text(mesh.resume(&address_id, &opts).await)
            }
        })
    }

    fn cancel_future(
        client: Client,
        intent_id: String,
        reason: Option<String>,
        opts: CallOptions,
    ) -> BoxFuture<String> {
        Box::pin(async move {
            json_text(
                client
                    .cancel_intent(&intent_id, reason.as_deref(), &opts)
                    .await,
            )
        })
    }
}

/// The native module: `NativeClient`, `NativeStream` and the core version.
#[pymodule]
#[pyo3(name = "_native")]
fn axme_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    logging::init(m)?;
    let rt = runtime().map_err(|e| to_pyerr(py, &e))?;
    // Async calls run on the same runtime (and so the same connection pools) as blocking ones.
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(rt);
    m.add_class::<NativeClient>()?;
    m.add_class::<NativeStream>()?;
    m.add("CORE_VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
