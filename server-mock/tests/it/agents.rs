//! The agent registry: implicit agents, registration, list and get (every address spelling), and the
//! dispatch of the `/v1/agents/{address}/…` family.

use serde_json::json;

use crate::support::TestServer;

#[tokio::test]
async fn addressed_agents_appear_implicitly_and_registration_updates_them() {
    let server = TestServer::start().await;
    let api = server.api();
    let id = api.create_to("agent://dev/default/billing").await;
    let implicit = api.get("/v1/agents/dev/default/billing").await;
    assert_eq!(implicit.status, 200, "{}", implicit.body);
    let agent = &implicit.body["agent"];
    assert_eq!(
        (
            agent["registered"].as_bool(),
            agent["delivery_mode"].as_str()
        ),
        (Some(false), Some("stream"))
    );
    assert!(agent["address_id"].as_str().unwrap().starts_with("agt_"));
    assert!(
        agent["service_account_id"].is_null(),
        "no service account is named billing"
    );
    // Implicit agents keep working with listen.
    let listen = api
        .sse(
            "/v1/agents/dev/default/billing/intents/stream?since=0&wait_seconds=1",
            &[],
        )
        .await;
    assert_eq!(listen.events()[0].data["intent_id"], id.as_str());

    let registered = api
        .post("/v1/agents", json!({"address": "agent://dev/default/billing", "display_name": "Billing", "delivery_mode": "poll"}))
        .await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    assert_eq!(registered.body["created"], false);
    assert_eq!(
        registered.body["agent"]["address_id"], agent["address_id"],
        "the id is stable"
    );
    assert_eq!(registered.body["agent"]["display_name"], "Billing");
    assert_eq!(registered.body["agent"]["registered"], true);

    // The dev account's own address links its service account.
    api.create_to("agent://dev/default/dev").await;
    for spelling in [
        "dev/default/dev",
        "agent%3A%2F%2Fdev%2Fdefault%2Fdev",
        "dev%2Fdefault%2Fdev",
        "DEV/default/dev",
    ] {
        let got = api.get(&format!("/v1/agents/{spelling}")).await;
        assert_eq!(got.status, 200, "{spelling}: {}", got.body);
        assert_eq!(got.body["agent"]["address"], "agent://dev/default/dev");
        assert_eq!(got.body["agent"]["service_account_name"], "dev");
    }
}

#[tokio::test]
async fn list_filters_by_workspace_and_checks_its_parameters() {
    let server = TestServer::start().await;
    let api = server.api();
    for to in [
        "agent://dev/default/a",
        "agent://dev/default/b",
        "agent://dev/other/c",
        "agent://loose",
    ] {
        api.create_to(to).await;
    }
    let all = api.get("/v1/agents").await;
    let addresses: Vec<&str> = all.body["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["address"].as_str().unwrap())
        .collect();
    // The dev account itself appears too: it is the sender of every intent above.
    assert_eq!(
        addresses,
        [
            "agent://dev/default/a",
            "agent://dev/default/b",
            "agent://dev/default/dev",
            "agent://dev/other/c",
            "agent://loose"
        ]
    );
    let limited = api.get("/v1/agents?limit=2").await;
    assert_eq!(limited.body["agents"].as_array().unwrap().len(), 2);
    let by_name = api.get("/v1/agents?org_id=dev&workspace_id=default").await;
    assert_eq!(by_name.body["agents"].as_array().unwrap().len(), 3);
    let ws_id = server
        .api()
        .get("/v1/organizations/dev/workspaces")
        .await
        .body["workspaces"][0]["workspace_id"]
        .as_str()
        .unwrap()
        .to_string();
    let by_id = api.get(&format!("/v1/agents?workspace_id={ws_id}")).await;
    assert_eq!(by_id.body["agents"], by_name.body["agents"]);
    for (query, status, code) in [
        ("limit=0", 422, "validation_error"),
        ("limit=501", 422, "validation_error"),
        ("limit=ten", 422, "validation_error"),
        ("org_id=someone-else", 404, "organization_not_found"),
        ("workspace_id=nowhere", 404, "workspace_not_found"),
    ] {
        let resp = api.get(&format!("/v1/agents?{query}")).await;
        assert_eq!((resp.status, resp.code()), (status, code), "{query}");
    }
    // Another organisation sees none of these.
    let (_, other) = server.credential("agents").await;
    let theirs = other.get("/v1/agents").await;
    assert_eq!(theirs.body["agents"], json!([]));
    assert_eq!(other.get("/v1/agents/dev/default/a").await.status, 404);
}

#[tokio::test]
async fn get_and_dispatch_answer_clearly() {
    let server = TestServer::start().await;
    let api = server.api();
    let missing = api.get("/v1/agents/nobody/here").await;
    assert_eq!((missing.status, missing.code()), (404, "agent_not_found"));
    let bad = api.get("/v1/agents/bad%20name").await;
    assert_eq!((bad.status, bad.code()), (422, "invalid_agent_address"));
    let too_deep = api.get("/v1/agents/a/b/c/d/e").await;
    assert!(matches!(too_deep.status, 404 | 422), "{}", too_deep.body);
    let unserved = api.get("/v1/agents/dev/default/a/receive-override").await;
    assert_eq!((unserved.status, unserved.code()), (501, "not_implemented"));
    let wrong = api
        .call(reqwest::Method::DELETE, "/v1/agents", None, &[])
        .await;
    assert_eq!(wrong.status, 405);
    let anonymous = server.anonymous().get("/v1/agents/dev/default/a").await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(server.anonymous().get("/v1/agents").await.status, 401);
}
