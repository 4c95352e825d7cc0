//! Errors that stop generation. Each names the place in the spec it comes from.

use std::path::PathBuf;

/// Why generation stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The spec is not YAML.
    #[error("spec is not valid YAML: {0}")]
    Yaml(String),
    /// The spec is not an OpenAPI 3.0 document (Swagger 2, OpenAPI 3.1, no version).
    #[error("spec is not OpenAPI 3.0: {0} (axme-codegen reads OpenAPI 3.0.x only)")]
    Version(String),
    /// The spec does not deserialise as OpenAPI 3.0.
    #[error("spec does not parse as OpenAPI 3.0: {0}")]
    OpenApi(String),
    /// Something in the spec is missing or inconsistent.
    #[error("{at}: {message}")]
    Spec {
        /// Where: `POST /v1/intents (paths./v1/intents.post)`, `components.schemas.X`, ...
        at: String,
        /// What is wrong.
        message: String,
    },
    /// Two things get the same name in one language after case conversion.
    #[error("name collision in {language}: `{name}` comes from {first} and from {second}")]
    Collision {
        /// Language.
        language: &'static str,
        /// The name both produce.
        name: String,
        /// The first place.
        first: String,
        /// The second place.
        second: String,
    },
    /// The waist (the uniffi metadata of the `axme-ffi` library) could not be read, or does not
    /// match what a target maps.
    #[error("waist {}: {message}", path.display())]
    Waist {
        /// The library read (empty when the problem is in a target's table).
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A template failed to parse or render (a bug in the template, not in the spec).
    #[error("template {template}: {message}")]
    Template {
        /// Template name.
        template: String,
        /// Tera's explanation, with its causes.
        message: String,
    },
}

impl Error {
    /// A spec error at `at`.
    pub fn spec(at: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Spec {
            at: at.into(),
            message: message.into(),
        }
    }
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;
