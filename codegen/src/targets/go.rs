//! Go: the raw declaration layer of the cgo binding, in `bindings/go/internal/ffi/`: the C header
//! of every function of the waist's C ABI (with the check of the checksums and contract version
//! a binding runs at load), and the waist's records, error kinds, config defaults and lifecycle
//! constants as Go types with their uniffi encoders and decoders.
//!
//! The SDK surface, in `bindings/go/axme/`: every operation's method (the public Go SDK's names and
//! signatures from `codegen/data/go/public.txt`, the default spelling below for the others), the
//! error kinds as Go types, and the conformance driver's table of `call` methods.

use serde_json::{json, Value};
use tera::Tera;

use super::{Target, Template};
use crate::error::{Error, Result};
use crate::filters::{from, string_filter, Args};
use crate::model::{Bind, Method, MethodKind, MethodParam, Model, TypeRef};
use crate::names::{camel_case, pascal_case};
use crate::template;
use crate::waist::{Ty, Waist};

/// The Go target.
pub struct Go;

const OUTPUTS: &[Template] = &[
    template!(waist "go/axme_ffi.h" => "bindings/go/internal/ffi/axme_ffi.h"),
    template!(waist "go/waist_gen.go" => "bindings/go/internal/ffi/waist_gen.go"),
    template!("go/operations_gen.go" => "bindings/go/axme/operations_gen.go"),
    template!(waist "go/errors_gen.go" => "bindings/go/axme/errors_gen.go"),
    template!("go/calls_gen.go" => "conformance/drivers/go/calls_gen.go"),
];

/// The public Go SDK's signatures (see the file's header).
const PUBLIC: &str = include_str!("../../data/go/public.txt");

/// The error type of each kind (`*HTTPError` wrapped by a type per kind; `errors.As` finds both).
const ERROR_CLASSES: &[(&str, &str, &str)] = &[
    (
        "invalid_argument",
        "InvalidArgumentError",
        "InvalidArgumentError",
    ),
    ("auth", "AuthError", "AuthError"),
    ("validation", "ValidationError", "ValidationError"),
    ("conflict", "ConflictError", "ConflictError"),
    ("not_found", "NotFoundError", "NotFoundError"),
    ("rate_limit", "RateLimitError", "RateLimitError"),
    ("server", "ServerError", "ServerError"),
    ("timeout", "TimeoutError", "TimeoutError"),
    ("connection", "ConnectionError", "ConnectionError"),
    ("protocol", "ProtocolError", "ProtocolError"),
    ("mcp", "McpError", "McpError"),
    ("canceled", "CanceledError", "CanceledError"),
    ("internal", "InternalError", "InternalError"),
];

/// Per-call option names: they come from `RequestOptions`, never from a parameter.
const OPTION_PARAMS: &[&str] = &[
    "idempotency_key",
    "trace_id",
    "owner_agent",
    "x_owner_agent",
    "authorization",
];

impl Target for Go {
    fn name(&self) -> &'static str {
        "go"
    }

    fn outputs(&self) -> &'static [Template] {
        OUTPUTS
    }

    fn register_filters(&self, tera: &mut Tera) {
        string_filter(tera, "c_type", c_type);
        string_filter(tera, "go_ident", go_ident);
        tera.register_filter("go_type", |v: &Value, _: &Args| {
            Ok(Value::String(go_type(&from(v, "go_type")?)))
        });
        tera.register_filter("go_write", |v: &Value, args: &Args| {
            let expr = args.get("expr").and_then(Value::as_str).unwrap_or("v");
            Ok(Value::String(go_write(&from(v, "go_write")?, expr)))
        });
        tera.register_filter("go_read", |v: &Value, _: &Args| {
            Ok(Value::String(go_read(&from(v, "go_read")?)))
        });
        tera.register_filter("go_literal", |v: &Value, _: &Args| {
            Ok(Value::String(go_literal(v)))
        });
        string_filter(tera, "go_doc", |s| s.trim().replace('\n', "\n// "));
    }

    fn data(&self, model: &Model, waist: &Waist) -> Result<Value> {
        let classes = waist.error_classes("go", ERROR_CLASSES)?;
        let public = parse_public(PUBLIC)?;
        let mut methods = Vec::new();
        for client in &model.clients {
            let section = client.subclient.as_deref().unwrap_or("client");
            for m in client
                .methods
                .iter()
                .filter(|m| m.kind == MethodKind::Operation)
            {
                let op = m.operation_id.as_deref().unwrap_or_default();
                let entry = public.iter().find(|e| e.section == section && e.op == op);
                match entry {
                    Some(e) if e.name == "-" => {}
                    Some(e) => methods.push(public_method(m, e)?),
                    None => methods.push(default_method(m)),
                }
            }
        }
        Ok(json!({ "error_classes": classes, "methods": methods }))
    }
}

/// One line of `public.txt`.
struct PublicEntry {
    section: String,
    op: String,
    name: String,
    /// `(go name, go type, target)`.
    params: Vec<(String, String, String)>,
}

// An entry naming an operation the spec lacks is skipped (the tricky test spec has none of them);
// bindings/go/publiccheck, which calls every public method, fails to build when one goes missing.
fn data_error(message: String) -> Error {
    Error::spec("codegen/data/go/public.txt", message)
}

fn parse_public(text: &str) -> Result<Vec<PublicEntry>> {
    let mut out = Vec::new();
    let mut section = String::from("client");
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(op), Some(name)) = (words.next(), words.next()) else {
            return Err(data_error(format!(
                "line {line:?}: want `operation_id GoName param...`"
            )));
        };
        let mut params = Vec::new();
        for w in words {
            let parsed = w
                .split_once(':')
                .and_then(|(n, rest)| rest.split_once('=').map(|(t, target)| (n, t, target)));
            let Some((n, t, target)) = parsed else {
                return Err(data_error(format!(
                    "{op}: parameter {w:?} is not `name:type=target`"
                )));
            };
            params.push((n.to_string(), t.to_string(), target.to_string()));
        }
        out.push(PublicEntry {
            section: section.clone(),
            op: op.to_string(),
            name: name.to_string(),
            params,
        });
    }
    Ok(out)
}

/// A Go parameter (or field of a `…Params` struct) of a generated method.
fn go_param(name: &str, ty: &str, key: &str, place: &str, target: &str) -> Value {
    json!({
        "name": name, "field": pascal_ident(name), "ty": ty, "key": key, "place": place,
        "target": target, "getter": getter(ty),
    })
}

/// The driver's argument getter for a Go type.
fn getter(ty: &str) -> &'static str {
    match ty {
        "string" => "Str",
        "int" => "Int",
        "*int" => "IntPtr",
        "*float64" => "FloatPtr",
        "*bool" => "BoolPtr",
        "map[string]any" => "Map",
        "[]byte" => "Bytes",
        _ => "Any",
    }
}

/// The common shape of a generated method.
fn method_json(m: &Method, name: &str, params: Vec<Value>, fields: Vec<Value>) -> Value {
    let receiver = if m.subclient.is_some() {
        "MeshClient"
    } else {
        "Client"
    };
    let call = if matches!(m.returns, TypeRef::Bytes) {
        "bytes"
    } else if m.params.iter().any(|p| matches!(p.ty, TypeRef::Bytes)) {
        "content"
    } else {
        "json"
    };
    let returns = match m.returns {
        TypeRef::Bytes => "[]byte",
        TypeRef::Union { .. } | TypeRef::Array { .. } | TypeRef::Any => "any",
        _ => "map[string]any",
    };
    let doc = m
        .summary
        .clone()
        .or_else(|| m.description.clone())
        .unwrap_or_default();
    // The entries of the argument map and of the body's fields, laid out as gofmt does.
    let value = |p: &Value, in_struct: bool| {
        let name = p["name"].as_str().unwrap_or_default();
        let field = p["field"].as_str().unwrap_or_default();
        if in_struct {
            format!("arg(params.{field})")
        } else {
            format!("arg({name})")
        }
    };
    let mut args = Vec::new();
    let mut body = Vec::new();
    for (list, in_struct) in [(&params, false), (&fields, true)] {
        for p in list.iter() {
            let target = p["target"].as_str().unwrap_or_default().to_string();
            match p["place"].as_str() {
                Some("arg") => args.push((target, value(p, in_struct))),
                Some("body") => args.push(("body".to_string(), value(p, in_struct))),
                _ => body.push((target, value(p, in_struct))),
            }
        }
    }
    let field_types: Vec<(String, String)> = fields
        .iter()
        .map(|f| {
            let name = f["field"].as_str().unwrap_or_default();
            (
                name.to_string(),
                f["ty"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    json!({
        "args_lines": aligned(&args, true), "body_lines": aligned(&body, true),
        "struct_lines": aligned(&field_types, false),
        "receiver": receiver, "name": name, "snake": m.name, "subclient": m.subclient,
        "op": m.operation_id, "http": m.http, "doc": doc, "public": m.public,
        "params": params, "fields": fields, "call": call, "returns": returns,
        "params_type": if fields.is_empty() { Value::Null } else { json!(format!("{name}Params")) },
    })
}

/// `key: value` (or `Name Type`) lines aligned as gofmt aligns consecutive entries.
fn aligned(entries: &[(String, String)], literal: bool) -> Vec<String> {
    let keys: Vec<String> = entries
        .iter()
        .map(|(k, _)| {
            if literal {
                format!("{k:?}:")
            } else {
                k.clone()
            }
        })
        .collect();
    let width = keys.iter().map(String::len).max().unwrap_or(0);
    keys.iter()
        .zip(entries)
        .map(|(k, (_, v))| format!("{k:<width$} {v}"))
        .collect()
}

/// Surface key and place of a spec parameter: `arg` (path, query), `body` (the whole body),
/// `field` (one body field).
fn place_of(p: &MethodParam) -> (&'static str, String) {
    match &p.bind {
        Some(Bind::Body) => ("body", String::new()),
        Some(Bind::BodyField(f)) => ("field", f.clone()),
        _ => ("arg", p.arg.clone().unwrap_or_else(|| p.name.clone())),
    }
}

fn public_method(m: &Method, e: &PublicEntry) -> Result<Value> {
    let mut params = Vec::new();
    for (name, ty, target) in &e.params {
        let ty = match ty.as_str() {
            "map" => "map[string]any",
            "string" | "int" | "*int" => ty.as_str(),
            other => return Err(data_error(format!("{}: unknown type {other:?}", e.op))),
        };
        let spec = |pred: &dyn Fn(&MethodParam) -> bool| m.params.iter().find(|p| pred(p)).cloned();
        let found = if target == "body" {
            // An operation whose body the spec gives field by field still takes a whole body.
            let whole = spec(&|p| p.bind == Some(Bind::Body));
            if whole.is_none()
                && m.params
                    .iter()
                    .any(|p| matches!(p.bind, Some(Bind::BodyField(_))))
            {
                params.push(go_param(name, ty, name, "body", ""));
                continue;
            }
            whole
        } else if let Some(f) = target.strip_prefix("body.") {
            spec(&|p| p.bind == Some(Bind::BodyField(f.to_string())))
        } else {
            spec(&|p| p.name == *target)
        };
        let Some(p) = found else {
            return Err(data_error(format!(
                "{}: {target} is no parameter of the operation",
                e.op
            )));
        };
        let (place, target) = place_of(&p);
        params.push(go_param(name, ty, &p.name, place, &target));
    }
    Ok(method_json(m, &e.name, params, Vec::new()))
}

/// Operations the public SDK lacks: positional parameters as arguments, the others (except the
/// per-call options) as fields of a `<Method>Params` struct.
fn default_method(m: &Method) -> Value {
    let mut params = Vec::new();
    let mut fields = Vec::new();
    for p in &m.params {
        if OPTION_PARAMS.contains(&p.name.as_str()) || matches!(p.bind, Some(Bind::Header(_))) {
            continue;
        }
        let (place, target) = place_of(p);
        let ty = default_type(&p.ty, p.positional);
        let param = go_param(&go_param_name(&p.name), &ty, &p.name, place, &target);
        if p.positional {
            params.push(param);
        } else {
            fields.push(param);
        }
    }
    method_json(m, &pascal_ident(&m.name), params, fields)
}

/// The Go type of a parameter the public SDK lacks (optional scalars as pointers in structs).
fn default_type(t: &TypeRef, positional: bool) -> String {
    let scalar = |s: &str| {
        if positional {
            s.to_string()
        } else {
            format!("*{s}")
        }
    };
    match t {
        TypeRef::String { .. } | TypeRef::Enum { .. } => "string".into(),
        TypeRef::Integer { .. } => scalar("int"),
        TypeRef::Number { .. } => scalar("float64"),
        TypeRef::Boolean => scalar("bool"),
        TypeRef::Bytes => "[]byte".into(),
        TypeRef::Map { .. } | TypeRef::Ref { .. } | TypeRef::Loose { .. } => {
            "map[string]any".into()
        }
        _ => "any".into(),
    }
}

/// Go's initialisms in exported names (`intent_id` → `IntentID`).
fn pascal_ident(name: &str) -> String {
    let p = pascal_case(name);
    let fixed = p.replace("Id", "ID").replace("Url", "URL");
    // `Ids`/`Identity`: keep words that only start with "Id".
    fixed
        .replace("IDentity", "Identity")
        .replace("IDempotency", "Idempotency")
}

/// A Go parameter name (`intent_id` → `intentID`); Go keywords get a trailing `_`.
fn go_param_name(name: &str) -> String {
    let c = camel_case(name);
    let c = if let Some(stem) = c.strip_suffix("Id") {
        format!("{stem}ID")
    } else {
        c
    };
    match c.as_str() {
        "type" | "func" | "range" | "map" | "chan" | "go" | "select" | "default" | "package"
        | "interface" | "var" | "const" | "import" | "return" | "switch" | "case" | "struct" => {
            c + "_"
        }
        _ => c,
    }
}

/// The C type of an FFI type name (see [`crate::waist::FfiArg`]); `void` for none.
pub fn c_type(ffi: &str) -> String {
    match ffi {
        "" => "void",
        "u8" => "uint8_t",
        "i8" => "int8_t",
        "u16" => "uint16_t",
        "i16" => "int16_t",
        "u32" => "uint32_t",
        "i32" => "int32_t",
        "u64" | "handle" => "uint64_t",
        "i64" => "int64_t",
        "f32" => "float",
        "f64" => "double",
        "rust_buffer" => "RustBuffer",
        "foreign_bytes" => "ForeignBytes",
        "rust_call_status" => "RustCallStatus",
        _ => "void *",
    }
    .to_string()
}

/// A Go identifier for a waist name (`base_url` → `BaseUrl`).
pub fn go_ident(name: &str) -> String {
    pascal_case(name)
}

/// The Go type of a waist type: options as pointers, sequences as slices (nil for none).
pub fn go_type(t: &Ty) -> String {
    let inner = || t.inner.as_deref().map(go_type).unwrap_or_default();
    match t.kind.as_str() {
        "string" => "string".into(),
        "bool" => "bool".into(),
        "u8" => "uint8".into(),
        "u16" => "uint16".into(),
        "u32" => "uint32".into(),
        "u64" => "uint64".into(),
        "i32" => "int32".into(),
        "i64" => "int64".into(),
        "f64" => "float64".into(),
        "bytes" => "[]byte".into(),
        "sequence" => format!("[]{}", inner()),
        "optional" if t.inner.as_deref().is_some_and(|i| i.kind == "sequence") => inner(),
        "optional" => format!("*{}", inner()),
        "record" | "enum" => t.name.clone().unwrap_or_default(),
        _ => "any".into(),
    }
}

/// Go statements writing `expr` of type `t` with the writer `w`.
pub fn go_write(t: &Ty, expr: &str) -> String {
    let inner = t.inner.as_deref();
    match t.kind.as_str() {
        "string" | "bool" | "u8" | "u16" | "u32" | "u64" | "i32" | "i64" | "f64" | "bytes" => {
            format!("w.{}({expr})", pascal_case(&t.kind))
        }
        "record" | "enum" => format!("w.{}({expr})", t.name.clone().unwrap_or_default()),
        "sequence" => format!(
            "w.I32(int32(len({expr})))\n\tfor _, x := range {expr} {{\n\t\t{}\n\t}}",
            go_write(inner.expect("sequence item"), "x")
        ),
        "optional" if inner.is_some_and(|i| i.kind == "sequence") => format!(
            "if {expr} == nil {{\n\t\tw.I8(0)\n\t}} else {{\n\t\tw.I8(1)\n\t\t{}\n\t}}",
            go_write(inner.expect("option"), expr).replace("\n\t", "\n\t\t")
        ),
        "optional" => format!(
            "if {expr} == nil {{\n\t\tw.I8(0)\n\t}} else {{\n\t\tw.I8(1)\n\t\t{}\n\t}}",
            go_write(inner.expect("option"), &format!("*{expr}"))
        ),
        other => format!("panic(\"cannot write {other}\")"),
    }
}

/// A Go expression reading a value of type `t` with the reader `r`.
pub fn go_read(t: &Ty) -> String {
    let inner = t.inner.as_deref();
    match t.kind.as_str() {
        "string" | "bool" | "u8" | "u16" | "u32" | "u64" | "i32" | "i64" | "f64" | "bytes" => {
            format!("r.{}()", pascal_case(&t.kind))
        }
        "record" | "enum" => format!("r.{}()", t.name.clone().unwrap_or_default()),
        "sequence" => {
            let item = inner.expect("sequence item");
            format!(
                "readSequence(r, func() {} {{ return {} }})",
                go_type(item),
                go_read(item)
            )
        }
        "optional" if inner.is_some_and(|i| i.kind == "sequence") => {
            format!(
                "readSequenceOption(r, func() {} {{ return {} }})",
                go_type(inner.expect("option")),
                go_read(inner.expect("option"))
            )
        }
        "optional" => {
            let item = inner.expect("option");
            format!(
                "readOptional(r, func() {} {{ return {} }})",
                go_type(item),
                go_read(item)
            )
        }
        other => format!("panic(\"cannot read {other}\")"),
    }
}

/// A JSON default as a Go literal of the field's type (pointers come from helpers).
pub fn go_literal(v: &Value) -> String {
    match v {
        Value::Null => "nil".into(),
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or_default();
            format!("{f:?}")
        }
        other => other.to_string(),
    }
}
