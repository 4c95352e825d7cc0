//! The SDK surface per language: the collision check and `codegen/out/surface.json`.
//!
//! Both use each target's [`Spelling`], so a name that passes the check here is the name the
//! templates write. `surface.json` is for tools (conformance, docs, future templates): the
//! language-neutral methods and, per language, every method with its spelled parameters.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{Method, MethodKind, Model, Response, TypeRef};
use crate::targets::{self, Spelling, Target};

/// The targets with a generated SDK surface, with their spelling.
fn spelled() -> Vec<(&'static str, &'static dyn Spelling)> {
    targets::all()
        .into_iter()
        .filter_map(|t: &'static dyn Target| t.spelling().map(|s| (t.name(), s)))
        .collect()
}

/// Fails when two things get one name in a language: operation ids, methods of one client,
/// parameters of one method, type names (and TypeScript options interfaces).
pub fn check_names(model: &Model) -> Result<()> {
    let mut ids = Names::new("rust");
    for op in &model.operations {
        ids.add(op.id.clone(), &op.location)?;
    }
    for (name, lang) in spelled() {
        let mut types = Names::new(name);
        for s in &model.schemas {
            types.add(lang.type_name(&s.name), &s.location)?;
        }
        for c in &model.clients {
            let mut methods = Names::new(name);
            if c.subclient.is_none() {
                for sub in model.clients.iter().filter_map(|c| c.subclient.as_deref()) {
                    methods.add(lang.param(sub), &format!("sub-client {sub}"))?;
                }
            }
            for m in &c.methods {
                methods.add(lang.method(m), &m.location)?;
                let mut params = Names::new(name);
                for implicit in lang.implicit_params() {
                    params.add(implicit.to_string(), "the options every call takes")?;
                }
                for t in lang.method_types(m) {
                    types.add(t, &m.location)?;
                }
                for p in &m.params {
                    params.add(
                        lang.param(&p.name),
                        &format!("{} param {:?}", m.location, p.name),
                    )?;
                }
            }
            for t in lang.client_types(c.subclient.as_deref()) {
                types.add(t, "a client interface")?;
            }
        }
    }
    Ok(())
}

struct Names {
    language: &'static str,
    seen: HashMap<String, String>,
}

impl Names {
    fn new(language: &'static str) -> Self {
        Names {
            language,
            seen: HashMap::new(),
        }
    }

    fn add(&mut self, name: String, at: &str) -> Result<()> {
        if let Some(first) = self.seen.get(&name) {
            return Err(Error::Collision {
                language: self.language,
                name,
                first: first.clone(),
                second: at.to_string(),
            });
        }
        self.seen.insert(name, at.to_string());
        Ok(())
    }
}

#[derive(Serialize)]
struct Surface<'m> {
    /// Sorts first (keys are written in sorted order).
    #[serde(rename = "_generated")]
    generated_by: &'static str,
    spec_version: &'m str,
    counts: Counts,
    operations: Vec<OperationEntry<'m>>,
    methods: Vec<NeutralMethod<'m>>,
    languages: Vec<LanguageEntry>,
}

#[derive(Serialize)]
struct Counts {
    operations: usize,
    core_table: usize,
    generated_methods: usize,
    hand_written_methods: usize,
    streams_without_method: usize,
}

#[derive(Serialize)]
struct OperationEntry<'m> {
    id: &'m str,
    method: String,
    path: &'m str,
    family: &'m str,
    served: bool,
    faults_only: bool,
    stream: bool,
    sdk_method: Option<String>,
}

/// A method in language-neutral form (snake_case names, [`TypeRef`] types), without docs.
#[derive(Serialize)]
struct NeutralMethod<'m> {
    name: &'m str,
    subclient: Option<&'m str>,
    kind: MethodKind,
    high_level: bool,
    operation_id: Option<&'m str>,
    http: Option<&'m str>,
    family: &'m str,
    public: bool,
    retry: Option<&'m str>,
    params: Vec<NeutralParam<'m>>,
    returns: &'m TypeRef,
}

#[derive(Serialize)]
struct NeutralParam<'m> {
    name: &'m str,
    positional: bool,
    #[serde(rename = "type")]
    ty: &'m TypeRef,
    required: bool,
    default: &'m Value,
    bind: Option<&'m crate::model::Bind>,
}

fn neutral(m: &Method) -> NeutralMethod<'_> {
    NeutralMethod {
        name: &m.name,
        subclient: m.subclient.as_deref(),
        kind: m.kind,
        high_level: m.high_level,
        operation_id: m.operation_id.as_deref(),
        http: m.http.as_deref(),
        family: &m.family,
        public: m.public,
        retry: m.retry.as_deref(),
        params: m
            .params
            .iter()
            .map(|p| NeutralParam {
                name: &p.name,
                positional: p.positional,
                ty: &p.ty,
                required: p.required,
                default: &p.default,
                bind: p.bind.as_ref(),
            })
            .collect(),
        returns: &m.returns,
    }
}

#[derive(Serialize)]
struct LanguageEntry {
    language: &'static str,
    clients: Vec<ClientEntry>,
}

#[derive(Serialize)]
struct ClientEntry {
    subclient: Option<String>,
    name: String,
    methods: Vec<MethodEntry>,
}

#[derive(Serialize)]
struct MethodEntry {
    name: String,
    kind: MethodKind,
    family: String,
    operation_id: Option<String>,
    public: bool,
    params: Vec<ParamEntry>,
    returns: String,
}

#[derive(Serialize)]
struct ParamEntry {
    name: String,
    kind: &'static str,
    #[serde(rename = "type")]
    ty: String,
    required: bool,
    default: Value,
}

/// `codegen/out/surface.json`.
pub fn surface_json(model: &Model, header: &'static str) -> String {
    let methods: Vec<&Method> = model.clients.iter().flat_map(|c| &c.methods).collect();
    let qualified = |sub: &Option<String>, name: &str| match sub {
        Some(s) => format!("{s}.{name}"),
        None => name.to_string(),
    };
    let surface = Surface {
        generated_by: header,
        spec_version: &model.version,
        counts: Counts {
            operations: model.operations.len(),
            core_table: model.operations.iter().filter(|o| !o.faults_only).count(),
            generated_methods: methods
                .iter()
                .filter(|m| m.kind == MethodKind::Operation)
                .count(),
            hand_written_methods: methods
                .iter()
                .filter(|m| m.kind == MethodKind::HighLevel)
                .count(),
            streams_without_method: model
                .operations
                .iter()
                .filter(|o| o.sdk.is_some() && matches!(o.response, Response::EventStream { .. }))
                .count(),
        },
        operations: model
            .operations
            .iter()
            .map(|o| OperationEntry {
                id: &o.id,
                method: serde_json::to_value(o.method)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                path: &o.path,
                family: &o.family,
                served: o.served,
                faults_only: o.faults_only,
                stream: matches!(o.response, Response::EventStream { .. }),
                sdk_method: o.sdk.as_ref().map(|s| qualified(&s.subclient, &s.method)),
            })
            .collect(),
        methods: methods.iter().map(|m| neutral(m)).collect(),
        languages: spelled()
            .into_iter()
            .map(|(name, l)| language(model, name, l))
            .collect(),
    };
    let value = serde_json::to_value(&surface).unwrap_or_default();
    let mut text = String::new();
    write_json(&mut text, &value, 0);
    text.push('\n');
    text
}

/// JSON (keys sorted) with one entry per line: the top object, each language and each client are laid out
/// over several lines; operations, methods and everything else are compact, one per line.
fn write_json(out: &mut String, v: &Value, depth: usize) {
    let expand = |v: &Value| match v {
        Value::Object(o) => {
            depth == 0
                || o.contains_key("clients")
                || (o.contains_key("methods") && o.contains_key("subclient"))
        }
        Value::Array(a) => a.iter().any(Value::is_object),
        _ => false,
    };
    let pad = "  ".repeat(depth + 1);
    match v {
        Value::Object(o) if expand(v) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&format!("{pad}{}: ", Value::from(k.as_str())));
                write_json(out, x, depth + 1);
            }
            out.push_str(&format!("\n{}}}", "  ".repeat(depth)));
        }
        Value::Array(a) if expand(v) && depth < 6 => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&pad);
                write_json(out, x, depth + 1);
            }
            out.push_str(&format!("\n{}]", "  ".repeat(depth)));
        }
        _ => out.push_str(&v.to_string()),
    }
}

fn language(model: &Model, name: &'static str, lang: &dyn Spelling) -> LanguageEntry {
    LanguageEntry {
        language: name,
        clients: model
            .clients
            .iter()
            .map(|c| ClientEntry {
                subclient: c.subclient.clone(),
                name: lang.client(c.subclient.as_deref()),
                methods: c
                    .methods
                    .iter()
                    .map(|m| MethodEntry {
                        name: lang.method(m),
                        kind: m.kind,
                        family: m.family.clone(),
                        operation_id: m.operation_id.clone(),
                        public: m.public,
                        params: m
                            .params
                            .iter()
                            .map(|p| ParamEntry {
                                name: lang.param(&p.name),
                                kind: if p.positional {
                                    "positional"
                                } else {
                                    "keyword"
                                },
                                ty: lang.param_type(p),
                                required: p.required,
                                default: p.default.clone(),
                            })
                            .collect(),
                        returns: lang.returns(m),
                    })
                    .collect(),
            })
            .collect(),
    }
}
