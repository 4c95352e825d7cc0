//! Media: create an upload, PUT its bytes into the data dir, finalize, read and download; bad input.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{Api, TestServer};

fn create_body(size: usize) -> Value {
    json!({"owner_agent": "agent://conformance/owner", "filename": "report.txt", "mime_type": "text/plain", "size_bytes": size})
}

async fn create(api: &Api, body: Value) -> String {
    let created = api.post("/v1/media/create-upload", body).await;
    assert_eq!(created.status, 200, "{}", created.body);
    created.body["upload_id"].as_str().unwrap().to_string()
}

/// PUT raw bytes; returns the status and the JSON answer (validated against the spec).
async fn put(api: &Api, upload_id: &str, bytes: Vec<u8>) -> (u16, Value) {
    let path = format!("/v1/media/upload/{upload_id}");
    let resp = api
        .http
        .put(format!("{}{path}", api.base))
        .header("x-api-key", &api.key)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    crate::support::spec()
        .validate_response("PUT", &path, status, &body)
        .unwrap_or_else(|e| panic!("PUT {path}: {e}\n{body}"));
    (status, body)
}

async fn download(api: &Api, kind: &str, upload_id: &str) -> reqwest::Response {
    api.http
        .get(format!("{}/v1/media/{kind}/{upload_id}", api.base))
        .header("x-api-key", &api.key)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn upload_finalize_and_download() {
    let server = TestServer::start().await;
    let api = server.api();
    let content = b"hello, media".repeat(1000);
    let digest = hex::encode(Sha256::digest(&content));
    let id = create(&api, create_body(content.len())).await;
    let meta = api.get(&format!("/v1/media/{id}")).await;
    assert_eq!(meta.status, 200, "{}", meta.body);
    assert_eq!(meta.body["upload"]["status"], "pending");
    assert!(meta.body["upload"]["upload_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v1/media/upload/{id}")));

    let (status, stored) = put(&api, &id, content.clone()).await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["sha256"], digest.as_str());
    assert_eq!(stored["uploaded_bytes"], content.len());
    assert_eq!(
        std::fs::read(server.dir.path().join("media").join(&id)).unwrap(),
        content
    );

    let early = download(&api, "download", &id).await;
    assert_eq!(early.status(), 409, "not finalized yet");
    let finalized = api
        .post(
            "/v1/media/finalize-upload",
            json!({"upload_id": id, "size_bytes": content.len(), "sha256": digest}),
        )
        .await;
    assert_eq!(finalized.status, 200, "{}", finalized.body);
    assert_eq!(finalized.body["status"], "ready");
    assert!(finalized.body["finalized_at"].is_string());

    let got = download(&api, "download", &id).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "text/plain");
    assert_eq!(
        got.headers()["etag"].to_str().unwrap(),
        format!("\"{digest}\"")
    );
    assert!(got.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(got.bytes().await.unwrap().as_ref(), content.as_slice());
    let preview = download(&api, "preview", &id).await;
    assert!(preview.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert!(preview.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline"));

    let (status, again) = put(&api, &id, content).await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("media_already_uploaded"))
    );
}

#[tokio::test]
async fn finalize_without_content_and_its_download() {
    let server = TestServer::start().await;
    let api = server.api();
    let id = create(&api, create_body(12345)).await;
    let wrong = api
        .post(
            "/v1/media/finalize-upload",
            json!({"upload_id": id, "size_bytes": 12}),
        )
        .await;
    assert_eq!((wrong.status, wrong.code()), (422, "size_mismatch"));
    let ready = api
        .post(
            "/v1/media/finalize-upload",
            json!({"upload_id": id, "size_bytes": 12345}),
        )
        .await;
    assert_eq!(
        (ready.status, ready.body["status"].clone()),
        (200, json!("ready"))
    );
    let repeat = api
        .post(
            "/v1/media/finalize-upload",
            json!({"upload_id": id, "size_bytes": 12345}),
        )
        .await;
    assert_eq!(repeat.body["finalized_at"], ready.body["finalized_at"]);
    let missing = download(&api, "download", &id).await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "media_content_missing");
}

#[tokio::test]
async fn bad_uploads_are_refused_and_leave_no_file() {
    let server = TestServer::start().await;
    let api = server.api();
    let too_big = api
        .post(
            "/v1/media/create-upload",
            create_body(100 * 1024 * 1024 + 1),
        )
        .await;
    assert_eq!((too_big.status, too_big.code()), (413, "payload_too_large"));
    for field in ["owner_agent", "filename", "mime_type", "size_bytes"] {
        let mut body = create_body(10);
        body.as_object_mut().unwrap().remove(field);
        assert_eq!(
            api.post("/v1/media/create-upload", body).await.status,
            422,
            "{field}"
        );
    }
    let mut bad_name = create_body(10);
    bad_name["filename"] = json!("../../etc/passwd");
    assert_eq!(
        api.post("/v1/media/create-upload", bad_name).await.status,
        422
    );

    let id = create(&api, create_body(10)).await;
    let (status, body) = put(&api, &id, vec![7u8; 11]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    let (status, body) = put(&api, &id, vec![7u8; 9]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("size_mismatch"))
    );
    let mut declared = create_body(3);
    declared["sha256"] = json!("0".repeat(64));
    let hashed = create(&api, declared).await;
    let (status, body) = put(&api, &hashed, b"abc".to_vec()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("sha256_mismatch"))
    );
    let files: Vec<_> = std::fs::read_dir(server.dir.path().join("media"))
        .unwrap()
        .collect();
    assert!(files.is_empty(), "refused uploads leave no file: {files:?}");

    let unknown = uuid::Uuid::new_v4();
    assert_eq!(
        api.get(&format!("/v1/media/{unknown}")).await.code(),
        "upload_not_found"
    );
    assert_eq!(api.get("/v1/media/not-a-uuid").await.status, 404);
    let finalize_unknown = api
        .post(
            "/v1/media/finalize-upload",
            json!({"upload_id": unknown, "size_bytes": 1}),
        )
        .await;
    assert_eq!(finalize_unknown.status, 404);
    assert_eq!(
        api.post(
            "/v1/media/finalize-upload",
            json!({"upload_id": "x", "size_bytes": 1})
        )
        .await
        .status,
        422
    );
    let (_, other) = server.credential("other").await;
    assert_eq!(other.get(&format!("/v1/media/{id}")).await.status, 404);
}
