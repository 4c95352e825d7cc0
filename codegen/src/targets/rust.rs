//! Rust: core's operation table (`core/src/generated/operations.rs`) and the lifecycle constants.

use serde_json::Value;
use tera::Tera;

use super::{Target, Template};
use crate::filters::{from, string_filter, Args};
use crate::model::{Constraints, TypeRef};
use crate::names;
use crate::template;

/// The Rust target.
pub struct Rust;

const OUTPUTS: &[Template] =
    &[template!("rust/operations.rs" => "core/src/generated/operations.rs")];

impl Target for Rust {
    fn name(&self) -> &'static str {
        "rust"
    }

    fn outputs(&self) -> &'static [Template] {
        OUTPUTS
    }

    fn register_filters(&self, tera: &mut Tera) {
        string_filter(tera, "rust_ident", names::rust_ident);
        string_filter(tera, "rust_str", rust_str);
        tera.register_filter("rust_str_list", |v: &Value, args: &Args| {
            let items: Vec<String> = from(v, "rust_str_list")?;
            let indent = args.get("indent").and_then(Value::as_u64).unwrap_or(8) as usize;
            let prefix = args
                .get("prefix")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Ok(Value::String(rust_str_list(&items, indent, prefix)))
        });
        tera.register_filter("rust_param_schema", |v: &Value, _: &Args| {
            // Any object with `ty` and `constraints`: a parameter or a call header.
            #[derive(serde::Deserialize)]
            struct Typed {
                ty: TypeRef,
                constraints: Constraints,
            }
            let t: Typed = from(v, "rust_param_schema")?;
            Ok(Value::String(rust_param_schema(&t.ty, &t.constraints)))
        });
    }
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
