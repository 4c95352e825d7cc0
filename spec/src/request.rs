//! Checking requests against the spec: the path, query and header parameters an operation declares
//! (required, type, bounds, lengths, patterns, enums) and its request body (media type, schema).
//! A server runs these checks before its handlers, so it refuses exactly what the spec forbids.

use serde_json::Value;

use crate::operations::resolve;
use crate::{OperationRef, Spec};

/// Where a request value sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
    Body,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Body => "body",
        }
    }
}

/// One way a request breaks the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestViolation {
    pub location: Location,
    /// The parameter name, or the JSON pointer into the body (`/to_agent`).
    pub name: String,
    /// What was wrong and what the spec accepts.
    pub message: String,
    /// `x-axme-error-code` of the parameter or of the body schema nearest the value, if any.
    pub error_code: Option<String>,
}

/// One declared parameter of an operation, as the request check uses it.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    name: String,
    /// The name lower-cased (header lookups).
    lower: String,
    location: Location,
    required: bool,
    /// The schema as declared (`$ref` kept), which the validator cache compiles.
    schema: Value,
    resolved: Value,
    described: String,
    declared_code: Value,
    /// The validator cache key.
    key: String,
}

/// What the spec says about an operation's request body.
#[derive(Debug, Clone, Copy)]
pub struct BodySpec<'a> {
    pub required: bool,
    /// Media types the operation takes (`application/json`, `application/octet-stream`).
    pub media_types: &'a serde_json::Map<String, Value>,
}

impl BodySpec<'_> {
    /// Whether the operation takes a body of this `Content-Type` (parameters ignored).
    pub fn takes(&self, content_type: &str) -> bool {
        let media = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        self.media_types.keys().any(|m| {
            m == "*/*"
                || *m == media
                || m.strip_suffix("/*")
                    .is_some_and(|prefix| media.starts_with(&format!("{prefix}/")))
        })
    }

    /// Whether the body is JSON (validated against a schema).
    pub fn is_json(&self) -> bool {
        self.media_types.contains_key("application/json")
    }

    pub fn accepted(&self) -> String {
        self.media_types
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Decodes `%XX` escapes (and `+` as a space in query strings); `None` when the result is not UTF-8.
pub fn percent_decode(text: &str, plus_is_space: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// A parameter's text as the JSON value its schema types it as (left a string when it does not
/// parse, so the schema check reports the type).
fn typed(text: &str, schema: &Value) -> Value {
    let as_string = || Value::String(text.to_owned());
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| as_string()),
        Some("number") => text
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(as_string),
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => as_string(),
        },
        _ => as_string(),
    }
}

fn describe(schema: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        parts.push(match schema.get("format").and_then(Value::as_str) {
            Some(f) => format!("{t} ({f})"),
            None => t.to_owned(),
        });
    }
    for (key, label) in [
        ("minimum", "at least"),
        ("maximum", "at most"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("pattern", "matching"),
    ] {
        if let Some(v) = schema.get(key) {
            parts.push(format!("{label} {v}"));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let names: Vec<String> = values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        parts.push(format!("one of {}", names.join(", ")));
    }
    parts.join(", ")
}

impl Spec {
    /// The parameters of an operation, path-level ones first, `$ref`s resolved.
    fn parameters<'a>(raw: &'a Value, template: &str, method: &str) -> Vec<&'a Value> {
        let path = &raw["paths"][template];
        let declared = path["parameters"]
            .as_array()
            .into_iter()
            .chain(path[method.to_lowercase()]["parameters"].as_array())
            .flatten()
            .map(|p| resolve(raw, p));
        let mut out: Vec<&Value> = Vec::new();
        for param in declared {
            // An operation's parameter replaces a path-level one of the same name and location.
            out.retain(|p| !(p["name"] == param["name"] && p["in"] == param["in"]));
            out.push(param);
        }
        out
    }

    /// What a request check needs to know of each operation's parameters, read once at load.
    pub(crate) fn index_parameters(
        raw: &Value,
        entries: &[crate::operations::Entry],
    ) -> Vec<Vec<Param>> {
        entries
            .iter()
            .map(|e| {
                Self::parameters(raw, e.template.as_str(), &e.method)
                    .into_iter()
                    .filter_map(|param| {
                        let name = param["name"].as_str()?.to_owned();
                        let location = match param["in"].as_str()? {
                            "path" => Location::Path,
                            "query" => Location::Query,
                            "header" => Location::Header,
                            _ => return None,
                        };
                        let resolved = resolve(raw, &param["schema"]).clone();
                        let declared_code = if param.get("x-axme-error-code").is_some() {
                            param["x-axme-error-code"].clone()
                        } else {
                            resolved["x-axme-error-code"].clone()
                        };
                        Some(Param {
                            key: format!(
                                "param {} {} {} {name}",
                                e.method,
                                e.template.as_str(),
                                location.as_str()
                            ),
                            lower: name.to_ascii_lowercase(),
                            described: describe(&resolved),
                            name,
                            location,
                            required: param["required"] == Value::Bool(true),
                            schema: param["schema"].clone(),
                            resolved,
                            declared_code,
                        })
                    })
                    .collect()
            })
            .collect()
    }

    /// Checks the path, query and header parameters of a request. `raw_path` is the request path
    /// as sent (percent-encoded), `query` the raw query string, `header` looks a header up by its
    /// lower-case name.
    pub fn validate_parameters(
        &self,
        op: &OperationRef<'_>,
        raw_path: &str,
        query: Option<&str>,
        header: impl Fn(&str) -> Option<String>,
    ) -> Result<(), Vec<RequestViolation>> {
        let Some(&index) = self.by_id.get(op.operation_id) else {
            return Ok(());
        };
        let params = &self.params[index];
        let captures = if params.iter().any(|p| p.location == Location::Path) {
            self.operations[index]
                .template
                .captures(raw_path)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let query_pairs: Vec<(String, String)> = match query {
            Some(q) if params.iter().any(|p| p.location == Location::Query) => q
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (
                        percent_decode(k, true).unwrap_or_else(|| k.to_owned()),
                        percent_decode(v, true).unwrap_or_else(|| v.to_owned()),
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut violations = Vec::new();
        for param in params {
            let name = param.name.as_str();
            let location = param.location;
            let value: Option<String> = match location {
                Location::Path => captures
                    .iter()
                    .find(|(n, _)| n == name)
                    .and_then(|(_, v)| percent_decode(v, false)),
                Location::Query => query_pairs
                    .iter()
                    .rev()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone()),
                _ => header(&param.lower),
            };
            let Some(text) = value else {
                if param.required {
                    violations.push(RequestViolation {
                        location,
                        name: name.to_owned(),
                        message: format!(
                            "{} parameter `{name}` is required ({})",
                            location.as_str(),
                            param.described
                        ),
                        error_code: code_for(&param.declared_code, "required"),
                    });
                }
                continue;
            };
            let instance = typed(&text, &param.resolved);
            if let Err(failure) = self.cache.check(&param.key, name, &param.schema, &instance) {
                let (detail, keyword) = match failure {
                    crate::ValidationFailure::Invalid { violations, .. } => violations
                        .first()
                        .map(|v| (v.message.clone(), v.keyword.clone()))
                        .unwrap_or_default(),
                    other => (other.to_string(), String::new()),
                };
                violations.push(RequestViolation {
                    location,
                    name: name.to_owned(),
                    message: format!(
                        "{} parameter `{name}` is not accepted ({detail}); accepted: {}",
                        location.as_str(),
                        param.described
                    ),
                    error_code: code_for(&param.declared_code, &keyword),
                });
            }
        }
        if violations.is_empty() {
            Ok(())
        } else {
            Err(violations)
        }
    }

    /// The request body an operation takes, if any.
    pub fn request_body(&self, op: &OperationRef<'_>) -> Option<BodySpec<'_>> {
        let body = &self.raw()["paths"][op.template][op.method.to_lowercase()]["requestBody"];
        let body = resolve(self.raw(), body);
        let media_types = body.get("content")?.as_object()?;
        Some(BodySpec {
            required: body["required"] == Value::Bool(true),
            media_types,
        })
    }

    /// Checks a JSON request body against the operation's `application/json` schema.
    pub fn validate_body(
        &self,
        op: &OperationRef<'_>,
        body: &Value,
    ) -> Result<(), Vec<RequestViolation>> {
        let Some(spec) = self.request_body(op) else {
            return Ok(());
        };
        let Some(schema) = spec
            .media_types
            .get("application/json")
            .map(|m| &m["schema"])
        else {
            return Ok(());
        };
        let key = format!("body {} {}", op.method, op.template);
        match self.cache.check(&key, op.operation_id, schema, body) {
            Ok(()) => Ok(()),
            Err(crate::ValidationFailure::Invalid { violations, .. }) => Err(violations
                .into_iter()
                .map(|v| self.body_violation(schema, v))
                .collect()),
            Err(other) => Err(vec![RequestViolation {
                location: Location::Body,
                name: String::new(),
                message: other.to_string(),
                error_code: None,
            }]),
        }
    }

    fn body_violation(&self, schema: &Value, v: crate::Violation) -> RequestViolation {
        // A missing or unexpected property is reported at its parent; name the property itself.
        let mut pointer = v.instance_path;
        if let Some(name) = named_property(&v.message) {
            pointer = format!("{pointer}/{name}");
        }
        let (node, declared_code) = self.node_at(schema, &pointer);
        let error_code = code_for(declared_code, &v.keyword);
        let accepted = describe(node);
        let field = pointer_to_field(&pointer);
        let mut message = if field.is_empty() {
            format!("the request body is not accepted: {}", v.message)
        } else {
            format!("body field `{field}` is not accepted: {}", v.message)
        };
        if !accepted.is_empty() {
            message.push_str(&format!("; accepted: {accepted}"));
        }
        RequestViolation {
            location: Location::Body,
            name: pointer,
            message,
            error_code,
        }
    }

    /// The schema of the value at `pointer` inside `schema`, and the `x-axme-error-code` nearest
    /// it (deepest wins).
    fn node_at<'a>(&'a self, schema: &'a Value, pointer: &str) -> (&'a Value, &'a Value) {
        let mut node = resolve(self.raw(), schema);
        let mut code = node.get("x-axme-error-code");
        for segment in pointer.split('/').skip(1) {
            let next = node["properties"]
                .get(segment)
                .or_else(|| segment.parse::<usize>().ok().and(node.get("items")))
                .or_else(|| node.get("additionalProperties").filter(|v| v.is_object()));
            let Some(next) = next else {
                break;
            };
            node = resolve(self.raw(), next);
            code = node.get("x-axme-error-code").or(code);
        }
        (node, code.unwrap_or(&Value::Null))
    }
}

/// The error code an `x-axme-error-code` gives a broken keyword: a plain code covers a value that
/// is there and of the right kind (a missing value or one of the wrong kind is a plain validation
/// error); a map names codes by keyword.
fn code_for(declared: &Value, keyword: &str) -> Option<String> {
    match declared {
        Value::String(code) if !matches!(keyword, "type" | "required") => Some(code.clone()),
        Value::Object(by_keyword) => by_keyword.get(keyword)?.as_str().map(str::to_owned),
        _ => None,
    }
}

/// The property a `required` or single `additionalProperties` message names.
fn named_property(message: &str) -> Option<&str> {
    if let Some(quoted) = message.strip_suffix(" is a required property") {
        return quoted.strip_prefix('"')?.strip_suffix('"');
    }
    let start = message.find("('")? + 2;
    let rest = &message[start..];
    let name = rest.strip_suffix("' was unexpected)")?;
    (!name.contains('\'')).then_some(name)
}

/// `/human_task/allowed_outcomes/0` as `human_task.allowed_outcomes[0]`.
pub fn pointer_to_field(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        if segment.parse::<usize>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment.replace("~1", "/").replace("~0", "~"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parameters_are_checked_by_their_schemas() {
        let spec = Spec::shared();
        let op = spec.operation("list_intent_events").unwrap();
        let id = "/v1/intents/3f2a0f3e-1b4c-4a6d-9c1e-2b3c4d5e6f70/events";
        let none = |_: &str| None;
        assert!(spec
            .validate_parameters(&op, id, Some("since=2"), none)
            .is_ok());
        let bad = spec
            .validate_parameters(&op, id, Some("since=-1"), none)
            .unwrap_err();
        assert_eq!(
            (bad[0].location, bad[0].name.as_str()),
            (Location::Query, "since")
        );
        let bad = spec
            .validate_parameters(&op, id, Some("since=x"), none)
            .unwrap_err();
        assert!(bad[0].message.contains("integer"), "{}", bad[0].message);
        let bad = spec
            .validate_parameters(&op, "/v1/intents/nope/events", None, none)
            .unwrap_err();
        assert_eq!(bad[0].location, Location::Path);
        let long = "x".repeat(200);
        let bad = spec
            .validate_parameters(&op, id, None, |name| {
                (name == "x-request-id").then(|| long.clone())
            })
            .unwrap_err();
        assert_eq!(bad[0].name, "x-request-id");
    }

    #[test]
    fn bodies_and_media_types() {
        let spec = Spec::shared();
        let op = spec.operation("create_intent").unwrap();
        let body = spec.request_body(&op).unwrap();
        assert!(body.takes("application/json; charset=utf-8"));
        assert!(!body.takes("text/plain"));
        let bad = spec
            .validate_body(&op, &json!({"payload": {}}))
            .unwrap_err();
        assert_eq!(bad[0].location, Location::Body);
        assert_eq!(
            pointer_to_field("/human_task/allowed_outcomes/0"),
            "human_task.allowed_outcomes[0]"
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb+c", true).as_deref(), Some("a/b c"));
        assert_eq!(percent_decode("a+b%", false).as_deref(), Some("a+b%"));
        assert_eq!(percent_decode("%FF", false), None);
    }
}
