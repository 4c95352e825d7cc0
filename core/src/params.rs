//! Checking one parameter value against the spec's schema and turning it into wire text.
//!
//! The generic call runs every path, query and header argument through [`wire_text`] before
//! a request exists, so a value the server would refuse (a negative `since`, a `limit` above
//! its maximum, a string where an integer belongs, an unknown enum value) is an
//! `invalid_argument` naming the parameter, what was given and what is accepted.

use serde_json::Value;

use crate::error::Error;
use crate::operations::{ParamSchema, ParamType};

/// Where a parameter travels, for messages ("query parameter since").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Path,
    Query,
    Header,
}

impl Place {
    fn noun(self) -> &'static str {
        match self {
            Place::Path => "path parameter",
            Place::Query => "query parameter",
            Place::Header => "header",
        }
    }
}

/// The text `value` is sent as, or an `invalid_argument` when it breaks `schema`.
pub(crate) fn wire_text(
    op: &str,
    place: Place,
    name: &str,
    schema: &ParamSchema,
    value: &Value,
) -> Result<String, Error> {
    let bad = || {
        Error::invalid_argument(format!(
            "{op}: {} {name} must be {}, got {}",
            place.noun(),
            describe(schema),
            shown(value)
        ))
    };
    let text = match schema.ty {
        ParamType::String => match value {
            Value::String(s) => s.clone(),
            // A list of strings goes out comma-joined (`status=COMPLETED,FAILED`).
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str())
                .collect::<Option<Vec<_>>>()
                .ok_or_else(bad)?
                .join(","),
            _ => return Err(bad()),
        },
        ParamType::Integer => {
            let text = whole_number(value).ok_or_else(bad)?;
            if !value.as_f64().is_some_and(|f| in_range(f, schema)) {
                return Err(bad());
            }
            text
        }
        ParamType::Number => match value {
            Value::Number(n) if n.as_f64().is_some_and(|f| in_range(f, schema)) => n.to_string(),
            _ => return Err(bad()),
        },
        ParamType::Boolean => match value {
            Value::Bool(b) => b.to_string(),
            _ => return Err(bad()),
        },
        ParamType::Any => scalar_list(value).ok_or_else(bad)?,
    };
    let chars = text.chars().count() as u64;
    if schema.min_length.is_some_and(|m| chars < u64::from(m))
        || schema.max_length.is_some_and(|m| chars > u64::from(m))
    {
        return Err(bad());
    }
    if !schema.one_of.is_empty() && !schema.one_of.contains(&text.as_str()) {
        return Err(bad());
    }
    Ok(text)
}

/// The error for a required parameter left out.
pub(crate) fn missing(op: &str, place: Place, name: &str, schema: &ParamSchema) -> Error {
    Error::invalid_argument(format!(
        "{op}: missing required {} {name} ({})",
        place.noun(),
        describe(schema)
    ))
}

/// The decimal text of an integer, also of a float without a fractional part (JavaScript
/// numbers arrive as f64).
fn whole_number(v: &Value) -> Option<String> {
    let Value::Number(n) = v else { return None };
    if n.is_i64() || n.is_u64() {
        return Some(n.to_string());
    }
    let f = n.as_f64()?;
    // Beyond 2^53 a float no longer names one integer.
    (f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0).then(|| (f as i64).to_string())
}

fn in_range(n: f64, s: &ParamSchema) -> bool {
    let above = match s.minimum {
        Some(m) if s.exclusive_minimum => n > m,
        Some(m) => n >= m,
        None => true,
    };
    let below = match s.maximum {
        Some(m) if s.exclusive_maximum => n < m,
        Some(m) => n <= m,
        None => true,
    };
    above && below
}

/// A scalar as text, or a list of scalars comma-joined.
fn scalar_list(v: &Value) -> Option<String> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match v {
        Value::Array(items) => items
            .iter()
            .map(one)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(",")),
        v => one(v),
    }
}

/// What `schema` accepts, in words: "an integer >= 0", "one of \"day\", \"week\"", ...
pub(crate) fn describe(schema: &ParamSchema) -> String {
    if !schema.one_of.is_empty() {
        let values: Vec<String> = schema.one_of.iter().map(|v| format!("{v:?}")).collect();
        return format!("one of {}", values.join(", "));
    }
    let mut out = match schema.ty {
        ParamType::String => "a string".to_string(),
        ParamType::Integer => "an integer".to_string(),
        ParamType::Number => "a number".to_string(),
        ParamType::Boolean => "a boolean".to_string(),
        ParamType::Any => "a string, number, bool or list of them".to_string(),
    };
    let lower = schema
        .minimum
        .map(|m| (if schema.exclusive_minimum { ">" } else { ">=" }, m));
    let upper = schema
        .maximum
        .map(|m| (if schema.exclusive_maximum { "<" } else { "<=" }, m));
    match (lower, upper) {
        (Some((">=", lo)), Some(("<=", hi))) => {
            out.push_str(&format!(" from {} to {}", num(lo), num(hi)));
        }
        (lo, hi) => {
            for (op, m) in lo.into_iter().chain(hi) {
                out.push_str(&format!(" {op} {}", num(m)));
            }
        }
    }
    match (schema.min_length, schema.max_length) {
        (Some(lo), Some(hi)) => out.push_str(&format!(" of {lo} to {hi} characters")),
        (Some(1), None) => out = out.replacen("a ", "a non-empty ", 1),
        (Some(lo), None) => out.push_str(&format!(" of at least {lo} characters")),
        (None, Some(hi)) => out.push_str(&format!(" of at most {hi} characters")),
        (None, None) => {}
    }
    out
}

/// A bound as written in the spec: `0`, not `0.0`.
fn num(x: f64) -> String {
    // The spec bounds sequence numbers by i64::MAX, which f64 holds only as 2^63: name
    // the integer the spec wrote, not the float's decimal expansion.
    if x == i64::MAX as f64 {
        return i64::MAX.to_string();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

/// The given value for a message: JSON, cut short.
fn shown(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() <= 80 {
        return s;
    }
    let cut: String = s.chars().take(77).collect();
    format!("{cut}...")
}

#[cfg(test)]
#[path = "params_tests.rs"]
mod tests;
