//! HTTP plumbing shared by the handlers: error responses, credentials, bodies and query parameters,
//! idempotency keys, and the per-request observation layer (request ids, metrics, logs).

pub mod actor;
pub mod auth;
pub mod body;
pub mod errors;
pub mod idempotency;
pub mod limits;
pub mod links;
pub mod observe;
pub mod respond;
pub mod validate;
