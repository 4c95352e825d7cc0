//! Idempotency keys and owner scoping of writes (wire facts §7). A key is scoped to the credential's
//! service account, the method and the concrete path; the body is fingerprinted in canonical form
//! (object keys sorted), so the same logical body re-serialised by a retry still matches.

use axum::http::HeaderMap;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::domain::address;
use crate::error::ApiError;
use crate::http::body::Query;
use crate::store::{Idempotency, Principal};

/// The idempotency record for a write, when the request carries `Idempotency-Key`.
pub fn for_write(
    principal: &Principal,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &Value,
) -> Result<Option<Idempotency>, ApiError> {
    let Some(raw) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = raw.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "`Idempotency-Key` must be 1 to 255 visible ASCII characters (a UUID is a good choice)",
        ));
    }
    // serde_json's default map is ordered by key, so this serialisation is canonical.
    let fingerprint = hex::encode(Sha256::digest(body.to_string().as_bytes()));
    Ok(Some(Idempotency {
        scope: format!("{} {method} {path}", principal.service_account_id),
        key: key.to_string(),
        fingerprint,
    }))
}

/// The owner agent of an owner-scoped call: query `owner_agent` and header `x-owner-agent`, which must
/// agree when both are given.
pub fn owner_agent(query: &Query, headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let from_query = query
        .get("owner_agent")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty());
    let from_header = headers
        .get("x-owner-agent")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let normalize = |raw: &str| {
        address::normalize(raw).map_err(|why| {
            ApiError::new(422, "invalid_agent_address", format!("owner agent: {why}"))
        })
    };
    match (from_query, from_header) {
        (None, None) => Ok(None),
        (Some(one), None) | (None, Some(one)) => normalize(one).map(Some),
        (Some(q), Some(h)) => {
            let (q, h) = (normalize(q)?, normalize(h)?);
            if q != h {
                return Err(ApiError::bad_request(
                    "owner_agent_mismatch",
                    format!("query owner_agent ({q}) and header x-owner-agent ({h}) differ; send one, or the same in both"),
                ));
            }
            Ok(Some(q))
        }
    }
}
