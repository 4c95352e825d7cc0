//! Reading `spec/openapi.yaml` (with `openapiv3`) into the [`Model`].
//!
//! Checks what the generated code relies on: OpenAPI 3.0, an `operationId` on every operation,
//! known `$ref`s, path placeholders that are declared, and a supported HTTP method. The SDK
//! extensions are read by [`crate::sdk`].

use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody, StatusCode,
};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::*;
use crate::names::{pascal_case, snake_case};
use crate::schema::{ref_target, Node, Schemas};
use crate::sdk;

/// Reads a spec (YAML text) into the model.
pub fn load(yaml: &str) -> Result<Model> {
    // One parse on the good path; the version check explains a document that is not 3.0.
    let parsed = serde_yaml::from_str::<OpenAPI>(yaml);
    let version = match &parsed {
        Ok(api) => Some(api.openapi.clone()),
        Err(_) => None,
    };
    check_version(yaml, version)?;
    let api = parsed.map_err(|e| Error::OpenApi(e.to_string()))?;
    let empty = Default::default();
    let components = api.components.as_ref().unwrap_or(&empty);
    let mut schemas = Schemas::new(components.schemas.iter().map(|(n, s)| (n, Node::from(s))))?;

    let mut operations = Vec::new();
    let mut raw_sdk = Vec::new();
    for (path, item) in api.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            return Err(Error::spec(
                format!("paths.{path}"),
                "a $ref path item is not supported",
            ));
        };
        for (m, op) in item.iter() {
            let method = match m {
                "get" => HttpMethod::Get,
                "post" => HttpMethod::Post,
                "put" => HttpMethod::Put,
                "patch" => HttpMethod::Patch,
                "delete" => HttpMethod::Delete,
                other => {
                    return Err(Error::spec(
                        format!("{} {path}", other.to_uppercase()),
                        "HTTP method not supported by the SDKs",
                    ))
                }
            };
            let location = format!("{} {path}", m.to_uppercase());
            let id = op
                .operation_id
                .clone()
                .filter(|id| !id.is_empty())
                .ok_or_else(|| Error::spec(&location, "operation has no operationId"))?;
            let mut params = Vec::new();
            for p in item.parameters.iter().chain(&op.parameters) {
                let p = param(p, components, &mut schemas, &id, &location)?;
                params.retain(|q: &Param| !(q.name == p.name && q.location == p.location));
                params.push(p);
            }
            for seg in path.split('{').skip(1) {
                let name = seg.split('}').next().unwrap_or_default();
                if !params
                    .iter()
                    .any(|p| p.location == ParamIn::Path && p.name == name)
                {
                    return Err(Error::spec(
                        &location,
                        format!("path placeholder {{{name}}} is not a declared path parameter"),
                    ));
                }
            }
            let body = match &op.request_body {
                None => None,
                Some(b) => Some(body(b, components, &mut schemas, &id, &location)?),
            };
            let response = response(op, components, &mut schemas, &id, &location)?;
            let ext = |k: &str| op.extensions.get(k);
            raw_sdk.push(ext("x-axme-sdk").cloned());
            let call_headers = params
                .iter()
                .filter(|p| p.location == ParamIn::Header)
                .filter(|p| {
                    !CORE_HEADERS
                        .iter()
                        .any(|(h, _)| h.eq_ignore_ascii_case(&p.name))
                })
                .map(|p| CallHeader {
                    arg: snake_case(&p.name),
                    header: p.name.clone(),
                    required: p.required,
                    ty: p.ty.clone(),
                    constraints: p.constraints.clone(),
                })
                .collect();
            operations.push(Operation {
                family: op.tags.first().cloned().unwrap_or_else(|| "default".into()),
                tags: op.tags.clone(),
                summary: op.summary.clone(),
                description: op.description.clone(),
                deprecated: op.deprecated,
                served: ext("x-axme-served")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                faults_only: ext("x-axme-faults-only")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                writes: method != HttpMethod::Get,
                sdk: None,
                id,
                method,
                path: path.clone(),
                location,
                params,
                call_headers,
                body,
                response,
            });
        }
    }
    let mut all_schemas = std::mem::take(&mut schemas.named);
    all_schemas.append(&mut schemas.hoisted);
    for (op, raw) in operations.iter_mut().zip(&raw_sdk) {
        op.sdk = sdk::operation_sdk(op, raw.as_ref(), &all_schemas)?;
    }
    let clients = sdk::clients(
        &operations,
        api.extensions.get("x-axme-high-level"),
        &all_schemas,
    )?;
    let lifecycle = Lifecycle {
        statuses: enum_values(components, "IntentStatus"),
        terminal_statuses: terminal(components, "IntentStatus")?,
        event_types: enum_values(components, "IntentEventType"),
        terminal_event_types: terminal(components, "IntentEventType")?,
    };
    Ok(Model {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        families: api
            .tags
            .iter()
            .map(|t| Family {
                name: t.name.clone(),
                description: t.description.clone(),
            })
            .collect(),
        operations,
        schemas: all_schemas,
        clients,
        lifecycle,
    })
}

/// The string values of the enumeration schema `name` (none when the spec lacks it).
fn enum_values(components: &openapiv3::Components, name: &str) -> Vec<String> {
    let Some(ReferenceOr::Item(s)) = components.schemas.get(name) else {
        return Vec::new();
    };
    match &s.schema_kind {
        openapiv3::SchemaKind::Type(openapiv3::Type::String(t)) => {
            t.enumeration.iter().flatten().cloned().collect()
        }
        _ => Vec::new(),
    }
}

/// The `x-axme-terminal` list of schema `name`, each value checked to be one of its values.
fn terminal(components: &openapiv3::Components, name: &str) -> Result<Vec<String>> {
    let Some(ReferenceOr::Item(s)) = components.schemas.get(name) else {
        return Ok(Vec::new());
    };
    let at = format!("components.schemas.{name}.x-axme-terminal");
    let Some(list) = s.schema_data.extensions.get("x-axme-terminal") else {
        return Err(Error::spec(at, "missing: say which values are terminal"));
    };
    let values = enum_values(components, name);
    let mut out = Vec::new();
    for v in list.as_array().into_iter().flatten() {
        match v.as_str() {
            Some(t) if values.iter().any(|x| x == t) => out.push(t.to_string()),
            _ => {
                return Err(Error::spec(
                    &at,
                    format!("{v} is not one of the values of {name}"),
                ))
            }
        }
    }
    Ok(out)
}

/// Fails unless the document says `openapi: 3.0.x` (`parsed` is its version when it parsed).
fn check_version(yaml: &str, parsed: Option<String>) -> Result<()> {
    if let Some(v) = parsed {
        if v.starts_with("3.0.") {
            return Ok(());
        }
        return Err(Error::Version(format!("found `openapi: {v}`")));
    }
    #[derive(serde::Deserialize)]
    struct Head {
        openapi: Option<serde_yaml::Value>,
        swagger: Option<serde_yaml::Value>,
    }
    let head: Head = serde_yaml::from_str(yaml).map_err(|e| Error::Yaml(e.to_string()))?;
    let text = |v: &serde_yaml::Value| {
        serde_yaml::to_string(v)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    match (&head.openapi, &head.swagger) {
        (Some(serde_yaml::Value::String(v)), _) if v.starts_with("3.0.") => Ok(()),
        (Some(v), _) => Err(Error::Version(format!("found `openapi: {}`", text(v)))),
        (None, Some(v)) => Err(Error::Version(format!("found `swagger: {}`", text(v)))),
        (None, None) => Err(Error::Version("no `openapi` field".into())),
    }
}

fn param(
    p: &ReferenceOr<Parameter>,
    components: &openapiv3::Components,
    schemas: &mut Schemas,
    op_id: &str,
    at: &str,
) -> Result<Param> {
    let p = match p {
        ReferenceOr::Item(p) => p,
        ReferenceOr::Reference { reference } => {
            let name = ref_target(reference, "parameters", at)?;
            match components.parameters.get(name) {
                Some(ReferenceOr::Item(p)) => p,
                _ => {
                    return Err(Error::spec(
                        at,
                        format!("reference to unknown parameter {name:?}"),
                    ))
                }
            }
        }
    };
    let location = match p {
        Parameter::Path { .. } => ParamIn::Path,
        Parameter::Query { .. } => ParamIn::Query,
        Parameter::Header { .. } => ParamIn::Header,
        Parameter::Cookie { .. } => {
            return Err(Error::spec(at, "cookie parameters are not supported"))
        }
    };
    let data = p.parameter_data_ref();
    let at = format!("{at} parameter {:?}", data.name);
    let (ty, nullable, default, constraints) = match &data.format {
        ParameterSchemaOrContent::Schema(s) => {
            let hint = format!("{}{}", pascal_case(op_id), pascal_case(&data.name));
            let (ty, nullable) = schemas.type_of(s.into(), &hint, &at)?;
            let (default, constraints) = match s {
                ReferenceOr::Item(s) => (s.schema_data.default.clone(), constraints_of(s)),
                ReferenceOr::Reference { .. } => (None, Constraints::default()),
            };
            (ty, nullable, default, constraints)
        }
        ParameterSchemaOrContent::Content(_) => (TypeRef::Any, false, None, Constraints::default()),
    };
    Ok(Param {
        name: data.name.clone(),
        location,
        required: data.required || location == ParamIn::Path,
        ty,
        nullable,
        default,
        description: data.description.clone(),
        multi_segment: data
            .extensions
            .get("x-axme-multi-segment")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        constraints,
    })
}

/// The bounds of an inline parameter schema.
fn constraints_of(s: &openapiv3::Schema) -> Constraints {
    use openapiv3::{SchemaKind, Type};
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => Constraints {
            min_length: t.min_length.map(|n| n as u64),
            max_length: t.max_length.map(|n| n as u64),
            pattern: t.pattern.clone(),
            ..Constraints::default()
        },
        SchemaKind::Type(Type::Integer(t)) => Constraints {
            minimum: t.minimum.map(|n| n as f64),
            exclusive_minimum: t.exclusive_minimum,
            maximum: t.maximum.map(|n| n as f64),
            exclusive_maximum: t.exclusive_maximum,
            ..Constraints::default()
        },
        SchemaKind::Type(Type::Number(t)) => Constraints {
            minimum: t.minimum,
            exclusive_minimum: t.exclusive_minimum,
            maximum: t.maximum,
            exclusive_maximum: t.exclusive_maximum,
            ..Constraints::default()
        },
        _ => Constraints::default(),
    }
}

fn body(
    b: &ReferenceOr<RequestBody>,
    components: &openapiv3::Components,
    schemas: &mut Schemas,
    op_id: &str,
    at: &str,
) -> Result<Body> {
    let b = match b {
        ReferenceOr::Item(b) => b,
        ReferenceOr::Reference { reference } => {
            let name = ref_target(reference, "requestBodies", at)?;
            match components.request_bodies.get(name) {
                Some(ReferenceOr::Item(b)) => b,
                _ => {
                    return Err(Error::spec(
                        at,
                        format!("reference to unknown request body {name:?}"),
                    ))
                }
            }
        }
    };
    let at = format!("{at} requestBody");
    let (content_type, media) = b
        .content
        .get_key_value("application/json")
        .or_else(|| b.content.first())
        .ok_or_else(|| Error::spec(&at, "request body has no content"))?;
    let ty = match (&media.schema, content_type.as_str()) {
        (_, "application/octet-stream") => TypeRef::Bytes,
        (Some(s), _) => {
            schemas
                .type_of(s.into(), &format!("{}Request", pascal_case(op_id)), &at)?
                .0
        }
        (None, _) => TypeRef::Any,
    };
    Ok(Body {
        required: b.required,
        content_type: content_type.clone(),
        ty,
        description: b.description.clone(),
    })
}

fn response(
    op: &openapiv3::Operation,
    components: &openapiv3::Components,
    schemas: &mut Schemas,
    op_id: &str,
    at: &str,
) -> Result<Response> {
    let success = op.responses.responses.iter().find(|(code, _)| match code {
        StatusCode::Code(c) => (200..300).contains(c),
        StatusCode::Range(r) => *r == 2,
    });
    let Some((code, r)) = success else {
        return Err(Error::spec(at, "operation has no 2xx response"));
    };
    let status = code.to_string();
    let r = match r {
        ReferenceOr::Item(r) => r,
        ReferenceOr::Reference { reference } => {
            let name = ref_target(reference, "responses", at)?;
            match components.responses.get(name) {
                Some(ReferenceOr::Item(r)) => r,
                _ => {
                    return Err(Error::spec(
                        at,
                        format!("reference to unknown response {name:?}"),
                    ))
                }
            }
        }
    };
    let at = format!("{at} responses.{status}");
    if let Some(media) = r.content.get("application/json") {
        let ty = match &media.schema {
            Some(s) => {
                schemas
                    .type_of(s.into(), &format!("{}Response", pascal_case(op_id)), &at)?
                    .0
            }
            None => TypeRef::Any,
        };
        return Ok(Response::Json { status, ty });
    }
    if let Some(media) = r.content.get("text/event-stream") {
        let sse = media.extensions.get("x-axme-sse");
        let name = |k: &str| -> Result<Option<String>> {
            match sse.and_then(|v| v.get(k)).and_then(Value::as_str) {
                Some(r) => Ok(Some(ref_target(r, "schemas", &at)?.to_string())),
                None => Ok(None),
            }
        };
        return Ok(Response::EventStream {
            status,
            event: name("event")?,
            timeout: name("timeout")?,
        });
    }
    Ok(match r.content.first() {
        Some((ct, _)) => Response::Binary {
            status,
            content_type: ct.clone(),
        },
        None => Response::Empty { status },
    })
}
