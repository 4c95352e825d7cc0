//! `axme._native`: the Python face of the waist (`axme_core::waist`), conversion only.
//!
//! Arguments and results cross as JSON text (Python's `json` on one side, serde on the other);
//! options are the waist's records as JSON objects; a core error becomes the exception class
//! `axme.exceptions` picks for its kind. Every wait releases the GIL. Blocking calls run on the
//! calling thread's own runtime (the waist's blocking face), in short slices so Ctrl-C and other
//! signal handlers run between them; async calls are asyncio awaitables whose cancellation drops
//! the Rust future and with it the request. Closing the client, from any thread, cancels every
//! call and ends every stream it started.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use axme_core::waist::{
    self, AsyncClient, BlockingClient, CallOptions, ClientConfig, Error, ErrorRecord,
    HeartbeatOptions, Metric, StreamOptions,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyBytes;
use pyo3::IntoPyObjectExt;

mod logging;
mod stream;

use stream::NativeStream;

/// How long one blocking wait lasts before Python gets a chance to run signal handlers.
const SLICE: Duration = Duration::from_millis(50);

/// A future of the waist, boxed so the blocking and async paths share one constructor per call.
type Call<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send>>;

/// The exception for a core error, built by `axme.exceptions._from_record`, which picks the class
/// for its kind from the generated table.
fn to_pyerr(py: Python<'_>, e: &Error) -> PyErr {
    static FACTORY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let r = ErrorRecord::from(e);
    let build = || -> PyResult<PyErr> {
        let factory = FACTORY.get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("axme.exceptions")?
                    .getattr("_from_record")?
                    .unbind(),
            )
        })?;
        let args = (
            r.kind.as_str(),
            r.message,
            r.status,
            r.code,
            r.body,
            r.request_id,
            r.trace_id,
            r.retry_after_seconds,
            r.retryable,
        )
            .into_pyobject(py)?;
        Ok(PyErr::from_value(factory.bind(py).call1(args)?))
    };
    build().unwrap_or_else(|err| err)
}

/// [`to_pyerr`] from a thread that may not be attached to the interpreter (async futures).
fn to_pyerr_attached(e: Error) -> PyErr {
    Python::attach(|py| to_pyerr(py, &e))
}

/// Parses a record's JSON form (`None`: the defaults).
fn record<T: serde::de::DeserializeOwned + Default>(
    py: Python<'_>,
    what: &str,
    json: Option<&str>,
) -> PyResult<T> {
    axme_core::records::from_json(what, json.unwrap_or("")).map_err(|e| to_pyerr(py, &e))
}

/// Drives `fut` on `rt` with the GIL released, in slices of [`SLICE`]; between slices runs
/// Python's signal handlers, and if one raises (Ctrl-C), drops the future (cancelling its
/// request) and lets the thread's connections see it go.
fn block_on_interruptible<T: Send>(
    py: Python<'_>,
    engine: &waist::calling_thread::Engine,
    mut fut: Call<T>,
) -> PyResult<T> {
    loop {
        let slice = py.detach(|| {
            engine
                .runtime()
                .block_on(async { tokio::time::timeout(SLICE, &mut fut).await })
        });
        match slice {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => {
                if e.kind() == waist::ErrorKind::Canceled {
                    engine.settle();
                }
                return Err(to_pyerr(py, &e));
            }
            Err(_elapsed) => {
                if let Err(interrupt) = py.check_signals() {
                    drop(fut);
                    engine.settle();
                    return Err(interrupt);
                }
            }
        }
    }
}

/// The client: the waist's blocking face for blocking calls and its async face for awaitables;
/// both are the same client (one config, retry budget, MCP session, mesh state).
#[pyclass(module = "axme._native", frozen)]
struct NativeClient {
    blocking: BlockingClient,
}

impl NativeClient {
    fn client(&self) -> &AsyncClient {
        self.blocking.async_client()
    }

    /// Runs the future `make` builds: blocking the calling thread on its own client, or (`aio`)
    /// as an awaitable on the shared client.
    fn go<T>(
        &self,
        py: Python<'_>,
        aio: bool,
        make: impl FnOnce(AsyncClient) -> Call<T>,
    ) -> PyResult<Py<PyAny>>
    where
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        if aio {
            let fut = make(self.client().clone());
            let awaitable = pyo3_async_runtimes::tokio::future_into_py(py, async move {
                fut.await.map_err(to_pyerr_attached)
            })?;
            return Ok(awaitable.unbind());
        }
        let engine = self.blocking.engine().map_err(|e| to_pyerr(py, &e))?;
        let value = block_on_interruptible(py, engine, make(engine.client().clone()))?;
        value.into_py_any(py)
    }
}

#[pymethods]
impl NativeClient {
    /// Builds the client from the JSON form of the core's `ClientConfig`; no request is sent.
    #[new]
    fn new(py: Python<'_>, config_json: &str) -> PyResult<Self> {
        let config: ClientConfig = record(py, "config", Some(config_json))?;
        let blocking = BlockingClient::new(config).map_err(|e| to_pyerr(py, &e))?;
        Ok(NativeClient { blocking })
    }

    /// The validated base URL (no trailing slash).
    #[getter]
    fn base_url(&self) -> String {
        self.client().base_url().to_string()
    }

    /// The `X-Axme-Client` value sent with every request.
    #[getter]
    fn client_identity(&self) -> String {
        self.client().client_identity().to_string()
    }

    /// The MCP session id of the last `initialize`, if the server gave one.
    #[getter]
    fn mcp_session_id(&self) -> Option<String> {
        self.client().mcp_session_id()
    }

    /// Whether `close` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.client().is_closed()
    }

    /// Streams open and calls in flight.
    #[getter]
    fn live_handles(&self) -> u64 {
        self.client().live_handles()
    }

    /// Cancels every call in flight, ends every stream, stops the heartbeat (from any thread).
    fn close(&self) {
        self.client().close();
    }

    /// The generic call by operation id: the JSON response as text; `content` is the raw body of
    /// an operation whose body is not JSON. With `aio`, an awaitable of it.
    #[pyo3(signature = (op_id, args_json, options_json=None, content=None, aio=false))]
    fn call(
        &self,
        py: Python<'_>,
        op_id: String,
        args_json: String,
        options_json: Option<&str>,
        content: Option<Vec<u8>>,
        aio: bool,
    ) -> PyResult<Py<PyAny>> {
        let o: CallOptions = record(py, "call options", options_json)?;
        self.go(py, aio, move |c| {
            Box::pin(async move {
                match content {
                    Some(b) => {
                        c.call_with_content(&op_id, &args_json, b.into(), &o, None)
                            .await
                    }
                    None => c.call(&op_id, &args_json, &o, None).await,
                }
            })
        })
    }

    /// The call of an operation answering raw bytes (a media download): `bytes`.
    #[pyo3(signature = (op_id, args_json, options_json=None, aio=false))]
    fn call_bytes(
        &self,
        py: Python<'_>,
        op_id: String,
        args_json: String,
        options_json: Option<&str>,
        aio: bool,
    ) -> PyResult<Py<PyAny>> {
        let o: CallOptions = record(py, "call options", options_json)?;
        self.go(py, aio, move |c| {
            Box::pin(async move {
                let bytes = c.call_bytes(&op_id, &args_json, &o, None).await?;
                Ok(Python::attach(|py| PyBytes::new(py, &bytes).unbind()))
            })
        })
    }

    /// Creates an intent (a correlation id is minted when it has none); its id.
    #[pyo3(signature = (intent_json, options_json=None, aio=false))]
    fn send_intent(
        &self,
        py: Python<'_>,
        intent_json: String,
        options_json: Option<&str>,
        aio: bool,
    ) -> PyResult<Py<PyAny>> {
        let o: CallOptions = record(py, "call options", options_json)?;
        self.go(py, aio, move |c| {
            Box::pin(async move { c.send_intent(&intent_json, &o, None).await })
        })
    }

    /// Cancels an intent (resolve with `CANCELED`); the response as JSON text.
    #[pyo3(signature = (intent_id, reason=None, options_json=None, aio=false))]
    fn cancel_intent(
        &self,
        py: Python<'_>,
        intent_id: String,
        reason: Option<String>,
        options_json: Option<&str>,
        aio: bool,
    ) -> PyResult<Py<PyAny>> {
        let o: CallOptions = record(py, "call options", options_json)?;
        self.go(py, aio, move |c| {
            Box::pin(async move {
                c.cancel_intent(&intent_id, reason.as_deref(), &o, None)
                    .await
            })
        })
    }

    /// Waits for the intent's terminal event; JSON text.
    #[pyo3(signature = (intent_id, options_json=None, aio=false))]
    fn wait_for(
        &self,
        py: Python<'_>,
        intent_id: String,
        options_json: Option<&str>,
        aio: bool,
    ) -> PyResult<Py<PyAny>> {
        let o: StreamOptions = record(py, "stream options", options_json)?;
        self.go(py, aio, move |c| {
            Box::pin(async move { c.wait_for(&intent_id, &o, None).await })
        })
    }

    /// The intent's lifecycle events.
    #[pyo3(signature = (intent_id, options_json=None))]
    fn observe(
        &self,
        py: Python<'_>,
        intent_id: &str,
        options_json: Option<&str>,
    ) -> PyResult<NativeStream> {
        let o: StreamOptions = record(py, "stream options", options_json)?;
        let stream = self.client().observe(intent_id, &o, None);
        Ok(NativeStream::new(stream.map_err(|e| to_pyerr(py, &e))?))
    }

    /// The intents delivered to an agent address.
    #[pyo3(signature = (address, options_json=None))]
    fn listen(
        &self,
        py: Python<'_>,
        address: &str,
        options_json: Option<&str>,
    ) -> PyResult<NativeStream> {
        let o: StreamOptions = record(py, "stream options", options_json)?;
        let stream = self.client().listen(address, &o, None);
        Ok(NativeStream::new(stream.map_err(|e| to_pyerr(py, &e))?))
    }

    /// MCP `initialize` (the configured protocol version unless given); JSON text.
    #[pyo3(signature = (protocol_version=None, options_json=None, aio=false))]
    fn mcp_initialize(
        &self,
        py: Python<'_>,
        protocol_version: Option<String>,
        options_json: Option<&str>,
        aio: bool,
    ) -> PyResult<Py<PyAny>> {
        let o: CallOptions = record(py, "call options", options_json)?;
        self.go(py, aio, move |c| {
            Box::pin(async move {
                c.mcp_initialize(protocol_version.as_deref(), &o, None)
                    .await
            })
        })
    }

    /// MCP `tools/list`; JSON text.
    #[pyo3(signature = (options_json=None, aio=false))]
    fn mcp_list_tools(
        &self,
        py: Python<'_>,
        options_json: Option<&str>,
        aio: bool,
    ) -> PyResult<Py<PyAny>> {
        let o: CallOptions = record(py, "call options", options_json)?;
        self.go(py, aio, move |c| {
            Box::pin(async move { c.mcp_list_tools(&o, None).await })
        })
    }

    /// MCP `tools/call`; JSON text.
    #[pyo3(signature = (name, arguments_json, options_json=None, aio=false))]
    fn mcp_call_tool(
        &self,
        py: Python<'_>,
        name: String,
        arguments_json: String,
        options_json: Option<&str>,
        aio: bool,
    ) -> PyResult<Py<PyAny>> {
        let o: CallOptions = record(py, "call options", options_json)?;
        self.go(py, aio, move |c| {
            Box::pin(async move { c.mcp_call_tool(&name, &arguments_json, &o, None).await })
        })
    }

    /// One heartbeat carrying the buffered metrics; JSON text.
    #[pyo3(signature = (options_json=None, aio=false))]
    fn mesh_flush_metrics(
        &self,
        py: Python<'_>,
        options_json: Option<&str>,
        aio: bool,
    ) -> PyResult<Py<PyAny>> {
        let o: CallOptions = record(py, "call options", options_json)?;
        self.go(py, aio, move |c| {
            Box::pin(async move { c.mesh_flush_metrics(&o, None).await })
        })
    }

    /// Buffers one observation (the JSON form of the core's `Metric`) for the next heartbeat.
    fn mesh_report_metric(&self, py: Python<'_>, metric_json: &str) -> PyResult<()> {
        let m: Metric = record(py, "metric", Some(metric_json))?;
        self.client()
            .mesh_report_metric(&m)
            .map_err(|e| to_pyerr(py, &e))
    }

    /// The metrics the next heartbeat would carry, as JSON text, if any.
    fn mesh_buffered_metrics(&self) -> Option<String> {
        self.client().mesh_buffered_metrics()
    }

    /// Starts the background heartbeat (the JSON form of `HeartbeatOptions`).
    fn mesh_start_heartbeat(&self, py: Python<'_>, options_json: &str) -> PyResult<()> {
        let o: HeartbeatOptions = record(py, "heartbeat options", Some(options_json))?;
        self.client()
            .mesh_start_heartbeat(&o)
            .map(drop)
            .map_err(|e| to_pyerr(py, &e))
    }

    /// Stops the background heartbeat, waiting at most 5 s for one in flight.
    fn mesh_stop_heartbeat(&self, py: Python<'_>) -> PyResult<()> {
        let client = self.client().clone();
        py.detach(|| {
            waist::catch_panics(|| {
                let rt = waist::runtime()?;
                rt.block_on(client.mesh_stop_heartbeat());
                Ok(())
            })
        })
        .map_err(|e| to_pyerr(py, &e))
    }

    /// Whether the background heartbeat runs.
    #[getter]
    fn mesh_heartbeat_running(&self) -> bool {
        self.client().mesh_heartbeat_running()
    }
}

/// Validates the JSON form of a `ClientConfig` as a client would (environment fallbacks
/// included), without building one: what `AxmeClientConfig` runs when it is created.
#[pyfunction]
fn check_config(py: Python<'_>, config_json: &str) -> PyResult<()> {
    let config: ClientConfig = record(py, "config", Some(config_json))?;
    config.resolve().map(drop).map_err(|e| to_pyerr(py, &e))
}

/// The native module: `NativeClient`, `NativeStream`, `check_config` and the core version.
#[pymodule]
#[pyo3(name = "_native")]
fn axme_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    logging::init(m)?;
    let rt = waist::runtime().map_err(|e| to_pyerr(py, &e))?;
    // Async calls run on the waist's shared runtime, beside its streams and heartbeat.
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(rt);
    m.add_class::<NativeClient>()?;
    m.add_class::<NativeStream>()?;
    m.add_function(wrap_pyfunction!(check_config, m)?)?;
    m.add("CORE_VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
