//! Integration tests of axme-codegen: snapshots of the outputs of the tricky corpus, bad specs,
//! generated Python, TypeScript and Rust checked by their own tools, the foreign declaration
//! layers compiled by gcc, javac and mcs and run against the built library, and the committed
//! outputs being fresh.

mod errors;
mod ffi_layers;
mod fresh;
mod python;
mod rust_table;
mod snapshots;
mod typescript;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axme_codegen::Output;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A spec of the corpus under `codegen/tests/specs/`.
pub fn corpus(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/specs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The debug `axme-ffi` library, built once (cargo skips it when fresh); the waist is read from
/// it and the foreign layers run against it.
pub fn waist_library() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        run(&mut axme_codegen::native::build_command(&root()));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target"));
        target.join("debug").join(axme_codegen::waist::LIBRARY_FILE)
    })
}

/// Outputs of the real spec and the waist.
pub fn real() -> &'static [Output] {
    static OUT: OnceLock<Vec<Output>> = OnceLock::new();
    OUT.get_or_init(|| {
        axme_codegen::generate_in(&root(), Some(waist_library())).expect("real spec generates")
    })
}

/// Outputs of `tests/specs/tricky.yaml` (from the spec alone).
pub fn tricky() -> &'static [Output] {
    static OUT: OnceLock<Vec<Output>> = OnceLock::new();
    OUT.get_or_init(|| {
        axme_codegen::generate(&corpus("tricky.yaml"), None).expect("tricky spec generates")
    })
}

/// The output written at `path`.
pub fn output<'o>(outputs: &'o [Output], path: &str) -> &'o str {
    &outputs
        .iter()
        .find(|o| o.path == path)
        .unwrap_or_else(|| panic!("no output {path}"))
        .contents
}

/// A fresh scratch directory under `target/codegen-tests/<name>`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target/codegen-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Writes `text` to `dir/rel`, creating parents.
pub fn put(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write");
}

/// Runs a command; panics with its output unless it succeeds.
pub fn run(cmd: &mut std::process::Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}
