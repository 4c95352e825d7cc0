//! `axme-core`: the AXP client engine every AXME SDK runs on.
//!
//! The bindings (Python, Node, Go, Java, .NET) expose this crate, so every SDK has the same
//! retries, idempotency, SSE handling and error kinds. The waist is deliberately narrow:
//! JSON in, JSON out, one [`Error`] type with stable kinds, and streams as handles whose drop
//! cancels the request.
//!
//! Layout: pure protocol logic without I/O ([`sse`], [`retry`], [`config`], [`request`],
//! [`operations`]); the HTTP transport ([`transport`], the only module using reqwest); the
//! high-level calls ([`intents`], [`observe`], [`listen`], [`mcp`], [`mesh`]); and a blocking
//! facade ([`blocking`]) owning the one tokio runtime.

pub mod blocking;
pub mod calling_thread;
pub mod config;
pub mod error;
pub mod generated;
pub mod intents;
pub mod json_schema;
pub mod listen;
pub mod mcp;
pub mod mesh;
pub mod observe;
pub mod operations;
mod params;
pub mod request;
pub mod retry;
pub mod sse;
mod sse_stream;
pub mod transport;

pub use blocking::{BlockingClient, BlockingMesh, BlockingStream, Polled};
pub use calling_thread::CallingThread;
pub use config::{Config, ResolvedConfig};
pub use error::{Error, ErrorKind};
pub use intents::{is_terminal, CallOptions, TERMINAL_STATUSES};
pub use listen::ListenOptions;
pub use mcp::McpCallOptions;
pub use mesh::{HeartbeatHandle, Mesh};
pub use observe::{EventStream, ObserveOptions};
pub use operations::{HttpMethod, OperationDescriptor, RetryRule};
pub use transport::Client;
