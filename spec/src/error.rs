//! Error types: [`SpecError`] when the embedded contract itself is broken, [`ValidationFailure`] when a
//! response does not conform to it.

use std::fmt;

/// The embedded `openapi.yaml` could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file is not valid YAML.
    #[error("openapi.yaml is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    /// The YAML does not deserialize as an OpenAPI 3.0 document.
    #[error("openapi.yaml is not an OpenAPI 3.0 document: {0}")]
    OpenApi(#[from] serde_json::Error),
    /// The document declares a version other than 3.0.x.
    #[error("openapi.yaml declares version {0}; only 3.0.x is supported")]
    Version(String),
    /// An operation breaks one of the project's rules (see spec/README.md).
    #[error("{method} {path}: {problem}")]
    Operation {
        /// HTTP method, upper case.
        method: String,
        /// Path template.
        path: String,
        /// What is wrong.
        problem: String,
    },
}

/// One schema violation found in a response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The JSON Schema keyword the value broke (`type`, `enum`, `maximum`, ...).
    pub keyword: String,
    /// JSON pointer into the body (`/intent/status`); empty for the root.
    pub instance_path: String,
    /// What is wrong, as reported by the JSON Schema validator.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.instance_path.is_empty() {
            "(root)"
        } else {
            &self.instance_path
        };
        write!(f, "{path}: {}", self.message)
    }
}

/// A response (or SSE payload) that the spec does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationFailure {
    /// No operation of the spec matches the method and path.
    #[error("no operation in openapi.yaml matches {method} {path}")]
    UnknownOperation {
        /// HTTP method as given.
        method: String,
        /// Concrete path as given.
        path: String,
    },
    /// The operation exists but does not document this status (nor a range or `default`).
    #[error("{operation_id} does not document status {status}")]
    UndocumentedStatus {
        /// Operation that matched.
        operation_id: String,
        /// Status that was answered.
        status: u16,
    },
    /// `validate_schema` was asked for a component that does not exist.
    #[error("openapi.yaml has no schema component named {0}")]
    UnknownSchema(String),
    /// The documented schema could not be turned into a validator (a bug in the spec).
    #[error("{context}: the documented schema does not compile: {message}")]
    BadSchema {
        /// Operation and status, or component name.
        context: String,
        /// Compiler message.
        message: String,
    },
    /// The body breaks the documented schema.
    #[error("{context}: {} violation(s)\n{}", .violations.len(), render(.violations))]
    Invalid {
        /// Operation and status, or component name.
        context: String,
        /// Every violation, with its JSON path.
        violations: Vec<Violation>,
    },
}

fn render(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| format!("  - {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}
