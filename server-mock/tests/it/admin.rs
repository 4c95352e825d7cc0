//! Administration over HTTP: organisations, workspaces, service accounts and keys (create, list,
//! revoke, rotate, expiry), who may call what, and bad input for each endpoint.

use std::time::Duration;

use serde_json::json;

use crate::mesh::account;
use crate::support::{Api, TestServer};

#[tokio::test]
async fn organisations_and_workspaces() {
    let server = TestServer::start().await;
    let api = server.api();
    let created = api
        .post(
            "/v1/organizations",
            json!({"name": "acme", "legal_name": "Acme Inc.", "metadata": {"tier": "gold"}}),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let org = &created.body["organization"];
    assert_eq!(
        (org["name"].as_str(), org["legal_name"].as_str()),
        (Some("acme"), Some("Acme Inc."))
    );
    assert_eq!(org["workspaces"][0]["name"], "default");
    let org_id = org["org_id"].as_str().unwrap().to_string();
    let by_name = api.get("/v1/organizations/acme").await;
    assert_eq!(by_name.body["organization"]["org_id"], org_id.as_str());
    let ws = api
        .post(
            &format!("/v1/organizations/{org_id}/workspaces"),
            json!({"name": "prod", "environment": "production", "region": "eu"}),
        )
        .await;
    assert_eq!(ws.status, 200, "{}", ws.body);
    assert_eq!(
        (
            ws.body["workspace"]["name"].as_str(),
            ws.body["workspace"]["environment"].as_str()
        ),
        (Some("prod"), Some("production"))
    );
    let list = api.get("/v1/organizations/acme/workspaces").await;
    let names: Vec<&str> = list.body["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default", "prod"]);

    for (path, body, status, code) in [
        (
            "/v1/organizations",
            json!({"name": "acme"}),
            409,
            "organization_exists",
        ),
        (
            "/v1/organizations",
            json!({"name": "Acme Corp"}),
            422,
            "invalid_name",
        ),
        ("/v1/organizations", json!({}), 422, "validation_error"),
        (
            "/v1/organizations",
            json!({"name": "x", "status": "archived"}),
            422,
            "validation_error",
        ),
        (
            "/v1/organizations/acme/workspaces",
            json!({"name": "prod"}),
            409,
            "workspace_exists",
        ),
        (
            "/v1/organizations/acme/workspaces",
            json!({"name": "qa", "environment": "moon"}),
            422,
            "validation_error",
        ),
        (
            "/v1/organizations/nobody/workspaces",
            json!({"name": "qa"}),
            404,
            "organization_not_found",
        ),
    ] {
        let resp = api.post(path, body.clone()).await;
        assert_eq!(
            (resp.status, resp.code()),
            (status, code),
            "{path} {body}: {}",
            resp.body
        );
    }
    assert_eq!(api.get("/v1/organizations/nobody").await.status, 404);
    let patch = api
        .call(
            reqwest::Method::PATCH,
            "/v1/organizations/acme",
            Some(json!({})),
            &[],
        )
        .await;
    assert_eq!((patch.status, patch.code()), (501, "not_implemented"));

    // A non-admin credential sees its own organisation only and cannot create.
    let (_, other) = server.credential("admin").await;
    assert_eq!(other.get("/v1/organizations/acme").await.status, 404);
    let own = other.get("/v1/organizations").await;
    assert_eq!(own.status, 405);
    let refused = other
        .post("/v1/organizations", json!({"name": "mine"}))
        .await;
    assert_eq!((refused.status, refused.code()), (403, "admin_required"));
    let refused = other
        .post("/v1/organizations/acme/workspaces", json!({"name": "mine"}))
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn service_accounts_and_keys_rotate_and_revoke() {
    let server = TestServer::start().await;
    let api = server.api();
    let (id, worker) = account(&api, "worker").await;
    assert_eq!(
        worker.get("/v1/intents").await.status,
        200,
        "the issued key works"
    );
    let got = api.get(&format!("/v1/service-accounts/{id}")).await;
    let sa = &got.body["service_account"];
    assert_eq!(
        (sa["agent_address"].as_str(), sa["admin"].as_bool()),
        (Some("agent://dev/default/worker"), Some(false))
    );
    assert_eq!(sa["keys"].as_array().unwrap().len(), 1);
    let listed = api
        .get("/v1/service-accounts?org_id=dev&workspace_id=default")
        .await;
    let names: Vec<&str> = listed.body["service_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dev", "worker"]);
    assert_eq!(
        api.get("/v1/service-accounts").await.body["service_accounts"],
        listed.body["service_accounts"]
    );

    // A service account manages its own keys: a second key, then rotation of the first.
    let keys = worker.get(&format!("/v1/service-accounts/{id}/keys")).await;
    let first_key = keys.body["keys"][0]["key_id"].as_str().unwrap().to_string();
    let second = worker
        .post(
            &format!("/v1/service-accounts/{id}/keys"),
            json!({"name": "ci"}),
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.body);
    let ci = Api::new(&api.base, second.body["api_key"].as_str().unwrap());
    let rotated = ci
        .post(
            &format!("/v1/service-accounts/{id}/keys/{first_key}/rotate"),
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert_eq!(rotated.body["revoked_key_id"], first_key.as_str());
    assert_eq!(
        worker.get("/v1/intents").await.status,
        401,
        "the rotated key is refused at once"
    );
    let fresh = Api::new(&api.base, rotated.body["api_key"].as_str().unwrap());
    assert_eq!(fresh.get("/v1/intents").await.status, 200);
    let again = fresh
        .post(
            &format!("/v1/service-accounts/{id}/keys/{first_key}/rotate"),
            json!({}),
        )
        .await;
    assert_eq!((again.status, again.code()), (409, "key_already_revoked"));
    let ci_key = second.body["key_id"].as_str().unwrap();
    let revoked = fresh
        .post(
            &format!("/v1/service-accounts/{id}/keys/{ci_key}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(revoked.body["revoked"], true);
    assert_eq!(ci.get("/v1/intents").await.status, 401);
    let states: Vec<String> = api
        .get(&format!("/v1/service-accounts/{id}/keys"))
        .await
        .body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(states, ["revoked", "revoked", "active"]);

    // Not an admin: no other account's keys, no new accounts.
    let dev_id = names_to_id(&listed.body, "dev");
    let theirs = fresh
        .post(&format!("/v1/service-accounts/{dev_id}/keys"), json!({}))
        .await;
    assert_eq!((theirs.status, theirs.code()), (403, "admin_required"));
    let new_account = fresh
        .post(
            "/v1/service-accounts",
            json!({"org_id": "dev", "workspace_id": "default", "name": "x"}),
        )
        .await;
    assert_eq!(new_account.status, 403);
    // Another organisation does not see these accounts at all.
    let (_, other) = server.credential("keys").await;
    assert_eq!(
        other
            .get(&format!("/v1/service-accounts/{id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        other.get("/v1/service-accounts?org_id=dev").await.status,
        404
    );
}

fn names_to_id(list: &serde_json::Value, name: &str) -> String {
    list["service_accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()["service_account_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn keys_expire_and_secrets_are_not_replayed() {
    let server = TestServer::start().await;
    let api = server.api();
    let (id, _) = account(&api, "temp").await;
    let soon = time::OffsetDateTime::now_utc() + time::Duration::milliseconds(400);
    let expires = soon
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let short = api
        .post(
            &format!("/v1/service-accounts/{id}/keys"),
            json!({"expires_at": expires}),
        )
        .await;
    assert!(short.body["expires_at"].is_string());
    let temp = Api::new(&api.base, short.body["api_key"].as_str().unwrap());
    // Bounded wait on the condition itself (the key stops working at its expiry).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let status = temp.get("/v1/intents").await.status;
        if status == 401 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the key never expired"
        );
        tokio::task::yield_now().await;
    }
    let key_id = short.body["key_id"].as_str().unwrap();
    let listed = api.get(&format!("/v1/service-accounts/{id}/keys")).await;
    let state = listed.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key_id"] == key_id)
        .unwrap()["status"]
        .clone();
    assert_eq!(state, "expired");

    let path = format!("/v1/service-accounts/{id}/keys");
    let headers = [("idempotency-key", "key-once")];
    let first = api
        .call(reqwest::Method::POST, &path, Some(json!({})), &headers)
        .await;
    let replay = api
        .call(reqwest::Method::POST, &path, Some(json!({})), &headers)
        .await;
    assert!(first.body["api_key"].is_string());
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        (
            replay.body["key_id"].clone(),
            replay.body["api_key"].clone()
        ),
        (first.body["key_id"].clone(), json!(null))
    );
}

#[tokio::test]
async fn admin_endpoints_refuse_bad_input() {
    let server = TestServer::start().await;
    let api = server.api();
    let (id, _) = account(&api, "worker").await;
    for (body, status, field) in [
        (
            json!({"workspace_id": "default", "name": "x"}),
            422,
            "org_id",
        ),
        (json!({"org_id": "dev", "name": "x"}), 422, "workspace_id"),
        (
            json!({"org_id": "dev", "workspace_id": "default", "name": "Bad Name"}),
            422,
            "name",
        ),
        (
            json!({"org_id": "dev", "workspace_id": "default", "name": "x", "admin": "yes"}),
            422,
            "admin",
        ),
    ] {
        let resp = api.post("/v1/service-accounts", body.clone()).await;
        assert_eq!(
            (resp.status, resp.body["error"]["details"]["field"].as_str()),
            (status, Some(field)),
            "{body}"
        );
    }
    let dup = api
        .post(
            "/v1/service-accounts",
            json!({"org_id": "dev", "workspace_id": "default", "name": "worker"}),
        )
        .await;
    assert_eq!((dup.status, dup.code()), (409, "service_account_exists"));
    let no_ws = api
        .post(
            "/v1/service-accounts",
            json!({"org_id": "dev", "workspace_id": "nowhere", "name": "y"}),
        )
        .await;
    assert_eq!((no_ws.status, no_ws.code()), (404, "workspace_not_found"));
    let no_org = api
        .post(
            "/v1/service-accounts",
            json!({"org_id": "nobody", "workspace_id": "default", "name": "y"}),
        )
        .await;
    assert_eq!(no_org.status, 404);
    assert_eq!(
        api.get("/v1/service-accounts?workspace_id=nowhere")
            .await
            .status,
        404
    );
    assert_eq!(
        api.get("/v1/service-accounts/0000000000000000")
            .await
            .status,
        404
    );
    for body in [
        json!({"expires_at": "2000-01-01T00:00:00Z"}),
        json!({"expires_at": "tomorrow"}),
        json!({"name": 5}),
    ] {
        let resp = api
            .post(&format!("/v1/service-accounts/{id}/keys"), body.clone())
            .await;
        assert_eq!(resp.status, 422, "{body}");
    }
    assert_eq!(
        api.post("/v1/service-accounts/0000000000000000/keys", json!({}))
            .await
            .status,
        404
    );
    let missing = api
        .post(
            &format!("/v1/service-accounts/{id}/keys/key_nope/revoke"),
            json!({}),
        )
        .await;
    assert_eq!((missing.status, missing.code()), (404, "key_not_found"));
    assert_eq!(
        api.post(
            &format!("/v1/service-accounts/{id}/keys/key_nope/rotate"),
            json!({})
        )
        .await
        .status,
        404
    );
    assert_eq!(
        server.anonymous().get("/v1/service-accounts").await.status,
        401
    );
}

#[tokio::test]
async fn the_cli_makes_http_admins() {
    let server = TestServer::start().await;
    let run = |name: &str, admin: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_axme-server"));
        cmd.arg("--data-dir").arg(server.dir.path());
        cmd.args(["admin", "keys", "create", "--org", "dev", "--name", name]);
        if admin {
            cmd.arg("--admin");
        }
        let out = cmd.output().expect("the admin CLI runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Api::new(&server.base, String::from_utf8(out.stdout).unwrap().trim())
    };
    let ops = run("ops", true);
    let plain = run("plain", false);
    assert_eq!(
        ops.post("/v1/organizations", json!({"name": "ops-made"}))
            .await
            .status,
        200
    );
    assert_eq!(
        plain
            .post("/v1/organizations", json!({"name": "plain-made"}))
            .await
            .status,
        403
    );
}
