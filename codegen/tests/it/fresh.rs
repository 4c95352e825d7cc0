//! The committed outputs are what the spec gives now (what `--check` verifies).

#[test]
fn committed_outputs_are_fresh() {
    let stale: Vec<&str> = axme_codegen::stale(&crate::root(), crate::real())
        .iter()
        .map(|o| o.path)
        .collect();
    assert!(
        stale.is_empty(),
        "stale outputs, run `cargo run -p axme-codegen`: {stale:?}"
    );
}

#[test]
fn check_flag_reports_stale_files() {
    let dir = crate::scratch("check-flag");
    crate::put(&dir, "spec/openapi.yaml", &crate::corpus("tricky.yaml"));
    let bin = env!("CARGO_BIN_EXE_axme-codegen");
    let waist = crate::waist_library();
    let check = |dir: &std::path::Path| {
        std::process::Command::new(bin)
            .arg("--check")
            .arg("--root")
            .arg(dir)
            .arg("--waist")
            .arg(waist)
            .output()
            .expect("run")
    };
    let out = check(&dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bindings/python/python/axme/_operations.py")
    );
    crate::run(
        std::process::Command::new(bin)
            .arg("--root")
            .arg(&dir)
            .arg("--waist")
            .arg(waist),
    );
    assert!(check(&dir).status.success());
}
