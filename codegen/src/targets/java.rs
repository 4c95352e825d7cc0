//! Java: the raw declaration layer of the JNA binding, in `bindings/java` (package
//! `dev.axme.sdk.internal`): the natives of the waist's C ABI on JNA's fast path (direct mapping;
//! every function that passes a `RustBuffer` through its ffi-buffer twin, so no JNA `Structure`
//! is ever made; the two pointer-only buffer helpers), the check of the checksums and contract
//! version, and the waist's records, error kinds, config defaults and lifecycle constants with
//! their uniffi encoders and decoders.

mod surface;

use serde_json::{json, Value};
use tera::Tera;

use super::{Target, Template};
use crate::error::Result;
use crate::filters::{from, string_filter, Args};
use crate::model::Model;
use crate::names::camel_case;
use crate::template;
use crate::waist::{FfiFn, Ty, Waist};

/// The Java target.
pub struct Java;

const OUTPUTS: &[Template] = &[
    template!(waist "java/FfiNatives.java" => "bindings/java/src/main/java/dev/axme/sdk/internal/FfiNatives.java"),
    template!(waist "java/FfiWaist.java" => "bindings/java/src/main/java/dev/axme/sdk/internal/FfiWaist.java"),
    template!(waist "java/ErrorClasses.java" => "bindings/java/src/main/java/dev/axme/sdk/internal/ErrorClasses.java"),
    template!("java/AxmeOperations.java" => "bindings/java/src/main/java/dev/axme/sdk/AxmeOperations.java"),
    template!("java/MeshOperations.java" => "bindings/java/src/main/java/dev/axme/sdk/MeshOperations.java"),
];

const MACROS: &[(&str, &str)] = &[(
    "java/macros.tera",
    include_str!("../../templates/java/macros.tera"),
)];

/// The exception class of each error kind: `(kind, class for the public SDK's methods, class for
/// the newer unchecked forms)`. Only a connection failure differs: the public SDK's callers catch
/// it as an `IOException`.
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
    ("timeout", "AxmeTimeoutException", "AxmeTimeoutException"),
    (
        "connection",
        "AxmeConnectionException",
        "AxmeConnectionError",
    ),
    ("protocol", "AxmeProtocolException", "AxmeProtocolException"),
    ("mcp", "AxmeMcpException", "AxmeMcpException"),
    ("canceled", "AxmeCanceledException", "AxmeCanceledException"),
    ("internal", "AxmeInternalException", "AxmeInternalException"),
];

impl Target for Java {
    fn name(&self) -> &'static str {
        "java"
    }

    fn outputs(&self) -> &'static [Template] {
        OUTPUTS
    }

    fn macros(&self) -> &'static [(&'static str, &'static str)] {
        MACROS
    }

    fn data(&self, model: &Model, waist: &Waist) -> Result<Value> {
        Ok(json!({
            "error_classes": waist.error_classes("java", ERROR_CLASSES)?,
            "surface": surface::surface(model)?,
        }))
    }

    fn register_filters(&self, tera: &mut Tera) {
        string_filter(tera, "java_ident", camel_case);
        string_filter(tera, "java_const", crate::names::screaming_snake);
        tera.register_filter("java_native", |v: &Value, _: &Args| {
            Ok(Value::String(java_native(&from(v, "java_native")?)))
        });
        tera.register_filter("java_type", |v: &Value, _: &Args| {
            Ok(Value::String(java_type(&from(v, "java_type")?, false)))
        });
        tera.register_filter("java_write", |v: &Value, args: &Args| {
            let expr = args.get("expr").and_then(Value::as_str).unwrap_or("v");
            Ok(Value::String(java_write(&from(v, "java_write")?, expr)))
        });
        tera.register_filter("java_read", |v: &Value, _: &Args| {
            Ok(Value::String(java_read(&from(v, "java_read")?)))
        });
        tera.register_filter("java_literal", |v: &Value, args: &Args| {
            let t: Ty = from(args.get("ty").unwrap_or(&Value::Null), "java_literal")?;
            Ok(Value::String(java_literal(v, &t)))
        });
    }
}

/// The Java type of a scalar FFI type on JNA's direct mapping.
fn jna_scalar(ffi: &str) -> Option<&'static str> {
    Some(match ffi {
        "u8" | "i8" => "byte",
        "u16" | "i16" => "short",
        "u32" | "i32" => "int",
        "u64" | "i64" | "handle" => "long",
        "f32" => "float",
        "f64" => "double",
        _ => return None,
    })
}

/// The native declaration of a C function on the fast path: its ffi-buffer twin when it has one,
/// the function itself when every argument and the result are scalars (the status as a
/// `Pointer`), and nothing for the functions that pass `RustBuffer`s by value (the buffer helpers
/// replace them).
pub fn java_native(f: &FfiFn) -> String {
    if let Some(twin) = &f.ffibuffer {
        return format!("static native void {twin}(Pointer args, Pointer returns);");
    }
    let ret = match f.ret.as_deref() {
        None => "void",
        Some(t) => match jna_scalar(t) {
            Some(j) => j,
            None => return String::new(),
        },
    };
    let mut args = Vec::new();
    for a in &f.args {
        match jna_scalar(&a.ty) {
            Some(j) => args.push(format!("{j} {}", camel_case(&a.name))),
            None => return String::new(),
        }
    }
    if f.status {
        args.push("Pointer status".into());
    }
    format!("static native {ret} {}({});", f.name, args.join(", "))
}

/// The Java type of a waist type (`boxed` for type arguments and options).
pub fn java_type(t: &Ty, boxed: bool) -> String {
    let inner = || {
        t.inner
            .as_deref()
            .map(|i| java_type(i, true))
            .unwrap_or_default()
    };
    let prim = |p: &str, b: &str| if boxed { b } else { p }.to_string();
    match t.kind.as_str() {
        "string" => "String".into(),
        "bool" => prim("boolean", "Boolean"),
        "u8" | "i8" => prim("byte", "Byte"),
        "u16" | "i16" | "i32" | "u32" => prim("int", "Integer"),
        "u64" | "i64" => prim("long", "Long"),
        "f64" => prim("double", "Double"),
        "bytes" => "byte[]".into(),
        "sequence" => format!("java.util.List<{}>", inner()),
        "optional" => inner(),
        "record" | "enum" => t.name.clone().unwrap_or_default(),
        _ => "Object".into(),
    }
}

/// Java statements writing `expr` of type `t` with the writer `w`.
pub fn java_write(t: &Ty, expr: &str) -> String {
    let inner = t.inner.as_deref();
    match t.kind.as_str() {
        "string" | "bool" | "u8" | "i8" | "u16" | "u32" | "i32" | "u64" | "i64" | "f64"
        | "bytes" => format!("w.{}({expr});", camel_case(&t.kind)),
        "record" | "enum" => format!("w.{}({expr});", camel_case(t.name.as_deref().unwrap_or(""))),
        "sequence" => format!(
            "w.i32({expr}.size());\n        for (var x : {expr}) {{\n            {}\n        }}",
            java_write(inner.expect("sequence item"), "x")
        ),
        "optional" => format!(
            "if ({expr} == null) {{\n            w.i8((byte) 0);\n        }} else {{\n            w.i8((byte) 1);\n            {}\n        }}",
            java_write(inner.expect("option"), expr).replace("\n        ", "\n            ")
        ),
        other => format!("throw new IllegalStateException(\"cannot write {other}\");"),
    }
}

/// A Java expression reading a value of type `t` with the reader `r`.
pub fn java_read(t: &Ty) -> String {
    let inner = t.inner.as_deref();
    match t.kind.as_str() {
        "string" | "bool" | "u8" | "i8" | "u16" | "u32" | "i32" | "u64" | "i64" | "f64"
        | "bytes" => format!("r.{}()", camel_case(&t.kind)),
        "record" | "enum" => format!("r.{}()", camel_case(t.name.as_deref().unwrap_or(""))),
        "sequence" => format!("r.list(() -> {})", java_read(inner.expect("sequence item"))),
        "optional" => format!("r.i8() == 0 ? null : {}", java_read(inner.expect("option"))),
        other => format!("null /* cannot read {other} */"),
    }
}

/// A JSON default as a Java literal of type `t`.
pub fn java_literal(v: &Value, t: &Ty) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) if t.kind == "f64" => format!("{:?}", n.as_f64().unwrap_or_default()),
        Value::Number(n) if t.kind == "u64" || t.kind == "i64" => format!("{n}L"),
        other => other.to_string(),
    }
}
