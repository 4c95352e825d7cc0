//! insta snapshots of every output, on the real spec and on the tricky corpus.

use axme_codegen::Output;

fn snapshot_all(prefix: &str, outputs: &[Output]) {
    assert_eq!(
        outputs.len(),
        axme_codegen::TEMPLATES.len() + 1,
        "every template plus surface.json"
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for o in outputs {
            let name = format!("{prefix}__{}", o.path.replace(['/', '.'], "_"));
            insta::assert_snapshot!(name, &o.contents);
        }
    });
}

#[test]
fn real_spec() {
    snapshot_all("real", crate::real());
}

#[test]
fn tricky_spec() {
    snapshot_all("tricky", crate::tricky());
}

#[test]
fn every_output_starts_with_the_header() {
    for o in crate::real().iter().chain(crate::tricky()) {
        // surface.json is JSON: the header is its first field.
        let head: String = o.contents.lines().take(2).collect();
        assert!(head.contains(axme_codegen::HEADER), "{}: {head}", o.path);
    }
}
