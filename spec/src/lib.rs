//! The AXP contract, embedded.
//!
//! `spec/openapi.yaml` describes the whole public AXP surface (OpenAPI 3.0.3 plus `x-axme-*`
//! extensions, see `spec/README.md`). This crate embeds it as [`OPENAPI_YAML`], proves at load time that
//! it is a valid OpenAPI 3.0 document, and checks HTTP responses and SSE payloads against it:
//!
//! ```
//! let spec = axme_spec::Spec::shared();
//! let op = spec.find_operation("GET", "/v1/agents/acme/prod/billing/intents/stream").unwrap();
//! assert_eq!(op.operation_id, "stream_agent_intents");
//! let health = serde_json::json!({"ok": true, "service": "axme-server", "version": "0.3.0", "storage": "sqlite"});
//! spec.validate_response("GET", "/health", 200, &health).unwrap();
//! ```

mod convert;
mod error;
mod operations;
mod request;
mod template;
mod validate;

use std::sync::OnceLock;

use serde_json::Value;

pub use error::{SpecError, ValidationFailure, Violation};
pub use operations::OperationRef;
pub use request::{percent_decode, pointer_to_field, BodySpec, Location, RequestViolation};
pub use template::PathTemplate;

/// The contract, as written in `spec/openapi.yaml`.
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");

/// The loaded contract: the typed OpenAPI document, the raw JSON tree, and an index of its operations.
#[derive(Debug)]
pub struct Spec {
    openapi: openapiv3::OpenAPI,
    raw: Value,
    operations: Vec<operations::Entry>,
    /// Each operation's parameters as request checks use them (parallel to `operations`).
    params: Vec<Vec<request::Param>>,
    /// Index into `operations` by `operationId`.
    by_id: std::collections::HashMap<String, usize>,
    cache: validate::Cache,
}

impl Spec {
    /// Parses [`OPENAPI_YAML`].
    pub fn load() -> Result<Self, SpecError> {
        Self::from_yaml(OPENAPI_YAML)
    }

    /// Parses a document given as YAML (or JSON).
    pub fn from_yaml(text: &str) -> Result<Self, SpecError> {
        let raw: Value = serde_yaml::from_str(text)?;
        let openapi: openapiv3::OpenAPI = serde_json::from_value(raw.clone())?;
        if !openapi.openapi.starts_with("3.0.") {
            return Err(SpecError::Version(openapi.openapi));
        }
        let listed: Vec<(String, String)> = openapi
            .operations()
            .map(|(path, method, _)| (path.to_owned(), method.to_owned()))
            .collect();
        let operations = operations::index(&raw, &listed)?;
        let defs = convert::defs_from_components(raw.pointer("/components/schemas"));
        let params = Self::index_parameters(&raw, &operations);
        let by_id = operations
            .iter()
            .enumerate()
            .map(|(i, e)| (e.operation_id.clone(), i))
            .collect();
        Ok(Self {
            openapi,
            raw,
            operations,
            params,
            by_id,
            cache: validate::Cache::new(defs),
        })
    }

    /// The embedded spec, loaded once per process.
    ///
    /// # Panics
    /// If the embedded `openapi.yaml` does not load, which this crate's own tests rule out.
    pub fn shared() -> &'static Spec {
        static SPEC: OnceLock<Spec> = OnceLock::new();
        SPEC.get_or_init(|| Spec::load().unwrap_or_else(|e| panic!("embedded openapi.yaml: {e}")))
    }

    /// The typed OpenAPI document.
    pub fn openapi(&self) -> &openapiv3::OpenAPI {
        &self.openapi
    }

    /// The raw document as a JSON tree (extensions included).
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// Every operation, in document order.
    pub fn operations(&self) -> impl Iterator<Item = OperationRef<'_>> {
        self.operations.iter().map(operations::Entry::as_ref)
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, operation_id: &str) -> Option<OperationRef<'_>> {
        self.operations().find(|op| op.operation_id == operation_id)
    }

    /// The operation serving `method` on a concrete path such as `/v1/intents/3f2…/events?since=1`.
    /// When several templates match, the one with the most literal segments wins.
    pub fn find_operation(&self, method: &str, concrete_path: &str) -> Option<OperationRef<'_>> {
        // Split once: this runs on every request a server validates.
        let parts = template::split_concrete(concrete_path)?;
        self.operations
            .iter()
            .filter(|e| {
                e.method.eq_ignore_ascii_case(method)
                    && template::matches_parts(&e.template, &parts)
            })
            .max_by_key(|e| e.template.literal_count())
            .map(operations::Entry::as_ref)
    }

    /// Checks a response body against the schema documented for `status` (exact code, then the `4XX`-style
    /// range, then `default`). A body of [`Value::Null`] stands for "no body".
    pub fn validate_response(
        &self,
        method: &str,
        concrete_path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), ValidationFailure> {
        let op = self.find_operation(method, concrete_path).ok_or_else(|| {
            ValidationFailure::UnknownOperation {
                method: method.to_owned(),
                path: concrete_path.to_owned(),
            }
        })?;
        let responses = &self.raw["paths"][op.template][op.method.to_lowercase()]["responses"];
        let code = status.to_string();
        let range = format!("{}XX", status / 100);
        let range_lower = range.to_lowercase();
        let (key, response) = [
            code.as_str(),
            range.as_str(),
            range_lower.as_str(),
            "default",
        ]
        .into_iter()
        .find_map(|k| {
            responses
                .get(k)
                .map(|r| (k, operations::resolve(&self.raw, r)))
        })
        .ok_or_else(|| ValidationFailure::UndocumentedStatus {
            operation_id: op.operation_id.to_owned(),
            status,
        })?;
        let context = format!(
            "{} {} ({} {status})",
            op.method, op.template, op.operation_id
        );
        let content = response
            .get("content")
            .and_then(Value::as_object)
            .filter(|c| !c.is_empty());
        let Some(content) = content else {
            return match body {
                Value::Null => Ok(()),
                _ => Err(ValidationFailure::Invalid {
                    context,
                    violations: vec![Violation {
                        keyword: String::new(),
                        instance_path: String::new(),
                        message: "the spec documents no body".into(),
                    }],
                }),
            };
        };
        let (media, media_obj) = content
            .iter()
            .find(|(m, _)| m.as_str() == "application/json")
            .or_else(|| content.iter().find(|(m, _)| m.ends_with("+json")))
            .or_else(|| content.iter().next())
            .expect("content is not empty");
        if media == "text/event-stream" {
            // The schema there describes one event (`SseEvent`); a whole stream arrives as text,
            // and its events are checked one by one with `validate_schema` (`x-axme-sse`).
            return match body {
                Value::String(_) | Value::Null => Ok(()),
                _ => Err(ValidationFailure::Invalid {
                    context,
                    violations: vec![Violation {
                        keyword: "type".into(),
                        instance_path: String::new(),
                        message: "an event stream is text".into(),
                    }],
                }),
            };
        }
        let Some(schema) = media_obj.get("schema") else {
            return Ok(());
        };
        let cache_key = format!("{} {} {key} {media}", op.method, op.template);
        self.cache.check(&cache_key, &context, schema, body)
    }

    /// Checks a value against a schema component, e.g. the `data:` of an SSE event against `IntentEvent`,
    /// `StreamTimeout` or `AgentDelivery`.
    pub fn validate_schema(
        &self,
        component_name: &str,
        value: &Value,
    ) -> Result<(), ValidationFailure> {
        if !self.cache.has_def(component_name) {
            return Err(ValidationFailure::UnknownSchema(component_name.to_owned()));
        }
        let schema = serde_json::json!({"$ref": format!("#/components/schemas/{component_name}")});
        self.cache.check(
            &format!("#component {component_name}"),
            component_name,
            &schema,
            value,
        )
    }

    /// Names of the schema components.
    pub fn schema_names(&self) -> impl Iterator<Item = &str> {
        self.raw["components"]["schemas"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
    }
}

#[cfg(test)]
mod tests;
