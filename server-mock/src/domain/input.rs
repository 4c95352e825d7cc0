//! Reading the fields of a JSON request body. Every failure names the field, says what was wrong and
//! what is accepted (422 unless the caller maps it otherwise), like `validate.rs` does for intents.

use serde_json::{Map, Value};

use super::address;
use super::validate::Invalid;

/// An input error for `field`.
pub fn invalid(code: &'static str, field: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        code,
        field: field.to_string(),
        message: message.into(),
    }
}

/// The body as an object (an empty body already arrives as `{}`).
pub fn object(body: &Value) -> Result<&Map<String, Value>, Invalid> {
    body.as_object().ok_or_else(|| {
        invalid(
            "validation_error",
            "",
            "the request body must be a JSON object",
        )
    })
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An optional string of `min..=max` characters (after trimming); absent and `null` are `None`.
pub fn string(
    map: &Map<String, Value>,
    field: &str,
    min: usize,
    max: usize,
) -> Result<Option<String>, Invalid> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => {
            let text = text.trim();
            let len = text.chars().count();
            if len < min || len > max {
                return Err(invalid(
                    "validation_error",
                    field,
                    format!("`{field}` must be {min} to {max} characters long, got {len}"),
                ));
            }
            Ok(Some(text.to_string()))
        }
        Some(other) => Err(invalid(
            "validation_error",
            field,
            format!("`{field}` must be a string, got {}", type_name(other)),
        )),
    }
}

/// A required string of `min..=max` characters.
pub fn required_string(
    map: &Map<String, Value>,
    field: &str,
    min: usize,
    max: usize,
) -> Result<String, Invalid> {
    string(map, field, min, max)?.ok_or_else(|| {
        invalid(
            "validation_error",
            field,
            format!("`{field}` is required (a string of {min} to {max} characters)"),
        )
    })
}

/// An optional boolean.
pub fn boolean(map: &Map<String, Value>, field: &str) -> Result<Option<bool>, Invalid> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(invalid(
            "validation_error",
            field,
            format!("`{field}` must be true or false, got {}", type_name(other)),
        )),
    }
}

/// An optional integer in `min..=max`.
pub fn integer(
    map: &Map<String, Value>,
    field: &str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, Invalid> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(invalid(
                "validation_error",
                field,
                format!("`{field}` must be an integer from {min} to {max}, got {value}"),
            )),
        },
    }
}

/// An optional JSON object.
pub fn object_field<'a>(
    map: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a Map<String, Value>>, Invalid> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(other) => Err(invalid(
            "validation_error",
            field,
            format!("`{field}` must be a JSON object, got {}", type_name(other)),
        )),
    }
}

/// An optional agent address, normalised (`agent://` optional, lower-cased).
pub fn agent_address(map: &Map<String, Value>, field: &str) -> Result<Option<String>, Invalid> {
    match string(map, field, 1, 383)? {
        None => Ok(None),
        Some(raw) => address::normalize(&raw)
            .map(Some)
            .map_err(|why| invalid("invalid_agent_address", field, format!("`{field}`: {why}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_the_field_and_the_accepted_form() {
        let body = json!({"name": 5, "flag": "yes", "n": 7, "who": "bad name"});
        let map = object(&body).unwrap();
        assert!(string(map, "name", 1, 5)
            .unwrap_err()
            .message
            .contains("must be a string"));
        assert!(boolean(map, "flag")
            .unwrap_err()
            .message
            .contains("true or false"));
        assert!(integer(map, "n", 1, 5)
            .unwrap_err()
            .message
            .contains("1 to 5"));
        assert_eq!(
            agent_address(map, "who").unwrap_err().code,
            "invalid_agent_address"
        );
        assert!(required_string(map, "missing", 1, 2)
            .unwrap_err()
            .message
            .contains("required"));
        assert!(object(&json!([1])).is_err());
    }
}
