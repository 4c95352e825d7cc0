//! Media uploads: reserve a slot (`create-upload`), PUT the bytes, `finalize-upload`. The bytes live in
//! the data dir under `media/`; the database keeps the metadata and the SHA-256 of what was stored.

use serde_json::Value;

use super::input::{self, invalid};
use super::validate::Invalid;

/// Largest upload (wire facts §1.9: 100 MiB).
pub const MAX_MEDIA_BYTES: i64 = 100 * 1024 * 1024;
/// How long a pending upload may wait for its bytes, by default and at most.
pub const DEFAULT_TTL_SECONDS: i64 = 3600;
pub const MAX_TTL_SECONDS: i64 = 7 * 24 * 3600;

fn too_large(field: &str, size: i64) -> Invalid {
    invalid(
        "payload_too_large",
        field,
        format!(
            "`{field}` is {size} bytes; uploads are limited to {MAX_MEDIA_BYTES} bytes (100 MiB)"
        ),
    )
}

fn size_field(map: &serde_json::Map<String, Value>) -> Result<i64, Invalid> {
    match map.get("size_bytes").and_then(Value::as_i64) {
        Some(size) if size > MAX_MEDIA_BYTES => Err(too_large("size_bytes", size)),
        _ => input::integer(map, "size_bytes", 1, MAX_MEDIA_BYTES)?.ok_or_else(|| {
            invalid(
                "validation_error",
                "size_bytes",
                "`size_bytes` is required: the size of the file in bytes (1 to 104857600)",
            )
        }),
    }
}

fn sha256_field(map: &serde_json::Map<String, Value>) -> Result<Option<String>, Invalid> {
    let Some(raw) = input::string(map, "sha256", 64, 64)? else {
        return Ok(None);
    };
    let digest = raw.to_ascii_lowercase();
    if !digest.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(invalid(
            "validation_error",
            "sha256",
            "`sha256` must be 64 hexadecimal characters (the SHA-256 of the content)",
        ));
    }
    Ok(Some(digest))
}

/// A validated `create-upload` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUpload {
    pub owner_agent: String,
    pub filename: String,
    pub mime_type: String,
    pub size_bytes: i64,
    pub sha256: Option<String>,
    pub ttl_seconds: i64,
}

pub fn new_upload(body: &Value) -> Result<NewUpload, Invalid> {
    let map = input::object(body)?;
    let owner_agent = input::agent_address(map, "owner_agent")?.ok_or_else(|| {
        invalid(
            "validation_error",
            "owner_agent",
            "`owner_agent` is required: the agent address the upload belongs to",
        )
    })?;
    let filename = input::required_string(map, "filename", 1, 255)?;
    if filename.contains(['/', '\\', '\0']) {
        return Err(invalid(
            "validation_error",
            "filename",
            "`filename` is a bare file name; '/', '\\' and NUL are not accepted",
        ));
    }
    let mime_type = input::required_string(map, "mime_type", 3, 255)?;
    if !is_mime_type(&mime_type) {
        return Err(invalid(
            "validation_error",
            "mime_type",
            format!("`mime_type` {mime_type:?} is not a media type like application/pdf"),
        ));
    }
    Ok(NewUpload {
        owner_agent,
        filename,
        mime_type: mime_type.to_ascii_lowercase(),
        size_bytes: size_field(map)?,
        sha256: sha256_field(map)?,
        ttl_seconds: input::integer(map, "ttl_seconds", 60, MAX_TTL_SECONDS)?
            .unwrap_or(DEFAULT_TTL_SECONDS),
    })
}

/// `type/subtype` of token characters.
fn is_mime_type(text: &str) -> bool {
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
    };
    matches!(text.split_once('/'), Some((a, b)) if token(a) && token(b))
}

/// A validated `finalize-upload` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finalize {
    pub upload_id: String,
    pub size_bytes: i64,
    pub sha256: Option<String>,
}

pub fn finalize(body: &Value) -> Result<Finalize, Invalid> {
    let map = input::object(body)?;
    let upload_id = input::required_string(map, "upload_id", 36, 36)?;
    if uuid::Uuid::parse_str(&upload_id).is_err() {
        return Err(invalid(
            "validation_error",
            "upload_id",
            "`upload_id` must be the UUID create-upload returned",
        ));
    }
    Ok(Finalize {
        upload_id: upload_id.to_ascii_lowercase(),
        size_bytes: size_field(map)?,
        sha256: sha256_field(map)?,
    })
}

/// Bytes that arrived with `PUT /v1/media/upload/{id}` and were stored in the data dir.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub bytes: i64,
    pub sha256: String,
}

/// A durable change to media.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaOp {
    Create {
        org_id: String,
        upload_id: String,
        upload: NewUpload,
    },
    /// Records stored content; refused unless it matches what was declared.
    Store {
        org_id: String,
        upload_id: String,
        stored: Stored,
    },
    Finalize {
        org_id: String,
        finalize: Finalize,
    },
    /// Forgets the content of uploads that expired without being finalized (their files are
    /// deleted first, by `timers::purge_expired_uploads`); answers `{"forgotten": n}`.
    ForgetExpired {
        upload_ids: Vec<String>,
        /// The purge's clock: only uploads expired by then are touched.
        now_us: i64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({"owner_agent": "agent://conformance/owner", "filename": "contract.pdf", "mime_type": "application/pdf", "size_bytes": 12345})
    }

    #[test]
    fn create_upload_rules() {
        let ok = new_upload(&body()).unwrap();
        assert_eq!(
            (ok.size_bytes, ok.ttl_seconds),
            (12345, DEFAULT_TTL_SECONDS)
        );
        let mut big = body();
        big["size_bytes"] = json!(MAX_MEDIA_BYTES + 1);
        assert_eq!(new_upload(&big).unwrap_err().code, "payload_too_large");
        let mut bad = body();
        bad["filename"] = json!("../etc/passwd");
        assert!(new_upload(&bad).is_err());
        let mut bad = body();
        bad["mime_type"] = json!("pdf");
        assert!(new_upload(&bad).is_err());
        let mut bad = body();
        bad["sha256"] = json!("zz".repeat(32));
        assert!(new_upload(&bad).is_err());
    }

    #[test]
    fn finalize_rules() {
        let id = uuid::Uuid::new_v4().to_string();
        assert!(finalize(&json!({"upload_id": id, "size_bytes": 1})).is_ok());
        assert!(finalize(&json!({"upload_id": "nope", "size_bytes": 1})).is_err());
        assert!(finalize(&json!({"upload_id": id})).is_err());
    }
}
