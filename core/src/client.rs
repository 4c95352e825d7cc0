//! [`Client`]: the engine's async API for Rust callers, and what the waist's faces drive.
//!
//! A client is a [`Transport`] (connection pool, config, retry budget) plus the state the features
//! keep per client: the MCP session ([`McpSession`]) and the mesh's metrics buffer and heartbeat
//! ([`MeshState`]). The high-level calls live beside their features: intents in `intents.rs`,
//! `observe`/`wait_for` in `observe.rs`, `listen` in `listen.rs` (each an `impl Client` block).
//! Cheap to clone; clones share everything.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use crate::config::ResolvedConfig;
use crate::error::Error;
use crate::mcp::{Mcp, McpSession};
use crate::mesh::{Mesh, MeshState};
use crate::operations::OperationDescriptor;
use crate::records::{CallOptions, ClientConfig};
use crate::retry::{Jitter, RetryBudget};
use crate::transport::{find_op, Transport};

/// The async client. Cheap to clone; clones share the pool, the retry budget, the MCP session
/// and the mesh state.
#[derive(Debug, Clone)]
pub struct Client {
    transport: Transport,
    mcp: Arc<McpSession>,
    mesh: Arc<MeshState>,
}

impl Client {
    /// Resolve and validate `config` (environment fallbacks included), then build the client.
    /// No request is sent.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        Ok(Client::on(Transport::new(config)?))
    }

    /// Build from an already resolved config; `jitter` replaces the random backoff source (tests).
    pub fn from_resolved(config: ResolvedConfig, jitter: Option<Jitter>) -> Result<Client, Error> {
        Ok(Client::on(Transport::from_resolved(config, jitter)?))
    }

    fn on(transport: Transport) -> Client {
        Client {
            transport,
            mcp: Arc::default(),
            mesh: Arc::default(),
        }
    }

    /// A clone with a connection pool of its own (for another runtime, such as one per calling
    /// thread); config, retry budget, MCP session and mesh state stay shared.
    pub fn with_own_connections(&self) -> Result<Client, Error> {
        Ok(Client {
            transport: self.transport.with_own_connections()?,
            mcp: self.mcp.clone(),
            mesh: self.mesh.clone(),
        })
    }

    /// The HTTP side.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The validated configuration.
    pub fn config(&self) -> &ResolvedConfig {
        self.transport.config()
    }

    /// The retry budget shared by this client's requests.
    pub fn retry_budget(&self) -> &RetryBudget {
        self.transport.retry_budget()
    }

    /// Call an operation: `args` holds its path/query/header parameters by name, `body`, and
    /// per-call options (`idempotency_key`, `trace_id`, `authorization`, `timeout` in seconds,
    /// `retryable`). Returns the JSON response (`null` for an empty body).
    pub async fn call(&self, op: &OperationDescriptor, args: Value) -> Result<Value, Error> {
        self.transport.call(op, args).await
    }

    /// [`Client::call`] for an operation whose request body is not JSON (a media upload).
    pub async fn call_with_content(
        &self,
        op: &OperationDescriptor,
        args: Value,
        content: Bytes,
    ) -> Result<Value, Error> {
        self.transport.call_with_content(op, args, content).await
    }

    /// [`Client::call`] by operation id.
    pub async fn call_by_id(&self, op_id: &str, args: Value) -> Result<Value, Error> {
        self.call(find_op(op_id)?, args).await
    }

    /// [`Client::call_with_content`] by operation id (`content`: `Bytes`, `Vec<u8>`, ...).
    pub async fn call_by_id_with_content(
        &self,
        op_id: &str,
        args: Value,
        content: impl Into<Bytes>,
    ) -> Result<Value, Error> {
        self.call_with_content(find_op(op_id)?, args, content.into())
            .await
    }

    /// [`Client::call_by_id`] (with `content`: a raw request body) returning the JSON response
    /// as text, checked but never decoded and encoded again.
    pub async fn call_by_id_text(
        &self,
        op_id: &str,
        args: Value,
        content: Option<Bytes>,
    ) -> Result<String, Error> {
        self.transport
            .call_text(find_op(op_id)?, args, content)
            .await
    }

    /// Call an operation whose success response is raw bytes (a media download).
    pub async fn call_by_id_bytes(
        &self,
        op_id: &str,
        args: Value,
        content: Option<Bytes>,
    ) -> Result<Bytes, Error> {
        self.transport
            .call_bytes(find_op(op_id)?, args, content)
            .await
    }

    /// The MCP calls (session, protocol headers, schema cache and checks live there).
    pub fn mcp(&self) -> Mcp<'_> {
        self.mcp.with(&self.transport)
    }

    /// MCP `initialize` with `protocol_version` (else the configured one).
    pub async fn mcp_initialize(
        &self,
        protocol_version: Option<&str>,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        self.mcp().initialize(protocol_version, opts).await
    }

    /// MCP `tools/list` (caches the tools' input schemas).
    pub async fn mcp_list_tools(&self, opts: &CallOptions) -> Result<Value, Error> {
        self.mcp().list_tools(opts).await
    }

    /// MCP `tools/call` (arguments checked against the cached schema unless the options say not).
    pub async fn mcp_call_tool(
        &self,
        name: &str,
        arguments: Value,
        opts: &CallOptions,
    ) -> Result<Value, Error> {
        self.mcp().call_tool(name, arguments, opts).await
    }

    /// The session id the MCP server gave in the last `initialize`, if any.
    pub fn mcp_session_id(&self) -> Option<String> {
        self.mcp.session_id()
    }

    /// The protocol version agreed in the last successful `initialize`, if any.
    pub fn mcp_protocol_version(&self) -> Option<String> {
        self.mcp.protocol_version()
    }

    /// The cached `inputSchema` of a tool.
    pub fn mcp_tool_schema(&self, name: &str) -> Option<Value> {
        self.mcp.tool_schema(name)
    }

    /// The mesh calls of this client (every view shares the metrics buffer and heartbeat task).
    pub fn mesh(&self) -> Mesh {
        Mesh::new(self.transport.clone(), self.mesh.clone())
    }
}
