//! Media metadata inside the writer's transaction, and its read. The bytes themselves are files in the
//! data dir (`api/media.rs` writes them); here is what was declared, what was stored and its SHA-256.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::intents::Effects;
use crate::domain::clock;
use crate::domain::media::MediaOp;
use crate::error::ApiError;

struct Row {
    upload_id: String,
    owner_agent: String,
    filename: String,
    mime_type: String,
    size_bytes: i64,
    declared_sha256: Option<String>,
    stored_bytes: Option<i64>,
    stored_sha256: Option<String>,
    created_us: i64,
    expires_us: i64,
    uploaded_us: Option<i64>,
    finalized_us: Option<i64>,
}

fn load(conn: &Connection, org_id: &str, upload_id: &str) -> rusqlite::Result<Option<Row>> {
    conn.prepare_cached(
        "SELECT upload_id, owner_agent, filename, mime_type, size_bytes, declared_sha256, stored_bytes, stored_sha256,
                created_us, expires_us, uploaded_us, finalized_us
         FROM media WHERE org_id = ?1 AND upload_id = ?2",
    )?
    .query_row(params![org_id, upload_id], |r| {
        Ok(Row {
            upload_id: r.get(0)?,
            owner_agent: r.get(1)?,
            filename: r.get(2)?,
            mime_type: r.get(3)?,
            size_bytes: r.get(4)?,
            declared_sha256: r.get(5)?,
            stored_bytes: r.get(6)?,
            stored_sha256: r.get(7)?,
            created_us: r.get(8)?,
            expires_us: r.get(9)?,
            uploaded_us: r.get(10)?,
            finalized_us: r.get(11)?,
        })
    })
    .optional()
}

impl Row {
    fn status(&self) -> &'static str {
        match self.finalized_us {
            Some(_) => "ready",
            None if clock::now_us() >= self.expires_us => "expired",
            None => "pending",
        }
    }

    fn view(&self) -> Value {
        json!({
            "ok": true,
            "upload_id": self.upload_id,
            "owner_agent": self.owner_agent,
            "filename": self.filename,
            "mime_type": self.mime_type,
            "size_bytes": self.size_bytes,
            "sha256": self.stored_sha256.clone().or_else(|| self.declared_sha256.clone()),
            "status": self.status(),
            "uploaded_bytes": self.stored_bytes.unwrap_or(0),
            "content_uploaded": self.stored_bytes.is_some(),
            "created_at": clock::format_us(self.created_us),
            "expires_at": clock::format_us(self.expires_us),
            "uploaded_at": self.uploaded_us.map(clock::format_us),
            "finalized_at": self.finalized_us.map(clock::format_us),
        })
    }
}

/// An upload of an organisation.
pub fn get(conn: &Connection, org_id: &str, upload_id: &str) -> rusqlite::Result<Option<Value>> {
    Ok(load(conn, org_id, upload_id)?.map(|row| row.view()))
}

fn not_found(upload_id: &str) -> ApiError {
    ApiError::not_found(
        "upload_not_found",
        format!(
            "no upload {upload_id:?} is visible to this credential; create one with create-upload"
        ),
    )
}

fn mismatch(code: &str, message: String) -> ApiError {
    ApiError::new(422, code, message)
}

pub fn perform(conn: &Connection, op: &MediaOp) -> Result<(Value, Effects), ApiError> {
    let now = clock::now_us();
    let (org_id, upload_id) = match op {
        MediaOp::ForgetExpired { upload_ids, now_us } => {
            let mut forgotten = 0;
            for id in upload_ids {
                // Only what is still expired and unfinalized: a purge never touches a live upload.
                forgotten += conn
                    .prepare_cached(
                        "UPDATE media SET stored_bytes = NULL, stored_sha256 = NULL, uploaded_us = NULL
                         WHERE upload_id = ?1 AND finalized_us IS NULL AND expires_us <= ?2",
                    )?
                    .execute(params![id, now_us])?;
            }
            return Ok((json!({"forgotten": forgotten}), Effects::default()));
        }
        MediaOp::Create {
            org_id,
            upload_id,
            upload,
        } => {
            conn.prepare_cached(
                "INSERT INTO media (upload_id, org_id, owner_agent, filename, mime_type, size_bytes, declared_sha256, created_us, expires_us)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                upload_id, org_id, upload.owner_agent, upload.filename, upload.mime_type,
                upload.size_bytes, upload.sha256, now, now + upload.ttl_seconds * 1_000_000
            ])?;
            (org_id, upload_id)
        }
        MediaOp::Store {
            org_id,
            upload_id,
            stored,
        } => {
            let row = load(conn, org_id, upload_id)?.ok_or_else(|| not_found(upload_id))?;
            check_storable(&row)?;
            if stored.bytes != row.size_bytes {
                return Err(mismatch("size_mismatch", format!(
                    "{} bytes arrived but the upload declared size_bytes {}; send exactly the declared content",
                    stored.bytes, row.size_bytes
                )));
            }
            if let Some(declared) = &row.declared_sha256 {
                if declared != &stored.sha256 {
                    return Err(mismatch(
                        "sha256_mismatch",
                        format!(
                            "the content's SHA-256 is {} but {declared} was declared",
                            stored.sha256
                        ),
                    ));
                }
            }
            conn.prepare_cached(
                "UPDATE media SET stored_bytes = ?3, stored_sha256 = ?4, uploaded_us = ?5 WHERE org_id = ?1 AND upload_id = ?2",
            )?
            .execute(params![org_id, upload_id, stored.bytes, stored.sha256, now])?;
            (org_id, upload_id)
        }
        MediaOp::Finalize { org_id, finalize } => {
            let upload_id = &finalize.upload_id;
            let row = load(conn, org_id, upload_id)?.ok_or_else(|| not_found(upload_id))?;
            if row.finalized_us.is_none() {
                finalize_checks(&row, finalize.size_bytes, finalize.sha256.as_deref())?;
                conn.prepare_cached(
                    "UPDATE media SET finalized_us = ?3, size_bytes = ?4, declared_sha256 = COALESCE(declared_sha256, ?5)
                     WHERE org_id = ?1 AND upload_id = ?2",
                )?
                .execute(params![org_id, upload_id, now, finalize.size_bytes, finalize.sha256])?;
            } else if finalize.size_bytes != row.size_bytes {
                return Err(mismatch(
                    "size_mismatch",
                    format!(
                        "the upload was finalized with size_bytes {}; got {}",
                        row.size_bytes, finalize.size_bytes
                    ),
                ));
            }
            (org_id, upload_id)
        }
    };
    let row = load(conn, org_id, upload_id)?.ok_or_else(|| not_found(upload_id))?;
    Ok((row.view(), Effects::default()))
}

/// Uploads that expired before being finalized yet still hold content (at most `limit`).
pub fn expired_with_content(
    conn: &Connection,
    now_us: i64,
    limit: usize,
) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT upload_id FROM media
         WHERE finalized_us IS NULL AND expires_us <= ?1 AND stored_bytes IS NOT NULL LIMIT ?2",
    )?
    .query_map(params![now_us, limit as i64], |r| r.get(0))?
    .collect()
}

/// Content may be stored once, before the upload expires.
fn check_storable(row: &Row) -> Result<(), ApiError> {
    if row.stored_bytes.is_some() {
        return Err(ApiError::conflict(
            "media_already_uploaded",
            "this upload already holds its content; create a new upload for other bytes",
        ));
    }
    if row.status() == "expired" {
        return Err(ApiError::conflict(
            "upload_expired",
            format!(
                "the upload expired at {} before its content arrived; create a new one",
                clock::format_us(row.expires_us)
            ),
        ));
    }
    Ok(())
}

/// Finalizing checks the stored content when there is some; without content (the bytes went to
/// storage the server does not see) the declared size must match.
fn finalize_checks(row: &Row, size: i64, sha256: Option<&str>) -> Result<(), ApiError> {
    if row.status() == "expired" {
        return Err(ApiError::conflict(
            "upload_expired",
            format!(
                "the upload expired at {}; create a new one",
                clock::format_us(row.expires_us)
            ),
        ));
    }
    let expected = row.stored_bytes.unwrap_or(row.size_bytes);
    if size != expected {
        return Err(mismatch(
            "size_mismatch",
            format!(
                "size_bytes {size} differs from the {expected} bytes {}",
                if row.stored_bytes.is_some() {
                    "stored"
                } else {
                    "declared at create-upload"
                }
            ),
        ));
    }
    let known = row
        .stored_sha256
        .as_deref()
        .or(row.declared_sha256.as_deref());
    if let (Some(given), Some(known)) = (sha256, known) {
        if given != known {
            return Err(mismatch(
                "sha256_mismatch",
                format!("sha256 {given} differs from {known}"),
            ));
        }
    }
    Ok(())
}
