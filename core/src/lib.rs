//! `axme-core`: the AXP client engine every AXME SDK runs on.
//!
//! The bindings (Python, Node, Go, Java, .NET) expose [`waist`] and nothing else, so every SDK
//! has the same retries, idempotency, SSE handling and error kinds. Rust callers use [`Client`].
//!
//! Layers, each using only those before it (a test checks this):
//! 1. pure, no I/O: [`error`], [`records`], [`config`], [`retry`], [`sse`], [`json_schema`],
//!    [`operations`] (with the generated table), `params`, [`request`], [`cancel`];
//! 2. the HTTP transport: [`transport`] (the only module using reqwest);
//! 3. features on the transport: [`mcp`], [`mesh`], `sse_stream`;
//! 4. the client: [`client`], and its high-level calls [`intents`], [`observe`], [`listen`];
//! 5. the waist: [`waist`], its async and blocking faces.

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("axme_core");

pub mod cancel;
pub mod client;
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
pub mod records;
pub mod request;
pub mod retry;
pub mod sse;
mod sse_stream;
pub mod transport;
pub mod waist;

pub use cancel::CancelToken;
pub use client::Client;
pub use config::ResolvedConfig;
pub use error::{Error, ErrorKind, ErrorRecord};
pub use intents::{is_terminal, TERMINAL_STATUSES};
pub use mesh::{HeartbeatHandle, Mesh};
pub use observe::EventStream;
pub use operations::{HttpMethod, OperationDescriptor, RetryRule};
pub use records::{CallOptions, ClientConfig, HeartbeatOptions, Metric, StreamOptions};
pub use transport::Transport;

/// The former name of [`ClientConfig`].
pub type Config = ClientConfig;
