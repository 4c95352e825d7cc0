//! The one shared multi-threaded tokio runtime of the waist, started on first use. Streams, the
//! mesh heartbeat and the bindings' async calls run on it; its worker threads keep their
//! connections alive between calls.

use std::sync::OnceLock;

use tokio::runtime::Runtime;

use crate::error::{Error, ErrorKind};

/// The shared runtime (bindings may spawn their async work on it).
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
            ErrorKind::Internal,
            format!("cannot start the axme-core runtime: {e}"),
        )
    })
}

/// Refuses to block a thread that is driving an async runtime (that would stall its tasks).
pub(crate) fn refuse_inside_runtime() -> Result<(), Error> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::invalid_argument(
            "the blocking API was called from inside an async runtime; use the async client",
        ));
    }
    Ok(())
}
