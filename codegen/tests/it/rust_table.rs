//! The generated operation table is rustfmt-clean and compiles against core's descriptor types.

use std::process::Command;

fn check_table(name: &str, table: &str) {
    let dir = crate::scratch(&format!("rust-table-{name}"));
    let core_types = std::fs::read_to_string(crate::root().join("core/src/operations.rs"))
        .expect("core/src/operations.rs");
    crate::put(&dir, "operations.rs", &core_types);
    crate::put(&dir, "generated/operations.rs", table);
    crate::put(
        &dir,
        "lib.rs",
        r#"#![allow(dead_code)]
pub mod operations;
pub mod generated {
    pub mod operations;
}

#[test]
fn generated_table() {
    use crate::generated::operations::{find, OPERATIONS};
    use crate::operations::{HttpMethod, RetryRule};
    assert!(!OPERATIONS.is_empty());
    for op in OPERATIONS {
        assert!(std::ptr::eq(find(op.id).expect("find"), op), "{}", op.id);
        for p in op.path_params {
            let placeholder = format!("{{{}}}", p.name);
            assert!(op.path_template.contains(&placeholder), "{} {}", op.id, p.name);
            assert!(p.required, "{} {}", op.id, p.name);
        }
        assert_eq!(op.path_template.matches('{').count(), op.path_params.len(), "{}", op.id);
        assert_eq!(op.writes, op.method != HttpMethod::Get, "{}", op.id);
        if !op.writes {
            assert_eq!(op.retry, RetryRule::Always, "{}", op.id);
        }
    }
    assert!(find("no_such_operation").is_none());
}
"#,
    );
    crate::run(
        Command::new("rustfmt")
            .args(["--edition", "2021", "--check"])
            .arg(dir.join("generated/operations.rs")),
    );
    let bin = dir.join("table-test");
    crate::run(
        Command::new("rustc")
            .args(["--edition", "2021", "--test", "-o"])
            .arg(&bin)
            .arg(dir.join("lib.rs")),
    );
    // Only this file's check: core's own unit tests assume the real spec's operation ids.
    crate::run(Command::new(&bin).args(["generated_table", "--exact"]));
}

#[test]
fn real_table_compiles() {
    let table = crate::output(crate::real(), "core/src/generated/operations.rs");
    let model = axme_codegen::load::load(
        &std::fs::read_to_string(crate::root().join("spec/openapi.yaml")).expect("spec"),
    )
    .expect("model");
    let expected = model.operations.iter().filter(|o| !o.faults_only).count();
    assert_eq!(table.matches("OperationDescriptor {").count(), expected);
    check_table("real", table);
}

#[test]
fn tricky_table_compiles() {
    check_table(
        "tricky",
        crate::output(crate::tricky(), "core/src/generated/operations.rs"),
    );
}
