//! The waist as data: read from the uniffi metadata of the built `axme-ffi` library (library mode,
//! `uniffi_bindgen`'s `BindgenLoader`), so the foreign declarations and every language's config
//! fields and error kinds follow the core's own definition.
//!
//! The library holds two uniffi components: `axme_core` (the records and the error kind, declared
//! once in the core) and `axme_ffi` (the objects and functions of the C ABI). [`Waist`] flattens
//! both into what templates need: every C function with its arguments as FFI types, the checksums
//! and contract version the foreign side checks at load, the records with their fields, types,
//! defaults and docs, the enums, and the objects with their methods.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uniffi_bindgen::interface::{
    AsType, ComponentInterface, DefaultValue, FfiFunction, FfiType, Literal, Type,
};
use uniffi_bindgen::{BindgenLoader, BindgenPaths, GlobalConfig};

use crate::error::{Error, Result};
use crate::names::snake_case;

/// The file name of the `axme-ffi` shared library the waist is read from, on this platform.
pub const LIBRARY_FILE: &str = if cfg!(target_os = "macos") {
    "libaxme_ffi.dylib"
} else if cfg!(windows) {
    "axme_ffi.dll"
} else {
    "libaxme_ffi.so"
};

/// The waist of the built library (empty when generating from the spec alone).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Waist {
    /// The namespace of the C ABI (`axme_ffi`): prefix of its rustbuffer functions.
    pub namespace: String,
    /// The uniffi contract version (`ffi_<namespace>_uniffi_contract_version()` must return it).
    pub contract_version: u32,
    /// Every C function of the ABI a foreign caller uses, in a stable order.
    pub functions: Vec<FfiFn>,
    /// `(checksum function, expected value)` for every function and method.
    pub checksums: Vec<Checksum>,
    /// The records, core's first.
    pub records: Vec<Record>,
    /// The enums (the error kind among them) and the error enums.
    pub enums: Vec<Enum>,
    /// The objects with their constructors and methods.
    pub objects: Vec<Object>,
    /// Free functions.
    pub free_functions: Vec<Callable>,
    /// The error kinds' snake_case names, in declaration order.
    pub error_kinds: Vec<String>,
}

/// One C function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FfiFn {
    /// Symbol name.
    pub name: String,
    /// Arguments (without the trailing `RustCallStatus*`).
    pub args: Vec<FfiArg>,
    /// Return type; `None` for `void`.
    pub ret: Option<String>,
    /// Whether a `RustCallStatus*` comes last.
    pub status: bool,
    /// The `uniffi_ffibuffer_*` twin taking `(args, returns)` as 8-byte slots, if there is one.
    pub ffibuffer: Option<String>,
    /// Slots the twin reads its arguments from.
    pub arg_slots: usize,
    /// Slots the twin writes its return value to (before the 4 slots of the status).
    pub ret_slots: usize,
}

/// An argument of a C function: its name and FFI type (`u64`, `rust_buffer`, `handle`, ...).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FfiArg {
    /// Name.
    pub name: String,
    /// FFI type name.
    pub ty: String,
}

/// A checksum the foreign side compares at load.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checksum {
    /// The checksum function's symbol.
    pub name: String,
    /// The value it must return.
    pub value: u16,
}

/// A record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// Name (`ClientConfig`).
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// Fields in declaration order (the order of the serialized form).
    pub fields: Vec<Field>,
}

/// A field of a record, or an argument of a method.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Field {
    /// snake_case name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// Its default as JSON (`null` for `None`), when it has one.
    pub default: Option<Value>,
    /// Doc comment.
    pub doc: Option<String>,
}

/// A uniffi type as templates see it: `kind` (`string`, `bool`, `u32`, `f64`, `bytes`,
/// `optional`, `sequence`, `record`, `enum`, `object`, ...), `inner` for the wrappers, `name` for
/// named types.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ty {
    /// The kind.
    pub kind: String,
    /// The wrapped type of `optional` and `sequence`.
    pub inner: Option<Box<Ty>>,
    /// The name of a record, enum or object.
    pub name: Option<String>,
}

/// An enum (plain or an error).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Enum {
    /// Name.
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// Whether it is the error type of calls.
    pub is_error: bool,
    /// Variants; their 1-based position is the index on the wire.
    pub variants: Vec<Variant>,
}

/// A variant of an enum.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Variant {
    /// Name as declared (`InvalidArgument`).
    pub name: String,
    /// snake_case name (`invalid_argument`).
    pub snake: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// Fields (error variants carry the record).
    pub fields: Vec<Field>,
}

/// An object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Object {
    /// Name (`Client`).
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// Symbol that clones a handle.
    pub clone_fn: String,
    /// Symbol that frees a handle.
    pub free_fn: String,
    /// Constructors.
    pub constructors: Vec<Callable>,
    /// Methods (the receiver is the first C argument).
    pub methods: Vec<Callable>,
}

/// A constructor, method or free function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Callable {
    /// Name.
    pub name: String,
    /// Doc comment.
    pub doc: Option<String>,
    /// The C function.
    pub ffi: String,
    /// Arguments (without the receiver).
    pub args: Vec<Field>,
    /// Return type.
    pub returns: Option<Ty>,
    /// The error type, if it fails.
    pub throws: Option<String>,
}

fn ty(t: &Type) -> Ty {
    let plain = |kind: &str| Ty {
        kind: kind.to_string(),
        inner: None,
        name: None,
    };
    let named = |kind: &str, name: &str| Ty {
        kind: kind.to_string(),
        inner: None,
        name: Some(name.to_string()),
    };
    let wrap = |kind: &str, inner: &Type| Ty {
        kind: kind.to_string(),
        inner: Some(Box::new(ty(inner))),
        name: None,
    };
    match t {
        Type::UInt8 => plain("u8"),
        Type::Int8 => plain("i8"),
        Type::UInt16 => plain("u16"),
        Type::Int16 => plain("i16"),
        Type::UInt32 => plain("u32"),
        Type::Int32 => plain("i32"),
        Type::UInt64 => plain("u64"),
        Type::Int64 => plain("i64"),
        Type::Float32 => plain("f32"),
        Type::Float64 => plain("f64"),
        Type::Boolean => plain("bool"),
        Type::String => plain("string"),
        Type::Bytes => plain("bytes"),
        Type::Timestamp => plain("timestamp"),
        Type::Duration => plain("duration"),
        Type::Object { name, .. } => named("object", name),
        Type::Record { name, .. } => named("record", name),
        Type::Enum { name, .. } => named("enum", name),
        Type::CallbackInterface { name, .. } => named("callback", name),
        Type::Optional { inner_type } => wrap("optional", inner_type),
        Type::Sequence { inner_type } => wrap("sequence", inner_type),
        Type::Map { .. } => plain("map"),
        Type::Custom { name, .. } => named("custom", name),
        _ => plain("unknown"),
    }
}

fn ffi_ty(t: &FfiType) -> String {
    match t {
        FfiType::UInt8 => "u8".into(),
        FfiType::Int8 => "i8".into(),
        FfiType::UInt16 => "u16".into(),
        FfiType::Int16 => "i16".into(),
        FfiType::UInt32 => "u32".into(),
        FfiType::Int32 => "i32".into(),
        FfiType::UInt64 => "u64".into(),
        FfiType::Int64 => "i64".into(),
        FfiType::Float32 => "f32".into(),
        FfiType::Float64 => "f64".into(),
        FfiType::RustBuffer(_) => "rust_buffer".into(),
        FfiType::ForeignBytes => "foreign_bytes".into(),
        FfiType::Handle => "handle".into(),
        FfiType::RustCallStatus => "rust_call_status".into(),
        FfiType::VoidPointer => "void_pointer".into(),
        FfiType::Callback(name) => format!("callback:{name}"),
        FfiType::Struct(name) => format!("struct:{name}"),
        FfiType::Reference(inner) | FfiType::MutReference(inner) => {
            format!("ref:{}", ffi_ty(inner))
        }
    }
}

/// 8-byte slots an FFI type takes in an ffi-buffer twin.
fn slots(t: &FfiType) -> usize {
    match t {
        FfiType::RustBuffer(_) => 3,
        FfiType::ForeignBytes => 2,
        FfiType::RustCallStatus => 4,
        _ => 1,
    }
}

/// The symbol of a function's ffi-buffer twin (`uniffi_x` → `uniffi_ffibuffer_x`).
fn uniffi_meta_twin(name: &str) -> String {
    match name.strip_prefix("uniffi_") {
        Some(rest) => format!("uniffi_ffibuffer_{rest}"),
        None => format!("uniffi_ffibuffer_{name}"),
    }
}

fn literal(l: &Literal) -> Value {
    match l {
        Literal::Boolean(b) => json!(b),
        Literal::String(s) => json!(s),
        Literal::UInt(n, _, _) => json!(n),
        Literal::Int(n, _, _) => json!(n),
        Literal::Float(text, _) => text.parse::<f64>().map(|f| json!(f)).unwrap_or(json!(text)),
        Literal::Enum(v, _) => json!(v),
        Literal::EmptySequence => json!([]),
        Literal::None => Value::Null,
        Literal::Some { inner } => default(inner),
        _ => Value::Null,
    }
}

fn default(d: &DefaultValue) -> Value {
    match d {
        DefaultValue::Literal(l) => literal(l),
        DefaultValue::Default => Value::Null,
    }
}

fn doc(d: Option<&str>) -> Option<String> {
    d.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn ffi_fn(f: &FfiFunction) -> FfiFn {
    let args: Vec<&uniffi_bindgen::interface::FfiArgument> = f.arguments();
    FfiFn {
        name: f.name().to_string(),
        args: args
            .iter()
            .map(|a| FfiArg {
                name: a.name().to_string(),
                ty: ffi_ty(&a.type_()),
            })
            .collect(),
        ret: f.return_type().map(ffi_ty),
        status: f.has_rust_call_status_arg(),
        // Set for the functions of constructors, methods and free functions (`from_cis`).
        ffibuffer: None,
        arg_slots: args.iter().map(|a| slots(&a.type_())).sum(),
        ret_slots: f.return_type().map(slots).unwrap_or(0),
    }
}

fn field(name: &str, t: &Type, d: Option<&DefaultValue>, docs: Option<&str>) -> Field {
    Field {
        name: name.to_string(),
        ty: ty(t),
        default: d.map(default),
        doc: doc(docs),
    }
}

impl Waist {
    /// Reads the waist from the library at `path` (the `.so`/`.a` of `axme-ffi`).
    pub fn load(path: &Path) -> Result<Waist> {
        let fail = |e: &dyn std::fmt::Display| Error::Waist {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let utf8 = camino::Utf8Path::from_path(path).ok_or_else(|| fail(&"not UTF-8"))?;
        let loader = BindgenLoader::new(BindgenPaths::default(), GlobalConfig::default());
        let metadata = loader.load_metadata(utf8).map_err(|e| fail(&e))?;
        let mut cis = loader.load_cis(metadata).map_err(|e| fail(&e))?;
        for ci in &mut cis {
            ci.derive_ffi_funcs().map_err(|e| fail(&e))?;
        }
        // The C ABI's own component first, then the core's (records and the error kind).
        cis.sort_by_key(|ci| (ci.namespace() != "axme_ffi", ci.namespace().to_string()));
        let ffi = cis
            .first()
            .filter(|ci| ci.namespace() == "axme_ffi")
            .ok_or_else(|| fail(&"no axme_ffi component in the library"))?;
        Ok(Waist::from_cis(ffi, &cis))
    }

    fn from_cis(ffi: &ComponentInterface, all: &[ComponentInterface]) -> Waist {
        let mut w = Waist {
            namespace: ffi.namespace().to_string(),
            contract_version: ffi.uniffi_contract_version(),
            ..Waist::default()
        };
        w.functions = ffi
            .iter_ffi_function_definitions()
            .filter(|f| !f.name().contains("rust_future"))
            .map(|f| ffi_fn(&f))
            .collect();
        w.checksums = ffi
            .iter_checksums()
            .map(|(name, value)| Checksum { name, value })
            .collect();
        let mut cores: Vec<&ComponentInterface> = all.iter().collect();
        cores.reverse();
        for ci in cores {
            for r in ci.record_definitions() {
                w.records.push(Record {
                    name: r.name().to_string(),
                    doc: doc(r.docstring()),
                    fields: r
                        .fields()
                        .iter()
                        .map(|f| field(f.name(), &f.as_type(), f.default_value(), f.docstring()))
                        .collect(),
                });
            }
            for e in ci.enum_definitions() {
                let variants = e
                    .variants()
                    .iter()
                    .map(|v| Variant {
                        name: v.name().to_string(),
                        snake: snake_case(v.name()),
                        doc: doc(v.docstring()),
                        fields: v
                            .fields()
                            .iter()
                            .map(|f| field(f.name(), &f.as_type(), None, f.docstring()))
                            .collect(),
                    })
                    .collect::<Vec<_>>();
                if e.name() == "ErrorKind" {
                    w.error_kinds = variants.iter().map(|v| v.snake.clone()).collect();
                }
                w.enums.push(Enum {
                    name: e.name().to_string(),
                    doc: doc(e.docstring()),
                    is_error: ci.is_name_used_as_error(e.name()),
                    variants,
                });
            }
        }
        let callable = |name: &str,
                        docs: Option<&str>,
                        f: &FfiFunction,
                        args: Vec<&uniffi_bindgen::interface::Argument>,
                        ret: Option<&Type>,
                        throws: Option<&str>| Callable {
            name: name.to_string(),
            doc: doc(docs),
            ffi: f.name().to_string(),
            args: args
                .iter()
                .map(|a| field(a.name(), &a.as_type(), a.default_value(), None))
                .collect(),
            returns: ret.map(ty),
            throws: throws.map(str::to_string),
        };
        for o in ffi.object_definitions() {
            w.objects.push(Object {
                name: o.name().to_string(),
                doc: doc(o.docstring()),
                clone_fn: o.ffi_object_clone().name().to_string(),
                free_fn: o.ffi_object_free().name().to_string(),
                constructors: o
                    .constructors()
                    .iter()
                    .map(|c| {
                        let ret = Type::Object {
                            module_path: String::new(),
                            name: o.name().to_string(),
                            imp: *o.imp(),
                        };
                        callable(
                            c.name(),
                            c.docstring(),
                            c.ffi_func(),
                            c.arguments(),
                            Some(&ret),
                            c.throws_name(),
                        )
                    })
                    .collect(),
                methods: o
                    .methods()
                    .iter()
                    .map(|m| {
                        let ret = m.return_type().cloned();
                        callable(
                            m.name(),
                            m.docstring(),
                            m.ffi_func(),
                            m.arguments(),
                            ret.as_ref(),
                            m.throws_name(),
                        )
                    })
                    .collect(),
            });
        }
        for f in ffi.function_definitions() {
            w.free_functions.push(callable(
                f.name(),
                f.docstring(),
                f.ffi_func(),
                f.arguments(),
                f.return_type(),
                f.throws_name(),
            ));
        }
        // With `scaffolding-ffi-buffer-fns`, uniffi writes an ffi-buffer twin for the function of
        // every constructor, method and free function (not for clone, free or the buffer helpers).
        let user: Vec<&str> = w
            .objects
            .iter()
            .flat_map(|o| o.constructors.iter().chain(&o.methods))
            .chain(&w.free_functions)
            .map(|c| c.ffi.as_str())
            .collect();
        for f in &mut w.functions {
            if user.contains(&f.name.as_str()) {
                f.ffibuffer = Some(uniffi_meta_twin(&f.name));
            }
        }
        w
    }

    /// Whether nothing was loaded (generation from the spec alone).
    pub fn is_empty(&self) -> bool {
        self.namespace.is_empty()
    }

    /// `language`'s error class of each kind, as `[{kind, http, plain}]`, checked against the
    /// waist's kinds: a kind without a class (a new kind) or a class for no kind stops generation.
    pub fn error_classes(
        &self,
        language: &'static str,
        table: &[(&str, &str, &str)],
    ) -> Result<Value> {
        if self.is_empty() {
            return Ok(Value::Array(Vec::new()));
        }
        let mut out = Vec::new();
        for kind in &self.error_kinds {
            let Some((_, http, plain)) = table.iter().find(|(k, _, _)| k == kind) else {
                return Err(Error::Waist {
                    path: Default::default(),
                    message: format!(
                        "error kind {kind:?} has no {language} class (codegen/src/targets/{language}.rs)"
                    ),
                });
            };
            out.push(json!({"kind": kind, "http": http, "plain": plain}));
        }
        if let Some((k, _, _)) = table
            .iter()
            .find(|(k, _, _)| !self.error_kinds.iter().any(|e| e == k))
        {
            return Err(Error::Waist {
                path: Default::default(),
                message: format!("{language} maps error kind {k:?}, which the waist does not have"),
            });
        }
        Ok(Value::Array(out))
    }

    /// The record named `name`.
    pub fn record(&self, name: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.name == name)
    }
}
