//! The schema registry: one JSON Schema per semantic type and organisation, identified by the SHA-256 of
//! its canonical form. `compatibility_mode` says what a later upsert of the same type may change:
//! `strict` nothing (register a new `.vN` type instead), `backward` nothing that old payloads would fail
//! (no new required field, no removed or retyped property), `warn` anything, reporting such breaks.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::input::{self, invalid};
use super::validate::{self, Invalid};

pub const MODES: [&str; 3] = ["strict", "backward", "warn"];
pub const SCOPES: [&str; 2] = ["tenant", "core"];

/// A validated `POST /v1/schemas` body.
#[derive(Clone, Debug, PartialEq)]
pub struct Upsert {
    pub semantic_type: String,
    pub schema_json: Value,
    pub schema_hash: String,
    pub compatibility_mode: String,
    pub scope: String,
    pub active: bool,
    pub schema_ref: Option<String>,
}

fn one_of(
    map: &Map<String, Value>,
    field: &str,
    accepted: &[&str],
) -> Result<Option<String>, Invalid> {
    match input::string(map, field, 1, 32)? {
        None => Ok(None),
        Some(v) if accepted.contains(&v.as_str()) => Ok(Some(v)),
        Some(v) => Err(invalid(
            "validation_error",
            field,
            format!(
                "`{field}` {v:?} is not accepted; use one of {}",
                accepted.join(", ")
            ),
        )),
    }
}

pub fn upsert(body: &Value) -> Result<Upsert, Invalid> {
    let map = input::object(body)?;
    let semantic_type = input::required_string(map, "semantic_type", 3, 255)?;
    if !validate::is_intent_type(&semantic_type) {
        return Err(invalid(
            "validation_error",
            "semantic_type",
            format!("`semantic_type` {semantic_type:?} must look like name.parts.v1 (lower-case dotted words ending in a version)"),
        ));
    }
    let schema_json = match map.get("schema_json") {
        Some(Value::Object(_)) => map["schema_json"].clone(),
        _ => {
            return Err(invalid(
                "validation_error",
                "schema_json",
                "`schema_json` is required: a JSON Schema object",
            ))
        }
    };
    if let Err(err) = jsonschema::validator_for(&schema_json) {
        return Err(invalid(
            "invalid_schema",
            "schema_json",
            format!("`schema_json` is not a usable JSON Schema: {err}"),
        ));
    }
    let compatibility_mode = one_of(map, "compatibility_mode", &MODES)?.ok_or_else(|| {
        invalid(
            "validation_error",
            "compatibility_mode",
            "`compatibility_mode` is required: strict, backward or warn",
        )
    })?;
    Ok(Upsert {
        semantic_type,
        schema_hash: hash(&schema_json),
        schema_json,
        compatibility_mode,
        scope: one_of(map, "scope", &SCOPES)?.unwrap_or_else(|| "tenant".into()),
        active: input::boolean(map, "active")?.unwrap_or(true),
        schema_ref: input::string(map, "schema_ref", 1, 512)?,
    })
}

/// SHA-256 (hex) of the schema with object keys sorted and no whitespace, so the same schema written
/// differently has one hash.
pub fn hash(schema: &Value) -> String {
    fn canonical(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    canonical(&map[key], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    canonical(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut text = String::new();
    canonical(schema, &mut text);
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// What would make payloads valid under `old` fail under `new` (top-level object schemas).
pub fn backward_breaks(old: &Value, new: &Value) -> Vec<String> {
    let names = |schema: &Value, key: &str| -> Vec<String> {
        schema[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let mut breaks = Vec::new();
    let old_required = names(old, "required");
    for field in names(new, "required") {
        if !old_required.contains(&field) {
            breaks.push(format!("`{field}` became required"));
        }
    }
    if let Some(old_props) = old["properties"].as_object() {
        for (field, old_prop) in old_props {
            match new["properties"].get(field) {
                None if new["additionalProperties"] == Value::Bool(false) => {
                    breaks.push(format!("property `{field}` was removed"))
                }
                Some(new_prop) if new_prop.get("type") != old_prop.get("type") => {
                    breaks.push(format!("property `{field}` changed type"))
                }
                _ => {}
            }
        }
    }
    if old["type"] != new["type"] {
        breaks.push("the top-level type changed".into());
    }
    breaks
}

/// A durable change to the registry.
#[derive(Clone, Debug, PartialEq)]
pub enum SchemasOp {
    Upsert { org_id: String, upsert: Upsert },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({"semantic_type": "axme.calendar.schedule.v1", "schema_json": {"type": "object", "required": ["date"], "properties": {"date": {"type": "string"}}}, "compatibility_mode": "strict"})
    }

    #[test]
    fn upsert_rules() {
        let ok = upsert(&body()).unwrap();
        assert_eq!(ok.schema_hash.len(), 64);
        assert_eq!(ok.scope, "tenant");
        let mut bad = body();
        bad["schema_json"] = json!({"type": "invalid_type"});
        assert_eq!(upsert(&bad).unwrap_err().code, "invalid_schema");
        let mut bad = body();
        bad["compatibility_mode"] = json!("loose");
        assert!(upsert(&bad).is_err());
        let mut bad = body();
        bad["semantic_type"] = json!("NoVersion");
        assert!(upsert(&bad).is_err());
    }

    #[test]
    fn hash_ignores_key_order_and_breaks_are_named() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":2,"x":1}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":1,"y":2},"b":1}"#).unwrap();
        assert_eq!(hash(&a), hash(&b));
        let old = body()["schema_json"].clone();
        let new = json!({"type": "object", "required": ["date", "time"], "properties": {"date": {"type": "integer"}}});
        let breaks = backward_breaks(&old, &new);
        assert_eq!(breaks.len(), 2, "{breaks:?}");
        assert!(backward_breaks(&old, &old).is_empty());
    }
}
