//! `axme-codegen`: one spec, every SDK surface.
//!
//! Reads `spec/openapi.yaml` into a language-independent [`model`] ([`load`], [`schema`],
//! [`sdk`]), checks that no two things get one name in any language ([`surface`]), and renders
//! the tera templates under `codegen/templates/` ([`render`]) with the naming filters of
//! [`filters`] ([`names`], [`lang`]). Outputs are committed; [`stale`] says which differ from
//! what the spec gives now.

pub mod error;
pub mod filters;
pub mod lang;
pub mod load;
pub mod model;
pub mod names;
pub mod render;
pub mod schema;
pub mod sdk;
pub mod surface;

use std::path::Path;

pub use error::{Error, Result};
pub use render::{Output, HEADER, SURFACE_PATH, TEMPLATES};

/// Where the spec lives, relative to the workspace root.
pub const SPEC_PATH: &str = "spec/openapi.yaml";

/// Generates every output from a spec's YAML text.
pub fn generate(spec_yaml: &str) -> Result<Vec<Output>> {
    let model = load::load(spec_yaml)?;
    surface::check_names(&model)?;
    render::render(&model)
}

/// Reads the workspace's spec and generates every output.
pub fn generate_in(root: &Path) -> Result<Vec<Output>> {
    let path = root.join(SPEC_PATH);
    let yaml = std::fs::read_to_string(&path).map_err(|source| Error::Io { path, source })?;
    generate(&yaml)
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
