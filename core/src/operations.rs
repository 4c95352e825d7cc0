//! Operation descriptors: what the generic call needs to know about each HTTP operation.
//!
//! The table below is hand-written for the operations the reference server serves today
//! (`docs/design/server-wire.md`). It is a stopgap: the codegen issue generates the full table
//! from `spec/openapi.yaml` and replaces this file; keep the descriptor *type* stable so the
//! generated table and every binding keep compiling.

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl HttpMethod {
    /// Upper-case method name.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// An argument sent as a request header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderParam {
    /// Argument name in the JSON args (snake_case).
    pub arg: &'static str,
    /// Header name on the wire.
    pub header: &'static str,
}

/// Everything the generic call needs to build a request.
///
/// Path parameters named `address` (or ending in `_address`) are agent addresses: `agent://`
/// is stripped and their `/` separators are kept; every other path parameter is one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationDescriptor {
    /// Stable operation id (`intents.get`), what bindings call by name.
    pub id: &'static str,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path with `{name}` placeholders, e.g. `/v1/intents/{intent_id}`.
    pub path_template: &'static str,
    /// Names of the placeholders, all required.
    pub path_params: &'static [&'static str],
    /// Query parameters, all optional.
    pub query_params: &'static [&'static str],
    /// Header parameters, all optional.
    pub header_params: &'static [HeaderParam],
    /// Whether the operation changes server state (gets an `Idempotency-Key`).
    pub writes: bool,
    /// Whether the response is an SSE stream (served by `observe`/`listen`, refused by `call`).
    pub streaming: bool,
}

const OWNER_HEADER: &[HeaderParam] = &[HeaderParam {
    arg: "x_owner_agent",
    header: "x-owner-agent",
}];

const fn op(
    id: &'static str,
    method: HttpMethod,
    path_template: &'static str,
    path_params: &'static [&'static str],
    query_params: &'static [&'static str],
    header_params: &'static [HeaderParam],
) -> OperationDescriptor {
    let writes = !matches!(method, HttpMethod::Get);
    OperationDescriptor {
        id,
        method,
        path_template,
        path_params,
        query_params,
        header_params,
        writes,
        streaming: false,
    }
}

const fn streaming(op: OperationDescriptor) -> OperationDescriptor {
    OperationDescriptor {
        streaming: true,
        ..op
    }
}

use HttpMethod::{Get, Post};

/// `GET /health`
pub const HEALTH: OperationDescriptor = op("health", Get, "/health", &[], &[], &[]);
/// `GET /v1/capabilities`
pub const CAPABILITIES_GET: OperationDescriptor =
    op("capabilities.get", Get, "/v1/capabilities", &[], &[], &[]);
/// `POST /v1/intents`
pub const INTENTS_CREATE: OperationDescriptor =
    op("intents.create", Post, "/v1/intents", &[], &[], &[]);
/// `GET /v1/intents`
pub const INTENTS_LIST: OperationDescriptor = op(
    "intents.list",
    Get,
    "/v1/intents",
    &[],
    &["status", "limit", "cursor"],
    &[],
);
/// `GET /v1/intents/{intent_id}`
pub const INTENTS_GET: OperationDescriptor = op(
    "intents.get",
    Get,
    "/v1/intents/{intent_id}",
    &["intent_id"],
    &[],
    &[],
);
/// `GET /v1/intents/{intent_id}/events`
pub const INTENTS_EVENTS_LIST: OperationDescriptor = op(
    "intents.events.list",
    Get,
    "/v1/intents/{intent_id}/events",
    &["intent_id"],
    &["since"],
    &[],
);
/// `GET /v1/intents/{intent_id}/events/stream` (SSE; used by `observe`, not by `call`).
pub const INTENTS_EVENTS_STREAM: OperationDescriptor = streaming(op(
    "intents.events.stream",
    Get,
    "/v1/intents/{intent_id}/events/stream",
    &["intent_id"],
    &["since", "wait_seconds"],
    &[],
));
/// `POST /v1/intents/{intent_id}/resolve`
pub const INTENTS_RESOLVE: OperationDescriptor = op(
    "intents.resolve",
    Post,
    "/v1/intents/{intent_id}/resolve",
    &["intent_id"],
    &["owner_agent"],
    OWNER_HEADER,
);
/// `POST /v1/intents/{intent_id}/resume`
pub const INTENTS_RESUME: OperationDescriptor = op(
    "intents.resume",
    Post,
    "/v1/intents/{intent_id}/resume",
    &["intent_id"],
    &["owner_agent"],
    OWNER_HEADER,
);
/// `POST /v1/intents/{intent_id}/controls`
pub const INTENTS_CONTROLS_UPDATE: OperationDescriptor = op(
    "intents.controls.update",
    Post,
    "/v1/intents/{intent_id}/controls",
    &["intent_id"],
    &["owner_agent"],
    OWNER_HEADER,
);
/// `POST /v1/intents/{intent_id}/policy`
pub const INTENTS_POLICY_UPDATE: OperationDescriptor = op(
    "intents.policy.update",
    Post,
    "/v1/intents/{intent_id}/policy",
    &["intent_id"],
    &["owner_agent"],
    OWNER_HEADER,
);
/// `GET /v1/agents/{address}/intents/stream` (SSE; used by `listen`, not by `call`).
pub const AGENTS_INTENTS_STREAM: OperationDescriptor = streaming(op(
    "agents.intents.stream",
    Get,
    "/v1/agents/{address}/intents/stream",
    &["address"],
    &["since", "wait_seconds", "status"],
    &[],
));

/// `POST /v1/mesh/heartbeat` (body `{metrics?}`, omitted when there are no metrics).
pub const MESH_HEARTBEAT: OperationDescriptor =
    op("mesh.heartbeat", Post, "/v1/mesh/heartbeat", &[], &[], &[]);
/// `GET /v1/mesh/agents`
pub const MESH_AGENTS_LIST: OperationDescriptor = op(
    "mesh.agents.list",
    Get,
    "/v1/mesh/agents",
    &[],
    &["limit", "health", "window"],
    &[],
);
/// `GET /v1/mesh/agents/{address_id}`
pub const MESH_AGENTS_GET: OperationDescriptor = op(
    "mesh.agents.get",
    Get,
    "/v1/mesh/agents/{address_id}",
    &["address_id"],
    &[],
    &[],
);
/// `POST /v1/mesh/agents/{address_id}/kill` (never retried by `Mesh::kill`).
pub const MESH_AGENTS_KILL: OperationDescriptor = op(
    "mesh.agents.kill",
    Post,
    "/v1/mesh/agents/{address_id}/kill",
    &["address_id"],
    &[],
    &[],
);
/// `POST /v1/mesh/agents/{address_id}/resume` (never retried by `Mesh::resume`).
pub const MESH_AGENTS_RESUME: OperationDescriptor = op(
    "mesh.agents.resume",
    Post,
    "/v1/mesh/agents/{address_id}/resume",
    &["address_id"],
    &[],
    &[],
);
/// `GET /v1/mesh/events`
pub const MESH_EVENTS_LIST: OperationDescriptor = op(
    "mesh.events.list",
    Get,
    "/v1/mesh/events",
    &[],
    &["limit", "event_type"],
    &[],
);
/// `POST /mcp` (JSON-RPC). Not in [`ALL`]: it is reached through `mcp_initialize`,
/// `mcp_list_tools` and `mcp_call_tool`, which also replace the path with the configured
/// `mcp_endpoint_path`.
pub const MCP_REQUEST: OperationDescriptor = op("mcp.request", Post, "/mcp", &[], &[], &[]);

/// Every known operation.
pub const ALL: &[OperationDescriptor] = &[
    HEALTH,
    CAPABILITIES_GET,
    INTENTS_CREATE,
    INTENTS_LIST,
    INTENTS_GET,
    INTENTS_EVENTS_LIST,
    INTENTS_EVENTS_STREAM,
    INTENTS_RESOLVE,
    INTENTS_RESUME,
    INTENTS_CONTROLS_UPDATE,
    INTENTS_POLICY_UPDATE,
    AGENTS_INTENTS_STREAM,
    MESH_HEARTBEAT,
    MESH_AGENTS_LIST,
    MESH_AGENTS_GET,
    MESH_AGENTS_KILL,
    MESH_AGENTS_RESUME,
    MESH_EVENTS_LIST,
];

/// Look an operation up by id.
pub fn find(id: &str) -> Option<&'static OperationDescriptor> {
    ALL.iter().find(|op| op.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        let mut ids: Vec<_> = ALL.iter().map(|o| o.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len(), "duplicate ids");
        for o in ALL {
            for p in o.path_params {
                assert!(
                    o.path_template.contains(&format!("{{{p}}}")),
                    "{} {p}",
                    o.id
                );
            }
            assert_eq!(
                o.path_template.matches('{').count(),
                o.path_params.len(),
                "{}",
                o.id
            );
            assert_eq!(o.writes, o.method != HttpMethod::Get, "{}", o.id);
            assert_eq!(o.streaming, o.id.ends_with(".stream"), "{}", o.id);
        }
        assert_eq!(find("intents.get"), Some(&INTENTS_GET));
        assert_eq!(find("nope"), None);
    }
}
