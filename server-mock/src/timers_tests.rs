//! The purge of expired uploads, against a real store and files in its data dir.

use std::sync::Arc;

use super::purge_expired_uploads;
use crate::domain::clock;
use crate::domain::media::{Finalize, MediaOp, NewUpload, Stored};
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, WriteOp, WriteRequest};

async fn write(store: &SqliteStore, op: MediaOp) {
    let request = WriteRequest {
        op: WriteOp::Media(op),
        idempotency: None,
    };
    store.write(request).await.expect("write");
}

/// An upload with its content stored (and a file for it), finalized or not.
async fn upload(store: &SqliteStore, dir: &std::path::Path, id: &str, finalize: bool) {
    let org_id = "org_1".to_string();
    let upload = NewUpload {
        owner_agent: "agent://t/owner".into(),
        filename: "f.bin".into(),
        mime_type: "application/octet-stream".into(),
        size_bytes: 3,
        sha256: None,
        ttl_seconds: 60,
    };
    let upload_id = id.to_string();
    write(
        store,
        MediaOp::Create {
            org_id: org_id.clone(),
            upload_id: upload_id.clone(),
            upload,
        },
    )
    .await;
    std::fs::create_dir_all(dir.join("media")).unwrap();
    std::fs::write(dir.join("media").join(id), b"abc").unwrap();
    let stored = Stored {
        bytes: 3,
        sha256: "s".into(),
    };
    write(
        store,
        MediaOp::Store {
            org_id: org_id.clone(),
            upload_id: upload_id.clone(),
            stored,
        },
    )
    .await;
    if finalize {
        let finalize = Finalize {
            upload_id,
            size_bytes: 3,
            sha256: None,
        };
        write(store, MediaOp::Finalize { org_id, finalize }).await;
    }
}

#[tokio::test]
async fn only_expired_unfinalized_uploads_lose_their_content() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        SqliteStore::open(dir.path(), 16, Hub::new(), Arc::new(Metrics::default())).unwrap();
    upload(&store, dir.path(), "abandoned", false).await;
    upload(&store, dir.path(), "finalized", true).await;
    let media = |id: &str| dir.path().join("media").join(id);

    // Before the 60 s ttl has passed, nothing is expired.
    let now = clock::now_us();
    assert_eq!(
        purge_expired_uploads(&store, dir.path(), now)
            .await
            .unwrap(),
        0
    );
    assert!(media("abandoned").exists());

    let later = now + 61_000_000;
    assert_eq!(
        purge_expired_uploads(&store, dir.path(), later)
            .await
            .unwrap(),
        1
    );
    assert!(
        !media("abandoned").exists(),
        "the abandoned upload's file is deleted"
    );
    assert!(
        media("finalized").exists(),
        "a finalized upload keeps its content"
    );
    let row = store
        .get_media("org_1".into(), "abandoned".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row["content_uploaded"], false, "{row}");
    // A second pass finds nothing left to do.
    assert_eq!(
        purge_expired_uploads(&store, dir.path(), later)
            .await
            .unwrap(),
        0
    );
    store.close().await;
}
