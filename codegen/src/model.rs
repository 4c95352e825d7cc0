//! The intermediate model every template renders: operations, SDK methods grouped by client,
//! schemas and types, all language-independent.
//!
//! It carries more than today's Rust, Python and TypeScript templates use (formats, defaults,
//! nullability, enums, docs, retry rules) because the Go, Java and C# templates will need them.
//! Built from the spec by [`crate::load`]; serialised as-is into the tera context, so field names
//! here are the names templates use.

use serde::Serialize;
use serde_json::Value;

/// Everything generated from one spec.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// Tags in spec order: an operation's first tag is its family.
    pub families: Vec<Family>,
    /// Every operation in path order (per path: GET, PUT, POST, DELETE, PATCH), fault-injection
    /// ones included (flagged).
    pub operations: Vec<Operation>,
    /// Named schemas: `components.schemas` in order, then inline objects hoisted out of them.
    pub schemas: Vec<Schema>,
    /// SDK surface: the root client first, then each sub-client (`mesh`) in order of appearance.
    pub clients: Vec<Client>,
    /// The intent lifecycle (statuses and event types, with the terminal ones).
    pub lifecycle: Lifecycle,
}

/// The intent lifecycle as the spec defines it: the values of `IntentStatus` and
/// `IntentEventType`, and those their `x-axme-terminal` lists mark as terminal. Empty for a spec
/// without them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Lifecycle {
    /// Every status, in spec order.
    pub statuses: Vec<String>,
    /// The statuses after which an intent never changes.
    pub terminal_statuses: Vec<String>,
    /// Every event type, in spec order.
    pub event_types: Vec<String>,
    /// The event types that end an intent's lifecycle.
    pub terminal_event_types: Vec<String>,
}

/// A tag of the spec.
#[derive(Debug, Clone, Serialize)]
pub struct Family {
    /// Tag name (`intents`).
    pub name: String,
    /// Tag description.
    pub description: Option<String>,
}

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
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

/// Where a spec parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamIn {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// A request header.
    Header,
}

/// One HTTP operation.
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// `operationId`.
    pub id: String,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path template (`/v1/intents/{intent_id}`).
    pub path: String,
    /// `GET /v1/intents/{intent_id}`: how errors name the operation.
    pub location: String,
    /// First tag.
    pub family: String,
    /// All tags.
    pub tags: Vec<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// `x-axme-served`: the reference server implements it.
    pub served: bool,
    /// `x-axme-faults-only`: test-only, no SDK method, not in the core table.
    pub faults_only: bool,
    /// POST/PUT/PATCH/DELETE.
    pub writes: bool,
    /// Path, query and header parameters in spec order (`$ref`s resolved).
    pub params: Vec<Param>,
    /// Header parameters the generic call takes as arguments (`arg` is the argument name):
    /// every declared header except the ones core manages itself ([`CORE_HEADERS`]).
    pub call_headers: Vec<CallHeader>,
    /// Request body, if any.
    pub body: Option<Body>,
    /// The success response.
    pub response: Response,
    /// `x-axme-sdk`, absent only for fault-injection operations.
    pub sdk: Option<Sdk>,
}

/// Headers core sets itself or takes as per-call options (`core/src/request.rs`), with the
/// argument name of the options: they never appear in a descriptor's `header_params`.
pub const CORE_HEADERS: &[(&str, Option<&str>)] = &[
    ("idempotency-key", Some("idempotency_key")),
    ("x-trace-id", Some("trace_id")),
    ("authorization", Some("authorization")),
    ("traceparent", None),
    ("x-axme-client", None),
    ("x-request-id", None),
    ("x-correlation-id", None),
];

/// A header argument of the generic call.
#[derive(Debug, Clone, Serialize)]
pub struct CallHeader {
    /// Argument name (snake_case of the header, or the SDK parameter bound to it).
    pub arg: String,
    /// Header name as written in the spec.
    pub header: String,
    /// `required`.
    pub required: bool,
    /// Type of its value.
    pub ty: TypeRef,
    /// Bounds of its value.
    pub constraints: Constraints,
}

/// A path, query or header parameter.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Param {
    /// Name on the wire.
    pub name: String,
    /// Location.
    #[serde(rename = "in")]
    pub location: ParamIn,
    /// `required`.
    pub required: bool,
    /// Type.
    pub ty: TypeRef,
    /// `nullable`.
    pub nullable: bool,
    /// Schema default.
    pub default: Option<Value>,
    /// Description.
    pub description: Option<String>,
    /// `x-axme-multi-segment`: the value may contain `/`.
    pub multi_segment: bool,
    /// Bounds of its schema (clients check them before sending).
    pub constraints: Constraints,
}

/// The value bounds of a parameter's inline schema (none for a `$ref` schema).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Constraints {
    /// `minimum`.
    pub minimum: Option<f64>,
    /// `exclusiveMinimum: true`.
    pub exclusive_minimum: bool,
    /// `maximum`.
    pub maximum: Option<f64>,
    /// `exclusiveMaximum: true`.
    pub exclusive_maximum: bool,
    /// `minLength`.
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
    /// `pattern` (not checked by the Rust core, which has no regex engine).
    pub pattern: Option<String>,
}

/// A request body.
#[derive(Debug, Clone, Serialize)]
pub struct Body {
    /// `required`.
    pub required: bool,
    /// Media type used (`application/json` preferred).
    pub content_type: String,
    /// Type of the body.
    pub ty: TypeRef,
    /// Description.
    pub description: Option<String>,
}

/// Shape of the success response.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    /// A JSON document.
    Json {
        /// HTTP status.
        status: String,
        /// Its type.
        ty: TypeRef,
    },
    /// Raw bytes.
    Binary {
        /// HTTP status.
        status: String,
        /// Media type.
        content_type: String,
    },
    /// Server-sent events (`x-axme-sse`).
    EventStream {
        /// HTTP status.
        status: String,
        /// Schema of each event's data.
        event: Option<String>,
        /// Schema of the closing `stream.timeout` data.
        timeout: Option<String>,
    },
    /// No body.
    Empty {
        /// HTTP status.
        status: String,
    },
}

/// `x-axme-sdk`, validated and typed.
#[derive(Debug, Clone, Serialize)]
pub struct Sdk {
    /// snake_case method name.
    pub method: String,
    /// Sub-client (`mesh`), if any.
    pub subclient: Option<String>,
    /// Family.
    pub family: String,
    /// False when the upstream SDKs have no such method.
    pub public: bool,
    /// Parameters, positional first, in Python order.
    pub params: Vec<MethodParam>,
    /// `always`, `with_idempotency_key`, `never`, `per_call`.
    pub retry: Option<String>,
    /// Generator notes.
    pub notes: Option<String>,
}

/// Where an SDK parameter goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "to", content = "name", rename_all = "snake_case")]
pub enum Bind {
    /// A path placeholder.
    Path(String),
    /// A query parameter.
    Query(String),
    /// A request header.
    Header(String),
    /// The whole JSON body.
    Body,
    /// One field of the JSON body.
    BodyField(String),
}

/// A parameter of an SDK method.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct MethodParam {
    /// snake_case name (Python spelling).
    pub name: String,
    /// Positional (true) or keyword-only / options-object member (false).
    pub positional: bool,
    /// Type (without the `None`/`null` of an optional parameter).
    pub ty: TypeRef,
    /// Must be given.
    pub required: bool,
    /// Has a default (`!required`).
    pub has_default: bool,
    /// The default; `null` means "not sent".
    pub default: Value,
    /// Optional with a `null` default: the type admits `None`/`null`.
    pub optional: bool,
    /// Description.
    pub description: Option<String>,
    /// Where it goes (operations only; high-level calls have none).
    pub bind: Option<Bind>,
    /// Key in the generic call's argument object (`body` for the whole body; none for a body
    /// field, which is merged into `body`).
    pub arg: Option<String>,
}

/// One client object of the SDK surface (`client` or `client.mesh`).
#[derive(Debug, Clone, Serialize)]
pub struct Client {
    /// `None` for the root client.
    pub subclient: Option<String>,
    /// Methods: generated ones in spec order, then the hand-written ones.
    pub methods: Vec<Method>,
}

/// Whether a method is generated or hand-written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    /// Generated from an operation: calls the generic call.
    Operation,
    /// Declared in `x-axme-high-level`: body written by hand in each binding.
    HighLevel,
}

/// A method of the SDK surface.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Method {
    /// snake_case name.
    pub name: String,
    /// Sub-client, if any.
    pub subclient: Option<String>,
    /// Generated or hand-written.
    pub kind: MethodKind,
    /// Also listed in `x-axme-high-level` (for generated methods).
    pub high_level: bool,
    /// The operation called (generated methods).
    pub operation_id: Option<String>,
    /// `GET /v1/...` of that operation.
    pub http: Option<String>,
    /// Operations a hand-written call is built on.
    pub operations: Vec<String>,
    /// Family.
    pub family: String,
    /// Present in the upstream SDKs.
    pub public: bool,
    /// Served by the reference server (generated methods).
    pub served: Option<bool>,
    /// Summary line.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Parameters, positional first.
    pub params: Vec<MethodParam>,
    /// Return type (`iterator` for streams, `void` for nothing).
    pub returns: TypeRef,
    /// Retry rule.
    pub retry: Option<String>,
    /// Generator notes.
    pub notes: Option<String>,
    /// Parameter given as the whole body, if any.
    pub body_base: Option<String>,
    /// `(field, parameter)` pairs merged into the body.
    pub body_fields: Vec<BodyField>,
    /// Where the method is declared in the spec.
    pub location: String,
}

/// A body field filled from a parameter.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct BodyField {
    /// Field of the JSON body.
    pub field: String,
    /// Parameter name.
    pub param: String,
}

/// A named schema.
#[derive(Debug, Clone, Serialize)]
pub struct Schema {
    /// Name as in the spec (or the hoisted name).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Shape.
    pub shape: Shape,
    /// Where it is defined (`components.schemas.X`).
    pub location: String,
}

/// Shape of a named schema.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    /// An object with declared properties.
    Object {
        /// Properties in spec order.
        fields: Vec<Field>,
        /// `additionalProperties`.
        additional: Additional,
    },
    /// An enumeration of literal values.
    Enum {
        /// `string`, `integer`, `number` or `boolean`.
        base: String,
        /// The values.
        values: Vec<Value>,
        /// `x-axme-open: true`: the server may add values, so typed languages keep an unknown
        /// one instead of failing to decode it.
        open: bool,
    },
    /// Anything else (a free-form object, an array, a primitive).
    Alias {
        /// The aliased type.
        ty: TypeRef,
    },
}

/// `additionalProperties` of an object.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Additional {
    /// Not declared (JSON Schema allows extra fields; typed bindings may ignore them).
    Unspecified,
    /// `false`.
    Closed,
    /// `true` or `{}`.
    Any,
    /// A schema for the extra values.
    Typed {
        /// Their type.
        values: TypeRef,
    },
}

/// A property of an object schema.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Name on the wire.
    pub name: String,
    /// Type.
    pub ty: TypeRef,
    /// Listed in `required`.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
    /// Schema default.
    pub default: Option<Value>,
    /// Description.
    pub description: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// `readOnly: true`.
    pub read_only: bool,
}

/// A type, language-independent. Nullability lives on fields and parameters.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeRef {
    /// Any JSON value.
    Any,
    /// No value (a call that returns nothing).
    Void,
    /// `true`/`false`.
    Boolean,
    /// Raw bytes.
    Bytes,
    /// A string (`format`: `uuid`, `date-time`, ...).
    String {
        /// Format.
        format: Option<String>,
    },
    /// An integer.
    Integer {
        /// Format (`int32`, `int64`).
        format: Option<String>,
    },
    /// A number.
    Number {
        /// Format (`float`, `double`).
        format: Option<String>,
    },
    /// One of these literal values.
    Enum {
        /// The values.
        values: Vec<Value>,
    },
    /// A list.
    Array {
        /// Item type.
        items: Box<TypeRef>,
    },
    /// An object with arbitrary keys.
    Map {
        /// Value type.
        values: Box<TypeRef>,
    },
    /// A named schema.
    Ref {
        /// Schema name.
        name: String,
    },
    /// A typed object, but any plain JSON object is accepted too (request bodies).
    Loose {
        /// The typed form.
        inner: Box<TypeRef>,
    },
    /// One of several types.
    Union {
        /// The variants.
        variants: Vec<TypeRef>,
    },
    /// A stream of items (hand-written `observe`, `listen`).
    Iterator {
        /// Item type.
        items: Box<TypeRef>,
    },
}

impl TypeRef {
    /// A free-form JSON object.
    pub fn object() -> TypeRef {
        TypeRef::Map {
            values: Box::new(TypeRef::Any),
        }
    }
}
