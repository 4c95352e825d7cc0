//! `axme raw METHOD PATH`: any operation of the spec, named by method and concrete path.
//!
//! The embedded spec (`axme-spec`) finds the operation and captures the path parameters; the
//! query string becomes the operation's query arguments, typed by their schema; the call then goes
//! through the core by operation id, so it is retried, given an idempotency key and checked like
//! every SDK call. (The core has no call by method and path; this is that, on the client side.)

use axme_spec::{PathTemplate, Spec};
use serde_json::{Map, Value};

use crate::error::{CliError, CliResult};

/// A resolved raw call: the operation id and its arguments.
#[derive(Debug, PartialEq)]
pub struct RawCall {
    pub op_id: String,
    pub args: Map<String, Value>,
    pub streaming: bool,
    pub raw_response: bool,
}

/// Percent-decodes a path segment or query component (`+` is a space in a query).
pub fn decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The parameters of an operation in the raw spec, `$ref`s resolved.
fn parameters<'a>(spec: &'a Value, template: &str, method: &str) -> Vec<&'a Value> {
    let op = &spec["paths"][template][method.to_ascii_lowercase()];
    let resolve = |p: &'a Value| -> Option<&'a Value> {
        match p.get("$ref").and_then(Value::as_str) {
            Some(r) => spec.pointer(r.strip_prefix('#')?),
            None => Some(p),
        }
    };
    let path_level = spec["paths"][template]["parameters"].as_array();
    op["parameters"]
        .as_array()
        .into_iter()
        .chain(path_level)
        .flatten()
        .filter_map(resolve)
        .collect()
}

fn typed(name: &str, raw: &str, schema: &Value) -> CliResult<Value> {
    let bad =
        |what: &str| CliError::usage(format!("query parameter {name}: {raw:?} is not {what}"));
    match schema["type"].as_str() {
        Some("integer") => raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| bad("an integer")),
        Some("number") => raw
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| bad("a number")),
        Some("boolean") => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(bad("true or false")),
        },
        Some("array") => Ok(Value::Array(
            raw.split(',')
                .map(|item| typed(name, item, &schema["items"]))
                .collect::<CliResult<Vec<_>>>()?,
        )),
        _ => Ok(Value::String(raw.to_string())),
    }
}

/// Finds the operation for `method` and `path` (with its query) and builds its arguments.
pub fn resolve(method: &str, path: &str, body: Option<Value>) -> CliResult<RawCall> {
    let method = method.to_ascii_uppercase();
    if !path.starts_with('/') {
        return Err(CliError::usage(format!(
            "path {path:?} must start with '/', e.g. /v1/intents"
        )));
    }
    let spec = Spec::shared();
    let op = spec.find_operation(&method, path).ok_or_else(|| {
        let others: Vec<&str> = ["GET", "POST", "PUT", "PATCH", "DELETE"]
            .into_iter()
            .filter(|m| spec.find_operation(m, path).is_some())
            .collect();
        let err = CliError::usage(format!(
            "{method} {} is not an operation of the AXP API",
            path.split('?').next().unwrap_or(path)
        ));
        if others.is_empty() {
            err.with_hint("see spec/openapi.yaml for the paths there are")
        } else {
            err.with_hint(format!("that path takes {}", others.join(", ")))
        }
    })?;
    let raw_spec = spec.raw();
    let params = parameters(raw_spec, op.template, &method);
    let multi = |name: &str| {
        params.iter().any(|p| {
            p["in"] == "path" && p["name"] == name && p["x-axme-multi-segment"] == Value::Bool(true)
        })
    };
    let template = PathTemplate::parse(op.template, multi).map_err(CliError::usage)?;
    let mut args = Map::new();
    for (name, value) in template.captures(path).unwrap_or_default() {
        args.insert(name, Value::String(decode(&value, false)));
    }
    if let Some((_, query)) = path.split_once('?') {
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (decode(k, true), decode(v, true));
            let schema = params
                .iter()
                .find(|p| p["in"] == "query" && p["name"] == k.as_str())
                .map(|p| &p["schema"])
                .ok_or_else(|| {
                    CliError::usage(format!(
                        "{} takes no query parameter {k:?}",
                        op.operation_id
                    ))
                })?;
            args.insert(k.clone(), typed(&k, &v, schema)?);
        }
    }
    if let Some(body) = body {
        args.insert("body".into(), body);
    }
    let op_doc = &raw_spec["paths"][op.template][method.to_ascii_lowercase()];
    let success = &op_doc["responses"]["200"]["content"];
    Ok(RawCall {
        op_id: op.operation_id.to_string(),
        args,
        streaming: success.get("text/event-stream").is_some(),
        raw_response: success.as_object().is_some_and(|m| {
            !m.is_empty()
                && !m.contains_key("application/json")
                && !m.contains_key("text/event-stream")
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_and_queries_become_typed_arguments() {
        let call = resolve("get", "/v1/intents/abc/events?since=3", None).unwrap();
        assert_eq!(call.op_id, "list_intent_events");
        assert_eq!(
            Value::Object(call.args),
            json!({"intent_id": "abc", "since": 3})
        );
        let agent = resolve("GET", "/v1/agents/acme/prod/billing", None).unwrap();
        assert_eq!(agent.op_id, "get_agent");
        assert_eq!(agent.args["address"], "acme/prod/billing");
        let mesh = resolve(
            "POST",
            "/v1/mesh/agents/dev%2Fdefault%2Fw/kill",
            Some(json!({})),
        )
        .unwrap();
        assert_eq!(mesh.args["address_id"], "dev/default/w");
        assert_eq!(mesh.args["body"], json!({}));
        let stream = resolve("GET", "/v1/intents/abc/events/stream", None).unwrap();
        assert!(stream.streaming);
    }

    #[test]
    fn unknown_paths_and_parameters_are_refused() {
        assert!(resolve("GET", "/v1/nothing", None).is_err());
        let wrong_method = resolve("DELETE", "/v1/intents", None).unwrap_err();
        assert!(wrong_method.hint.as_deref().unwrap().contains("GET"));
        assert!(resolve("GET", "/v1/intents?colour=blue", None).is_err());
        assert!(resolve("GET", "/v1/intents?limit=many", None).is_err());
        assert!(resolve("GET", "v1/intents", None).is_err());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(decode("a%2Fb%zz+c", true), "a/b%zz c");
        assert_eq!(decode("100%", false), "100%");
    }
}
