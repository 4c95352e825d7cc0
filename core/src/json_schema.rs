//! A small JSON Schema checker for MCP tool arguments: pure, no I/O, no dependency.
//!
//! The public SDKs check only `required` and the JSON `type` of top-level properties before a
//! `tools/call`. This checks the structural subset of JSON Schema (draft 2020-12, with the draft-4
//! forms tools still publish) recursively, so a call the server would reject for its shape fails
//! locally, before any request, with every problem listed by JSON pointer:
//!
//! * `type` (a name or a list; `integer` accepts numbers without a fraction, as JSON Schema says),
//!   OpenAPI's `nullable: true`, `enum`, `const` (numbers compare by value);
//! * objects: `required`, `properties`, `additionalProperties` (`false` or a schema; not applied
//!   when `patternProperties` is present), `minProperties`, `maxProperties`;
//! * arrays: `items` (a schema, or a list as in draft 4), `prefixItems`, `minItems`, `maxItems`,
//!   `uniqueItems`;
//! * strings: `minLength`, `maxLength` (in characters); numbers: `minimum`, `maximum`,
//!   `exclusiveMinimum`, `exclusiveMaximum` (number or draft-4 boolean form);
//! * `allOf`, `anyOf`, `oneOf`, `not`; boolean schemas.
//!
//! Not evaluated (so never a false rejection): `$ref`, `pattern`, `patternProperties`, `format`,
//! `multipleOf`, `if`/`then`/`else`, `dependent*`, `unevaluated*`, `contains`. Nesting deeper than
//! [`MAX_DEPTH`] is not checked either, so a hostile schema cannot exhaust the stack.

use serde_json::{Map, Value};

/// Deepest schema nesting that is checked.
pub const MAX_DEPTH: usize = 64;

/// Most violations reported for one instance.
pub const MAX_VIOLATIONS: usize = 20;

/// One reason an instance does not match its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer to the offending value (`""` is the instance itself).
    pub path: String,
    /// What is wrong, e.g. `expected integer, got string`.
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.message)
    }
}

/// Every violation of `schema` by `instance` (at most [`MAX_VIOLATIONS`]); empty when it matches.
/// Top-level keys in `exempt` are never reported as unexpected (the client injects them).
pub fn violations(schema: &Value, instance: &Value, exempt: &[&str]) -> Vec<Violation> {
    let mut c = Checker {
        out: Vec::new(),
        exempt,
    };
    c.check(schema, instance, &mut String::new(), 0);
    c.out
}

/// The JSON type name of a value (`integer` for numbers without a fraction).
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if is_integer(n) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_integer(n: &serde_json::Number) -> bool {
    n.is_i64()
        || n.is_u64()
        || n.as_f64()
            .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
}

fn type_matches(name: &str, v: &Value) -> bool {
    match (name, v) {
        ("null", Value::Null)
        | ("boolean", Value::Bool(_))
        | ("number", Value::Number(_))
        | ("string", Value::String(_))
        | ("array", Value::Array(_))
        | ("object", Value::Object(_)) => true,
        ("integer", Value::Number(n)) => is_integer(n),
        _ => false,
    }
}

/// Equality as JSON Schema defines it: numbers by value, containers element-wise.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(p), Some(q), _, _) => p == q,
                (_, _, Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Append `key` to a JSON pointer (RFC 6901 escaping).
fn push_segment(path: &mut String, key: &str) {
    path.push('/');
    for ch in key.chars() {
        match ch {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            c => path.push(c),
        }
    }
}

struct Checker<'a> {
    out: Vec<Violation>,
    exempt: &'a [&'a str],
}

impl Checker<'_> {
    fn report(&mut self, path: &str, message: String) {
        if self.out.len() < MAX_VIOLATIONS {
            self.out.push(Violation {
                path: path.to_string(),
                message,
            });
        }
    }

    /// Whether `instance` matches `schema`, without reporting.
    fn matches(&self, schema: &Value, instance: &Value, depth: usize) -> bool {
        let mut probe = Checker {
            out: Vec::new(),
            exempt: &[],
        };
        probe.check(schema, instance, &mut String::new(), depth);
        probe.out.is_empty()
    }

    fn check(&mut self, schema: &Value, instance: &Value, path: &mut String, depth: usize) {
        if depth > MAX_DEPTH || self.out.len() >= MAX_VIOLATIONS {
            return;
        }
        let s = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                self.report(path, "no value is allowed here".into());
                return;
            }
            Value::Object(s) => s,
            _ => return, // not a schema: nothing to check
        };
        if !self.check_type(s, instance, path) {
            return; // the other keywords would only repeat the type mismatch
        }
        if let Some(Value::Array(options)) = s.get("enum") {
            if !options.iter().any(|o| json_eq(o, instance)) {
                self.report(
                    path,
                    format!("must be one of {}", Value::Array(options.clone())),
                );
            }
        }
        if let Some(c) = s.get("const") {
            if !json_eq(c, instance) {
                self.report(path, format!("must equal {c}"));
            }
        }
        match instance {
            Value::Object(obj) => self.check_object(s, obj, path, depth),
            Value::Array(items) => self.check_array(s, items, path, depth),
            Value::String(text) => self.check_string(s, text, path),
            Value::Number(n) => self.check_number(s, n, path),
            _ => {}
        }
        self.check_combinators(s, instance, path, depth);
    }

    fn check_type(&mut self, s: &Map<String, Value>, instance: &Value, path: &str) -> bool {
        let names: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return true,
        };
        if names.is_empty() {
            return true;
        }
        let nullable = s.get("nullable") == Some(&Value::Bool(true)) && instance.is_null();
        if nullable || names.iter().any(|n| type_matches(n, instance)) {
            return true;
        }
        let expected = names.join(" or ");
        self.report(
            path,
            format!("expected {expected}, got {}", type_name(instance)),
        );
        false
    }

    fn check_object(
        &mut self,
        s: &Map<String, Value>,
        obj: &Map<String, Value>,
        path: &mut String,
        depth: usize,
    ) {
        if let Some(Value::Array(required)) = s.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !obj.contains_key(name) {
                    self.report(path, format!("missing required property {name:?}"));
                }
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        let extra = if s.contains_key("patternProperties") {
            None // pattern matching is not evaluated, so extras cannot be judged
        } else {
            s.get("additionalProperties")
        };
        let exempt = if depth == 0 { self.exempt } else { &[] };
        for (key, value) in obj {
            let len = path.len();
            push_segment(path, key);
            match props.and_then(|p| p.get(key)) {
                Some(sub) => self.check(sub, value, path, depth + 1),
                None if exempt.contains(&key.as_str()) => {}
                None => match extra {
                    Some(Value::Bool(false)) => {
                        path.truncate(len);
                        self.report(path, format!("unexpected property {key:?}"));
                    }
                    Some(sub @ Value::Object(_)) => self.check(sub, value, path, depth + 1),
                    _ => {}
                },
            }
            path.truncate(len);
        }
        let count = obj.len() as u64;
        if let Some(min) = s.get("minProperties").and_then(Value::as_u64) {
            if count < min {
                self.report(path, format!("needs at least {min} properties"));
            }
        }
        if let Some(max) = s.get("maxProperties").and_then(Value::as_u64) {
            if count > max {
                self.report(path, format!("allows at most {max} properties"));
            }
        }
    }

    fn check_array(
        &mut self,
        s: &Map<String, Value>,
        items: &[Value],
        path: &mut String,
        depth: usize,
    ) {
        let (prefix, rest): (&[Value], Option<&Value>) =
            match (s.get("prefixItems"), s.get("items")) {
                (Some(Value::Array(p)), rest) => (p, rest),
                (None, Some(Value::Array(p))) => (p, s.get("additionalItems")),
                (None, rest) => (&[], rest),
                (Some(_), rest) => (&[], rest),
            };
        for (i, item) in items.iter().enumerate() {
            let sub = match prefix.get(i) {
                Some(sub) => sub,
                None => match rest {
                    Some(sub) => sub,
                    None => continue,
                },
            };
            let len = path.len();
            push_segment(path, &i.to_string());
            self.check(sub, item, path, depth + 1);
            path.truncate(len);
        }
        let count = items.len() as u64;
        if let Some(min) = s.get("minItems").and_then(Value::as_u64) {
            if count < min {
                self.report(path, format!("needs at least {min} items"));
            }
        }
        if let Some(max) = s.get("maxItems").and_then(Value::as_u64) {
            if count > max {
                self.report(path, format!("allows at most {max} items"));
            }
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            let dup = (0..items.len())
                .any(|i| (i + 1..items.len()).any(|j| json_eq(&items[i], &items[j])));
            if dup {
                self.report(path, "items must be unique".into());
            }
        }
    }

    fn check_string(&mut self, s: &Map<String, Value>, text: &str, path: &str) {
        let chars = text.chars().count() as u64;
        if let Some(min) = s.get("minLength").and_then(Value::as_u64) {
            if chars < min {
                self.report(path, format!("must be at least {min} characters"));
            }
        }
        if let Some(max) = s.get("maxLength").and_then(Value::as_u64) {
            if chars > max {
                self.report(path, format!("must be at most {max} characters"));
            }
        }
    }

    fn check_number(&mut self, s: &Map<String, Value>, n: &serde_json::Number, path: &str) {
        let Some(v) = n.as_f64() else { return };
        let num = |k: &str| s.get(k).and_then(Value::as_f64);
        let flag = |k: &str| s.get(k) == Some(&Value::Bool(true));
        if let Some(min) = num("minimum") {
            if flag("exclusiveMinimum") && v <= min {
                self.report(path, format!("must be greater than {min}"));
            } else if v < min {
                self.report(path, format!("must be at least {min}"));
            }
        }
        if let Some(max) = num("maximum") {
            if flag("exclusiveMaximum") && v >= max {
                self.report(path, format!("must be less than {max}"));
            } else if v > max {
                self.report(path, format!("must be at most {max}"));
            }
        }
        if let Some(min) = num("exclusiveMinimum") {
            if v <= min {
                self.report(path, format!("must be greater than {min}"));
            }
        }
        if let Some(max) = num("exclusiveMaximum") {
            if v >= max {
                self.report(path, format!("must be less than {max}"));
            }
        }
    }

    fn check_combinators(
        &mut self,
        s: &Map<String, Value>,
        instance: &Value,
        path: &mut String,
        depth: usize,
    ) {
        if let Some(Value::Array(all)) = s.get("allOf") {
            for sub in all {
                self.check(sub, instance, path, depth + 1);
            }
        }
        if let Some(Value::Array(any)) = s.get("anyOf") {
            if !any.is_empty() && !any.iter().any(|sub| self.matches(sub, instance, depth + 1)) {
                self.report(path, "does not match any schema in anyOf".into());
            }
        }
        if let Some(Value::Array(one)) = s.get("oneOf") {
            let n = one
                .iter()
                .filter(|sub| self.matches(sub, instance, depth + 1))
                .count();
            if !one.is_empty() && n != 1 {
                self.report(
                    path,
                    format!("must match exactly one schema in oneOf, matches {n}"),
                );
            }
        }
        if let Some(not) = s.get("not") {
            if self.matches(not, instance, depth + 1) {
                self.report(path, "must not match the schema in not".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Sorted, so the expectations hold whatever order the JSON map keeps.
    fn errs(schema: Value, instance: Value) -> Vec<String> {
        let mut v: Vec<String> = violations(&schema, &instance, &[])
            .iter()
            .map(ToString::to_string)
            .collect();
        v.sort();
        v
    }

    #[test]
    fn required_and_top_level_types_like_the_public_sdks() {
        let schema = json!({
            "type": "object",
            "required": ["nick", "limit"],
            "properties": {
                "nick": {"type": "string"},
                "limit": {"type": "integer"},
                "ratio": {"type": "number"},
                "tags": {"type": ["array", "null"]},
                "flag": {"type": "boolean"}
            }
        });
        assert!(errs(schema.clone(), json!({"nick": "a", "limit": 3})).is_empty());
        assert!(errs(
            schema.clone(),
            json!({"nick": "a", "limit": 3.0, "tags": null})
        )
        .is_empty());
        assert_eq!(
            errs(schema.clone(), json!({"limit": 1})),
            [r#"/: missing required property "nick""#]
        );
        assert_eq!(
            errs(
                schema.clone(),
                json!({"nick": 5, "limit": 1.5, "ratio": "x", "tags": {}, "flag": 1})
            ),
            [
                "/flag: expected boolean, got integer",
                "/limit: expected integer, got number",
                "/nick: expected string, got integer",
                "/ratio: expected number, got string",
                "/tags: expected array or null, got object",
            ]
        );
        // Unknown properties are fine unless the schema forbids them.
        assert!(errs(schema, json!({"nick": "a", "limit": 1, "extra": true})).is_empty());
    }

    #[test]
    fn nested_objects_arrays_and_bounds() {
        let schema = json!({
            "type": "object",
            "properties": {
                "payload": {
                    "type": "object",
                    "required": ["to"],
                    "additionalProperties": false,
                    "properties": {
                        "to": {"type": "string", "minLength": 3, "maxLength": 5},
                        "n": {"type": "integer", "minimum": 1, "exclusiveMaximum": 10},
                        "mode": {"enum": ["a", "b"]},
                        "v": {"const": 1}
                    }
                },
                "items": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "uniqueItems": true},
                "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false}
            }
        });
        assert!(errs(
            schema.clone(),
            json!({"payload": {"to": "abc", "n": 9, "mode": "b", "v": 1.0}, "items": ["x"], "pair": ["a", 1]})
        )
        .is_empty());
        assert_eq!(
            errs(
                schema,
                json!({
                    "payload": {"to": "ab", "n": 10, "mode": "c", "v": 2, "zz": 1},
                    "items": ["x", 1, "x"],
                    "pair": ["a", "b", 3]
                })
            ),
            [
                "/items/1: expected string, got integer",
                "/items: allows at most 2 items",
                "/items: items must be unique",
                "/pair/1: expected integer, got string",
                "/pair/2: no value is allowed here",
                r#"/payload/mode: must be one of ["a","b"]"#,
                "/payload/n: must be less than 10",
                "/payload/to: must be at least 3 characters",
                "/payload/v: must equal 1",
                r#"/payload: unexpected property "zz""#,
            ]
        );
    }

    #[test]
    fn combinators_nullable_and_draft4_forms() {
        let any = json!({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]});
        assert!(errs(any.clone(), json!("x")).is_empty());
        assert!(errs(any.clone(), json!(3)).is_empty());
        assert_eq!(
            errs(any, json!(-1)),
            ["/: does not match any schema in anyOf"]
        );
        let one = json!({"oneOf": [{"type": "integer"}, {"type": "number"}]});
        assert_eq!(
            errs(one.clone(), json!(1)),
            ["/: must match exactly one schema in oneOf, matches 2"]
        );
        assert!(errs(one, json!(1.5)).is_empty());
        assert_eq!(
            errs(json!({"not": {"type": "null"}}), json!(null)),
            ["/: must not match the schema in not"]
        );
        assert!(errs(json!({"type": "string", "nullable": true}), json!(null)).is_empty());
        assert_eq!(
            errs(json!({"minimum": 5, "exclusiveMinimum": true}), json!(5)),
            ["/: must be greater than 5"]
        );
        assert_eq!(
            errs(
                json!({"items": [{"type": "string"}], "additionalItems": {"type": "integer"}}),
                json!(["a", "b"])
            ),
            ["/1: expected integer, got string"]
        );
    }

    #[test]
    fn unevaluated_keywords_never_reject() {
        let schema = json!({
            "type": "object",
            "properties": {
                "r": {"$ref": "#/$defs/x"},
                "p": {"type": "string", "pattern": "^[0-9]+$", "format": "uuid"}
            },
            "patternProperties": {"^x-": {"type": "integer"}},
            "additionalProperties": false
        });
        assert!(errs(schema, json!({"r": 1, "p": "abc", "x-a": "s", "other": 1})).is_empty());
        assert!(errs(json!(true), json!({"a": 1})).is_empty());
        assert!(errs(json!("not a schema"), json!(1)).is_empty());
    }

    #[test]
    fn exempt_keys_pointer_escaping_and_limits() {
        let closed =
            json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false});
        let injected = json!({"a": 1, "owner_agent": "x", "idempotency_key": "k"});
        assert!(violations(&closed, &injected, &["owner_agent", "idempotency_key"]).is_empty());
        assert_eq!(violations(&closed, &injected, &[]).len(), 2);
        assert_eq!(
            errs(
                json!({"properties": {"a/b~c": {"type": "string"}}}),
                json!({"a/b~c": 1})
            ),
            ["/a~1b~0c: expected string, got integer"]
        );
        let many: Map<String, Value> = (0..50).map(|i| (format!("k{i:02}"), json!(1))).collect();
        let strict = json!({"additionalProperties": false});
        assert_eq!(
            violations(&strict, &Value::Object(many), &[]).len(),
            MAX_VIOLATIONS
        );
        // A schema nested far deeper than MAX_DEPTH is checked down to the limit only.
        let mut deep = json!({"type": "integer"});
        let mut inst = json!("leaf");
        for _ in 0..(MAX_DEPTH * 4) {
            deep = json!({"type": "object", "properties": {"a": deep}});
            inst = json!({"a": inst});
        }
        assert!(violations(&deep, &inst, &[]).is_empty());
    }
}
