//! The Java SDK surface: every operation method of `AxmeClient` and `MeshClient`, spelled here so
//! the templates only lay text out. A method the public SDK (`dev.axme.sdk` 0.2.0) had keeps its
//! public signature, read from `codegen/data/java/public_sdk.json` (checked exceptions, a
//! `RequestOptions` last on the client, none on the mesh); every operation also gets the form
//! derived from the spec (its path, query and body parameters in order, then `RequestOptions`),
//! unchecked, and an `…Async` twin returning a `CompletableFuture`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::model::{Bind, Method, MethodKind, MethodParam, Model, TypeRef};
use crate::names::camel_case;

/// The public SDK's signatures, kept as data.
const PUBLIC_SDK: &str = include_str!("../../../data/java/public_sdk.json");

/// Per-call options `RequestOptions` carries: the derived forms leave these parameters to it.
const OPTION_PARAMS: &[&str] = &[
    "owner_agent",
    "x_owner_agent",
    "idempotency_key",
    "trace_id",
    "authorization",
];

/// Java keywords a parameter name could hit, and the locals of a generated method.
const RESERVED: &str = "abstract assert boolean break byte case catch char class const continue \
    default do double else enum extends final finally float for goto if implements import \
    instanceof int interface long native new package private protected public return short static \
    strictfp super switch synchronized this throw throws transient try void volatile while var \
    record yield options args";

#[derive(Deserialize)]
struct PublicSdk {
    client: BTreeMap<String, PublicMethod>,
    mesh: BTreeMap<String, PublicMethod>,
}

#[derive(Deserialize)]
struct PublicMethod {
    /// `"JavaType name -> spec parameter"`, in order.
    params: Vec<String>,
    /// Shorter forms: the literals passed for every parameter.
    #[serde(default)]
    overloads: Vec<Vec<String>>,
}

fn data_error(message: String) -> Error {
    Error::Spec {
        at: "codegen/data/java/public_sdk.json".into(),
        message,
    }
}

/// A Java identifier for a spec parameter name.
fn ident(name: &str) -> String {
    let id = camel_case(name);
    if RESERVED.split_whitespace().any(|w| w == id) {
        id + "Value"
    } else {
        id
    }
}

/// A Java method name for a spec method name (a keyword gets `Op` appended: `import` → `importOp`).
fn method_ident(name: &str) -> String {
    let id = camel_case(name);
    let keyword = RESERVED
        .split_whitespace()
        .any(|w| w == id && w != "options" && w != "args");
    if keyword {
        id + "Op"
    } else {
        id
    }
}

/// The Java type of a parameter of a derived form.
fn param_type(p: &MethodParam) -> &'static str {
    if matches!(p.bind, Some(Bind::Body)) && !matches!(p.ty, TypeRef::Bytes) {
        return "Map<String, Object>";
    }
    match &p.ty {
        TypeRef::String { .. } | TypeRef::Enum { .. } => "String",
        TypeRef::Integer { format } if format.as_deref() == Some("int64") => "Long",
        TypeRef::Integer { .. } => "Integer",
        TypeRef::Number { .. } => "Double",
        TypeRef::Boolean => "Boolean",
        TypeRef::Bytes => "byte[]",
        TypeRef::Array { .. } => "List<Object>",
        TypeRef::Map { .. } | TypeRef::Ref { .. } | TypeRef::Loose { .. } => "Map<String, Object>",
        _ => "Object",
    }
}

/// How the generated code hands a parameter to the call: `put` (an argument by its key),
/// `body` (the whole JSON body), `field` (one body field), `content` (a raw body).
fn placement(p: &MethodParam) -> (&'static str, String) {
    match &p.bind {
        Some(Bind::Body) if matches!(p.ty, TypeRef::Bytes) => ("content", String::new()),
        Some(Bind::Body) => ("body", String::new()),
        Some(Bind::BodyField(f)) => ("field", f.clone()),
        _ => ("put", p.arg.clone().unwrap_or_else(|| p.name.clone())),
    }
}

/// What the method answers: `map`, `bytes` or `any` (a JSON value of several shapes).
fn decode(m: &Method) -> &'static str {
    match &m.returns {
        TypeRef::Bytes => "bytes",
        TypeRef::Union { .. } | TypeRef::Any | TypeRef::Array { .. } => "any",
        _ => "map",
    }
}

fn return_type(decode: &str) -> &'static str {
    match decode {
        "bytes" => "byte[]",
        "any" => "Object",
        _ => "Map<String, Object>",
    }
}

/// The Javadoc text of a method (summary, description, the HTTP route), escaped for Javadoc.
fn doc(m: &Method) -> Vec<String> {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace("*/", "*&#47;")
            .replace('@', "&#64;")
    };
    let mut lines = Vec::new();
    if let Some(s) = &m.summary {
        lines.push(format!("{}.", escape(s.trim_end_matches('.'))));
    }
    if let Some(d) = &m.description {
        lines.push(String::new());
        lines.extend(d.trim().lines().map(|l| escape(l.trim_end())));
    }
    if let (Some(http), Some(op)) = (&m.http, &m.operation_id) {
        lines.push(String::new());
        lines.push(format!(
            "<p>{{@code {}}} (operation {{@code {op}}}).",
            escape(http)
        ));
    }
    lines
}

/// One parameter as the template sees it.
fn param(ty: &str, name: &str, p: &MethodParam) -> Value {
    let (how, key) = placement(p);
    json!({"type": ty, "name": name, "how": how, "key": key})
}

/// The public form of `m`, from the data.
fn public_form(m: &Method, public: &PublicMethod) -> Result<Value> {
    let mut params = Vec::new();
    for spec in &public.params {
        let parse = || -> Option<(&str, &str, &str)> {
            let (decl, target) = spec.split_once(" -> ")?;
            let (ty, name) = decl.rsplit_once(' ')?;
            Some((ty, name, target))
        };
        let (ty, name, target) =
            parse().ok_or_else(|| data_error(format!("{}: bad parameter {spec:?}", m.name)))?;
        let p = if target == "body" {
            // The public SDK sent a whole body where the spec names its fields one by one.
            MethodParam {
                name: "body".into(),
                positional: true,
                ty: TypeRef::object(),
                required: true,
                has_default: false,
                default: Value::Null,
                optional: false,
                description: None,
                bind: Some(Bind::Body),
                arg: Some("body".into()),
            }
        } else {
            m.params
                .iter()
                .find(|p| p.name == target)
                .cloned()
                .ok_or_else(|| {
                    data_error(format!(
                        "{}: the spec method has no parameter {target}",
                        m.name
                    ))
                })?
        };
        params.push(param(ty, name, &p));
    }
    Ok(json!({"params": params, "overloads": public.overloads}))
}

/// The form derived from the spec: every parameter `RequestOptions` does not carry.
fn derived_form(m: &Method) -> Vec<Value> {
    m.params
        .iter()
        .filter(|p| !OPTION_PARAMS.contains(&p.name.as_str()))
        .filter(|p| !matches!(p.bind, Some(Bind::Header(_))))
        .map(|p| param(param_type(p), &ident(&p.name), p))
        .collect()
}

/// The operation methods of one client (`None`: the root client), and the public methods the
/// data names that the spec lacks (an error).
fn client_methods(
    model: &Model,
    subclient: Option<&str>,
    public: &BTreeMap<String, PublicMethod>,
) -> Result<Vec<Value>> {
    let client = model
        .clients
        .iter()
        .find(|c| c.subclient.as_deref() == subclient);
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for m in client.map(|c| c.methods.as_slice()).unwrap_or_default() {
        if m.kind != MethodKind::Operation {
            continue;
        }
        let name = method_ident(&m.name);
        let decode = decode(m);
        let derived = derived_form(m);
        let public_form = match public.get(&name) {
            Some(p) => {
                seen.push(name.clone());
                Some(public_form(m, p)?)
            }
            None => None,
        };
        // A derived form of the public form's arity would make a caller's `null` argument
        // ambiguous (`heartbeat(metrics, null)`): the public form stands for it then.
        let same = public_form.as_ref().is_some_and(|p| {
            let public_arity =
                p["params"].as_array().map_or(0, Vec::len) + usize::from(subclient.is_none());
            public_arity == derived.len() + 1
        });
        out.push(json!({
            "name": name,
            "op": m.operation_id,
            "doc": doc(m),
            "decode": decode,
            "returns": return_type(decode),
            "public": public_form,
            "params": derived,
            "derived": !same,
        }));
    }
    // A spec with none of them (a test corpus) simply gets no public forms.
    let missing = public.keys().find(|k| !seen.contains(k));
    if let (Some(missing), false) = (missing, seen.is_empty()) {
        return Err(data_error(format!(
            "public method {missing} matches no operation method of the spec"
        )));
    }
    Ok(out)
}

/// The surface the Java templates render: `client` and `mesh` method lists.
pub fn surface(model: &Model) -> Result<Value> {
    let public: PublicSdk = serde_json::from_str(PUBLIC_SDK)
        .map_err(|e| data_error(format!("not the expected JSON: {e}")))?;
    Ok(json!({
        "client": client_methods(model, None, &public.client)?,
        "mesh": client_methods(model, Some("mesh"), &public.mesh)?,
    }))
}
