//! `NativeStream`: the waist's stream handle (`axme_core::waist::Stream`) for Python. The
//! blocking `next` and the awaitable `anext` read the same stream; `close` ends a pending read
//! with `None` and closes the connection. An interrupted read (Ctrl-C, asyncio cancellation) loses
//! nothing: the stream keeps its progress between reads.

use axme_core::waist::{self, Stream};
use pyo3::prelude::*;

use crate::{to_pyerr, to_pyerr_attached};

/// A stream of JSON items; `next` (blocking) or `anext` (awaitable), `None` at the end.
#[pyclass(module = "axme._native", frozen)]
pub(crate) struct NativeStream {
    stream: Stream,
}

impl NativeStream {
    pub(crate) fn new(stream: Stream) -> NativeStream {
        NativeStream { stream }
    }
}

#[pymethods]
impl NativeStream {
    /// Blocks (GIL released, Ctrl-C honoured between slices) until the next item.
    fn next(&self, py: Python<'_>) -> PyResult<Option<String>> {
        let rt = waist::runtime().map_err(|e| to_pyerr(py, &e))?;
        loop {
            let slice = py.detach(|| {
                rt.block_on(async { tokio::time::timeout(crate::SLICE, self.stream.next()).await })
            });
            match slice {
                Ok(item) => return item.map_err(|e| to_pyerr(py, &e)),
                Err(_elapsed) => py.check_signals()?,
            }
        }
    }

    /// The next item as an awaitable; cancelling it leaves the stream intact.
    fn anext<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let stream = self.stream.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            stream.next().await.map_err(to_pyerr_attached)
        })
    }

    /// Stops the stream: a pending read returns `None`, the connection closes.
    fn close(&self) {
        self.stream.close();
    }

    /// Whether `close` was called (or the client was closed).
    #[getter]
    fn closed(&self) -> bool {
        self.stream.is_closed()
    }
}
