//! The `axme.*` tools: what each one is called, the JSON Schema its arguments must satisfy, and the
//! HTTP operation it becomes. Tools are the API seen from an assistant; every one but `whoami` is an
//! HTTP call through the server's own router, so a family gains its tools the moment its routes exist.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::Method;
use serde_json::{json, Map, Value};

pub type Args = Map<String, Value>;

/// The HTTP operation a tool call becomes.
#[derive(Debug)]
pub struct HttpCall {
    pub method: Method,
    /// Path and query, already encoded.
    pub uri: String,
    pub body: Option<Value>,
}

#[derive(Clone, Copy, Debug)]
pub enum Action {
    /// Answered from the credential itself (no HTTP operation says who a key is).
    WhoAmI,
    Http(fn(&Args) -> HttpCall),
}

#[derive(Debug)]
pub struct Tool {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// JSON Schema `properties` of the arguments (the common `owner_agent`, `idempotency_key` are added).
    pub properties: fn() -> Value,
    pub required: &'static [&'static str],
    pub read_only: bool,
    /// Sends `owner_agent` as `x-owner-agent` (owner-scoped operations).
    pub owner_scoped: bool,
    pub action: Action,
}

impl Tool {
    pub fn new(name: &'static str, title: &'static str, description: &'static str) -> Tool {
        Tool {
            name,
            title,
            description,
            properties: || json!({}),
            required: &[],
            read_only: false,
            owner_scoped: false,
            action: Action::WhoAmI,
        }
    }

    pub fn args(mut self, properties: fn() -> Value, required: &'static [&'static str]) -> Tool {
        self.properties = properties;
        self.required = required;
        self
    }

    pub fn read_only(mut self) -> Tool {
        self.read_only = true;
        self
    }

    pub fn owner_scoped(mut self) -> Tool {
        self.owner_scoped = true;
        self
    }

    pub fn http(mut self, build: fn(&Args) -> HttpCall) -> Tool {
        self.action = Action::Http(build);
        self
    }

    pub fn input_schema(&self) -> Value {
        let mut properties = (self.properties)();
        properties["owner_agent"] = json!({"type": "string", "minLength": 1, "maxLength": 383, "description": "Agent address the call acts for (owner scope)."});
        properties["idempotency_key"] = json!({"type": "string", "minLength": 1, "maxLength": 255, "description": "Makes a write safe to retry: the same key returns the first answer."});
        json!({"type": "object", "properties": properties, "required": self.required, "additionalProperties": false})
    }

    /// The entry of `tools/list`.
    pub fn describe(&self) -> Value {
        json!({
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "inputSchema": self.input_schema(),
            "annotations": {"title": self.title, "readOnlyHint": self.read_only, "destructiveHint": false, "openWorldHint": false},
        })
    }
}

/// Percent-encodes one path segment or query value (RFC 3986 unreserved characters stay).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Every tool, in the order `tools/list` shows them.
pub fn all() -> &'static [Tool] {
    static TOOLS: OnceLock<Vec<Tool>> = OnceLock::new();
    TOOLS.get_or_init(super::catalog::tools)
}

/// A tool by name with its compiled argument schema.
pub fn find(name: &str) -> Option<(&'static Tool, &'static jsonschema::Validator)> {
    static VALIDATORS: OnceLock<HashMap<&'static str, jsonschema::Validator>> = OnceLock::new();
    let validators = VALIDATORS.get_or_init(|| {
        all()
            .iter()
            .map(|t| {
                let validator = jsonschema::draft202012::options()
                    .should_validate_formats(true)
                    .build(&t.input_schema())
                    .expect("tool input schemas are valid JSON Schema");
                (t.name, validator)
            })
            .collect()
    });
    let tool = all().iter().find(|t| t.name == name)?;
    Some((tool, validators.get(name)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_a_valid_schema_and_a_unique_name() {
        let mut names = std::collections::HashSet::new();
        for tool in all() {
            assert!(names.insert(tool.name), "{} twice", tool.name);
            assert!(
                tool.name.starts_with("axme.")
                    && tool
                        .name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            );
            assert!(find(tool.name).is_some());
        }
        assert!(names.contains("axme.check_nick"));
    }

    #[test]
    fn calls_encode_their_arguments() {
        let args: Args = serde_json::from_value(json!({"nick": "@a b&c"})).unwrap();
        let Action::Http(build) = find("axme.check_nick").unwrap().0.action else {
            panic!()
        };
        assert_eq!(build(&args).uri, "/v1/users/check-nick?nick=%40a%20b%26c");
        let args: Args =
            serde_json::from_value(json!({"address": "agent://acme/prod/bill ing"})).unwrap();
        let Action::Http(build) = find("axme.agents_show").unwrap().0.action else {
            panic!()
        };
        assert_eq!(build(&args).uri, "/v1/agents/acme/prod/bill%20ing");
    }
}
