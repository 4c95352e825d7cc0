//! `axme-server`: the AXP reference server. A library (`router`, `start`) plus a thin binary, so tests
//! start it in-process on port 0. See ARCHITECTURE.md and server-mock/README.md.

pub mod api;
pub mod conn;
pub mod delivery;
pub mod domain;
pub mod error;
pub mod faults;
pub mod http;
pub mod hub;
pub mod metrics;
pub mod server;
mod spec_routes;
pub mod sse;
pub mod state;
pub mod store;
mod timers;

pub use api::router;
pub use server::{start, RunningServer, ServerConfig};
