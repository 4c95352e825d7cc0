//! Callers that may be human. An actor token (`axme_actor_…`) in `Authorization: Bearer` names a
//! human principal; it may come alone, or beside the application's API key in `x-api-key` (what the
//! SDKs send when configured with both). Without an actor token this is the API-key check of
//! [`crate::http::auth`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::humans::{Actor, ActorLookup, ACTOR_TOKEN_PREFIX};
use crate::store::sqlite::credentials::key_digest;
use crate::store::{KeyLookup, Principal};

/// An authenticated caller: the principal it acts as, and the human when an actor token came along.
#[derive(Clone, Debug)]
pub struct Caller {
    pub principal: Principal,
    pub actor: Option<Actor>,
}

impl Caller {
    /// Who a write is recorded as: the human's address, else the service account's.
    pub fn address(&self) -> String {
        match &self.actor {
            Some(actor) => actor.address(),
            None => self.principal.default_from_agent(),
        }
    }
}

/// A caller that must be a human (`GET /v1/me/tasks`).
#[derive(Clone, Debug)]
pub struct Human(pub Actor);

fn bearer(parts: &Parts) -> Option<String> {
    let auth = parts.headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = auth.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

async fn actor(state: &AppState, token: &str) -> Result<Actor, ApiError> {
    match state.store.lookup_actor(key_digest(token)).await? {
        ActorLookup::Active(actor) => Ok(actor),
        ActorLookup::Revoked => Err(ApiError::unauthorized(
            "invalid_actor_token",
            "this actor token was revoked; ask an administrator for a new one",
        )),
        ActorLookup::Unknown => Err(ApiError::unauthorized(
            "invalid_actor_token",
            "the actor token is not known to this server (`axme-server admin users create` issues them)",
        )),
    }
}

async fn api_key(state: &AppState, key: &str) -> Result<Principal, ApiError> {
    match state.store.lookup_key(key_digest(key)).await? {
        KeyLookup::Active(principal) => Ok(principal),
        KeyLookup::Revoked => Err(ApiError::unauthorized(
            "revoked_api_key",
            "this API key was revoked; create a new one (`axme-server admin keys create`)",
        )),
        KeyLookup::Unknown => Err(ApiError::unauthorized(
            "invalid_api_key",
            "the API key is not known to this server; keys look like axme_sa_<account>_<secret>",
        )),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = parts
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string);
        let bearer = bearer(parts);
        let (token, bearer_key) = match bearer {
            Some(b) if b.starts_with(ACTOR_TOKEN_PREFIX) => (Some(b), None),
            other => (None, other),
        };
        let actor = match &token {
            Some(token) => Some(actor(state, token).await?),
            None => None,
        };
        let principal = match key.or(bearer_key) {
            Some(key) => Some(api_key(state, &key).await?),
            None => None,
        };
        match (principal, actor) {
            (Some(principal), Some(actor)) if principal.org_id != actor.org_id => Err(ApiError::new(
                403,
                "actor_org_mismatch",
                "the actor token and the API key belong to different organisations",
            )),
            (Some(principal), actor) => Ok(Caller { principal, actor }),
            (None, Some(actor)) => Ok(Caller {
                principal: actor.principal(),
                actor: Some(actor),
            }),
            (None, None) => Err(ApiError::unauthorized(
                "missing_api_key",
                "no credential: send the API key in `x-api-key` (or `Authorization: Bearer <key>`), or a human's actor token as `Authorization: Bearer <token>`",
            )),
        }
    }
}

impl FromRequestParts<AppState> for Human {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.actor.map(Human).ok_or_else(|| {
            ApiError::unauthorized(
                "missing_actor_token",
                "this call is for humans: send an actor token as `Authorization: Bearer <token>` (`axme-server admin users create` issues one)",
            )
        })
    }
}
