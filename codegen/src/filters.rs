//! The tera filters templates use for every name, type and literal.
//!
//! Templates only lay text out; spelling rules live in [`crate::names`] and [`crate::lang`].
//! Filter names say the language: `py_*` for Python, `ts_*` for TypeScript/JavaScript,
//! `rust_*` for Rust; the case filters (`snake_case`, `camel_case`, `pascal_case`,
//! `screaming_snake`) are shared.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tera::{Result as TeraResult, Tera};

use crate::lang;
use crate::model::{Constraints, Method, MethodParam, TypeRef};
use crate::names;

type Args = HashMap<String, Value>;

fn from<T: DeserializeOwned>(v: &Value, filter: &str) -> TeraResult<T> {
    serde_json::from_value(v.clone()).map_err(|e| tera::Error::msg(format!("filter {filter}: {e}")))
}

fn text<'v>(v: &'v Value, filter: &str) -> TeraResult<&'v str> {
    v.as_str()
        .ok_or_else(|| tera::Error::msg(format!("filter {filter}: expected a string, got {v}")))
}

fn flag(args: &Args, name: &str) -> bool {
    args.get(name).and_then(Value::as_bool).unwrap_or(false)
}

/// Registers a string → string filter.
fn string_filter(tera: &mut Tera, name: &'static str, f: fn(&str) -> String) {
    tera.register_filter(name, move |v: &Value, _: &Args| {
        Ok(Value::String(f(text(v, name)?)))
    });
}

/// Registers every filter on `tera`.
pub fn register(tera: &mut Tera) {
    string_filter(tera, "snake_case", names::snake_case);
    string_filter(tera, "camel_case", names::camel_case);
    string_filter(tera, "pascal_case", names::pascal_case);
    string_filter(tera, "screaming_snake", names::screaming_snake);
    string_filter(tera, "py_ident", names::python_ident);
    string_filter(tera, "ts_ident", names::ts_ident);
    string_filter(tera, "rust_ident", names::rust_ident);
    string_filter(tera, "py_class", names::python_class);
    string_filter(tera, "ts_class", names::ts_class);
    string_filter(tera, "py_str", lang::py_str);
    string_filter(tera, "js_str", lang::py_str);
    string_filter(tera, "rust_str", lang::rust_str);
    // A Python method's name, a TS method's name and a TS parameter's name.
    string_filter(tera, "py_param", |s| lang::Lang::Python.param(s));
    string_filter(tera, "ts_param", |s| lang::Lang::TypeScript.param(s));
    string_filter(tera, "ts_method", names::camel_case);
    // An object property: bare when it is an identifier, else quoted.
    string_filter(tera, "ts_prop", |s| {
        if names::is_identifier(s) {
            s.to_string()
        } else {
            lang::py_str(s)
        }
    });
    // Docs: escape what would end the comment or docstring.
    string_filter(tera, "py_doc", |s| {
        s.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"")
    });
    string_filter(tera, "js_doc", |s| s.replace("*/", "*\\/"));

    tera.register_filter("is_identifier", |v: &Value, _: &Args| {
        Ok(Value::Bool(
            names::is_identifier(text(v, "is_identifier")?)
                && !names::PYTHON_KEYWORDS.contains(&text(v, "is_identifier")?),
        ))
    });
    tera.register_filter("rust_str_list", |v: &Value, args: &Args| {
        let items: Vec<String> = from(v, "rust_str_list")?;
        let indent = args.get("indent").and_then(Value::as_u64).unwrap_or(8) as usize;
        let prefix = args
            .get("prefix")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(Value::String(lang::rust_str_list(&items, indent, prefix)))
    });
    tera.register_filter("rust_param_schema", |v: &Value, _: &Args| {
        // Any object with `ty` and `constraints`: a parameter or a call header.
        #[derive(serde::Deserialize)]
        struct Typed {
            ty: TypeRef,
            constraints: Constraints,
        }
        let t: Typed = from(v, "rust_param_schema")?;
        Ok(Value::String(lang::rust_param_schema(
            &t.ty,
            &t.constraints,
        )))
    });
    tera.register_filter("wrap", |v: &Value, args: &Args| {
        let width = args.get("width").and_then(Value::as_u64).unwrap_or(88) as usize;
        let s = if v.is_null() { "" } else { text(v, "wrap")? };
        Ok(Value::from(names::wrap(s, width)))
    });
    tera.register_filter("py_type", |v: &Value, args: &Args| {
        let t: TypeRef = from(v, "py_type")?;
        Ok(Value::String(lang::py_type(
            &t,
            flag(args, "is_async"),
            flag(args, "quote"),
        )))
    });
    tera.register_filter("ts_type", |v: &Value, _: &Args| {
        Ok(Value::String(lang::ts_type(&from(v, "ts_type")?)))
    });
    tera.register_filter("py_param_type", |v: &Value, _: &Args| {
        Ok(Value::String(lang::py_param_type(&from::<MethodParam>(
            v,
            "py_param_type",
        )?)))
    });
    tera.register_filter("ts_param_type", |v: &Value, _: &Args| {
        Ok(Value::String(lang::ts_param_type(&from::<MethodParam>(
            v,
            "ts_param_type",
        )?)))
    });
    tera.register_filter("ts_return", |v: &Value, _: &Args| {
        Ok(Value::String(lang::ts_return(&from::<Method>(
            v,
            "ts_return",
        )?)))
    });
    tera.register_filter("ts_options", |v: &Value, _: &Args| {
        Ok(Value::String(lang::ts_options(&from::<Method>(
            v,
            "ts_options",
        )?)))
    });
    tera.register_filter("py_literal", |v: &Value, _: &Args| {
        Ok(Value::String(lang::py_literal(v)))
    });
    tera.register_filter("js_literal", |v: &Value, _: &Args| {
        Ok(Value::String(lang::js_literal(v)))
    });
    tera.register_filter("py_client_class", |v: &Value, args: &Args| {
        Ok(Value::String(lang::py_client_class(
            v.as_str(),
            flag(args, "is_async"),
        )))
    });
    tera.register_filter("ts_client_interface", |v: &Value, _: &Args| {
        Ok(Value::String(lang::ts_client_interface(v.as_str())))
    });
    tera.register_filter("ts_install_fn", |v: &Value, _: &Args| {
        Ok(Value::String(lang::ts_install_fn(v.as_str())))
    });
}
