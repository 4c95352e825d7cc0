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

/// The fault control API (`x-axme-faults-only`) is routed only with `--faults`; without it its paths
/// are unknown (404, spec/faults.md), not "part of AXP but not served" (501).
pub fn lookup(method: &str, path: &str) -> Lookup {
    let Some(spec) = spec() else {
        return Lookup::Unknown;
    };
    let public = |method: &str| {
        spec.find_operation(method, path)
            .filter(|op| !op.faults_only)
    };
    if let Some(op) = public(method) {
        return Lookup::Operation(op.operation_id.to_string());
    }
    let others = methods(path);
    if others.is_empty() {
        Lookup::Unknown
    } else {
        Lookup::OtherMethods(others)
    }
}

/// The methods the public surface has for a concrete path: those of the most specific template
/// that matches it (`/v1/invites/create` is POST only, though `GET /v1/invites/{token}` matches too).
pub fn methods(path: &str) -> Vec<String> {
    let Some(spec) = spec() else {
        return Vec::new();
    };
    let matched: Vec<(&str, usize)> = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .filter_map(|m| {
            let op = spec.find_operation(m, path).filter(|op| !op.faults_only)?;
            let literals = axme_spec::PathTemplate::parse(op.template, |_| false)
                .map(|t| t.literal_count())
                .unwrap_or(0);
            Some((m, literals))
        })
        .collect();
    let best = matched.iter().map(|(_, l)| *l).max().unwrap_or(0);
    matched
        .into_iter()
        .filter(|(_, l)| *l == best)
        .map(|(m, _)| m.to_string())
        .collect()
}

/// The spec's path template for a concrete path (`/v1/agents/{address}/intents/stream` for
/// `/v1/agents/acme/billing/intents/stream`), when an operation matches.
pub fn template(method: &str, path: &str) -> Option<String> {
    spec()?
        .find_operation(method, path)
        .map(|op| op.template.to_string())
}
