//! Conversion of OpenAPI 3.0 schema objects into JSON Schema (draft 2020-12).
//!
//! OpenAPI 3.0 schemas are a dialect: `nullable: true` instead of a `"null"` type, boolean
//! `exclusiveMinimum`/`exclusiveMaximum`, `$ref`s into `#/components/schemas`, and annotation keywords
//! (`example`, `discriminator`, `readOnly`, `x-*`, ...) that JSON Schema does not know. Components are
//! embedded under `$defs` and references rewritten to point there.

use serde_json::{Map, Value};

const COMPONENT_PREFIX: &str = "#/components/schemas/";
const DEFS_PREFIX: &str = "#/$defs/";

/// Keywords whose value is copied as is.
const PLAIN: &[&str] = &[
    "type",
    "enum",
    "format",
    "pattern",
    "minimum",
    "maximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "required",
    "title",
    "description",
    "default",
];

/// Converts one OpenAPI 3.0 schema (and everything nested in it).
pub fn to_json_schema(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        // `true`/`false` schemas (and anything odd) pass through unchanged.
        return schema.clone();
    };
    if let Some(Value::String(target)) = map.get("$ref") {
        // In OpenAPI 3.0 the siblings of `$ref` are ignored.
        let target = target
            .strip_prefix(COMPONENT_PREFIX)
            .map_or_else(|| target.clone(), |n| format!("{DEFS_PREFIX}{n}"));
        return Value::Object(Map::from_iter([("$ref".to_owned(), Value::String(target))]));
    }
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "properties" => {
                let props = value.as_object().map(|p| {
                    p.iter()
                        .map(|(k, v)| (k.clone(), to_json_schema(v)))
                        .collect()
                });
                out.insert(key.clone(), Value::Object(props.unwrap_or_default()));
            }
            "items" | "not" | "additionalProperties" => {
                out.insert(key.clone(), to_json_schema(value));
            }
            "allOf" | "anyOf" | "oneOf" => {
                let list = value
                    .as_array()
                    .map(|l| l.iter().map(to_json_schema).collect())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Array(list));
            }
            "exclusiveMinimum" | "exclusiveMaximum" => {
                let bound = if key == "exclusiveMinimum" {
                    "minimum"
                } else {
                    "maximum"
                };
                match value {
                    Value::Bool(true) => {
                        if let Some(limit) = map.get(bound) {
                            out.insert(key.clone(), limit.clone());
                        }
                    }
                    Value::Number(_) => {
                        out.insert(key.clone(), value.clone());
                    }
                    _ => {}
                }
            }
            k if PLAIN.contains(&k) => {
                out.insert(key.clone(), value.clone());
            }
            // `nullable` is applied below; `example`, `discriminator`, `readOnly`, `writeOnly`, `xml`,
            // `externalDocs`, `deprecated`, `x-*` and anything unknown are annotations to drop.
            _ => {}
        }
    }
    // A boolean exclusive bound replaces the inclusive one.
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if map.get(exclusive) == Some(&Value::Bool(true)) {
            out.remove(bound);
        }
    }
    if map.get("nullable") == Some(&Value::Bool(true)) {
        return make_nullable(out);
    }
    Value::Object(out)
}

/// Converts every entry of `components.schemas` into a `$defs` map.
pub fn defs_from_components(components: Option<&Value>) -> Map<String, Value> {
    components
        .and_then(Value::as_object)
        .map(|c| {
            c.iter()
                .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
                .collect()
        })
        .unwrap_or_default()
}

fn make_nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::String(ty)) = schema.get("type").cloned() {
        schema.insert(
            "type".to_owned(),
            Value::Array(vec![Value::String(ty), Value::String("null".to_owned())]),
        );
        if let Some(Value::Array(values)) = schema.get_mut("enum") {
            if !values.contains(&Value::Null) {
                values.push(Value::Null);
            }
        }
        return Value::Object(schema);
    }
    if !schema.contains_key("type")
        && schema.len() <= usize::from(schema.contains_key("description"))
    {
        // An unconstrained schema already admits null.
        return Value::Object(schema);
    }
    Value::Object(Map::from_iter([(
        "anyOf".to_owned(),
        Value::Array(vec![
            serde_json::json!({"type": "null"}),
            Value::Object(schema),
        ]),
    )]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_scalar_and_enum() {
        let s = to_json_schema(
            &json!({"type": "string", "enum": ["A", "B"], "nullable": true, "example": "A"}),
        );
        assert_eq!(
            s,
            json!({"type": ["string", "null"], "enum": ["A", "B", null]})
        );
    }

    #[test]
    fn nullable_ref_wrapper() {
        let s = to_json_schema(
            &json!({"allOf": [{"$ref": "#/components/schemas/X"}], "nullable": true}),
        );
        assert_eq!(
            s,
            json!({"anyOf": [{"type": "null"}, {"allOf": [{"$ref": "#/$defs/X"}]}]})
        );
    }

    #[test]
    fn refs_drop_siblings_and_annotations_go() {
        let s = to_json_schema(&json!({
            "type": "object",
            "properties": {"a": {"$ref": "#/components/schemas/A", "description": "ignored"},
                           "example": {"type": "integer", "readOnly": true, "x-note": 1}},
            "discriminator": {"propertyName": "a"},
            "additionalProperties": {"type": "string"}
        }));
        assert_eq!(
            s,
            json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}, "example": {"type": "integer"}},
                   "additionalProperties": {"type": "string"}})
        );
    }

    #[test]
    fn boolean_exclusive_bounds() {
        let s = to_json_schema(
            &json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 5, "exclusiveMaximum": false}),
        );
        assert_eq!(
            s,
            json!({"type": "number", "exclusiveMinimum": 0, "maximum": 5})
        );
    }
}
