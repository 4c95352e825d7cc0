//! The one cargo build of the native artifacts that codegen (and its tests) start from inside cargo.

use std::path::Path;
use std::process::Command;

/// Variables cargo sets for the process it runs (`cargo run`, a test) that must not reach a nested
/// cargo: build scripts watch some of them (ring's watches `CARGO_PKG_VERSION_*` and `OUT_DIR`), so
/// a nested build would see them "changed" and rebuild those crates and everything above them,
/// and the next build from a plain shell would rebuild them back.
const CARGO_SET_PREFIXES: &[&str] = &[
    "CARGO_PKG_",
    "CARGO_MANIFEST_",
    "CARGO_BIN_",
    "CARGO_CRATE_",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "CARGO_RUSTC_CURRENT_DIR",
    "OUT_DIR",
];

/// `cargo build -q -p axme-ffi -p axme-server -p axme-conformance` in `root`: the packages of
/// `./dev`'s `build_native`, in one invocation so their shared dependencies keep one feature set
/// (cargo skips it all when fresh).
pub fn build_command(root: &Path) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args([
        "build",
        "-q",
        "-p",
        "axme-ffi",
        "-p",
        "axme-server",
        "-p",
        "axme-conformance",
    ]);
    for (name, _) in std::env::vars_os() {
        let set_by_cargo = name
            .to_str()
            .is_some_and(|n| CARGO_SET_PREFIXES.iter().any(|p| n.starts_with(p)));
        if set_by_cargo {
            command.env_remove(name);
        }
    }
    command.current_dir(root);
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variables_cargo_sets_for_a_test_do_not_reach_the_nested_build() {
        // This test runs under cargo, which sets CARGO_PKG_NAME and CARGO_MANIFEST_DIR for it.
        assert!(std::env::var_os("CARGO_PKG_NAME").is_some());
        let command = build_command(Path::new("."));
        let removed: Vec<_> = command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        assert!(
            removed.contains(&"CARGO_PKG_NAME".to_string()),
            "{removed:?}"
        );
        assert!(
            removed.contains(&"CARGO_MANIFEST_DIR".to_string()),
            "{removed:?}"
        );
        assert!(!removed
            .iter()
            .any(|n| n == "CARGO_HOME" || n == "CARGO_TARGET_DIR"));
    }
}
