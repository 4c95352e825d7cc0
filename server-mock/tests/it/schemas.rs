//! The schema registry: upsert, read, compatibility modes; bad input.

use serde_json::{json, Value};

use crate::support::TestServer;

fn body(semantic_type: &str, mode: &str, schema: Value) -> Value {
    json!({"semantic_type": semantic_type, "schema_json": schema, "compatibility_mode": mode})
}

fn date_schema() -> Value {
    json!({"type": "object", "required": ["date"], "properties": {"date": {"type": "string"}}})
}

#[tokio::test]
async fn upsert_and_read_a_schema() {
    let server = TestServer::start().await;
    let api = server.api();
    let stored = api
        .post(
            "/v1/schemas",
            body("axme.calendar.schedule.v1", "strict", date_schema()),
        )
        .await;
    assert_eq!(stored.status, 200, "{}", stored.body);
    let hash = stored.body["schema"]["schema_hash"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(stored.body["schema"]["version"], 1);
    assert_eq!(stored.body["changed"], true);

    let again = api
        .post(
            "/v1/schemas",
            body("axme.calendar.schedule.v1", "strict", date_schema()),
        )
        .await;
    assert_eq!(
        again.status, 200,
        "the same schema is accepted in strict mode"
    );
    assert_eq!(
        (
            again.body["changed"].clone(),
            again.body["schema"]["version"].clone()
        ),
        (json!(false), json!(1))
    );

    let read = api.get("/v1/schemas/axme.calendar.schedule.v1").await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["schema"]["schema_json"], date_schema());
    assert_eq!(read.body["schema"]["schema_hash"], hash.as_str());

    let changed = api
        .post(
            "/v1/schemas",
            body(
                "axme.calendar.schedule.v1",
                "strict",
                json!({"type": "object"}),
            ),
        )
        .await;
    assert_eq!(
        (changed.status, changed.code()),
        (409, "schema_incompatible")
    );
}

#[tokio::test]
async fn backward_and_warn_modes() {
    let server = TestServer::start().await;
    let api = server.api();
    assert_eq!(
        api.post(
            "/v1/schemas",
            body("orders.order.v1", "backward", date_schema())
        )
        .await
        .status,
        200
    );
    let mut compatible = date_schema();
    compatible["properties"]["note"] = json!({"type": "string"});
    let ok = api
        .post(
            "/v1/schemas",
            body("orders.order.v1", "backward", compatible),
        )
        .await;
    assert_eq!(
        (ok.status, ok.body["schema"]["version"].clone()),
        (200, json!(2))
    );
    let mut breaking = date_schema();
    breaking["required"] = json!(["date", "note"]);
    let refused = api
        .post(
            "/v1/schemas",
            body("orders.order.v1", "backward", breaking.clone()),
        )
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (409, "schema_incompatible")
    );
    assert!(refused.body["error"]["details"]["breaks"]
        .as_array()
        .is_some_and(|b| !b.is_empty()));

    assert_eq!(
        api.post("/v1/schemas", body("orders.note.v1", "warn", date_schema()))
            .await
            .status,
        200
    );
    let warned = api
        .post("/v1/schemas", body("orders.note.v1", "warn", breaking))
        .await;
    assert_eq!(warned.status, 200, "{}", warned.body);
    assert_eq!(warned.body["warnings"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn bad_input_and_tenancy() {
    let server = TestServer::start().await;
    let api = server.api();
    for (bad, code) in [
        (
            json!({"semantic_type": "a.b.v1", "compatibility_mode": "strict"}),
            "validation_error",
        ),
        (
            body("a.b.v1", "strict", json!({"type": "invalid_type"})),
            "invalid_schema",
        ),
        (body("a.b.v1", "loose", date_schema()), "validation_error"),
        (
            body("NoVersion", "strict", date_schema()),
            "validation_error",
        ),
        (
            json!({"semantic_type": "a.b.v1", "schema_json": [1], "compatibility_mode": "warn"}),
            "validation_error",
        ),
    ] {
        let refused = api.post("/v1/schemas", bad.clone()).await;
        assert_eq!((refused.status, refused.code()), (422, code), "{bad}");
    }
    let missing = api.get("/v1/schemas/a.b.v1").await;
    assert_eq!((missing.status, missing.code()), (404, "schema_not_found"));
    assert_eq!(
        api.post("/v1/schemas", body("a.b.v1", "strict", date_schema()))
            .await
            .status,
        200
    );
    let (_, other) = server.credential("other").await;
    assert_eq!(other.get("/v1/schemas/a.b.v1").await.status, 404);
    assert_eq!(
        server.anonymous().get("/v1/schemas/a.b.v1").await.status,
        401
    );
}
