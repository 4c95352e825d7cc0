//! Invites: create, read by token (no credential), accept with a nick; bad input for each.

use reqwest::Method;
use serde_json::json;

use crate::support::TestServer;

fn invite_body() -> serde_json::Value {
    json!({"owner_agent": "agent://conformance/owner", "recipient_hint": "Receiver", "ttl_seconds": 3600})
}

#[tokio::test]
async fn create_read_and_accept_an_invite() {
    let server = TestServer::start().await;
    let api = server.api();
    let created = api.post("/v1/invites/create", invite_body()).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let token = created.body["token"].as_str().unwrap().to_string();
    assert!(token.len() >= 12);
    assert!(created.body["invite_url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    assert_eq!(created.body["status"], "pending");

    // The token is the capability: no credential needed to read it.
    let read = server
        .anonymous()
        .get(&format!("/v1/invites/{token}"))
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["token"], token);
    assert_eq!(read.body["owner_agent"], "agent://conformance/owner");

    let path = format!("/v1/invites/{token}/accept");
    let accepted = api
        .post(
            &path,
            json!({"nick": "@Invite.User", "display_name": "Invited"}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "accepted");
    assert_eq!(accepted.body["registry_bind_status"], "disabled");
    assert_eq!(accepted.body["normalized_nick"], "@invite.user");
    let user_id = accepted.body["user_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(user_id).is_ok());
    let owner = accepted.body["user"]["owner_agent"].as_str().unwrap();
    let profile = api
        .get(&format!("/v1/users/profile?owner_agent={owner}"))
        .await;
    assert_eq!(profile.body["display_name"], "Invited");

    let again = api.post(&path, json!({"nick": "@someone_else"})).await;
    assert_eq!(
        (again.status, again.code()),
        (409, "invite_already_accepted")
    );
    let read = api.get(&format!("/v1/invites/{token}")).await;
    assert_eq!(read.body["status"], "accepted");
    assert_eq!(read.body["user_id"], user_id);
}

#[tokio::test]
async fn accepting_with_a_registered_nick_binds_that_user() {
    let server = TestServer::start().await;
    let api = server.api();
    let registered = api
        .post("/v1/users/register-nick", json!({"nick": "@known_user"}))
        .await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    let token = api.post("/v1/invites/create", invite_body()).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    let accepted = api
        .post(
            &format!("/v1/invites/{token}/accept"),
            json!({"nick": "@Known_User"}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["user_id"], registered.body["user_id"]);
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named() {
    let server = TestServer::start().await;
    let api = server.api();
    for (body, code) in [
        (json!({}), "validation_error"),
        (json!({"owner_agent": "bad name"}), "invalid_agent_address"),
        (
            json!({"owner_agent": "agent://a/b", "ttl_seconds": 5}),
            "validation_error",
        ),
        (
            json!({"owner_agent": "agent://a/b", "recipient_hint": 7}),
            "validation_error",
        ),
    ] {
        let refused = api.post("/v1/invites/create", body.clone()).await;
        assert_eq!((refused.status, refused.code()), (422, code), "{body}");
    }
    let not_json = api
        .http
        .post(format!("{}/v1/invites/create", api.base))
        .header("x-api-key", &api.key)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let empty = api
        .call(Method::POST, "/v1/invites/create", None, &[])
        .await;
    assert_eq!(empty.status, 422, "an empty body counts as {{}}");
    let anonymous = server
        .anonymous()
        .post("/v1/invites/create", invite_body())
        .await;
    assert_eq!(anonymous.status, 401);
    let token = api.post("/v1/invites/create", invite_body()).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    let bad_nick = api
        .post(&format!("/v1/invites/{token}/accept"), json!({"nick": "@"}))
        .await;
    assert_eq!((bad_nick.status, bad_nick.code()), (422, "invalid_nick"));
    let missing_nick = api
        .post(&format!("/v1/invites/{token}/accept"), json!({}))
        .await;
    assert_eq!(missing_nick.status, 422);
    for unknown in ["short", "inv_0000000000000000000000000000"] {
        let read = api.get(&format!("/v1/invites/{unknown}")).await;
        assert_eq!((read.status, read.code()), (404, "invite_not_found"));
    }
    // Another organisation cannot accept this organisation's invite.
    let (_, other) = server.credential("other-org").await;
    let foreign = other
        .post(
            &format!("/v1/invites/{token}/accept"),
            json!({"nick": "@intruder"}),
        )
        .await;
    assert_eq!((foreign.status, foreign.code()), (404, "invite_not_found"));
}
