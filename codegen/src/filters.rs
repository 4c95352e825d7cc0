//! The tera filters every language shares (case conversion, wrapping), and the helpers each
//! target's own filters are written with (`crate::targets::*::register_filters`).
//!
//! Templates only lay text out; spelling rules live in [`crate::names`] and the targets. Filter
//! names say the language (`py_*`, `ts_*`, `rust_*`, `go_*`, `java_*`, `cs_*`); the case filters
//! (`snake_case`, `camel_case`, `pascal_case`, `screaming_snake`) and `wrap` are shared.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tera::{Result as TeraResult, Tera};

use crate::names;

/// A filter's arguments.
pub type Args = HashMap<String, Value>;

/// A filter's input, deserialized.
pub fn from<T: DeserializeOwned>(v: &Value, filter: &str) -> TeraResult<T> {
    serde_json::from_value(v.clone()).map_err(|e| tera::Error::msg(format!("filter {filter}: {e}")))
}

/// A filter's input as text.
pub fn text<'v>(v: &'v Value, filter: &str) -> TeraResult<&'v str> {
    v.as_str()
        .ok_or_else(|| tera::Error::msg(format!("filter {filter}: expected a string, got {v}")))
}

/// A boolean argument (false when absent).
pub fn flag(args: &Args, name: &str) -> bool {
    args.get(name).and_then(Value::as_bool).unwrap_or(false)
}

/// Registers a string → string filter.
pub fn string_filter(tera: &mut Tera, name: &'static str, f: fn(&str) -> String) {
    tera.register_filter(name, move |v: &Value, _: &Args| {
        Ok(Value::String(f(text(v, name)?)))
    });
}

/// Registers the shared filters and every target's own.
pub fn register(tera: &mut Tera) {
    string_filter(tera, "snake_case", names::snake_case);
    string_filter(tera, "camel_case", names::camel_case);
    string_filter(tera, "pascal_case", names::pascal_case);
    string_filter(tera, "screaming_snake", names::screaming_snake);
    tera.register_filter("wrap", |v: &Value, args: &Args| {
        let width = args.get("width").and_then(Value::as_u64).unwrap_or(88) as usize;
        let s = if v.is_null() { "" } else { text(v, "wrap")? };
        Ok(Value::from(names::wrap(s, width)))
    });
    // Whether a value is there (`null` is not): `{% if f.default | present %}`.
    tera.register_filter("present", |v: &Value, _: &Args| {
        Ok(Value::Bool(!v.is_null()))
    });
    for target in crate::targets::all() {
        target.register_filters(tera);
    }
}
