//! Operation descriptors: what the generic call needs to know about each HTTP operation.
//!
//! The table itself is generated from `spec/openapi.yaml` by `axme-codegen` into
//! `generated/operations.rs`; this file holds the descriptor types it is written in (codegen's
//! tests compile the table against them) and the ids the hand-written calls use.

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

/// The JSON type a parameter's value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// A string; a list of strings is also accepted and sent comma-joined.
    String,
    /// A whole number (a float with no fractional part counts: some bindings only have f64).
    Integer,
    /// Any finite number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// Not described by the spec: any scalar or list of scalars.
    Any,
}

/// What the spec allows for a parameter's value: the subset of JSON Schema the core checks
/// before a request (`pattern` and `format` are left to the server).
///
/// Built with const methods so the generated table stays one line per parameter:
/// `ParamSchema::INTEGER.minimum(1.0).maximum(200.0)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSchema {
    /// JSON type.
    pub ty: ParamType,
    /// Allowed values as sent on the wire (`enum`); empty = any.
    pub one_of: &'static [&'static str],
    /// `minimum` (with `exclusive_minimum`: strictly greater).
    pub minimum: Option<f64>,
    /// `exclusiveMinimum: true`.
    pub exclusive_minimum: bool,
    /// `maximum` (with `exclusive_maximum`: strictly less).
    pub maximum: Option<f64>,
    /// `exclusiveMaximum: true`.
    pub exclusive_maximum: bool,
    /// `minLength`, in characters.
    pub min_length: Option<u32>,
    /// `maxLength`, in characters.
    pub max_length: Option<u32>,
}

impl ParamSchema {
    const fn of(ty: ParamType) -> ParamSchema {
        ParamSchema {
            ty,
            one_of: &[],
            minimum: None,
            exclusive_minimum: false,
            maximum: None,
            exclusive_maximum: false,
            min_length: None,
            max_length: None,
        }
    }

    /// Any string.
    pub const STRING: ParamSchema = ParamSchema::of(ParamType::String);
    /// Any integer.
    pub const INTEGER: ParamSchema = ParamSchema::of(ParamType::Integer);
    /// Any number.
    pub const NUMBER: ParamSchema = ParamSchema::of(ParamType::Number);
    /// A boolean.
    pub const BOOLEAN: ParamSchema = ParamSchema::of(ParamType::Boolean);
    /// Anything scalar.
    pub const ANY: ParamSchema = ParamSchema::of(ParamType::Any);

    /// Only these values (as sent on the wire).
    pub const fn one_of(self, values: &'static [&'static str]) -> ParamSchema {
        ParamSchema {
            one_of: values,
            ..self
        }
    }

    /// `minimum`.
    pub const fn minimum(self, min: f64) -> ParamSchema {
        ParamSchema {
            minimum: Some(min),
            ..self
        }
    }

    /// `minimum` with `exclusiveMinimum`.
    pub const fn above(self, min: f64) -> ParamSchema {
        ParamSchema {
            minimum: Some(min),
            exclusive_minimum: true,
            ..self
        }
    }

    /// `maximum`.
    pub const fn maximum(self, max: f64) -> ParamSchema {
        ParamSchema {
            maximum: Some(max),
            ..self
        }
    }

    /// `maximum` with `exclusiveMaximum`.
    pub const fn below(self, max: f64) -> ParamSchema {
        ParamSchema {
            maximum: Some(max),
            exclusive_maximum: true,
            ..self
        }
    }

    /// `minLength`.
    pub const fn min_length(self, n: u32) -> ParamSchema {
        ParamSchema {
            min_length: Some(n),
            ..self
        }
    }

    /// `maxLength`.
    pub const fn max_length(self, n: u32) -> ParamSchema {
        ParamSchema {
            max_length: Some(n),
            ..self
        }
    }
}

/// A path or query parameter; its argument name is its wire name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    /// Name in the JSON args and on the wire.
    pub name: &'static str,
    /// Must be given (path parameters always are).
    pub required: bool,
    /// What its value may be.
    pub schema: ParamSchema,
}

impl Param {
    /// A parameter that must be given.
    pub const fn required(name: &'static str, schema: ParamSchema) -> Param {
        Param {
            name,
            required: true,
            schema,
        }
    }

    /// A parameter that may be left out.
    pub const fn optional(name: &'static str, schema: ParamSchema) -> Param {
        Param {
            name,
            required: false,
            schema,
        }
    }
}

/// An argument sent as a request header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeaderParam {
    /// Argument name in the JSON args (snake_case).
    pub arg: &'static str,
    /// Header name on the wire.
    pub header: &'static str,
    /// Must be given.
    pub required: bool,
    /// What its value may be.
    pub schema: ParamSchema,
}

impl HeaderParam {
    /// A header that must be given.
    pub const fn required(
        arg: &'static str,
        header: &'static str,
        schema: ParamSchema,
    ) -> HeaderParam {
        HeaderParam {
            arg,
            header,
            required: true,
            schema,
        }
    }

    /// A header that may be left out.
    pub const fn optional(
        arg: &'static str,
        header: &'static str,
        schema: ParamSchema,
    ) -> HeaderParam {
        HeaderParam {
            arg,
            header,
            required: false,
            schema,
        }
    }
}

/// The request body an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestBody {
    /// Media type sent as `Content-Type` (`application/json`, `application/octet-stream`).
    pub media_type: &'static str,
    /// Must be given.
    pub required: bool,
}

impl RequestBody {
    /// A JSON body (`application/json` or a `+json` type): it travels in the args as `body`.
    /// Any other media type is raw bytes, passed beside the args (`Client::call_with_content`).
    pub fn is_json(&self) -> bool {
        let essence = self.media_type.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("application/json") || essence.ends_with("+json")
    }
}

/// When a failed attempt may be repeated (the spec's `x-axme-sdk.retry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryRule {
    /// Always (reads, and writes the spec declares safe to repeat, such as DELETEs).
    Always,
    /// Only when the request carries an `Idempotency-Key` (minted or given).
    WithIdempotencyKey,
    /// Never (side effects a repeat could double, e.g. the mesh kill switch).
    Never,
    /// Decided by the high-level call per request (MCP: `tools/call` vs `initialize`); the
    /// generic call treats it like [`RetryRule::WithIdempotencyKey`].
    PerCall,
}

/// Everything the generic call needs to build a request.
///
/// Path parameters named `address` (or ending in `_address`) are agent addresses: `agent://`
/// is stripped and their `/` separators are kept; every other path parameter is one segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OperationDescriptor {
    /// Stable operation id (`intents.get`), what bindings call by name.
    pub id: &'static str,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path with `{name}` placeholders, e.g. `/v1/intents/{intent_id}`.
    pub path_template: &'static str,
    /// The placeholders, all required.
    pub path_params: &'static [Param],
    /// Query parameters.
    pub query_params: &'static [Param],
    /// Header parameters (besides the ones core manages: idempotency, trace, authorization).
    pub header_params: &'static [HeaderParam],
    /// The request body, if the operation takes one.
    pub body: Option<RequestBody>,
    /// Whether the operation changes server state (gets an `Idempotency-Key`).
    pub writes: bool,
    /// When a failed attempt may be repeated.
    pub retry: RetryRule,
    /// Whether the response is an SSE stream (served by `observe`/`listen`, refused by `call`).
    pub streaming: bool,
    /// The media type of a success response that is raw bytes rather than JSON (a media download):
    /// read with `Client::call_by_id_bytes`, refused by the JSON calls.
    pub raw_response: Option<&'static str>,
}

/// The operation ids the hand-written calls (intents, observe, listen, mesh, MCP) use. A test checks
/// that each is in the generated table, so a spec change that drops one fails the build's tests.
pub mod ids {
    pub const HEALTH: &str = "health";
    pub const CAPABILITIES_GET: &str = "get_capabilities";
    pub const INTENTS_CREATE: &str = "create_intent";
    pub const INTENTS_LIST: &str = "list_intents";
    pub const INTENTS_GET: &str = "get_intent";
    pub const INTENTS_EVENTS_LIST: &str = "list_intent_events";
    pub const INTENTS_EVENTS_STREAM: &str = "stream_intent_events";
    pub const INTENTS_RESOLVE: &str = "resolve_intent";
    pub const INTENTS_RESUME: &str = "resume_intent";
    pub const INTENTS_CONTROLS_UPDATE: &str = "update_intent_controls";
    pub const INTENTS_POLICY_UPDATE: &str = "update_intent_policy";
    pub const AGENTS_INTENTS_STREAM: &str = "stream_agent_intents";
    pub const MESH_HEARTBEAT: &str = "mesh_heartbeat";
    pub const MESH_AGENTS_LIST: &str = "mesh_list_agents";
    pub const MESH_AGENTS_GET: &str = "mesh_get_agent";
    pub const MESH_AGENTS_KILL: &str = "mesh_kill";
    pub const MESH_AGENTS_RESUME: &str = "mesh_resume";
    pub const MESH_EVENTS_LIST: &str = "mesh_list_events";
    pub const MCP_REQUEST: &str = "mcp_request";
    /// Every id above.
    pub const USED: &[&str] = &[
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
        MCP_REQUEST,
    ];
}

/// Every operation of `spec/openapi.yaml` (the fault-injection API excepted), generated by
/// `axme-codegen`.
pub use crate::generated::operations::OPERATIONS as ALL;

/// Looks an operation up by its `operationId`.
pub fn find(id: &str) -> Option<&'static OperationDescriptor> {
    crate::generated::operations::find(id)
}

/// The descriptor of an id from [`ids`]; those are checked against the table by a test.
pub fn get(id: &str) -> &'static OperationDescriptor {
    find(id).unwrap_or_else(|| panic!("operation {id} is missing from the generated table; regenerate with `cargo run -p axme-codegen`"))
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
                    o.path_template.contains(&format!("{{{}}}", p.name)),
                    "{} {}",
                    o.id,
                    p.name
                );
                assert!(p.required, "{} {}", o.id, p.name);
            }
            assert_eq!(
                o.path_template.matches('{').count(),
                o.path_params.len(),
                "{}",
                o.id
            );
            assert_eq!(o.writes, o.method != HttpMethod::Get, "{}", o.id);
            if !o.writes {
                assert_eq!(o.retry, RetryRule::Always, "reads are retry-safe: {}", o.id);
                assert_eq!(o.body, None, "{}", o.id);
            }
            assert_eq!(o.streaming, o.id.starts_with("stream_"), "{}", o.id);
        }
        // What the spec says beyond the method (x-axme-sdk.retry).
        assert_eq!(get(ids::MESH_AGENTS_KILL).retry, RetryRule::Never);
        assert_eq!(
            get(ids::INTENTS_CREATE).retry,
            RetryRule::WithIdempotencyKey
        );
        assert_eq!(get(ids::MCP_REQUEST).retry, RetryRule::PerCall);
        let upload = find("upload_media_content").and_then(|o| o.body);
        assert_eq!(
            upload,
            Some(RequestBody {
                media_type: "application/octet-stream",
                required: true
            })
        );
        assert!(!upload.is_some_and(|b| b.is_json()));
        assert!(get(ids::INTENTS_CREATE).body.is_some_and(|b| b.is_json()));
        assert_eq!(
            find("get_intent").map(|o| o.path_template),
            Some("/v1/intents/{intent_id}")
        );
        assert_eq!(find("nope"), None);
    }

    #[test]
    fn every_id_the_hand_written_calls_use_is_generated() {
        for id in ids::USED {
            assert!(find(id).is_some(), "{id} is not in the generated table");
        }
    }
}
