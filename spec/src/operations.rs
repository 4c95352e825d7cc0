//! The operation index: every (method, path template) of the spec with the project's extensions read.

use serde_json::Value;

use crate::error::SpecError;
use crate::template::PathTemplate;

/// A borrowed view of one operation of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationRef<'a> {
    /// `operationId` (snake_case; the Python SDK method name where one exists).
    pub operation_id: &'a str,
    /// HTTP method, upper case.
    pub method: &'a str,
    /// Path template as written in the spec (`/v1/intents/{intent_id}`).
    pub template: &'a str,
    /// `x-axme-served`: the reference server implements it (otherwise it answers 501).
    pub served: bool,
    /// `x-axme-faults-only`: exists only when the server runs with `--faults`.
    pub faults_only: bool,
    /// The operation's tags (its family first).
    pub tags: &'a [String],
}

/// One indexed operation (owned).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub operation_id: String,
    pub method: String,
    pub template: PathTemplate,
    pub served: bool,
    pub faults_only: bool,
    pub tags: Vec<String>,
}

impl Entry {
    pub fn as_ref(&self) -> OperationRef<'_> {
        OperationRef {
            operation_id: &self.operation_id,
            method: &self.method,
            template: self.template.as_str(),
            served: self.served,
            faults_only: self.faults_only,
            tags: &self.tags,
        }
    }
}

/// Builds the index from the raw document, enforcing the rules every operation must follow.
pub(crate) fn index(raw: &Value, operations: &[(String, String)]) -> Result<Vec<Entry>, SpecError> {
    let mut entries = Vec::with_capacity(operations.len());
    for (path, method) in operations {
        let fail = |problem: String| SpecError::Operation {
            method: method.to_uppercase(),
            path: path.clone(),
            problem,
        };
        let op = &raw["paths"][path][method];
        let operation_id = op["operationId"]
            .as_str()
            .ok_or_else(|| fail("has no operationId".into()))?
            .to_owned();
        let served = op["x-axme-served"]
            .as_bool()
            .ok_or_else(|| fail("has no boolean x-axme-served".into()))?;
        let faults_only = op["x-axme-faults-only"].as_bool().unwrap_or(false);
        let tags: Vec<String> = op["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let multi = multi_segment_params(raw, path, op);
        let template =
            PathTemplate::parse(path, |name| multi.iter().any(|m| m == name)).map_err(fail)?;
        entries.push(Entry {
            operation_id,
            method: method.to_uppercase(),
            template,
            served,
            faults_only,
            tags,
        });
    }
    Ok(entries)
}

/// Names of the path parameters (path-level or operation-level) marked `x-axme-multi-segment: true`.
fn multi_segment_params(raw: &Value, path: &str, op: &Value) -> Vec<String> {
    let declared = raw["paths"][path]["parameters"]
        .as_array()
        .into_iter()
        .chain(op["parameters"].as_array())
        .flatten();
    declared
        .map(|p| resolve(raw, p))
        .filter(|p| p["in"] == "path" && p["x-axme-multi-segment"] == Value::Bool(true))
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

/// Follows a local `$ref` (one level is all the spec uses).
pub(crate) fn resolve<'a>(raw: &'a Value, node: &'a Value) -> &'a Value {
    match node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        Some(pointer) => raw.pointer(pointer).unwrap_or(node),
        None => node,
    }
}
