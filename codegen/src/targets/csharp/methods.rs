//! The C# methods of `AxmeClient` and `AxmeMesh`, as data for `Operations.cs.tera`: one entry per
//! operation of the spec, with the public .NET SDK's name, parameters and token name where
//! `codegen/data/dotnet/public.yaml` lists it, and a spelling of the spec's own otherwise. Every
//! parameter says where its value goes in the generic call's argument object (a named argument,
//! the whole body, a body field, the raw content), so the template only lays text out.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::model::{Method, MethodKind, MethodParam, Model, TypeRef};
use crate::names::{camel_case, pascal_case, snake_case};

const PUBLIC: &str = include_str!("../../../data/dotnet/public.yaml");

/// Arguments every method takes through `RequestOptions` instead of a parameter of its own
/// (unless the public signature names them, as the inbox methods do `ownerAgent`).
const OPTION_ARGS: &[&str] = &[
    "trace_id",
    "idempotency_key",
    "authorization",
    "x_owner_agent",
    "owner_agent",
];

/// C# keywords a parameter name could hit.
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "base", "bool", "byte", "case", "checked", "class", "const", "default", "decimal", "delegate",
    "do", "double", "event", "explicit", "extern", "fixed", "float", "for", "foreach", "goto",
    "implicit", "in", "int", "interface", "internal", "is", "lock", "long", "namespace", "new",
    "null", "object", "operator", "out", "override", "params", "private", "protected", "public",
    "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "static", "string",
    "struct", "switch", "this", "throw", "try", "typeof", "uint", "ulong", "unchecked", "unsafe",
    "ushort", "using", "virtual", "void", "volatile", "while",
];

#[derive(Deserialize)]
struct PublicData {
    token: String,
    ct_token: Vec<String>,
    args: BTreeMap<String, String>,
    skip: Vec<String>,
    methods: BTreeMap<String, String>,
}

/// One parameter of a public signature: `type name[ = default]`.
struct Declared {
    ty: String,
    name: String,
    default: Option<String>,
}

fn data_error(message: String) -> Error {
    Error::Spec {
        at: "codegen/data/dotnet/public.yaml".into(),
        message,
    }
}

/// `Name(type a, type b = null)` → the name and its parameters.
fn parse_signature(sig: &str) -> Result<(String, Vec<Declared>)> {
    let (name, rest) = sig
        .split_once('(')
        .ok_or_else(|| data_error(format!("{sig:?} is not Name(params)")))?;
    let inner = rest
        .strip_suffix(')')
        .ok_or_else(|| data_error(format!("{sig:?} does not end with )")))?;
    let mut params = Vec::new();
    for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (decl, default) = match part.split_once('=') {
            Some((d, v)) => (d.trim(), Some(v.trim().to_string())),
            None => (part, None),
        };
        let (ty, name) = decl
            .rsplit_once(' ')
            .ok_or_else(|| data_error(format!("parameter {part:?} of {sig:?} has no type")))?;
        params.push(Declared {
            ty: ty.trim().into(),
            name: name.into(),
            default,
        });
    }
    Ok((name.trim().into(), params))
}

/// A C# identifier for a snake_case name (`@` before a keyword).
fn cs_param(name: &str) -> String {
    let id = camel_case(name);
    if KEYWORDS.contains(&id.as_str()) {
        format!("@{id}")
    } else {
        id
    }
}

/// The C# type of a spec parameter: nullable unless it is required.
fn cs_param_type(t: &TypeRef, required: bool) -> String {
    let (ty, value_type) = match t {
        TypeRef::String { .. } | TypeRef::Enum { .. } => ("string", false),
        TypeRef::Integer { .. } => ("long", true),
        TypeRef::Number { .. } => ("double", true),
        TypeRef::Boolean => ("bool", true),
        TypeRef::Bytes => ("byte[]", false),
        TypeRef::Array { .. } => ("JsonArray", false),
        TypeRef::Any => ("JsonValue", false),
        _ => ("JsonObject", false),
    };
    if value_type && !required {
        format!("{ty}?")
    } else {
        ty.into()
    }
}

/// Where a parameter's value goes: `{kind: arg|body|field|content, key}`.
fn binding(m: &Method, p: &MethodParam) -> Value {
    if p.ty == TypeRef::Bytes && p.arg.as_deref() == Some("body") {
        return json!({"kind": "content", "key": "body"});
    }
    match p.arg.as_deref() {
        Some("body") => json!({"kind": "body", "key": "body"}),
        Some(key) => json!({"kind": "arg", "key": key}),
        None => {
            let field = m
                .body_fields
                .iter()
                .find(|f| f.param == p.name)
                .map(|f| f.field.clone())
                .unwrap_or_else(|| p.name.clone());
            json!({"kind": "field", "key": field})
        }
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The XML doc lines of a method: its summary, description and HTTP route.
fn doc_lines(m: &Method, public: bool) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(s) = &m.summary {
        lines.push(format!("{}.", xml_escape(s.trim_end_matches('.'))));
    }
    if let Some(d) = &m.description {
        lines.extend(d.lines().map(|l| xml_escape(l.trim_end())));
    }
    let op = m.operation_id.clone().unwrap_or_default();
    let http = m.http.clone().unwrap_or_default();
    let origin = if public {
        ""
    } else {
        " Not in the public .NET SDK 0.1.2."
    };
    lines.push(format!(
        "<c>{}</c> (operation <c>{op}</c>).{origin}",
        xml_escape(&http)
    ));
    lines
}

fn param_json(
    m: &Method,
    p: &MethodParam,
    name: String,
    ty: String,
    default: Option<String>,
) -> Value {
    let doc = p
        .description
        .as_deref()
        .map(|d| xml_escape(&d.replace('\n', " ")))
        .unwrap_or_default();
    json!({"name": name, "type": ty, "default": default, "bind": binding(m, p), "doc": doc})
}

/// The method of an operation, public or spelled from the spec.
fn method_json(
    m: &Method,
    data: &PublicData,
    taken: &mut BTreeSet<String>,
) -> Result<Option<Value>> {
    let op = m.operation_id.clone().unwrap_or_default();
    if data.skip.contains(&op) {
        return Ok(None);
    }
    let by_name = |n: &str| m.params.iter().find(|p| p.name == n);
    let (name, params, public) = if let Some(sig) = data.methods.get(&op) {
        let (name, declared) = parse_signature(sig)?;
        let mut params = Vec::new();
        for d in declared {
            let key = format!("{name}.{}", d.name);
            let whole_body = d.name == "payload" || d.name == "bundle";
            let arg = match data.args.get(&key) {
                Some(a) => a.clone(),
                None if whole_body => match &m.body_base {
                    Some(base) => base.clone(),
                    None => {
                        // The spec takes this body field by field; .NET callers pass it whole.
                        params.push(json!({"name": d.name, "type": d.ty, "default": d.default,
                            "bind": {"kind": "body", "key": "body"}, "doc": "The request body."}));
                        continue;
                    }
                },
                None => snake_case(&d.name),
            };
            let p = by_name(&arg).ok_or_else(|| {
                data_error(format!(
                    "{name}: operation {op} has no parameter {arg} for {}",
                    d.name
                ))
            })?;
            params.push(param_json(m, p, d.name, d.ty, d.default));
        }
        (name, params, true)
    } else {
        let name = format!("{}Async", pascal_case(&m.name));
        // Required parameters first (C# puts optional ones last), each group in spec order.
        let mut ordered: Vec<&MethodParam> = m
            .params
            .iter()
            .filter(|p| p.positional || !OPTION_ARGS.contains(&p.name.as_str()))
            .collect();
        ordered.sort_by_key(|p| !p.required);
        let params = ordered
            .into_iter()
            .map(|p| {
                let default = (!p.required).then(|| "null".to_string());
                param_json(
                    m,
                    p,
                    cs_param(&p.name),
                    cs_param_type(&p.ty, p.required),
                    default,
                )
            })
            .collect();
        (name, params, false)
    };
    let scope = m.subclient.clone().unwrap_or_default();
    if !taken.insert(format!("{scope}.{name}")) {
        return Err(data_error(format!("two operations are spelled {name}")));
    }
    let token = if data.ct_token.contains(&name) {
        "ct".to_string()
    } else {
        data.token.clone()
    };
    let returns = if m.returns == TypeRef::Bytes {
        "bytes"
    } else {
        "json"
    };
    Ok(Some(json!({
        "name": name,
        "operation_id": op,
        "token": token,
        "params": params,
        "returns": returns,
        "doc": doc_lines(m, public),
    })))
}

/// `{clients: [{subclient, methods}]}` for the templates; every public method must find its
/// operation in the spec.
pub fn methods(model: &Model) -> Result<Value> {
    let data: PublicData = serde_yaml::from_str(PUBLIC).map_err(|e| data_error(e.to_string()))?;
    let mut taken = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut clients = Vec::new();
    for c in &model.clients {
        let mut methods = Vec::new();
        for m in c.methods.iter().filter(|m| m.kind == MethodKind::Operation) {
            seen.extend(m.operation_id.clone());
            if let Some(j) = method_json(m, &data, &mut taken)? {
                methods.push(j);
            }
        }
        clients.push(json!({"subclient": c.subclient, "methods": methods}));
    }
    // The public signatures belong to the AXP spec: a spec sharing none of their operations (the
    // tests' corpus) simply gets none; one sharing some must have them all (a typo is an error).
    let applies = data.methods.keys().any(|op| seen.contains(op));
    if let Some(missing) = data
        .methods
        .keys()
        .find(|op| applies && !seen.contains(*op))
    {
        return Err(data_error(format!(
            "operation {missing} is not in the spec"
        )));
    }
    Ok(json!({ "clients": clients }))
}
