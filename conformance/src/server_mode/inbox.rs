//! Owner inboxes and approval decisions. Every check makes its own thread first (an intent with
//! `reply_to`, completed) under an owner address of its own.

use serde_json::{json, Value};

use super::harness::{at, ensure, is_uuid, short, CheckResult, Ctx};

fn thread_path(id: &str, action: &str, owner: &str) -> String {
    format!("/v1/inbox/{id}/{action}?owner_agent={owner}")
}

fn has_thread(body: &Value, list: &str, id: &str) -> bool {
    body[list].as_array().is_some_and(|items| {
        items
            .iter()
            .any(|t| t["thread_id"] == json!(id) || t["thread"]["thread_id"] == json!(id))
    })
}

pub async fn inbox_list(c: Ctx) -> CheckResult {
    let owner = c.address("owner-list");
    let id = c.completed_thread(&owner).await?;
    let path = format!("/v1/inbox?owner_agent={owner}");
    let body = c.get_ok(&path).await?;
    ensure!(
        body["ok"] == json!(true) && has_thread(&body, "threads", &id),
        "GET {path}: expected ok and thread {id} among threads, got {}",
        short(&body)
    );
    Ok(())
}

pub async fn inbox_thread(c: Ctx) -> CheckResult {
    let owner = c.address("owner-thread");
    let id = c.completed_thread(&owner).await?;
    let path = format!("/v1/inbox/{id}?owner_agent={owner}");
    let body = c.get_ok(&path).await?;
    let thread = &body["thread"];
    ensure!(
        body["ok"] == json!(true) && thread["thread_id"] == json!(id),
        "GET {path}: expected ok and thread.thread_id = {id}, got {}",
        short(&body)
    );
    ensure!(
        thread["timeline"].as_array().is_some_and(|t| !t.is_empty()),
        "GET {path}: expected a non-empty thread.timeline, got {}",
        at(&body, "/thread/timeline")
    );
    Ok(())
}

pub async fn inbox_reply(c: Ctx) -> CheckResult {
    let owner = c.address("owner-reply");
    let id = c.completed_thread(&owner).await?;
    let path = thread_path(&id, "reply", &owner);
    let message = format!("reply from conformance run {}", c.run);
    let body = c.post_ok(&path, &json!({"message": message})).await?;
    let timeline = body["thread"]["timeline"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        body["ok"] == json!(true) && body["thread"]["thread_id"] == json!(id),
        "POST {path}: expected ok and the thread back, got {}",
        short(&body)
    );
    ensure!(
        timeline.iter().any(|e| e.to_string().contains(&message)),
        "POST {path}: expected the reply {message:?} in thread.timeline, got {}",
        short(&Value::Array(timeline))
    );
    Ok(())
}

pub async fn inbox_changes_pagination(c: Ctx) -> CheckResult {
    let owner = c.address("owner-changes");
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(c.completed_thread(&owner).await?);
    }
    let path = format!("/v1/inbox/changes?owner_agent={owner}&limit=2");
    let page = c.get_ok(&path).await?;
    let first: Vec<Value> = page["changes"].as_array().cloned().unwrap_or_default();
    ensure!(
        first.len() == 2 && page["has_more"] == json!(true) && page["next_cursor"].is_string(),
        "GET {path} with 3 threads: expected 2 changes, has_more = true and a next_cursor, got {}",
        short(&page)
    );
    let cursor = page["next_cursor"].as_str().unwrap_or_default();
    let path = format!("/v1/inbox/changes?owner_agent={owner}&limit=2&cursor={cursor}");
    let rest = c.get_ok(&path).await?;
    let second: Vec<Value> = rest["changes"].as_array().cloned().unwrap_or_default();
    ensure!(
        second.len() == 1 && rest["has_more"] == json!(false),
        "GET {path}: expected the 1 remaining change and has_more = false, got {}",
        short(&rest)
    );
    let seen: Vec<&Value> = first
        .iter()
        .chain(second.iter())
        .map(|ch| &ch["thread"]["thread_id"])
        .collect();
    let expected: Vec<Value> = ids.iter().map(|id| json!(id)).collect();
    ensure!(
        seen.iter().zip(&expected).all(|(a, b)| *a == b) && seen.len() == 3,
        "paging the change feed: expected threads {ids:?} once each in order, got {seen:?}"
    );
    Ok(())
}

pub async fn inbox_delegate(c: Ctx) -> CheckResult {
    let owner = c.address("owner-delegate");
    let delegate = c.address("delegate");
    let id = c.completed_thread(&owner).await?;
    let path = thread_path(&id, "delegate", &owner);
    let body = c
        .post_ok(
            &path,
            &json!({"delegate_to": delegate, "note": "please take over"}),
        )
        .await?;
    ensure!(
        body["ok"] == json!(true) && body["thread"]["thread_id"] == json!(id),
        "POST {path}: expected ok and the thread back, got {}",
        short(&body)
    );
    let theirs = c
        .get_ok(&format!("/v1/inbox?owner_agent={delegate}"))
        .await?;
    ensure!(
        has_thread(&theirs, "threads", &id),
        "after delegating {id} to {delegate}: expected it in the delegate's inbox, got {}",
        short(&theirs)
    );
    Ok(())
}

pub async fn inbox_decision(c: Ctx) -> CheckResult {
    let owner = c.address("owner-decision");
    let id = c.completed_thread(&owner).await?;
    let path = thread_path(&id, "approve", &owner);
    let body = c
        .post_ok(&path, &json!({"comment": "approved by conformance"}))
        .await?;
    ensure!(
        body["ok"] == json!(true) && body["thread"]["thread_id"] == json!(id),
        "POST {path}: expected ok and the thread back, got {}",
        short(&body)
    );
    ensure!(
        body["thread"]["status"] == json!("done"),
        "POST {path}: expected thread.status done after approving, got {}",
        at(&body, "/thread/status")
    );
    Ok(())
}

pub async fn inbox_messages_delete(c: Ctx) -> CheckResult {
    let owner = c.address("owner-delete");
    let id = c.completed_thread(&owner).await?;
    c.post_ok(
        &thread_path(&id, "reply", &owner),
        &json!({"message": "to be deleted"}),
    )
    .await?;
    let path = thread_path(&id, "messages/delete", &owner);
    let body = c
        .post_ok(&path, &json!({"mode": "self", "limit": 1}))
        .await?;
    ensure!(
        body["ok"] == json!(true) && body["mode"] == json!("self"),
        "POST {path}: expected ok and mode self, got {}",
        short(&body)
    );
    ensure!(
        body["deleted_count"] == json!(1)
            && body["message_ids"].as_array().is_some_and(|m| m.len() == 1),
        "POST {path} with limit 1: expected deleted_count 1 and one message id, got {}",
        short(&body)
    );
    let gone = body["message_ids"][0].to_string();
    ensure!(
        !body["thread"].to_string().contains(&gone),
        "POST {path}: expected the deleted message {gone} gone from the thread, got {}",
        short(&body["thread"])
    );
    Ok(())
}

pub async fn approvals_decision(c: Ctx) -> CheckResult {
    let approval = uuid::Uuid::new_v4().to_string();
    let path = format!("/v1/approvals/{approval}/decision");
    let body = c
        .post_ok(
            &path,
            &json!({"decision": "approve", "comment": "by conformance"}),
        )
        .await?;
    let got = &body["approval"];
    ensure!(
        body["ok"] == json!(true)
            && got["approval_id"] == json!(approval)
            && got["decision"] == json!("approve")
            && got["decided_at"].is_string(),
        "POST {path}: expected approval {{approval_id, decision: approve, decided_at}}, got {}",
        short(&body)
    );
    ensure!(
        is_uuid(&got["approval_id"]),
        "approval_id is not a UUID: {}",
        got["approval_id"]
    );
    Ok(())
}
