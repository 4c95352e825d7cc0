//! `NativeStream`: an `observe`/`listen` stream handle for Python.
//!
//! The core stream sits behind an async mutex so the blocking `next` and the awaitable `anext`
//! share one implementation. `close` cancels a pending read and drops the stream (which closes
//! its connection); afterwards every read reports the end. A read that is interrupted (Ctrl-C,
//! asyncio cancellation) loses nothing: the core stream keeps its progress between polls.

use std::sync::Arc;

use axme_core::{Error, EventStream};
use futures_util::StreamExt;
use pyo3::prelude::*;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::{block_on_interruptible, to_pyerr_attached, BoxFuture};

struct State {
    stream: Mutex<Option<EventStream>>,
    closed: CancellationToken,
}

/// The next item as JSON text, `None` once the stream has ended or was closed. An error ends
/// the stream (the core yields nothing after one).
async fn next_item(state: Arc<State>) -> Result<Option<String>, Error> {
    let mut guard = tokio::select! {
        biased;
        _ = state.closed.cancelled() => return Ok(None),
        g = state.stream.lock() => g,
    };
    let Some(stream) = guard.as_mut() else {
        return Ok(None);
    };
    let item = tokio::select! {
        biased;
        _ = state.closed.cancelled() => None,
        item = stream.next() => item,
    };
    match item {
        Some(Ok(v)) => Ok(Some(v.to_string())),
        Some(Err(e)) => {
            *guard = None;
            Err(e)
        }
        None => {
            *guard = None;
            Ok(None)
        }
    }
}

/// A stream of JSON events; iterate with `next` (blocking) or `anext` (awaitable).
#[pyclass(module = "axme._native", frozen)]
pub(crate) struct NativeStream {
    state: Arc<State>,
}

impl NativeStream {
    pub(crate) fn new(stream: EventStream) -> NativeStream {
        NativeStream {
            state: Arc::new(State {
                stream: Mutex::new(Some(stream)),
                closed: CancellationToken::new(),
            }),
        }
    }
}

#[pymethods]
impl NativeStream {
    /// Block (GIL released, Ctrl-C honoured) until the next item; `None` at the end.
    fn next(&self, py: Python<'_>) -> PyResult<Option<String>> {
        // Streams run on the shared runtime: their connection must make progress between calls.
        let rt = axme_core::blocking::runtime().map_err(|e| crate::to_pyerr(py, &e))?;
        let fut: BoxFuture<Option<String>> = Box::pin(next_item(self.state.clone()));
        block_on_interruptible(py, rt, fut)
    }

    /// The next item as an awaitable resolving to `None` at the end; cancelling it leaves the
    /// stream intact.
    fn anext<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let state = self.state.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            next_item(state).await.map_err(to_pyerr_attached)
        })
    }

    /// Stop the stream: a pending read returns `None`, the connection is closed.
    fn close(&self) {
        self.state.closed.cancel();
        if let Ok(mut g) = self.state.stream.try_lock() {
            *g = None;
        }
    }

    /// Whether `close` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.state.closed.is_cancelled()
    }
}
