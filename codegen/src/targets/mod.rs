//! The target languages: one module each behind [`Target`], the way uniffi's own generators are
//! organised. A target owns its outputs (templates and the files they render to), the tera filters
//! that spell its names and types, the per-language data its templates need beyond the model (an
//! error-class mapping, the public SDK's signatures kept as data), and, for languages with a
//! generated SDK surface, its [`Spelling`] (used by the collision check and `surface.json`).
//!
//! Add a language: a module here implementing [`Target`], templates under
//! `codegen/templates/<name>/`, and one line in [`all`].

use serde_json::Value;
use tera::Tera;

use crate::error::Result;
use crate::model::{Method, MethodParam, Model};
use crate::waist::Waist;

pub mod csharp;
pub mod go;
pub mod java;
pub mod python;
pub mod rust;
pub mod typescript;

/// What an output is generated from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// `spec/openapi.yaml` only.
    Spec,
    /// The waist (the uniffi metadata of the built `axme-ffi` library), and the spec.
    Waist,
}

/// A template and the file it renders to (relative to the workspace root).
#[derive(Debug)]
pub struct Template {
    /// Template name (`python/_operations.py`).
    pub name: &'static str,
    /// Output path.
    pub path: &'static str,
    /// Template text.
    pub source: &'static str,
    /// What it is generated from.
    pub input: Input,
}

/// `template!("python/_operations.py" => "bindings/python/python/axme/_operations.py")`, with
/// `waist` before the name for an output generated from the waist.
#[macro_export]
macro_rules! template {
    ($name:literal => $path:literal) => {
        $crate::targets::Template {
            name: $name,
            path: $path,
            source: include_str!(concat!("../../templates/", $name, ".tera")),
            input: $crate::targets::Input::Spec,
        }
    };
    (waist $name:literal => $path:literal) => {
        $crate::targets::Template {
            name: $name,
            path: $path,
            source: include_str!(concat!("../../templates/", $name, ".tera")),
            input: $crate::targets::Input::Waist,
        }
    };
}

/// One target language.
pub trait Target: Sync {
    /// Lower-case name; its templates live in `codegen/templates/<name>/`.
    fn name(&self) -> &'static str;

    /// Its outputs, in order.
    fn outputs(&self) -> &'static [Template];

    /// Macro files its templates import (`(name, text)`); never rendered themselves.
    fn macros(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// Registers its filters (named with its prefix: `py_*`, `go_*`, ...).
    fn register_filters(&self, _tera: &mut Tera) {}

    /// Data its templates find under `lang`, beyond the model and the waist.
    fn data(&self, _model: &Model, _waist: &Waist) -> Result<Value> {
        Ok(Value::Null)
    }

    /// How it spells the generated SDK surface, if it has one.
    fn spelling(&self) -> Option<&dyn Spelling> {
        None
    }
}

/// A language's spelling of the SDK surface: what the collision check and `surface.json` see,
/// and what its templates write.
pub trait Spelling {
    /// Method name.
    fn method(&self, m: &Method) -> String;
    /// Parameter name.
    fn param(&self, name: &str) -> String;
    /// Type name of a schema.
    fn type_name(&self, schema: &str) -> String;
    /// Name of a client (or its mixin, interface, ...).
    fn client(&self, subclient: Option<&str>) -> String;
    /// Type of a parameter.
    fn param_type(&self, p: &MethodParam) -> String;
    /// Return type of a method.
    fn returns(&self, m: &Method) -> String;
    /// Parameter names every method of the language also takes (they must not collide).
    fn implicit_params(&self) -> &'static [&'static str] {
        &[]
    }
    /// Type names a method adds besides the schemas (an options interface).
    fn method_types(&self, _m: &Method) -> Vec<String> {
        Vec::new()
    }
    /// Type names a client adds besides the schemas (an interface per client).
    fn client_types(&self, _subclient: Option<&str>) -> Vec<String> {
        Vec::new()
    }
}

/// Every target, in output order.
pub fn all() -> [&'static dyn Target; 6] {
    [
        &rust::Rust,
        &python::Python,
        &typescript::TypeScript,
        &go::Go,
        &java::Java,
        &csharp::CSharp,
    ]
}
