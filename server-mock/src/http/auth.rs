//! Credentials: an API key in `x-api-key` or `Authorization: Bearer`. The key is digested at once and
//! looked up on every request, so a revoked key is refused from the next request on. Keys never reach
//! a log line.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::sqlite::credentials::key_digest;
use crate::store::{KeyLookup, Principal};

/// The credential presented by a request, if any.
pub fn presented_key(headers: &HeaderMap) -> Option<String> {
    if let Some(key) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(key.trim().to_string());
    }
    let auth = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = auth.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// An authenticated request's principal.
#[derive(Clone, Debug)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let key = presented_key(&parts.headers).filter(|k| !k.is_empty()).ok_or_else(|| {
            ApiError::unauthorized(
                "missing_api_key",
                "no credential: send the API key in `x-api-key` or as `Authorization: Bearer <key>`",
            )
        })?;
        match state.store.lookup_key(key_digest(&key)).await? {
            KeyLookup::Active(principal) => Ok(Auth(principal)),
            KeyLookup::Revoked => Err(ApiError::unauthorized(
                "revoked_api_key",
                "this API key was revoked or has expired; create a new one (`axme-server admin keys create`)",
            )),
            KeyLookup::Unknown => Err(ApiError::unauthorized(
                "invalid_api_key",
                "the API key is not known to this server; keys look like axme_sa_<account>_<secret>",
            )),
        }
    }
}
