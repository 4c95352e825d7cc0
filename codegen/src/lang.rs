//! Per-language spellings of names, types and literal values.
//!
//! Pure functions over the model, used by the tera filters ([`crate::filters`]) and by the
//! surface listing and collision check ([`crate::surface`]), so both see the same names.

use serde_json::Value;

use crate::model::{Constraints, Method, MethodParam, TypeRef};
use crate::names::{camel_case, pascal_case, python_class, python_ident, ts_class, ts_ident};

/// The languages with templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// The core operation table.
    Rust,
    /// `axme` Python package.
    Python,
    /// `@axme/axme` Node package.
    TypeScript,
}

impl Lang {
    /// Every language, in output order.
    pub const ALL: [Lang; 3] = [Lang::Rust, Lang::Python, Lang::TypeScript];

    /// Lower-case name (`python`).
    pub fn name(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::TypeScript => "typescript",
        }
    }

    /// Method name as the language spells it.
    pub fn method(self, m: &Method) -> String {
        match self {
            Lang::Rust => m.operation_id.clone().unwrap_or_else(|| m.name.clone()),
            Lang::Python => python_ident(&m.name),
            Lang::TypeScript => camel_case(&m.name),
        }
    }

    /// Parameter name as the language spells it.
    pub fn param(self, name: &str) -> String {
        let (id, taken) = match self {
            Lang::Rust => (crate::names::rust_ident(name), &[][..]),
            Lang::Python => (python_ident(name), PY_TAKEN),
            Lang::TypeScript => (ts_ident(&camel_case(name)), TS_TAKEN),
        };
        if taken.contains(&id.as_str()) {
            id + "_"
        } else {
            id
        }
    }

    /// Type name of a schema.
    pub fn type_name(self, schema: &str) -> String {
        match self {
            Lang::Rust => pascal_case(schema),
            Lang::Python => python_class(schema),
            Lang::TypeScript => ts_class(schema),
        }
    }
}

/// Names a generated Python method uses besides its parameters.
const PY_TAKEN: &[&str] = &["self", "cast", "_body", "result"];

/// Names a generated JavaScript method uses besides its parameters.
const TS_TAKEN: &[&str] = &["options", "$body", "$define", "proto"];

/// Python mixin class of a client: `SyncOperations`, `AsyncMeshOperations`.
pub fn py_client_class(subclient: Option<&str>, is_async: bool) -> String {
    let prefix = if is_async { "Async" } else { "Sync" };
    format!(
        "{prefix}{}Operations",
        subclient.map(pascal_case).unwrap_or_default()
    )
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

/// Python annotation of a type. `is_async` picks `AsyncIterator`; `quote` writes schema names
/// as forward references (for aliases evaluated at import time).
pub fn py_type(t: &TypeRef, is_async: bool, quote: bool) -> String {
    let inner = |t: &TypeRef| py_type(t, is_async, quote);
    match t {
        TypeRef::Any => "Any".into(),
        TypeRef::Void => "None".into(),
        TypeRef::Boolean => "bool".into(),
        TypeRef::Bytes => "bytes".into(),
        TypeRef::String { .. } => "str".into(),
        TypeRef::Integer { .. } => "int".into(),
        TypeRef::Number { .. } => "float".into(),
        TypeRef::Enum { values } => {
            let v: Vec<String> = values.iter().map(py_literal).collect();
            format!("Literal[{}]", v.join(", "))
        }
        TypeRef::Array { items } => format!("List[{}]", inner(items)),
        TypeRef::Map { values } => format!("Dict[str, {}]", inner(values)),
        TypeRef::Ref { name } if quote => format!("\"{}\"", python_class(name)),
        TypeRef::Ref { name } => python_class(name),
        TypeRef::Loose { inner: t } => format!("Union[Mapping[str, Any], {}]", inner(t)),
        TypeRef::Union { variants } => {
            let v: Vec<String> = variants.iter().map(inner).collect();
            format!("Union[{}]", v.join(", "))
        }
        TypeRef::Iterator { items } if is_async => format!("AsyncIterator[{}]", inner(items)),
        TypeRef::Iterator { items } => format!("Iterator[{}]", inner(items)),
    }
}

/// Python annotation of a parameter (`Optional[...]` when it defaults to `None`).
pub fn py_param_type(p: &MethodParam) -> String {
    let t = py_type(&p.ty, false, false);
    if p.optional {
        format!("Optional[{t}]")
    } else {
        t
    }
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

/// A JSON value as a Python literal.
pub fn py_literal(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or_default();
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.1}")
            } else {
                f.to_string()
            }
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => py_str(s),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(py_literal).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{}: {}", py_str(k), py_literal(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// A JSON value as a JavaScript literal.
pub fn js_literal(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A Python string literal (double-quoted).
pub fn py_str(s: &str) -> String {
    // JSON string escapes are valid Python escapes.
    serde_json::to_string(s).unwrap_or_default()
}

/// A Rust string literal.
pub fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

/// `&["a", "b"]` laid out as rustfmt does after `prefix` at `indent` spaces: on one line when
/// it fits in 100 columns (with the trailing comma), else one item per line.
pub fn rust_str_list(items: &[String], indent: usize, prefix: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|s| rust_str(s)).collect();
    let one_line = format!("&[{}]", quoted.join(", "));
    // The line also ends with a comma.
    if indent + prefix.len() + one_line.len() < 100 {
        return one_line;
    }
    let pad = " ".repeat(indent + 4);
    let mut out = String::from("&[\n");
    for q in &quoted {
        out.push_str(&format!("{pad}{q},\n"));
    }
    out.push_str(&" ".repeat(indent));
    out.push(']');
    out
}

/// The `ParamSchema` expression of core's operation table for a parameter of type `ty` with
/// `constraints`, e.g. `ParamSchema::INTEGER.minimum(1.0).maximum(200.0)`. Enumerations are
/// checked as the text sent on the wire; a type core cannot check becomes `ANY`.
pub fn rust_param_schema(ty: &TypeRef, constraints: &Constraints) -> String {
    let (base, values) = match ty {
        TypeRef::String { .. } => ("STRING", Vec::new()),
        TypeRef::Integer { .. } => ("INTEGER", Vec::new()),
        TypeRef::Number { .. } => ("NUMBER", Vec::new()),
        TypeRef::Boolean => ("BOOLEAN", Vec::new()),
        TypeRef::Enum { values } => {
            let base = if values.iter().all(Value::is_string) {
                "STRING"
            } else if values.iter().all(|v| v.is_i64() || v.is_u64()) {
                "INTEGER"
            } else if values.iter().all(Value::is_number) {
                "NUMBER"
            } else if values.iter().all(Value::is_boolean) {
                "BOOLEAN"
            } else {
                "ANY"
            };
            let wire = values
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            (base, wire)
        }
        _ => ("ANY", Vec::new()),
    };
    let mut out = format!("ParamSchema::{base}");
    if !values.is_empty() {
        let quoted: Vec<String> = values.iter().map(|v| rust_str(v)).collect();
        out.push_str(&format!(".one_of(&[{}])", quoted.join(", ")));
    }
    let float = |x: f64| format!("{x:?}");
    if let Some(m) = constraints.minimum {
        let f = if constraints.exclusive_minimum {
            "above"
        } else {
            "minimum"
        };
        out.push_str(&format!(".{f}({})", float(m)));
    }
    if let Some(m) = constraints.maximum {
        let f = if constraints.exclusive_maximum {
            "below"
        } else {
            "maximum"
        };
        out.push_str(&format!(".{f}({})", float(m)));
    }
    // Core keeps lengths as u32; a longer bound is no bound in practice.
    let length = |n: u64| n.min(u64::from(u32::MAX));
    if let Some(n) = constraints.min_length {
        out.push_str(&format!(".min_length({})", length(n)));
    }
    if let Some(n) = constraints.max_length {
        out.push_str(&format!(".max_length({})", length(n)));
    }
    out
}
