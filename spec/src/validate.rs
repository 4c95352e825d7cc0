//! Compiling converted schemas with `jsonschema` and turning its errors into [`Violation`]s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Map, Value};

use crate::convert::to_json_schema;
use crate::error::{ValidationFailure, Violation};

/// Compiled validators, keyed by where their schema sits in the document.
#[derive(Default)]
pub(crate) struct Cache {
    defs: Map<String, Value>,
    compiled: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("defs", &self.defs.len())
            .finish_non_exhaustive()
    }
}

impl Cache {
    pub fn new(defs: Map<String, Value>) -> Self {
        Self {
            defs,
            compiled: Mutex::default(),
        }
    }

    pub fn has_def(&self, name: &str) -> bool {
        self.defs.contains_key(name)
    }

    /// Validates `instance` against the OpenAPI schema `schema`; `key` identifies the schema for caching and
    /// `context` names it in errors.
    pub fn check(
        &self,
        key: &str,
        context: &str,
        schema: &Value,
        instance: &Value,
    ) -> Result<(), ValidationFailure> {
        let validator = self.validator(key, context, schema)?;
        if validator.is_valid(instance) {
            return Ok(());
        }
        let violations: Vec<Violation> = validator
            .iter_errors(instance)
            .map(|e| Violation {
                keyword: e.kind().keyword().to_owned(),
                instance_path: e.instance_path().as_str().to_owned(),
                message: e.to_string(),
            })
            .collect();
        if violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationFailure::Invalid {
                context: context.to_owned(),
                violations,
            })
        }
    }

    fn validator(
        &self,
        key: &str,
        context: &str,
        schema: &Value,
    ) -> Result<Arc<jsonschema::Validator>, ValidationFailure> {
        let mut compiled = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(v) = compiled.get(key) {
            return Ok(Arc::clone(v));
        }
        let mut root = match to_json_schema(schema) {
            Value::Object(map) => map,
            other => Map::from_iter([("allOf".to_owned(), Value::Array(vec![other]))]),
        };
        root.insert(
            "$schema".to_owned(),
            Value::String("https://json-schema.org/draft/2020-12/schema".to_owned()),
        );
        root.insert("$defs".to_owned(), Value::Object(self.defs.clone()));
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .map_err(|e| ValidationFailure::BadSchema {
                context: context.to_owned(),
                message: e.to_string(),
            })?;
        let validator = Arc::new(validator);
        compiled.insert(key.to_owned(), Arc::clone(&validator));
        Ok(validator)
    }
}
