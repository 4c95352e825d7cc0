//! Human tasks: `human_task` on create, `GET /v1/me/tasks`, answers through `resume` with
//! `task_result`, and the actor tokens humans call with.

use serde_json::json;

use crate::humans_support::{create, kinds, task_intent, user};
use crate::support::TestServer;

#[tokio::test]
async fn a_human_task_parks_the_intent_with_the_documented_events() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let task = json!({"title": "Ship api v3?", "task_type": "approval", "assignees": ["alice"]});
    let created = api
        .post("/v1/intents", task_intent("agent://acme/deployer", task))
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["status"], "WAITING");
    let id = created.body["intent_id"].as_str().unwrap();
    let events = api.events(id, 0).await;
    assert_eq!(
        kinds(&events),
        [
            "intent.created",
            "intent.submitted",
            "intent.delivered",
            "intent.waiting",
            "intent.human_task_assigned"
        ]
    );
    assert_eq!(events[3]["waiting_reason"], "WAITING_FOR_HUMAN");
    assert_eq!(events[4]["status"], "WAITING");
    assert_eq!(events[4]["details"]["assignees"], json!(["alice"]));
    assert_eq!(
        events[4]["details"]["allowed_outcomes"],
        json!(["approved", "rejected"])
    );
    let got = api.get(&format!("/v1/intents/{id}")).await;
    let intent = &got.body["intent"];
    assert_eq!(intent["status"], "WAITING");
    assert_eq!(intent["waiting_reason"], "WAITING_FOR_HUMAN");
    assert_eq!(
        intent["human_task"]["allowed_outcomes"],
        json!(["approved", "rejected"])
    );
    assert_eq!(
        intent["pending_with"],
        json!({"type": "human", "ref": "alice", "name": "Ship api v3?"})
    );
    assert_eq!(intent["last_seq"], 5);
}

#[tokio::test]
async fn human_task_specs_are_checked_and_errors_name_the_field() {
    let ts = TestServer::start().await;
    let api = ts.api();
    for (task, code, field) in [
        (
            json!({"description": "no title"}),
            "validation_error",
            "human_task.title",
        ),
        (
            json!({"title": "t", "task_type": "dance"}),
            "validation_error",
            "human_task.task_type",
        ),
        (
            json!({"title": "t", "allowed_outcomes": []}),
            "validation_error",
            "human_task.allowed_outcomes",
        ),
        (
            json!({"title": "t", "assignees": "alice"}),
            "validation_error",
            "human_task.assignees",
        ),
        (
            json!({"title": "t", "priority": "high"}),
            "validation_error",
            "human_task.priority",
        ),
        (
            json!({"title": "t", "form_schema": {"type": "nonsense"}}),
            "invalid_form_schema",
            "human_task.form_schema",
        ),
        (
            json!({"title": "t", "evidence_required": 1}),
            "validation_error",
            "human_task.evidence_required",
        ),
        (json!("approve it"), "validation_error", "human_task"),
    ] {
        let resp = api
            .post("/v1/intents", task_intent("agent://x", task.clone()))
            .await;
        assert_eq!(resp.status, 422, "{task}: {}", resp.body);
        assert_eq!(resp.code(), code, "{task}");
        assert_eq!(resp.body["error"]["details"]["field"], field, "{task}");
    }
    // `form`, outside the upstream schema enum, is accepted with its own default outcomes.
    let id = create(
        &api,
        task_intent(
            "agent://x",
            json!({"title": "Fill in", "task_type": "form"}),
        ),
    )
    .await;
    let got = api.get(&format!("/v1/intents/{id}")).await;
    assert_eq!(
        got.body["intent"]["human_task"]["allowed_outcomes"],
        json!(["submitted", "declined"])
    );
}

#[tokio::test]
async fn my_tasks_match_assignees_by_name_email_or_address() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let alice = user(&ts, "alice", Some("alice@example.com"));
    let bob = user(&ts, "bob", None);
    let mut mine = Vec::new();
    for assignee in [
        "alice",
        "ALICE@example.com",
        "agent://dev/default/alice",
        "mailto:alice@example.com",
    ] {
        let task = json!({"title": format!("for {assignee}"), "assignees": [assignee]});
        mine.push(create(&api, task_intent("agent://w", task)).await);
    }
    let bobs = create(
        &api,
        task_intent("agent://w", json!({"title": "b", "assignees": ["bob"]})),
    )
    .await;
    let anyone = create(&api, task_intent("agent://w", json!({"title": "anyone"}))).await;
    let mut alice_sees = alice.task_ids("open").await;
    alice_sees.sort();
    let mut expected: Vec<String> = mine.iter().cloned().chain([anyone.clone()]).collect();
    expected.sort();
    assert_eq!(alice_sees, expected);
    let mut bob_sees = bob.task_ids("open").await;
    bob_sees.sort();
    let mut expected = vec![bobs.clone(), anyone.clone()];
    expected.sort();
    assert_eq!(bob_sees, expected);
    let listed = alice.get("/v1/me/tasks?limit=1").await;
    assert_eq!(listed.body["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["tasks"][0]["intent_id"], anyone, "newest first");
    assert_eq!(listed.body["tasks"][0]["task_status"], "open");
    assert_eq!(listed.body["actor"]["address"], "agent://dev/default/alice");
    assert!(alice.task_ids("answered").await.is_empty());
    // Bad input and credentials.
    let key_only = api.get("/v1/me/tasks").await;
    assert_eq!(
        (key_only.status, key_only.code()),
        (401, "missing_actor_token")
    );
    let mut forged = user(&ts, "carol", None);
    forged.token.push('x');
    let bad = forged.get("/v1/me/tasks").await;
    assert_eq!((bad.status, bad.code()), (401, "invalid_actor_token"));
    assert_eq!(alice.get("/v1/me/tasks?status=bogus").await.status, 422);
    assert_eq!(alice.get("/v1/me/tasks?limit=0").await.status, 422);
    // Tenancy: another organisation's credential never sees these tasks' intents.
    let (_, other) = ts.credential("tasks-tenancy").await;
    assert_eq!(
        other.get(&format!("/v1/intents/{anyone}")).await.status,
        404
    );
}

#[tokio::test]
async fn the_admin_cli_creates_users_whose_token_is_shown_once_and_works() {
    let ts = TestServer::start().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_axme-server"))
        .args([
            "admin",
            "users",
            "create",
            "--org",
            "dev",
            "--name",
            "dana",
            "--email",
            "dana@example.com",
        ])
        .arg("--data-dir")
        .arg(ts.dir.path())
        .output()
        .expect("axme-server runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("axme_actor_"), "{token}");
    let listed = std::process::Command::new(env!("CARGO_BIN_EXE_axme-server"))
        .args(["admin", "users", "list", "--data-dir"])
        .arg(ts.dir.path())
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listing.contains("dana@example.com") && !listing.contains(&token),
        "{listing}"
    );
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_axme-server"))
        .args([
            "admin",
            "users",
            "create",
            "--org",
            "dev",
            "--name",
            "dana",
            "--data-dir",
        ])
        .arg(ts.dir.path())
        .output()
        .unwrap();
    assert!(!again.status.success());
    let api = ts.api();
    let id = create(
        &api,
        task_intent(
            "agent://w",
            json!({"title": "t", "assignees": ["dana@example.com"]}),
        ),
    )
    .await;
    let dana = crate::humans_support::Human {
        api: crate::support::Api::new(&ts.base, ""),
        token,
        address: "agent://dev/default/dana".into(),
    };
    assert_eq!(dana.task_ids("open").await, vec![id.clone()]);
    assert_eq!(
        dana.answer(&id, json!({"outcome": "approved"}))
            .await
            .status,
        200
    );
}
