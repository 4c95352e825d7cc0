//! Bad specs stop generation with an error naming the place.

fn error_of(spec: &str) -> String {
    match axme_codegen::generate(spec, None) {
        Ok(_) => panic!("spec generated, expected an error"),
        Err(e) => e.to_string(),
    }
}

fn expect(file: &str, needles: &[&str]) {
    let message = error_of(&crate::corpus(&format!("bad/{file}")));
    for n in needles {
        assert!(message.contains(n), "{file}: {message:?} lacks {n:?}");
    }
}

#[test]
fn not_openapi_3_0() {
    expect("swagger2.yaml", &["not OpenAPI 3.0", "swagger: '2.0'"]);
    expect("openapi31.yaml", &["not OpenAPI 3.0", "openapi: 3.1.0"]);
    assert!(error_of("info: {title: x}\n").contains("no `openapi` field"));
    assert!(error_of("openapi: [unclosed\n").contains("not valid YAML"));
}

#[test]
fn operation_without_id() {
    expect(
        "no_operation_id.yaml",
        &["GET /v1/things", "no operationId"],
    );
}

#[test]
fn method_name_collision() {
    expect(
        "collision.yaml",
        &[
            "name collision in typescript",
            "`getThing`",
            "GET /v1/a",
            "GET /v1/b",
        ],
    );
}

#[test]
fn parameter_name_collision() {
    expect(
        "param_collision.yaml",
        &["name collision in python", "`from_`", "GET /v1/a"],
    );
}

#[test]
fn high_level_signature_mismatch() {
    expect(
        "high_level_mismatch.yaml",
        &["`ping`", "POST /v1/ping", "x-axme-high-level[0]"],
    );
}

#[test]
fn unbound_path_parameter() {
    expect(
        "unbound_path_param.yaml",
        &[
            "DELETE /v1/things/{thing_id}",
            "thing_id",
            "no SDK parameter",
        ],
    );
}

#[test]
fn unknown_reference() {
    expect("unknown_ref.yaml", &["POST /v1/things", "Nope"]);
}

#[test]
fn unknown_retry_rule() {
    expect(
        "unknown_retry.yaml",
        &[
            "POST /v1/things",
            "x-axme-sdk.retry \"sometimes\"",
            "always, with_idempotency_key, never, per_call",
        ],
    );
}
