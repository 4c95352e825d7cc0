//! Turning command-line text into JSON: inline JSON or files, `key=value` fields (typed by a JSON
//! Schema when there is one), and deadlines.

use std::io::Read;
use std::time::Duration;

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::{CliError, CliResult};

fn read_source(what: &str, source: &str) -> CliResult<String> {
    if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::io(format!("cannot read {what} from stdin: {e}")))?;
        return Ok(text);
    }
    std::fs::read_to_string(source)
        .map_err(|e| CliError::io(format!("cannot read {what} from {source}: {e}")))
}

fn parse(what: &str, origin: &str, text: &str) -> CliResult<Value> {
    serde_json::from_str(text)
        .map_err(|e| CliError::usage(format!("{what} from {origin} is not valid JSON: {e}")))
}

/// An option holding JSON inline, `@FILE`, or `-` (stdin).
pub fn json_arg(what: &str, raw: &str) -> CliResult<Value> {
    if raw == "-" {
        return parse(what, "stdin", &read_source(what, "-")?);
    }
    if let Some(path) = raw.strip_prefix('@') {
        return parse(what, path, &read_source(what, path)?);
    }
    parse(what, "the command line", raw)
}

/// An argument naming a JSON file (`@` optional), or `-` for stdin.
pub fn json_file(what: &str, raw: &str) -> CliResult<Value> {
    let path = raw.strip_prefix('@').unwrap_or(raw);
    let origin = if path == "-" { "stdin" } else { path };
    parse(what, origin, &read_source(what, path)?)
}

/// Like [`json_arg`], requiring an object.
pub fn json_object_arg(what: &str, raw: &str) -> CliResult<Map<String, Value>> {
    match json_arg(what, raw)? {
        Value::Object(m) => Ok(m),
        other => Err(CliError::usage(format!(
            "{what} must be a JSON object, got {}",
            kind(&other)
        ))),
    }
}

/// The JSON type name of a value, for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The JSON Schema `type` of the property at `path` (dotted keys through `properties`).
fn schema_type<'a>(schema: Option<&'a Value>, path: &[&str]) -> Option<&'a str> {
    let mut node = schema?;
    for key in path {
        node = node.get("properties")?.get(*key)?;
    }
    match node.get("type")? {
        Value::String(t) => Some(t),
        // `["string", "null"]`: the first non-null type.
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null"),
        _ => None,
    }
}

/// The value of a `key=value` field: typed by the schema when it names a type, else JSON when it
/// parses, else text.
fn field_value(key: &str, raw: &str, ty: Option<&str>) -> CliResult<Value> {
    let bad = |what: &str| CliError::usage(format!("field {key}: {raw:?} is not {what}"));
    match ty {
        Some("string") => Ok(Value::String(raw.to_string())),
        Some("integer") => raw
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| bad("an integer")),
        Some("number") => match raw.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(serde_json::Number::from_f64(n)
                .map(Value::Number)
                .unwrap_or(Value::Null)),
            _ => Err(bad("a number")),
        },
        Some("boolean") => match raw.trim() {
            "true" | "yes" | "on" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "off" | "0" => Ok(Value::Bool(false)),
            _ => Err(bad("a boolean (true or false)")),
        },
        _ => Ok(serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))),
    }
}

/// Sets `key=value` fields into `target`; `a.b=v` fills nested objects. `schema` (a JSON Schema
/// of `target`) types the values.
pub fn set_fields(
    target: &mut Map<String, Value>,
    fields: &[String],
    schema: Option<&Value>,
) -> CliResult<()> {
    for field in fields {
        let Some((key, raw)) = field.split_once('=') else {
            return Err(CliError::usage(format!("{field:?} is not KEY=VALUE")));
        };
        let path: Vec<&str> = key.trim().split('.').collect();
        if path.iter().any(|p| p.is_empty()) {
            return Err(CliError::usage(format!("{field:?} has an empty key")));
        }
        let value = field_value(key, raw, schema_type(schema, &path))?;
        let (last, parents) = path.split_last().unwrap_or((&"", &[]));
        let mut node = &mut *target;
        for (i, p) in parents.iter().enumerate() {
            let entry = node
                .entry(p.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            node = match entry {
                Value::Object(m) => m,
                _ => {
                    return Err(CliError::usage(format!(
                        "field {key}: {} is not an object",
                        path[..=i].join(".")
                    )))
                }
            };
        }
        node.insert(last.to_string(), value);
    }
    Ok(())
}

/// A deadline: `90s`, `15m`, `2h`, `1d` from now, or an RFC 3339 time as it is.
pub fn deadline(raw: &str) -> CliResult<String> {
    let raw = raw.trim();
    if let Some(d) = duration(raw) {
        let at = OffsetDateTime::now_utc() + d;
        return at
            .format(&Rfc3339)
            .map_err(|e| CliError::usage(format!("cannot format the deadline: {e}")));
    }
    OffsetDateTime::parse(raw, &Rfc3339)
        .map(|_| raw.to_string())
        .map_err(|_| {
            CliError::usage(format!(
                "--deadline {raw:?} is neither a duration (90s, 15m, 2h, 1d) nor an RFC 3339 time"
            ))
        })
}

/// `90s`, `15m`, `2h`, `1d` (a plain number is seconds).
pub fn duration(raw: &str) -> Option<Duration> {
    let (num, unit) = match raw.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => raw.split_at(i),
        None => (raw, "s"),
    };
    let n: u64 = num.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

/// Seconds given on the command line as a duration.
pub fn seconds(what: &str, secs: Option<f64>) -> CliResult<Option<Duration>> {
    match secs {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(CliError::usage(format!(
            "{what} must be a positive number of seconds, got {s}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_nest_and_take_the_schema_type() {
        let schema = json!({"type": "object", "properties": {
            "amount": {"type": "integer"}, "code": {"type": "string"},
            "meta": {"type": "object", "properties": {"urgent": {"type": "boolean"}}}}});
        let mut m = Map::new();
        set_fields(
            &mut m,
            &[
                "amount=120".into(),
                "code=007".into(),
                "meta.urgent=yes".into(),
                "tags=[\"a\"]".into(),
                "note=hello world".into(),
            ],
            Some(&schema),
        )
        .unwrap();
        assert_eq!(
            Value::Object(m),
            json!({"amount": 120, "code": "007", "meta": {"urgent": true},
                   "tags": ["a"], "note": "hello world"})
        );
        let mut m = Map::new();
        let err = set_fields(&mut m, &["amount=lots".into()], Some(&schema)).unwrap_err();
        assert!(err.message.contains("not an integer"), "{}", err.message);
        assert!(set_fields(&mut m, &["novalue".into()], None).is_err());
    }

    #[test]
    fn deadlines_are_durations_or_times() {
        assert_eq!(duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(duration("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(duration("30"), Some(Duration::from_secs(30)));
        assert_eq!(duration("soon"), None);
        assert_eq!(
            deadline("2030-01-02T03:04:05Z").unwrap(),
            "2030-01-02T03:04:05Z"
        );
        assert!(deadline("2h").unwrap().ends_with('Z'));
        assert!(deadline("tomorrow").is_err());
    }
}
