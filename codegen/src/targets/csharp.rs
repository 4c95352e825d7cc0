//! C#: the raw declaration layer of the .NET binding, in `bindings/dotnet` (namespace
//! `Axme.Sdk.Internal`, C# 7.2 so Mono's `mcs` compiles it): a `DllImport` of every function of
//! the waist's C ABI (blittable structs by value, the status by `ref`), the check of the checksums
//! and contract version, and the waist's records, error kinds, config defaults and lifecycle
//! constants with their uniffi encoders and decoders; and over it the SDK surface: every
//! operation's method of `AxmeClient`/`AxmeMesh` (`methods.rs`, with the public .NET SDK's
//! signatures from `codegen/data/dotnet/`) and the error kind → exception class table.

use serde_json::Value;
use tera::Tera;

use super::{Target, Template};
use crate::error::Result;
use crate::filters::{from, string_filter, Args};
use crate::model::Model;
use crate::names::pascal_case;
use crate::template;
use crate::waist::{FfiFn, Ty, Waist};

mod methods;

/// The C# target.
pub struct CSharp;

const OUTPUTS: &[Template] = &[
    template!(waist "csharp/FfiNatives.cs" => "bindings/dotnet/src/Axme.Sdk/Internal/FfiNatives.cs"),
    template!(waist "csharp/FfiWaist.cs" => "bindings/dotnet/src/Axme.Sdk/Internal/FfiWaist.cs"),
    // Rendered with the waist only: the methods call it, and the tricky spec has no public data.
    template!(waist "csharp/Operations.cs" => "bindings/dotnet/src/Axme.Sdk/Generated/Operations.cs"),
    template!(waist "csharp/Errors.cs" => "bindings/dotnet/src/Axme.Sdk/Generated/Errors.cs"),
];

/// The exception class of each error kind: `(kind, class when the error carries an HTTP status,
/// class otherwise)`. Every kind of the waist must be here (generation stops otherwise). The
/// HTTP classes derive from `AxmeHttpException`; the others from the BCL type a .NET caller
/// already catches (`ArgumentException`, `TimeoutException`, `HttpRequestException`,
/// `OperationCanceledException`, ...).
const ERROR_CLASSES: &[(&str, &str, &str)] = &[
    (
        "invalid_argument",
        "AxmeInvalidArgumentException",
        "AxmeInvalidArgumentException",
    ),
    ("auth", "AxmeAuthException", "AxmeAuthException"),
    (
        "validation",
        "AxmeValidationException",
        "AxmeValidationException",
    ),
    ("conflict", "AxmeConflictException", "AxmeConflictException"),
    (
        "not_found",
        "AxmeNotFoundException",
        "AxmeNotFoundException",
    ),
    (
        "rate_limit",
        "AxmeRateLimitException",
        "AxmeRateLimitException",
    ),
    ("server", "AxmeServerException", "AxmeServerException"),
    (
        "timeout",
        "AxmeRequestTimeoutException",
        "AxmeTimeoutException",
    ),
    (
        "connection",
        "AxmeConnectionException",
        "AxmeConnectionException",
    ),
    ("protocol", "AxmeProtocolException", "AxmeProtocolException"),
    ("mcp", "AxmeMcpException", "AxmeMcpException"),
    ("canceled", "AxmeCanceledException", "AxmeCanceledException"),
    ("internal", "AxmeInternalException", "AxmeInternalException"),
];

impl Target for CSharp {
    fn name(&self) -> &'static str {
        "csharp"
    }

    fn outputs(&self) -> &'static [Template] {
        OUTPUTS
    }

    fn data(&self, model: &Model, waist: &Waist) -> Result<Value> {
        if waist.is_empty() {
            return Ok(Value::Null);
        }
        let mut data = methods::methods(model)?;
        data["error_classes"] = waist.error_classes("csharp", ERROR_CLASSES)?;
        Ok(data)
    }

    fn register_filters(&self, tera: &mut Tera) {
        string_filter(tera, "cs_ident", pascal_case);
        tera.register_filter("cs_extern", |v: &Value, _: &Args| {
            Ok(Value::String(cs_extern(&from(v, "cs_extern")?)))
        });
        tera.register_filter("cs_type", |v: &Value, _: &Args| {
            Ok(Value::String(cs_type(&from(v, "cs_type")?)))
        });
        tera.register_filter("cs_write", |v: &Value, args: &Args| {
            let expr = args.get("expr").and_then(Value::as_str).unwrap_or("v");
            Ok(Value::String(cs_write(&from(v, "cs_write")?, expr)))
        });
        tera.register_filter("cs_read", |v: &Value, _: &Args| {
            Ok(Value::String(cs_read(&from(v, "cs_read")?)))
        });
        tera.register_filter("cs_literal", |v: &Value, args: &Args| {
            let t: Ty = from(args.get("ty").unwrap_or(&Value::Null), "cs_literal")?;
            Ok(Value::String(cs_literal(v, &t)))
        });
    }
}

/// The C# type of an FFI type.
fn cs_ffi(ffi: &str) -> &'static str {
    match ffi {
        "u8" => "byte",
        "i8" => "sbyte",
        "u16" => "ushort",
        "i16" => "short",
        "u32" => "uint",
        "i32" => "int",
        "u64" | "handle" => "ulong",
        "i64" => "long",
        "f32" => "float",
        "f64" => "double",
        "rust_buffer" => "RustBuffer",
        "foreign_bytes" => "ForeignBytes",
        _ => "IntPtr",
    }
}

/// The `extern` declaration of a C function.
pub fn cs_extern(f: &FfiFn) -> String {
    let ret = f.ret.as_deref().map(cs_ffi).unwrap_or("void");
    let mut args: Vec<String> = f
        .args
        .iter()
        .map(|a| format!("{} {}", cs_ffi(&a.ty), a.name))
        .collect();
    if f.status {
        args.push("ref RustCallStatus status".into());
    }
    format!(
        "internal static extern {ret} {}({});",
        f.name,
        args.join(", ")
    )
}

/// The C# type of a waist type (options nullable).
pub fn cs_type(t: &Ty) -> String {
    let inner = t.inner.as_deref();
    match t.kind.as_str() {
        "string" => "string".into(),
        "bool" => "bool".into(),
        "u8" => "byte".into(),
        "i8" => "sbyte".into(),
        "u16" => "ushort".into(),
        "u32" => "uint".into(),
        "i32" => "int".into(),
        "u64" => "ulong".into(),
        "i64" => "long".into(),
        "f64" => "double".into(),
        "bytes" => "byte[]".into(),
        "sequence" => format!(
            "System.Collections.Generic.List<{}>",
            inner.map(cs_type).unwrap_or_default()
        ),
        "optional" => {
            let i = inner.map(cs_type).unwrap_or_default();
            let nullable_value = !matches!(
                inner.map(|i| i.kind.as_str()),
                Some("string" | "bytes" | "sequence" | "record")
            );
            if nullable_value {
                format!("{i}?")
            } else {
                i
            }
        }
        "record" | "enum" => t.name.clone().unwrap_or_default(),
        _ => "object".into(),
    }
}

/// C# statements writing `expr` of type `t` with the writer `w`.
pub fn cs_write(t: &Ty, expr: &str) -> String {
    let inner = t.inner.as_deref();
    match t.kind.as_str() {
        "string" | "bool" | "u8" | "i8" | "u16" | "u32" | "i32" | "u64" | "i64" | "f64"
        | "bytes" => format!("w.{}({expr});", pascal_case(&t.kind)),
        "record" | "enum" => format!("w.{}({expr});", t.name.clone().unwrap_or_default()),
        "sequence" => format!(
            "w.I32({expr}.Count);\n                foreach (var x in {expr})\n                {{\n                    {}\n                }}",
            cs_write(inner.expect("sequence item"), "x")
        ),
        "optional" => {
            let item = inner.expect("option");
            let value = if cs_type(t).ends_with('?') {
                format!("{expr}.Value")
            } else {
                expr.to_string()
            };
            format!(
                "if ({expr} == null)\n                {{\n                    w.I8(0);\n                }}\n                else\n                {{\n                    w.I8(1);\n                    {}\n                }}",
                cs_write(item, &value).replace("\n                ", "\n                    ")
            )
        }
        other => format!("throw new InvalidOperationException(\"cannot write {other}\");"),
    }
}

/// A C# expression reading a value of type `t` with the reader `r`.
pub fn cs_read(t: &Ty) -> String {
    let inner = t.inner.as_deref();
    match t.kind.as_str() {
        "string" | "bool" | "u8" | "i8" | "u16" | "u32" | "i32" | "u64" | "i64" | "f64"
        | "bytes" => format!("r.{}()", pascal_case(&t.kind)),
        "record" | "enum" => format!("r.{}()", t.name.clone().unwrap_or_default()),
        "sequence" => {
            let item = inner.expect("sequence item");
            format!("r.List(() => {})", cs_read(item))
        }
        "optional" => {
            let item = inner.expect("option");
            format!("r.I8() == 0 ? ({}) null : {}", cs_type(t), cs_read(item))
        }
        other => format!("null /* cannot read {other} */"),
    }
}

/// A JSON default as a C# literal of type `t`.
pub fn cs_literal(v: &Value, t: &Ty) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) if t.kind == "f64" => format!("{:?}", n.as_f64().unwrap_or_default()),
        Value::Number(n) if t.kind == "u64" => format!("{n}UL"),
        Value::Number(n) if t.kind == "u32" => format!("{n}U"),
        other => other.to_string(),
    }
}
