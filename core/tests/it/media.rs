//! Bodies that are not JSON: media content goes through `call_with_content` as raw bytes, with the
//! operation's media type, the same bytes and idempotency key on every attempt; a download's raw
//! response comes back through `call_by_id_bytes`.

use axme_core::ErrorKind;
use bytes::Bytes;
use serde_json::json;

use crate::support::{header, within, Harness};

const CONTENT: &[u8] = b"\x00\x01axme raw bytes \xff\n";
const CONTENT_SHA256: &str = "99eee5ed290b469abdaa4092908758559fa604a352e6a305c2dccc2952ffbaf0";
const UPLOAD_ROUTE: &str = "/v1/media/upload/{upload_id}";
const DOWNLOAD_ROUTE: &str = "/v1/media/download/{upload_id}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_media_content_sends_raw_bytes_and_retries_them() {
    let h = Harness::start().await;
    let cred = h.credential().await;
    let c = h.client(&cred);
    within(async {
        let upload = c
            .call_by_id(
                "create_media_upload",
                json!({"body": {"owner_agent": "agent://acme/bot", "filename": "raw.bin",
                    "mime_type": "application/octet-stream", "size_bytes": CONTENT.len(),
                    "sha256": CONTENT_SHA256}}),
            )
            .await
            .unwrap();
        let upload_id = upload["upload_id"].as_str().unwrap().to_string();
        h.rules(
            &cred,
            json!([{"match": {"method": "PUT", "route": UPLOAD_ROUTE, "attempt": 1},
                    "action": {"type": "respond", "status": 503}}]),
        )
        .await;
        // The server refuses content whose SHA-256 differs from the declared one (422), so a
        // success means the bytes arrived unchanged.
        let done = c
            .call_by_id_with_content(
                "upload_media_content",
                json!({"upload_id": upload_id}),
                Bytes::from_static(CONTENT),
            )
            .await
            .unwrap();
        assert_eq!(done["upload_id"], upload_id.as_str(), "{done}");

        let log = h.requests(&cred, Some(UPLOAD_ROUTE)).await;
        let statuses: Vec<_> = log.iter().map(|r| r["status"].as_u64().unwrap()).collect();
        assert_eq!(statuses, [503, 200]);
        for entry in &log {
            assert_eq!(entry["body_sha256"], CONTENT_SHA256);
            assert_eq!(
                header(entry, "content-type").as_deref(),
                Some("application/octet-stream")
            );
        }
        assert_eq!(
            header(&log[0], "idempotency-key"),
            header(&log[1], "idempotency-key")
        );
        assert!(header(&log[0], "idempotency-key").is_some());

        // The bytes come back raw from download (a 503 first: retried like any read), and the
        // JSON calls refuse an operation that answers raw bytes.
        c.call_by_id(
            "finalize_media_upload",
            json!({"body": {"upload_id": upload_id, "size_bytes": CONTENT.len()}}),
        )
        .await
        .unwrap();
        h.rules(
            &cred,
            json!([{"match": {"method": "GET", "route": DOWNLOAD_ROUTE, "attempt": 1},
                    "action": {"type": "respond", "status": 503}}]),
        )
        .await;
        let args = json!({"upload_id": upload_id});
        let bytes = c
            .call_by_id_bytes("download_media", args.clone(), None)
            .await
            .unwrap();
        assert_eq!(&bytes[..], CONTENT);
        let downloads = h.requests(&cred, Some(DOWNLOAD_ROUTE)).await;
        let statuses: Vec<_> = downloads
            .iter()
            .map(|r| r["status"].as_u64().unwrap())
            .collect();
        assert_eq!(statuses, [503, 200]);
        assert_eq!(
            header(&downloads[1], "accept").as_deref(),
            Some("application/octet-stream")
        );
        let e = c
            .call_by_id("download_media", args.clone())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        let e = c
            .call_by_id_bytes("get_media_upload", args.clone(), None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        let missing = json!({"upload_id": "upl_missing"});
        let e = c
            .call_by_id_bytes("download_media", missing, None)
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.status()),
            (ErrorKind::NotFound, Some(404)),
            "{e}"
        );

        // JSON operations take no raw content.
        let e = c
            .call_by_id_with_content("create_intent", json!({}), Bytes::from_static(b"x"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert_eq!(h.requests(&cred, Some("/v1/intents")).await.len(), 0);
    })
    .await;
}
