//! The SDK extensions: `x-axme-sdk` on operations and the top-level `x-axme-high-level`.
//!
//! Turns them into [`Method`]s grouped by [`Client`], checking that every parameter is bound to
//! something the operation declares, that positional and keyword lists match the parameters,
//! and that a hand-written call declared twice (mesh calls are both an operation and a
//! high-level entry) has one signature.

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::*;
use crate::names::snake_case;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SdkExt {
    method: String,
    subclient: Option<String>,
    family: String,
    public: Option<bool>,
    upstream: Option<bool>,
    positional: Vec<String>,
    keywords: Vec<String>,
    #[serde(default)]
    params: Vec<ParamExt>,
    retry: Option<String>,
    notes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamExt {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    default: Option<Value>,
    bind: Option<String>,
    kind: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HighLevelExt {
    name: String,
    method: String,
    subclient: Option<String>,
    family: Option<String>,
    positional: Vec<String>,
    keywords: Vec<String>,
    #[serde(default)]
    parameters: Vec<ParamExt>,
    #[serde(default)]
    operations: Vec<String>,
    returns: String,
    description: Option<String>,
    upstream: Option<bool>,
}

/// Parses and checks an operation's `x-axme-sdk`.
pub fn operation_sdk(
    op: &Operation,
    raw: Option<&Value>,
    schemas: &[Schema],
) -> Result<Option<Sdk>> {
    let Some(raw) = raw.filter(|_| !op.faults_only) else {
        if op.faults_only {
            return Ok(None);
        }
        return Err(Error::spec(
            &op.location,
            format!(
                "operation {} has no x-axme-sdk (add one, or mark it x-axme-faults-only: true)",
                op.id
            ),
        ));
    };
    let at = format!("{} x-axme-sdk", op.location);
    let ext: SdkExt =
        serde_json::from_value(raw.clone()).map_err(|e| Error::spec(&at, e.to_string()))?;
    if ext.method.is_empty() {
        return Err(Error::spec(&at, "empty method name"));
    }
    let params = ordered(&ext.positional, &ext.keywords, &ext.params, &at)?;
    let mut out = Vec::new();
    for (p, positional) in params {
        let pat = format!("{at} param {:?}", p.name);
        let bind_text = p
            .bind
            .as_deref()
            .ok_or_else(|| Error::spec(&pat, "missing bind"))?;
        let bind = parse_bind(bind_text)
            .ok_or_else(|| Error::spec(&pat, format!("bad bind {bind_text:?}")))?;
        let (ty, arg, description) = bound(op, &bind, schemas, &pat)?;
        let ty = if ty == TypeRef::Any {
            declared_type(&p.ty, &pat)?
        } else {
            ty
        };
        out.push(method_param(
            p,
            positional,
            ty,
            description,
            Some(bind),
            arg,
        ));
    }
    for path_param in op.params.iter().filter(|p| p.location == ParamIn::Path) {
        if !out
            .iter()
            .any(|p| p.bind == Some(Bind::Path(path_param.name.clone())))
        {
            return Err(Error::spec(
                &at,
                format!(
                    "path parameter {:?} is bound to no SDK parameter",
                    path_param.name
                ),
            ));
        }
    }
    if let Some(r) = &ext.retry {
        if !RETRY_RULES.contains(&r.as_str()) {
            return Err(Error::spec(
                &at,
                format!(
                    "x-axme-sdk.retry {r:?} is not one of {}",
                    RETRY_RULES.join(", ")
                ),
            ));
        }
    }
    Ok(Some(Sdk {
        method: ext.method,
        subclient: ext.subclient,
        family: ext.family,
        public: ext.public.or(ext.upstream).unwrap_or(true),
        params: out,
        retry: ext.retry,
        notes: ext.notes,
    }))
}

/// The values of `x-axme-sdk.retry` (core's `RetryRule`).
pub const RETRY_RULES: &[&str] = &["always", "with_idempotency_key", "never", "per_call"];

/// Parameters in signature order, each with whether it is positional; checks the lists.
fn ordered<'p>(
    positional: &[String],
    keywords: &[String],
    params: &'p [ParamExt],
    at: &str,
) -> Result<Vec<(&'p ParamExt, bool)>> {
    let mut out: Vec<(&ParamExt, bool)> = Vec::new();
    for (name, pos) in positional
        .iter()
        .map(|n| (n, true))
        .chain(keywords.iter().map(|n| (n, false)))
    {
        if out.iter().any(|(p, _)| &p.name == name) {
            return Err(Error::spec(
                at,
                format!("parameter {name:?} is listed twice"),
            ));
        }
        let p = params.iter().find(|p| &p.name == name).ok_or_else(|| {
            Error::spec(
                at,
                format!("parameter {name:?} is listed but not described"),
            )
        })?;
        if let Some(kind) = &p.kind {
            if (kind == "positional") != pos {
                return Err(Error::spec(
                    at,
                    format!("parameter {name:?} has kind {kind} but is listed otherwise"),
                ));
            }
        }
        if pos && p.required && out.iter().any(|(q, qpos)| *qpos && !q.required) {
            return Err(Error::spec(
                at,
                format!("required positional parameter {name:?} follows an optional one"),
            ));
        }
        out.push((p, pos));
    }
    if let Some(p) = params
        .iter()
        .find(|p| !out.iter().any(|(q, _)| q.name == p.name))
    {
        return Err(Error::spec(
            at,
            format!("parameter {:?} is neither positional nor a keyword", p.name),
        ));
    }
    Ok(out)
}

fn parse_bind(s: &str) -> Option<Bind> {
    match s.split_once(':') {
        None if s == "body" => Some(Bind::Body),
        Some(("path", n)) if !n.is_empty() => Some(Bind::Path(n.into())),
        Some(("query", n)) if !n.is_empty() => Some(Bind::Query(n.into())),
        Some(("header", n)) if !n.is_empty() => Some(Bind::Header(n.into())),
        Some(("body", n)) if !n.is_empty() => Some(Bind::BodyField(n.into())),
        _ => None,
    }
}

/// Type, argument name and description of what a bind points to.
fn bound(
    op: &Operation,
    bind: &Bind,
    schemas: &[Schema],
    at: &str,
) -> Result<(TypeRef, Option<String>, Option<String>)> {
    let declared = |loc: ParamIn, name: &str| {
        op.params
            .iter()
            .find(|p| {
                p.location == loc
                    && (p.name == name
                        || (loc == ParamIn::Header && p.name.eq_ignore_ascii_case(name)))
            })
            .ok_or_else(|| {
                Error::spec(
                    at,
                    format!("binds to {name:?}, which the operation does not declare"),
                )
            })
    };
    let body = || {
        op.body
            .as_ref()
            .ok_or_else(|| Error::spec(at, "binds to the body, but the operation takes none"))
    };
    Ok(match bind {
        Bind::Path(n) => {
            let p = declared(ParamIn::Path, n)?;
            (p.ty.clone(), Some(n.clone()), p.description.clone())
        }
        Bind::Query(n) => {
            let p = declared(ParamIn::Query, n)?;
            (p.ty.clone(), Some(n.clone()), p.description.clone())
        }
        Bind::Header(h) => {
            let p = declared(ParamIn::Header, h)?;
            let arg = match CORE_HEADERS.iter().find(|(c, _)| c.eq_ignore_ascii_case(h)) {
                Some((_, Some(arg))) => arg.to_string(),
                Some((_, None)) => {
                    return Err(Error::spec(
                        at,
                        format!("header {h} is set by core, not by a parameter"),
                    ))
                }
                None => snake_case(h),
            };
            (p.ty.clone(), Some(arg), p.description.clone())
        }
        Bind::Body => {
            let b = body()?;
            let ty = match &b.ty {
                TypeRef::Ref { name } if is_object(schemas, name) => TypeRef::Loose {
                    inner: Box::new(b.ty.clone()),
                },
                other => other.clone(),
            };
            let description = b.description.clone().or_else(|| Some(body_doc(&b.ty)));
            (ty, Some("body".into()), description)
        }
        Bind::BodyField(f) => {
            let b = body()?;
            match field_of(&b.ty, f, schemas) {
                Some(field) => (field.ty.clone(), None, field.description.clone()),
                None => (TypeRef::Any, None, None),
            }
        }
    })
}

/// Description of a body parameter when the spec gives none.
fn body_doc(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Ref { name } => format!("Request body ({name}); a plain JSON object works too."),
        TypeRef::Bytes => "Request body: the raw bytes.".into(),
        _ => "Request body.".into(),
    }
}

fn is_object(schemas: &[Schema], name: &str) -> bool {
    schemas
        .iter()
        .any(|s| s.name == name && matches!(s.shape, Shape::Object { .. }))
}

fn field_of<'s>(ty: &TypeRef, field: &str, schemas: &'s [Schema]) -> Option<&'s Field> {
    let TypeRef::Ref { name } = ty else {
        return None;
    };
    match &schemas.iter().find(|s| &s.name == name)?.shape {
        Shape::Object { fields, .. } => fields.iter().find(|f| f.name == field),
        _ => None,
    }
}

fn declared_type(t: &str, at: &str) -> Result<TypeRef> {
    Ok(match t {
        "string" => TypeRef::String { format: None },
        "integer" => TypeRef::Integer { format: None },
        "number" => TypeRef::Number { format: None },
        "boolean" => TypeRef::Boolean,
        "object" => TypeRef::object(),
        "bytes" => TypeRef::Bytes,
        "any" => TypeRef::Any,
        other => return Err(Error::spec(at, format!("unknown parameter type {other:?}"))),
    })
}

fn method_param(
    p: &ParamExt,
    positional: bool,
    ty: TypeRef,
    description: Option<String>,
    bind: Option<Bind>,
    arg: Option<String>,
) -> MethodParam {
    let default = p.default.clone().unwrap_or(Value::Null);
    MethodParam {
        name: p.name.clone(),
        positional,
        ty,
        required: p.required,
        has_default: !p.required,
        optional: !p.required && default.is_null(),
        default,
        description: p.description.clone().or(description),
        bind,
        arg,
    }
}

/// Builds the clients: generated methods (streams excepted: the hand-written calls read them),
/// then the `x-axme-high-level` calls not already generated.
pub fn clients(
    operations: &[Operation],
    high_level: Option<&Value>,
    schemas: &[Schema],
) -> Result<Vec<Client>> {
    let mut clients = vec![Client {
        subclient: None,
        methods: Vec::new(),
    }];
    for op in operations {
        let Some(sdk) = &op.sdk else { continue };
        let returns = match &op.response {
            Response::Json { ty, .. } => ty.clone(),
            Response::Binary { .. } => TypeRef::Bytes,
            Response::Empty { .. } => TypeRef::Void,
            Response::EventStream { .. } => continue,
        };
        let body_base = sdk
            .params
            .iter()
            .find(|p| p.bind == Some(Bind::Body))
            .map(|p| p.name.clone());
        let body_fields = sdk
            .params
            .iter()
            .filter_map(|p| match &p.bind {
                Some(Bind::BodyField(f)) => Some(BodyField {
                    field: f.clone(),
                    param: p.name.clone(),
                }),
                _ => None,
            })
            .collect();
        client(&mut clients, &sdk.subclient).methods.push(Method {
            name: sdk.method.clone(),
            subclient: sdk.subclient.clone(),
            kind: MethodKind::Operation,
            high_level: false,
            operation_id: Some(op.id.clone()),
            http: Some(op.location.clone()),
            operations: vec![op.id.clone()],
            family: sdk.family.clone(),
            public: sdk.public,
            served: Some(op.served),
            summary: op.summary.clone(),
            description: op.description.clone(),
            params: sdk.params.clone(),
            returns,
            retry: sdk.retry.clone(),
            notes: sdk.notes.clone(),
            body_base,
            body_fields,
            location: format!("{} x-axme-sdk", op.location),
        });
    }
    let entries = match high_level {
        None => return Ok(clients),
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(Error::spec("x-axme-high-level", "must be a list")),
    };
    for (i, raw) in entries.iter().enumerate() {
        let at = format!("x-axme-high-level[{i}]");
        let ext: HighLevelExt =
            serde_json::from_value(raw.clone()).map_err(|e| Error::spec(&at, e.to_string()))?;
        let at = format!("{at} ({})", ext.name);
        let mut base = Vec::new();
        for id in &ext.operations {
            base.push(
                operations
                    .iter()
                    .find(|o| &o.id == id && o.sdk.is_some())
                    .ok_or_else(|| Error::spec(&at, format!("unknown operation {id:?}")))?,
            );
        }
        let mut params = Vec::new();
        for (p, positional) in ordered(&ext.positional, &ext.keywords, &ext.parameters, &at)? {
            let like = base
                .first()
                .and_then(|o| o.sdk.as_ref())
                .and_then(|s| s.params.iter().find(|q| q.name == p.name));
            let ty = match like {
                Some(q) => q.ty.clone(),
                None => declared_type(&p.ty, &at)?,
            };
            params.push(method_param(
                p,
                positional,
                ty,
                like.and_then(|q| q.description.clone()),
                None,
                None,
            ));
        }
        let family = ext
            .family
            .clone()
            .or_else(|| ext.subclient.clone())
            .or_else(|| base.first().map(|o| o.family.clone()))
            .unwrap_or_else(|| "core".into());
        let returns = parse_returns(&ext.returns, schemas, &at)?;
        let c = client(&mut clients, &ext.subclient);
        if let Some(existing) = c.methods.iter_mut().find(|m| m.name == ext.method) {
            let same = existing.kind == MethodKind::Operation
                && names(&existing.params, true) == ext.positional
                && names(&existing.params, false) == ext.keywords;
            if !same {
                return Err(Error::Collision {
                    language: "spec",
                    name: ext.name.clone(),
                    first: existing.location.clone(),
                    second: format!("{at} (another signature)"),
                });
            }
            existing.high_level = true;
            continue;
        }
        c.methods.push(Method {
            name: ext.method.clone(),
            subclient: ext.subclient.clone(),
            kind: MethodKind::HighLevel,
            high_level: true,
            operation_id: None,
            http: None,
            operations: ext.operations.clone(),
            family,
            public: ext.upstream.unwrap_or(true),
            served: None,
            summary: None,
            description: ext.description.clone(),
            params,
            returns,
            retry: None,
            notes: None,
            body_base: None,
            body_fields: Vec::new(),
            location: at,
        });
    }
    Ok(clients)
}

fn names(params: &[MethodParam], positional: bool) -> Vec<String> {
    params
        .iter()
        .filter(|p| p.positional == positional)
        .map(|p| p.name.clone())
        .collect()
}

fn client<'c>(clients: &'c mut Vec<Client>, subclient: &Option<String>) -> &'c mut Client {
    let i = match clients.iter().position(|c| &c.subclient == subclient) {
        Some(i) => i,
        None => {
            clients.push(Client {
                subclient: subclient.clone(),
                methods: Vec::new(),
            });
            clients.len() - 1
        }
    };
    &mut clients[i]
}

/// `returns` of a high-level call: `nothing`, `string (...)`, `object (...)`,
/// `iterator of <Schema>`, or a schema name, optionally followed by a parenthesised comment.
fn parse_returns(text: &str, schemas: &[Schema], at: &str) -> Result<TypeRef> {
    let head = text.split('(').next().unwrap_or_default().trim();
    let named = |n: &str| -> Result<TypeRef> {
        if schemas.iter().any(|s| s.name == n) {
            Ok(TypeRef::Ref { name: n.into() })
        } else {
            Err(Error::spec(at, format!("returns: unknown schema {n:?}")))
        }
    };
    Ok(match head {
        "nothing" => TypeRef::Void,
        "string" => TypeRef::String { format: None },
        "object" => TypeRef::object(),
        "boolean" => TypeRef::Boolean,
        "integer" => TypeRef::Integer { format: None },
        h => match h.strip_prefix("iterator of ") {
            Some(item) => TypeRef::Iterator {
                items: Box::new(named(item.trim())?),
            },
            None => named(h)?,
        },
    })
}
