//! TypeScript: the `@axme/axme` package's generated methods and declarations, and its waist
//! module (config fields, error kind → error class, lifecycle constants).

use serde_json::{json, Value};
use tera::Tera;

use super::python::py_str;
use super::{Spelling, Target, Template};
use crate::error::Result;
use crate::filters::{from, string_filter, Args};
use crate::model::{Method, MethodParam, Model, TypeRef};
use crate::names::{self, camel_case, pascal_case, ts_class, ts_ident};
use crate::template;
use crate::waist::{Field, Ty, Waist};

/// The TypeScript target.
pub struct TypeScript;

const OUTPUTS: &[Template] = &[
    template!("typescript/operations.js" => "bindings/node/generated/operations.js"),
    template!("typescript/operations.d.ts" => "bindings/node/generated/operations.d.ts"),
    template!(waist "typescript/waist.js" => "bindings/node/generated/waist.js"),
    template!(waist "typescript/waist.d.ts" => "bindings/node/generated/waist.d.ts"),
];

const MACROS: &[(&str, &str)] = &[(
    "typescript/macros.tera",
    include_str!("../../templates/typescript/macros.tera"),
)];

/// Names a generated JavaScript method uses besides its parameters.
const TAKEN: &[&str] = &["options", "$body", "$define", "proto"];

/// The error class of each kind: `(class with an HTTP status, class without)`.
const ERROR_CLASSES: &[(&str, &str, &str)] = &[
    (
        "invalid_argument",
        "AxmeInvalidArgumentError",
        "AxmeInvalidArgumentError",
    ),
    ("auth", "AxmeAuthError", "AxmeAuthError"),
    ("validation", "AxmeValidationError", "AxmeValidationError"),
    ("conflict", "AxmeConflictError", "AxmeConflictError"),
    ("not_found", "AxmeNotFoundError", "AxmeNotFoundError"),
    ("rate_limit", "AxmeRateLimitError", "AxmeRateLimitError"),
    ("server", "AxmeServerError", "AxmeServerError"),
    ("timeout", "AxmeTimeoutError", "AxmeTimeoutError"),
    ("connection", "AxmeConnectionError", "AxmeConnectionError"),
    ("protocol", "AxmeProtocolError", "AxmeProtocolError"),
    ("mcp", "AxmeMcpError", "AxmeMcpError"),
    ("canceled", "AxmeCanceledError", "AxmeCanceledError"),
    ("internal", "AxmeInternalError", "AxmeInternalError"),
];

impl Target for TypeScript {
    fn name(&self) -> &'static str {
        "typescript"
    }

    fn outputs(&self) -> &'static [Template] {
        OUTPUTS
    }

    fn macros(&self) -> &'static [(&'static str, &'static str)] {
        MACROS
    }

    fn register_filters(&self, tera: &mut Tera) {
        string_filter(tera, "ts_ident", names::ts_ident);
        string_filter(tera, "ts_class", names::ts_class);
        string_filter(tera, "js_str", py_str);
        string_filter(tera, "ts_param", |s| TypeScript.param(s));
        string_filter(tera, "ts_method", names::camel_case);
        // An object property: bare when it is an identifier, else quoted.
        string_filter(tera, "ts_prop", |s| {
            if names::is_identifier(s) {
                s.to_string()
            } else {
                py_str(s)
            }
        });
        // Docs: escape what would end the comment.
        string_filter(tera, "js_doc", |s| s.replace("*/", "*\\/"));
        tera.register_filter("ts_type", |v: &Value, _: &Args| {
            Ok(Value::String(ts_type(&from(v, "ts_type")?)))
        });
        tera.register_filter("ts_param_type", |v: &Value, _: &Args| {
            Ok(Value::String(ts_param_type(&from::<MethodParam>(
                v,
                "ts_param_type",
            )?)))
        });
        tera.register_filter("ts_return", |v: &Value, _: &Args| {
            Ok(Value::String(ts_return(&from::<Method>(v, "ts_return")?)))
        });
        tera.register_filter("ts_options", |v: &Value, _: &Args| {
            Ok(Value::String(ts_options(&from::<Method>(v, "ts_options")?)))
        });
        tera.register_filter("js_literal", |v: &Value, _: &Args| {
            Ok(Value::String(js_literal(v)))
        });
        tera.register_filter("ts_client_interface", |v: &Value, _: &Args| {
            Ok(Value::String(ts_client_interface(v.as_str())))
        });
        tera.register_filter("ts_install_fn", |v: &Value, _: &Args| {
            Ok(Value::String(ts_install_fn(v.as_str())))
        });
        tera.register_filter("ts_option", |v: &Value, _: &Args| {
            Ok(Value::String(ts_option(&from(v, "ts_option")?)))
        });
        tera.register_filter("ts_in_ms", |v: &Value, _: &Args| {
            Ok(Value::Bool(in_ms(&from(v, "ts_in_ms")?)))
        });
        tera.register_filter("ts_waist_type", |v: &Value, _: &Args| {
            Ok(Value::String(ts_waist_type(&from(v, "ts_waist_type")?)))
        });
        tera.register_filter("ts_option_default", |v: &Value, _: &Args| {
            let f: Field = from(v, "ts_option_default")?;
            Ok(Value::String(ts_option_default(&f)))
        });
    }

    fn data(&self, _model: &Model, waist: &Waist) -> Result<Value> {
        let classes = waist.error_classes("typescript", ERROR_CLASSES)?;
        Ok(json!({ "error_classes": classes }))
    }

    fn spelling(&self) -> Option<&dyn Spelling> {
        Some(self)
    }
}

impl Spelling for TypeScript {
    fn method(&self, m: &Method) -> String {
        camel_case(&m.name)
    }

    fn param(&self, name: &str) -> String {
        let id = ts_ident(&camel_case(name));
        if TAKEN.contains(&id.as_str()) {
            id + "_"
        } else {
            id
        }
    }

    fn type_name(&self, schema: &str) -> String {
        ts_class(schema)
    }

    fn client(&self, subclient: Option<&str>) -> String {
        ts_client_interface(subclient)
    }

    fn param_type(&self, p: &MethodParam) -> String {
        ts_param_type(p)
    }

    fn returns(&self, m: &Method) -> String {
        ts_return(m)
    }

    fn implicit_params(&self) -> &'static [&'static str] {
        &["signal"]
    }

    fn method_types(&self, m: &Method) -> Vec<String> {
        vec![ts_options(m)]
    }

    fn client_types(&self, subclient: Option<&str>) -> Vec<String> {
        vec![ts_client_interface(subclient)]
    }
}

/// TypeScript interface of a client: `AxmeOperations`, `AxmeMeshOperations`.
pub fn ts_client_interface(subclient: Option<&str>) -> String {
    format!(
        "Axme{}Operations",
        subclient.map(pascal_case).unwrap_or_default()
    )
}

/// Function installing a client's methods: `installOperations`, `installMeshOperations`.
pub fn ts_install_fn(subclient: Option<&str>) -> String {
    format!(
        "install{}Operations",
        subclient.map(pascal_case).unwrap_or_default()
    )
}

/// Name of a method's options interface: `CreateIntentOptions`, `MeshListAgentsOptions`.
pub fn ts_options(m: &Method) -> String {
    let sub = m.subclient.as_deref().map(pascal_case).unwrap_or_default();
    format!("{sub}{}Options", pascal_case(&m.name))
}

/// TypeScript type.
pub fn ts_type(t: &TypeRef) -> String {
    match t {
        TypeRef::Any => "unknown".into(),
        TypeRef::Void => "void".into(),
        TypeRef::Boolean => "boolean".into(),
        TypeRef::Bytes => "Uint8Array".into(),
        TypeRef::String { .. } => "string".into(),
        TypeRef::Integer { .. } | TypeRef::Number { .. } => "number".into(),
        TypeRef::Enum { values } => values
            .iter()
            .map(js_literal)
            .collect::<Vec<_>>()
            .join(" | "),
        TypeRef::Array { items } => {
            let i = ts_type(items);
            if i.contains(' ') {
                format!("Array<{i}>")
            } else {
                format!("{i}[]")
            }
        }
        TypeRef::Map { values } => format!("Record<string, {}>", ts_type(values)),
        TypeRef::Ref { name } => ts_class(name),
        TypeRef::Loose { inner } => format!("{} | Record<string, unknown>", ts_type(inner)),
        TypeRef::Union { variants } => variants.iter().map(ts_type).collect::<Vec<_>>().join(" | "),
        TypeRef::Iterator { items } => format!("AsyncIterable<{}>", ts_type(items)),
    }
}

/// TypeScript type of a parameter (`| null` when it defaults to `null`).
pub fn ts_param_type(p: &MethodParam) -> String {
    let t = ts_type(&p.ty);
    if p.optional {
        format!("{t} | null")
    } else {
        t
    }
}

/// TypeScript return type: streams and `void` as they are, everything else as a `Promise`.
pub fn ts_return(m: &Method) -> String {
    match &m.returns {
        TypeRef::Iterator { .. } => ts_type(&m.returns),
        TypeRef::Void if m.operation_id.is_none() => "void".into(),
        t => format!("Promise<{}>", ts_type(t)),
    }
}

/// A JSON value as a JavaScript literal.
pub fn js_literal(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Whether a record field is a duration TypeScript takes in milliseconds: a `*_seconds` number
/// that may have a fraction (a window of whole seconds, `wait_seconds`, stays in seconds).
pub fn in_ms(f: &Field) -> bool {
    let number = |t: &Ty| t.kind == "f64";
    f.name.ends_with("_seconds")
        && (number(&f.ty) || (f.ty.kind == "optional" && f.ty.inner.as_deref().is_some_and(number)))
}

/// A record field as a TypeScript option: camelCase, and a duration in milliseconds
/// (`timeout_seconds` → `timeoutMs`).
pub fn ts_option(f: &Field) -> String {
    match f.name.strip_suffix("_seconds").filter(|_| in_ms(f)) {
        Some(stem) => format!("{}Ms", camel_case(stem)),
        None => camel_case(&f.name),
    }
}

/// The TypeScript type of a waist type.
pub fn ts_waist_type(t: &Ty) -> String {
    match t.kind.as_str() {
        "string" => "string".into(),
        "bool" => "boolean".into(),
        "optional" => t.inner.as_deref().map(ts_waist_type).unwrap_or_default(),
        "sequence" => format!(
            "{}[]",
            t.inner.as_deref().map(ts_waist_type).unwrap_or_default()
        ),
        "bytes" => "Uint8Array".into(),
        k if k.starts_with('u') || k.starts_with('i') || k.starts_with('f') => "number".into(),
        _ => "unknown".into(),
    }
}

/// ` Default: …` for an option's doc, in the option's unit; empty without a default.
pub fn ts_option_default(f: &Field) -> String {
    match &f.default {
        None | Some(Value::Null) => String::new(),
        Some(Value::Number(n)) if in_ms(f) => {
            let ms = n.as_f64().unwrap_or_default() * 1000.0;
            format!(" Default: {}.", ms.round())
        }
        Some(v) => format!(" Default: {}.", js_literal(v)),
    }
}
