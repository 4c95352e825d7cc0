//! The waist: the one small, data-shaped interface every binding exposes.
//!
//! pyo3 (Python), napi-rs (Node) and uniffi (Go, Java, .NET) all call this module and nothing
//! else, so each language adds conversion code and nothing of the engine's logic. It has two faces
//! over the same calls, records and cancellation token:
//!
//! * **async** ([`AsyncClient`], [`Stream`]): Rust futures, for bindings whose language has its
//!   own event loop (Node's promises, Python's asyncio), so they keep unbounded concurrency;
//! * **blocking** ([`BlockingClient`], [`BlockingStream`]): for bindings that call from their own
//!   threads (uniffi, Python's blocking client). Request/response calls run on the calling
//!   thread's own runtime and connection pool; streams run on the shared runtime.
//!
//! The calls: a client from a [`ClientConfig`]; `call(op_id, args, options)` returning the JSON
//! response as text, with a raw-body variant (`call_with_content`) and a raw-bytes one
//! (`call_bytes`); `send_intent` and `cancel_intent`; `observe`, `listen` (streams) and
//! `wait_for`; the MCP calls; the mesh calls, with the background heartbeat as a [`Heartbeat`]
//! handle. Arguments and results are JSON text; options are the records of [`crate::records`]
//! ([`CallOptions`], [`StreamOptions`], [`Metric`], [`HeartbeatOptions`]); every failure is an
//! [`Error`] the binding turns into an [`ErrorRecord`] and maps to its own classes by kind alone.
//! Every call and stream accepts a [`CancelToken`] that any thread may cancel; closing a client
//! cancels everything it started. A panic inside a call becomes an `internal` error here and never
//! reaches a foreign caller. [`live_handles`] counts streams and calls in flight, for leak tests.

mod async_face;
mod blocking;
pub mod calling_thread;
mod handles;
mod runtime;
mod stream;

pub use crate::cancel::CancelToken;
pub use crate::error::{Error, ErrorKind, ErrorRecord};
pub use crate::records::{CallOptions, ClientConfig, HeartbeatOptions, Metric, StreamOptions};
pub use async_face::{AsyncClient, Heartbeat, STOP_HEARTBEAT_WAIT};
pub use blocking::{catch_panics, BlockingClient, BlockingStream};
pub use handles::live_handles;
pub use runtime::runtime;
pub use stream::Stream;
