//! What the public AXP surface (spec/openapi.yaml) says about a route this server does not serve.

use std::sync::OnceLock;

use axme_spec::Spec;

/// The result of looking a request up in the spec.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The spec has this operation (by id).
    Operation(String),
    /// The path exists, for these other methods.
    OtherMethods(Vec<String>),
    Unknown,
}

fn spec() -> Option<&'static Spec> {
    static SPEC: OnceLock<Option<Spec>> = OnceLock::new();
    SPEC.get_or_init(|| match Spec::load() {
        Ok(spec) => Some(spec),
        Err(err) => {
            tracing::error!(error = %err, "embedded spec/openapi.yaml failed to load");
            None
        }
    })
    .as_ref()
}

pub fn lookup(method: &str, path: &str) -> Lookup {
    let Some(spec) = spec() else {
        return Lookup::Unknown;
    };
    if let Some(op) = spec.find_operation(method, path) {
        return Lookup::Operation(op.operation_id.to_string());
    }
    let others: Vec<String> = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .filter(|m| spec.find_operation(m, path).is_some())
        .map(str::to_string)
        .collect();
    if others.is_empty() {
        Lookup::Unknown
    } else {
        Lookup::OtherMethods(others)
    }
}
