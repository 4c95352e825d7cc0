//! Media: reserve an upload, PUT its bytes into the data dir (`media/<upload id>`), finalize it, read
//! its metadata, download it. Bytes are streamed to a temporary file and hashed on the way; the file is
//! synced and renamed into place before its size and SHA-256 are committed, and removed again if the
//! commit refuses it, so a recorded upload always has its file.

use std::collections::HashSet;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Mutex;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use futures_util::StreamExt;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::domain::media::{self, MediaOp, Stored, MAX_MEDIA_BYTES};
use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::http::body::JsonBody;
use crate::http::idempotency;
use crate::http::links::base_url;
use crate::http::respond::{ok, written};
use crate::state::AppState;
use crate::store::{Principal, WriteOp, WriteRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/media/create-upload", post(create))
        .route("/v1/media/finalize-upload", post(finalize))
        .route("/v1/media/upload/{upload_id}", put(upload))
        .route("/v1/media/download/{upload_id}", get(download))
        .route("/v1/media/preview/{upload_id}", get(preview))
        .route("/v1/media/{upload_id}", get(metadata))
}

fn with_links(mut body: Value, headers: &HeaderMap) -> Value {
    if let Some(id) = body["upload_id"].as_str().map(str::to_owned) {
        let base = base_url(headers);
        body["upload_url"] = json!(format!("{base}/v1/media/upload/{id}"));
        body["download_url"] = json!(format!("{base}/v1/media/download/{id}"));
        body["preview_url"] = json!(format!("{base}/v1/media/preview/{id}"));
    }
    body
}

fn not_found(upload_id: &str) -> ApiError {
    ApiError::not_found(
        "upload_not_found",
        format!(
            "no upload {upload_id:?} is visible to this credential; create one with create-upload"
        ),
    )
}

/// The upload id of a path, canonical (lower-case UUID), or 404.
fn upload_id(raw: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| not_found(raw))
}

async fn write(
    state: &AppState,
    principal: &Principal,
    path: &str,
    headers: &HeaderMap,
    body: &Value,
    op: MediaOp,
) -> Result<Response, ApiError> {
    let op = WriteOp::Media(op);
    let mut done = super::commit::commit(state, principal, "POST", path, headers, body, op).await?;
    done.body = with_links(done.body, headers);
    Ok(written(done))
}

async fn create(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let upload = media::new_upload(&body)?;
    let op = MediaOp::Create {
        org_id: principal.org_id.clone(),
        upload_id: uuid::Uuid::new_v4().to_string(),
        upload,
    };
    write(
        &state,
        &principal,
        "/v1/media/create-upload",
        &headers,
        &body,
        op,
    )
    .await
}

async fn finalize(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let op = MediaOp::Finalize {
        org_id: principal.org_id.clone(),
        finalize: media::finalize(&body)?,
    };
    write(
        &state,
        &principal,
        "/v1/media/finalize-upload",
        &headers,
        &body,
        op,
    )
    .await
}

async fn metadata(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = upload_id(&raw)?;
    let mut upload = state
        .store
        .get_media(principal.org_id, id.clone())
        .await?
        .ok_or_else(|| not_found(&id))?;
    if let Some(fields) = upload.as_object_mut() {
        fields.remove("ok");
    }
    Ok(ok(
        json!({"ok": true, "upload": with_links(upload, &headers)}),
    ))
}

fn media_dir(state: &AppState) -> PathBuf {
    state.settings.data_dir.join("media")
}

/// Uploads being received now: one PUT per upload at a time.
static RECEIVING: Mutex<Option<HashSet<String>>> = Mutex::new(None);

struct Receiving(String);

impl Receiving {
    fn claim(id: &str) -> Option<Receiving> {
        let mut set = RECEIVING.lock().unwrap_or_else(|e| e.into_inner());
        set.get_or_insert_with(HashSet::new)
            .insert(id.to_string())
            .then(|| Receiving(id.to_string()))
    }
}

impl Drop for Receiving {
    fn drop(&mut self) {
        let mut set = RECEIVING.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(set) = set.as_mut() {
            set.remove(&self.0);
        }
    }
}

fn io_error(err: std::io::Error) -> ApiError {
    tracing::error!(error = %err, "media file I/O failed");
    ApiError::internal(
        "the server could not store the content; nothing was recorded, retry the upload",
    )
}

async fn upload(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = upload_id(&raw)?;
    let current = state
        .store
        .get_media(principal.org_id.clone(), id.clone())
        .await?
        .ok_or_else(|| not_found(&id))?;
    if current["content_uploaded"] == json!(true) {
        // A retry of a finished upload: the writer replays it under its Idempotency-Key, or refuses it.
        let stored = Stored {
            bytes: 0,
            sha256: String::new(),
        };
        return commit(&state, &principal, &id, &headers, stored).await;
    }
    if current["status"] == json!("expired") {
        return Err(ApiError::conflict(
            "upload_expired",
            "the upload expired before its content arrived; create a new one",
        ));
    }
    let declared = current["size_bytes"]
        .as_i64()
        .unwrap_or(MAX_MEDIA_BYTES)
        .min(MAX_MEDIA_BYTES);
    let _receiving = Receiving::claim(&id).ok_or_else(|| {
        ApiError::conflict(
            "upload_in_progress",
            "another request is uploading this content right now",
        )
    })?;
    let dir = media_dir(&state);
    tokio::fs::create_dir_all(&dir).await.map_err(io_error)?;
    let part = dir.join(format!("{id}.{}.part", uuid::Uuid::new_v4().simple()));
    let received = receive(body, &part, declared, state.settings.read_timeout).await;
    let stored = match received {
        Ok(stored) => stored,
        Err(err) => {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(err);
        }
    };
    let target = dir.join(&id);
    if let Err(err) = tokio::fs::rename(&part, &target).await {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(io_error(err));
    }
    sync_dir(&dir).await;
    let committed = commit(&state, &principal, &id, &headers, stored).await;
    if committed.is_err() {
        let _ = tokio::fs::remove_file(&target).await;
    }
    committed
}

async fn commit(
    state: &AppState,
    principal: &Principal,
    id: &str,
    headers: &HeaderMap,
    stored: Stored,
) -> Result<Response, ApiError> {
    let op = WriteOp::Media(MediaOp::Store {
        org_id: principal.org_id.clone(),
        upload_id: id.to_string(),
        stored,
    });
    let path = format!("/v1/media/upload/{id}");
    // The bytes are not fingerprinted: content is stored once per upload, so the key and path suffice.
    let idempotency =
        idempotency::for_write(principal, "PUT", &path, headers, &json!({"upload_id": id}))?;
    let mut done = state.store.write(WriteRequest { op, idempotency }).await?;
    done.body = with_links(done.body, headers);
    Ok(written(done))
}

/// Streams the body into `part`, hashing it; refuses more than `limit` bytes as they arrive.
async fn receive(
    body: Body,
    part: &FsPath,
    limit: i64,
    read_timeout: std::time::Duration,
) -> Result<Stored, ApiError> {
    let mut file = tokio::fs::File::create(part).await.map_err(io_error)?;
    let mut hasher = Sha256::new();
    let mut total: i64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| {
            if crate::http::limits::is_timeout(&err) {
                crate::http::limits::timeout_error(read_timeout)
            } else {
                ApiError::bad_request(
                    "upload_interrupted",
                    "the request body ended with an error; upload again",
                )
            }
        })?;
        total += chunk.len() as i64;
        if total > limit {
            return Err(ApiError::new(413, "payload_too_large", format!(
                "the content is larger than the declared size_bytes {limit} (at most {MAX_MEDIA_BYTES} bytes are accepted)"
            )));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(io_error)?;
    }
    file.sync_all().await.map_err(io_error)?;
    Ok(Stored {
        bytes: total,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Makes a rename durable (best effort: not every platform can open a directory).
async fn sync_dir(dir: &FsPath) {
    if let Ok(handle) = tokio::fs::File::open(dir).await {
        let _ = handle.sync_all().await;
    }
}

async fn download(
    state: State<AppState>,
    auth: Auth,
    raw: Path<String>,
) -> Result<Response, ApiError> {
    serve(state, auth, raw, "attachment").await
}

/// The original bytes shown inline; no rendition is generated. Sandboxed so content served from the
/// API's origin cannot run script there.
async fn preview(
    state: State<AppState>,
    auth: Auth,
    raw: Path<String>,
) -> Result<Response, ApiError> {
    let mut response = serve(state, auth, raw, "inline").await?;
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(response)
}

async fn serve(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(raw): Path<String>,
    disposition: &str,
) -> Result<Response, ApiError> {
    let id = upload_id(&raw)?;
    let upload = state
        .store
        .get_media(principal.org_id, id.clone())
        .await?
        .ok_or_else(|| not_found(&id))?;
    if upload["status"] != json!("ready") {
        return Err(ApiError::conflict(
            "media_not_ready",
            "the upload is not finalized yet; call finalize-upload first",
        ));
    }
    if upload["content_uploaded"] != json!(true) {
        return Err(ApiError::not_found("media_content_missing", "the upload was finalized without its bytes reaching this server; PUT them to upload_url"));
    }
    let file = tokio::fs::File::open(media_dir(&state).join(&id))
        .await
        .map_err(io_error)?;
    let length = upload["uploaded_bytes"].as_i64().unwrap_or(0);
    let stream =
        futures_util::stream::unfold(Some((file, vec![0u8; 64 * 1024])), |chunk| async move {
            let (mut file, mut buf) = chunk?;
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => Some((
                    Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(&buf[..n])),
                    Some((file, buf)),
                )),
                Err(err) => Some((Err(err), None)),
            }
        });
    let name: String = upload["filename"]
        .as_str()
        .unwrap_or("download")
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let headers = [
        (
            header::CONTENT_TYPE,
            upload["mime_type"]
                .as_str()
                .unwrap_or("application/octet-stream")
                .to_string(),
        ),
        (header::CONTENT_LENGTH, length.to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("{disposition}; filename=\"{name}\""),
        ),
        (
            header::ETAG,
            format!("\"{}\"", upload["sha256"].as_str().unwrap_or_default()),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        (header::CACHE_CONTROL, "private, no-cache".to_string()),
    ];
    Ok((headers, Body::from_stream(stream)).into_response())
}
