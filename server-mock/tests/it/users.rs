//! Users and nicks: check, register, resolve, rename, profile and its update; bad input for each.

use serde_json::json;

use crate::support::TestServer;

#[tokio::test]
async fn a_nick_lifecycle() {
    let server = TestServer::start().await;
    let api = server.api();
    let check = api.get("/v1/users/check-nick?nick=%40Alice").await;
    assert_eq!(check.status, 200, "{}", check.body);
    assert_eq!(check.body["nick"], "@Alice");
    assert_eq!(check.body["normalized_nick"], "@alice");
    assert_eq!(check.body["public_address"], "@alice@dev");
    assert_eq!(check.body["available"], true);

    let registered = api
        .post(
            "/v1/users/register-nick",
            json!({"nick": "@Alice", "display_name": "Alice", "email": "a@example.com"}),
        )
        .await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    let owner = registered.body["owner_agent"].as_str().unwrap().to_string();
    let user_id = registered.body["user_id"].as_str().unwrap().to_string();
    assert_eq!(owner, format!("agent://dev/users/{user_id}"));
    assert!(registered.body["created_at"].is_string());

    let check = api.get("/v1/users/check-nick?nick=alice").await;
    assert_eq!(check.body["available"], false);
    let resolved = api.get("/v1/users/resolve-nick?nick=ALICE").await;
    assert_eq!(
        (
            resolved.body["resolved"].clone(),
            resolved.body["owner_agent"].clone()
        ),
        (json!(true), json!(owner))
    );
    let unknown = api.get("/v1/users/resolve-nick?nick=nobody").await;
    assert_eq!(
        (unknown.status, unknown.body["resolved"].clone()),
        (200, json!(false))
    );

    let renamed = api
        .post(
            "/v1/users/rename-nick",
            json!({"owner_agent": owner, "nick": "@alice_2"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["owner_agent"], owner.as_str());
    assert_eq!(renamed.body["user_id"], user_id.as_str());
    assert_eq!(renamed.body["nick"], "@alice_2");
    assert_eq!(renamed.body["previous_nick"], "@Alice");
    assert!(renamed.body["renamed_at"].is_string());
    // The old nick is free again.
    assert_eq!(
        api.get("/v1/users/check-nick?nick=alice").await.body["available"],
        true
    );

    let profile = api
        .get(&format!("/v1/users/profile?owner_agent={owner}"))
        .await;
    assert_eq!(profile.status, 200, "{}", profile.body);
    assert_eq!(profile.body["normalized_nick"], "@alice_2");
    assert_eq!(profile.body["email"], "a@example.com");
    let updated = api
        .post(
            "/v1/users/profile/update",
            json!({"owner_agent": owner, "display_name": "Alice B", "phone": "+1 555 0100"}),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["display_name"], "Alice B");
    assert_eq!(
        updated.body["email"], "a@example.com",
        "fields left out stay"
    );
}

#[tokio::test]
async fn nicks_are_per_organisation() {
    let server = TestServer::start().await;
    let registered = server
        .api()
        .post("/v1/users/register-nick", json!({"nick": "shared"}))
        .await;
    assert_eq!(registered.status, 200);
    let (_, other) = server.credential("other").await;
    let check = other.get("/v1/users/check-nick?nick=shared").await;
    assert_eq!(check.body["available"], true);
    let owner = registered.body["owner_agent"].as_str().unwrap();
    let profile = other
        .get(&format!("/v1/users/profile?owner_agent={owner}"))
        .await;
    assert_eq!((profile.status, profile.code()), (404, "user_not_found"));
}

#[tokio::test]
async fn bad_input_is_refused() {
    let server = TestServer::start().await;
    let api = server.api();
    let missing = api.get("/v1/users/check-nick").await;
    assert_eq!((missing.status, missing.code()), (422, "validation_error"));
    for bad in ["%40", "a", "has%20space", "-dash"] {
        let refused = api.get(&format!("/v1/users/check-nick?nick={bad}")).await;
        assert_eq!(
            (refused.status, refused.code()),
            (422, "invalid_nick"),
            "{bad}"
        );
    }
    assert_eq!(
        api.post("/v1/users/register-nick", json!({})).await.status,
        422
    );
    let first = api
        .post(
            "/v1/users/register-nick",
            json!({"nick": "taken", "owner_agent": "agent://dev/people/ann"}),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let taken = api
        .post("/v1/users/register-nick", json!({"nick": "TAKEN"}))
        .await;
    assert_eq!((taken.status, taken.code()), (409, "nick_taken"));
    let twice = api
        .post(
            "/v1/users/register-nick",
            json!({"nick": "another", "owner_agent": "agent://dev/people/ann"}),
        )
        .await;
    assert_eq!((twice.status, twice.code()), (409, "user_exists"));
    let bad_email = api
        .post(
            "/v1/users/register-nick",
            json!({"nick": "mailer", "email": "nobody"}),
        )
        .await;
    assert_eq!(bad_email.status, 422);

    let unknown = api
        .post(
            "/v1/users/rename-nick",
            json!({"owner_agent": "agent://dev/users/none", "nick": "x_y"}),
        )
        .await;
    assert_eq!((unknown.status, unknown.code()), (404, "user_not_found"));
    let no_owner = api
        .post("/v1/users/rename-nick", json!({"nick": "x_y"}))
        .await;
    assert_eq!(no_owner.status, 422);
    let other = api
        .post("/v1/users/register-nick", json!({"nick": "other_one"}))
        .await;
    let onto_taken = api
        .post(
            "/v1/users/rename-nick",
            json!({"owner_agent": other.body["owner_agent"], "nick": "taken"}),
        )
        .await;
    assert_eq!((onto_taken.status, onto_taken.code()), (409, "nick_taken"));

    assert_eq!(api.get("/v1/users/profile").await.status, 422);
    assert_eq!(
        api.get("/v1/users/profile?owner_agent=bad%20name")
            .await
            .code(),
        "invalid_agent_address"
    );
    let nothing = api
        .post(
            "/v1/users/profile/update",
            json!({"owner_agent": "agent://dev/people/ann"}),
        )
        .await;
    assert_eq!(nothing.status, 422);
    let phone = api
        .post(
            "/v1/users/profile/update",
            json!({"owner_agent": "agent://dev/people/ann", "phone": "call me"}),
        )
        .await;
    assert_eq!(phone.status, 422);
    let nobody = api
        .post(
            "/v1/users/profile/update",
            json!({"owner_agent": "agent://dev/people/nobody", "display_name": "X"}),
        )
        .await;
    assert_eq!(nobody.status, 404);
    assert_eq!(
        server
            .anonymous()
            .get("/v1/users/check-nick?nick=alice")
            .await
            .status,
        401
    );
}
