//! `axme-codegen`: one spec and one waist, every SDK surface.
//!
//! Reads `spec/openapi.yaml` into a language-independent [`model`] ([`load`], [`schema`],
//! [`sdk`]) and the waist from the built `axme-ffi` library's uniffi metadata ([`waist`]),
//! checks that no two things get one name in any language ([`surface`]), and renders each
//! [`targets`] language's templates under `codegen/templates/` ([`render`]) with the naming
//! filters of [`filters`] and the targets ([`names`]). Outputs are committed; [`stale`] says
//! which differ from what the spec and the waist give now.

pub mod error;
pub mod filters;
pub mod load;
pub mod model;
pub mod names;
pub mod native;
pub mod render;
pub mod schema;
pub mod sdk;
pub mod surface;
pub mod targets;
pub mod waist;

use std::path::Path;

pub use error::{Error, Result};
pub use render::{Output, HEADER, SURFACE_PATH, WAIST_HEADER};
pub use waist::Waist;

/// Where the spec lives, relative to the workspace root.
pub const SPEC_PATH: &str = "spec/openapi.yaml";

/// Generates every output from a spec's YAML text and, when given, the waist (outputs derived
/// from the waist are left out without it).
pub fn generate(spec_yaml: &str, waist: Option<&Waist>) -> Result<Vec<Output>> {
    let model = load::load(spec_yaml)?;
    surface::check_names(&model)?;
    render::render(&model, waist)
}

/// Reads the workspace's spec and generates every output, with the waist of `waist_library`.
pub fn generate_in(root: &Path, waist_library: Option<&Path>) -> Result<Vec<Output>> {
    let path = root.join(SPEC_PATH);
    let yaml = std::fs::read_to_string(&path).map_err(|source| Error::Io { path, source })?;
    let waist = waist_library.map(Waist::load).transpose()?;
    generate(&yaml, waist.as_ref())
}

/// The outputs whose committed file is missing or differs.
pub fn stale<'o>(root: &Path, outputs: &'o [Output]) -> Vec<&'o Output> {
    outputs
        .iter()
        .filter(|o| {
            std::fs::read_to_string(root.join(o.path)).ok().as_deref() != Some(o.contents.as_str())
        })
        .collect()
}

/// Writes the outputs that changed; returns them.
pub fn write<'o>(root: &Path, outputs: &'o [Output]) -> Result<Vec<&'o Output>> {
    let changed = stale(root, outputs);
    for o in &changed {
        let path = root.join(o.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, &o.contents).map_err(|source| Error::Io { path, source })?;
    }
    Ok(changed)
}
