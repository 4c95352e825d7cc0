//! The server does what spec/openapi.yaml says, no more and no less: credentials where the spec
//! asks for them, `Allow` naming exactly the spec's methods, lengths counted as the spec counts
//! them, bodies only of the media types an operation takes, every declared header checked.

use reqwest::Method;
use serde_json::json;

use crate::support::TestServer;

#[tokio::test]
async fn capabilities_need_a_credential_as_the_spec_says() {
    let server = TestServer::start().await;
    let anonymous = server.anonymous().get("/v1/capabilities").await;
    assert_eq!(
        (anonymous.status, anonymous.code()),
        (401, "missing_api_key")
    );
    assert_eq!(server.api().get("/v1/capabilities").await.status, 200);
}

#[tokio::test]
async fn options_and_405_name_exactly_the_methods_of_the_path() {
    let server = TestServer::start().await;
    let api = server.api();
    // GET is served here and PATCH answers 501: both are the spec's, both are routed.
    for (path, allow) in [
        ("/v1/organizations/dev", "GET, PATCH, HEAD, OPTIONS"),
        ("/v1/intents", "GET, POST, HEAD, OPTIONS"),
        ("/v1/mesh/agents/x/policy", "GET, PUT, HEAD, OPTIONS"),
    ] {
        let options = api.call(Method::OPTIONS, path, None, &[]).await;
        assert_eq!(options.status, 204, "{path}: {}", options.body);
        assert_eq!(options.header("allow"), Some(allow), "{path}");
    }
    let refused = api.call(Method::DELETE, "/v1/intents", None, &[]).await;
    assert_eq!(
        (refused.status, refused.code()),
        (405, "method_not_allowed")
    );
    assert_eq!(refused.header("allow"), Some("GET, POST, HEAD, OPTIONS"));
    let unknown = api
        .call(Method::OPTIONS, "/v1/nothing-here", None, &[])
        .await;
    assert_eq!((unknown.status, unknown.code()), (404, "route_not_found"));
}

#[tokio::test]
async fn an_owner_agent_of_the_spec_s_full_length_is_accepted() {
    let server = TestServer::start().await;
    let api = server.api();
    for len in [376, 383] {
        let owner = "a".repeat(len);
        let inbox = api.get(&format!("/v1/inbox?owner_agent={owner}")).await;
        assert_eq!(inbox.status, 200, "{len}: {}", inbox.body);
    }
    let too_long = api
        .get(&format!("/v1/inbox?owner_agent={}", "a".repeat(384)))
        .await;
    assert_eq!(too_long.status, 422, "{}", too_long.body);
    assert_eq!(
        too_long.body["error"]["details"]["parameter"],
        "owner_agent"
    );
}

#[tokio::test]
async fn a_body_of_a_media_type_the_operation_does_not_take_is_415() {
    let server = TestServer::start().await;
    let body = json!({"intent_type": "notify.message.v1", "to_agent": "agent://x", "payload": {}});
    let http = reqwest::Client::new();
    for media in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let resp = http
            .post(format!("{}/v1/intents", server.base))
            .header("x-api-key", &server.key)
            .header("content-type", media)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 415, "{media}");
        let answer: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(answer["error"]["code"], "unsupported_media_type");
        assert!(answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("application/json"));
    }
    let json_utf8 = http
        .post(format!("{}/v1/intents", server.base))
        .header("x-api-key", &server.key)
        .header("content-type", "application/json; charset=utf-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(json_utf8.status(), 200);
}

#[tokio::test]
async fn declared_headers_are_checked_trace_headers_included() {
    let server = TestServer::start().await;
    let api = server.api();
    let long = "x".repeat(129);
    for (name, value) in [
        ("traceparent", "not-a-traceparent"),
        ("x-trace-id", long.as_str()),
        ("x-request-id", long.as_str()),
    ] {
        let resp = api
            .call(Method::GET, "/v1/intents", None, &[(name, value)])
            .await;
        assert_eq!(
            (resp.status, resp.code()),
            (422, "validation_error"),
            "{name}: {}",
            resp.body
        );
        assert_eq!(resp.body["error"]["details"]["location"], "header");
    }
    let good = api
        .call(
            Method::GET,
            "/v1/intents",
            None,
            &[(
                "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            )],
        )
        .await;
    assert_eq!(good.status, 200);
}
