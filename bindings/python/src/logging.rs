//! The core's log records, handed to Python's `logging` until the interpreter starts to exit.
//!
//! Log records come from the engine's own threads. A thread that takes the GIL while the
//! interpreter finalizes is ended by CPython with `pthread_exit`, and that forced unwind through
//! Rust frames aborts the whole process (seen as a rare SIGABRT after `asyncio.run` returned, when
//! a stream closing in the background logged). So an `atexit` hook flips a flag, and from then on
//! records are dropped instead of forwarded.

use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::prelude::*;

static PYTHON_EXITING: AtomicBool = AtomicBool::new(false);

struct UntilExit(pyo3_log::Logger);

fn forwarding() -> bool {
    !PYTHON_EXITING.load(Ordering::Relaxed)
}

impl log::Log for UntilExit {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        forwarding() && self.0.enabled(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if forwarding() {
            self.0.log(record);
        }
    }

    fn flush(&self) {
        if forwarding() {
            self.0.flush();
        }
    }
}

#[pyfunction]
fn _stop_forwarding_logs() {
    PYTHON_EXITING.store(true, Ordering::Relaxed);
}

/// Route the core's log records (`tracing` events, emitted as `log` records) to Python's
/// `logging`, under the `axme` logger (`axme.axme_core.transport`, ...), until exit.
pub fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let logger = pyo3_log::Logger::new(py, pyo3_log::Caching::Loggers)?
        .set_prefix("axme")
        .filter(log::LevelFilter::Warn)
        .filter_target("axme_core".to_owned(), log::LevelFilter::Debug);
    // Another extension may already own the process-wide `log` logger; then records stay there.
    if log::set_boxed_logger(Box::new(UntilExit(logger))).is_ok() {
        log::set_max_level(log::LevelFilter::Debug);
    }
    let hook = wrap_pyfunction!(_stop_forwarding_logs, m)?;
    py.import("atexit")?.call_method1("register", (hook,))?;
    Ok(())
}
