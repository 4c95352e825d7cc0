//! The inbox change feed: cursor pagination, a change moving a thread to the end, bad cursors.

use serde_json::json;

use crate::support::TestServer;

use super::inbox::completed_to;

#[tokio::test]
async fn the_change_feed_pages_with_cursors() {
    let ts = TestServer::start().await;
    let api = ts.api();
    let owner = "agent://feed/owner";
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(completed_to(&api, owner).await);
    }
    let page = api
        .get(&format!("/v1/inbox/changes?owner_agent={owner}&limit=2"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.body["has_more"], true);
    let threads: Vec<&str> = page.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["thread"]["thread_id"].as_str().unwrap())
        .collect();
    assert_eq!(threads, [ids[0].as_str(), ids[1].as_str()]);
    let cursor = page.body["next_cursor"].as_str().unwrap().to_string();
    assert_eq!(page.body["changes"][1]["cursor"], cursor);
    let rest = api
        .get(&format!(
            "/v1/inbox/changes?owner_agent={owner}&cursor={cursor}"
        ))
        .await;
    assert_eq!(rest.body["has_more"], false);
    assert_eq!(rest.body["changes"][0]["thread"]["thread_id"], ids[2]);
    let end = rest.body["next_cursor"].as_str().unwrap().to_string();
    let empty = api
        .get(&format!(
            "/v1/inbox/changes?owner_agent={owner}&cursor={end}"
        ))
        .await;
    assert_eq!(
        (
            empty.body["changes"].as_array().unwrap().len(),
            empty.body["next_cursor"].as_str()
        ),
        (0, Some(end.as_str()))
    );
    // A reply moves the first thread after the end of the feed.
    api.post(
        &format!("/v1/inbox/{}/reply?owner_agent={owner}", ids[0]),
        json!({"message": "again"}),
    )
    .await;
    let moved = api
        .get(&format!(
            "/v1/inbox/changes?owner_agent={owner}&cursor={end}"
        ))
        .await;
    assert_eq!(moved.body["changes"][0]["thread"]["thread_id"], ids[0]);
    let listed = api.get(&format!("/v1/inbox?owner_agent={owner}")).await;
    assert_eq!(
        listed.body["threads"][0]["thread_id"], ids[0],
        "most recently changed first"
    );
    assert_eq!(
        api.get(&format!(
            "/v1/inbox/changes?owner_agent={owner}&cursor=bogus"
        ))
        .await
        .status,
        422
    );
    assert_eq!(
        api.get(&format!("/v1/inbox/changes?owner_agent={owner}&limit=501"))
            .await
            .status,
        422
    );
    let none = api
        .get("/v1/inbox/changes?owner_agent=agent://nobody")
        .await;
    assert_eq!(
        (
            none.body["next_cursor"].is_null(),
            none.body["has_more"].as_bool()
        ),
        (true, Some(false))
    );
}
