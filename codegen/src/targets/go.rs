//! Go: the raw declaration layer of the cgo binding, in `bindings/go/internal/ffi/`: the C header
//! of every function of the waist's C ABI (with the check of the checksums and contract version
//! a binding runs at load), and the waist's records, error kinds, config defaults and lifecycle
//! constants as Go types with their uniffi encoders and decoders.

use serde_json::Value;
use tera::Tera;

use super::{Target, Template};
use crate::filters::{from, string_filter, Args};
use crate::names::pascal_case;
use crate::template;
use crate::waist::Ty;

/// The Go target.
pub struct Go;

const OUTPUTS: &[Template] = &[
    template!(waist "go/axme_ffi.h" => "bindings/go/internal/ffi/axme_ffi.h"),
    template!(waist "go/waist_gen.go" => "bindings/go/internal/ffi/waist_gen.go"),
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
