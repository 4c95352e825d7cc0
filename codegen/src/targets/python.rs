//! Python: the `axme` package's generated mixins, stubs and types, and its waist module (config
//! fields with their defaults, error kind → exception class, lifecycle constants).

use serde_json::{json, Value};
use tera::Tera;

use super::{Spelling, Target, Template};
use crate::error::Result;
use crate::filters::{flag, from, string_filter, text, Args};
use crate::model::{Method, MethodParam, Model, TypeRef};
use crate::names::{self, pascal_case, python_class, python_ident};
use crate::template;
use crate::waist::Waist;

/// The Python target.
pub struct Python;

const OUTPUTS: &[Template] = &[
    template!("python/_operations.py" => "bindings/python/python/axme/_operations.py"),
    template!("python/types.py" => "bindings/python/python/axme/types.py"),
    template!(waist "python/_waist.py" => "bindings/python/python/axme/_waist.py"),
];

const MACROS: &[(&str, &str)] = &[(
    "python/macros.tera",
    include_str!("../../templates/python/macros.tera"),
)];

/// Names a generated Python method uses besides its parameters.
const TAKEN: &[&str] = &["self", "cast", "_body", "result"];

/// The exception class of each error kind: `(class when the error carries an HTTP status,
/// class otherwise)`. Every kind of the waist must be here (generation stops otherwise).
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
    ("timeout", "AxmeRequestTimeoutError", "AxmeTimeoutError"),
    ("connection", "AxmeConnectionError", "AxmeConnectionError"),
    ("protocol", "AxmeProtocolError", "AxmeProtocolError"),
    ("mcp", "AxmeMcpError", "AxmeMcpError"),
    ("canceled", "AxmeCanceledError", "AxmeCanceledError"),
    ("internal", "AxmeInternalError", "AxmeInternalError"),
];

impl Target for Python {
    fn name(&self) -> &'static str {
        "python"
    }

    fn outputs(&self) -> &'static [Template] {
        OUTPUTS
    }

    fn macros(&self) -> &'static [(&'static str, &'static str)] {
        MACROS
    }

    fn register_filters(&self, tera: &mut Tera) {
        string_filter(tera, "py_ident", names::python_ident);
        string_filter(tera, "py_class", names::python_class);
        string_filter(tera, "py_str", py_str);
        string_filter(tera, "py_param", |s| Python.param(s));
        // Docs: escape what would end the docstring.
        string_filter(tera, "py_doc", |s| {
            s.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"")
        });
        tera.register_filter("is_identifier", |v: &Value, _: &Args| {
            let s = text(v, "is_identifier")?;
            Ok(Value::Bool(
                names::is_identifier(s) && !names::PYTHON_KEYWORDS.contains(&s),
            ))
        });
        tera.register_filter("py_type", |v: &Value, args: &Args| {
            let t: TypeRef = from(v, "py_type")?;
            Ok(Value::String(py_type(
                &t,
                flag(args, "is_async"),
                flag(args, "quote"),
            )))
        });
        tera.register_filter("py_param_type", |v: &Value, _: &Args| {
            let p: MethodParam = from(v, "py_param_type")?;
            Ok(Value::String(py_param_type(&p)))
        });
        tera.register_filter("py_literal", |v: &Value, _: &Args| {
            Ok(Value::String(py_literal(v)))
        });
        tera.register_filter("py_client_class", |v: &Value, args: &Args| {
            Ok(Value::String(py_client_class(
                v.as_str(),
                flag(args, "is_async"),
            )))
        });
    }

    fn data(&self, _model: &Model, waist: &Waist) -> Result<Value> {
        let classes = waist.error_classes("python", ERROR_CLASSES)?;
        Ok(json!({ "error_classes": classes }))
    }

    fn spelling(&self) -> Option<&dyn Spelling> {
        Some(self)
    }
}

impl Spelling for Python {
    fn method(&self, m: &Method) -> String {
        python_ident(&m.name)
    }

    fn param(&self, name: &str) -> String {
        let id = python_ident(name);
        if TAKEN.contains(&id.as_str()) {
            id + "_"
        } else {
            id
        }
    }

    fn type_name(&self, schema: &str) -> String {
        python_class(schema)
    }

    fn client(&self, subclient: Option<&str>) -> String {
        py_client_class(subclient, false)
    }

    fn param_type(&self, p: &MethodParam) -> String {
        py_param_type(p)
    }

    fn returns(&self, m: &Method) -> String {
        py_type(&m.returns, false, false)
    }
}

/// Python mixin class of a client: `SyncOperations`, `AsyncMeshOperations`.
pub fn py_client_class(subclient: Option<&str>, is_async: bool) -> String {
    let prefix = if is_async { "Async" } else { "Sync" };
    format!(
        "{prefix}{}Operations",
        subclient.map(pascal_case).unwrap_or_default()
    )
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

/// A Python string literal (double-quoted).
pub fn py_str(s: &str) -> String {
    // JSON string escapes are valid Python escapes.
    serde_json::to_string(s).unwrap_or_default()
}
