//! Users and nicks: check, register, resolve, rename, profile and its update.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::domain::address;
use crate::domain::input;
use crate::domain::users::{self, Nick, UsersOp};
use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::http::body::{self, JsonBody};
use crate::http::respond::{ok, written};
use crate::state::AppState;
use crate::store::{Principal, UserKey, WriteOp};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/users/check-nick", get(check_nick))
        .route("/v1/users/resolve-nick", get(resolve_nick))
        .route("/v1/users/register-nick", post(register_nick))
        .route("/v1/users/rename-nick", post(rename_nick))
        .route("/v1/users/profile", get(profile))
        .route("/v1/users/profile/update", post(update_profile))
}

fn required_param<'a>(query: &'a body::Query, name: &str, what: &str) -> Result<&'a str, ApiError> {
    query
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                422,
                "validation_error",
                format!("query parameter `{name}` is required ({what})"),
            )
            .with_details(json!({"parameter": name}))
        })
}

fn nick_param(query: &body::Query) -> Result<Nick, ApiError> {
    let raw = required_param(query, "nick", "the nick, e.g. @alice")?;
    Ok(users::nick(raw, "nick")?)
}

fn owner_param(query: &body::Query) -> Result<String, ApiError> {
    let raw = required_param(query, "owner_agent", "the user's agent address")?;
    address::normalize(raw).map_err(|why| {
        ApiError::new(422, "invalid_agent_address", format!("owner_agent: {why}"))
            .with_details(json!({"parameter": "owner_agent"}))
    })
}

async fn lookup(
    state: &AppState,
    principal: &Principal,
    nick: &Nick,
) -> Result<Option<Value>, ApiError> {
    state
        .store
        .find_user(
            principal.org_id.clone(),
            UserKey::Nick(nick.normalized.clone()),
        )
        .await
}

async fn check_nick(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<body::Query>,
) -> Result<Response, ApiError> {
    let nick = nick_param(&query)?;
    let holder = lookup(&state, &principal, &nick).await?;
    Ok(ok(json!({
        "ok": true,
        "nick": nick.given,
        "normalized_nick": nick.normalized,
        "public_address": users::public_address(&nick.normalized, &principal.org_name),
        "available": holder.is_none(),
    })))
}

async fn resolve_nick(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<body::Query>,
) -> Result<Response, ApiError> {
    let nick = nick_param(&query)?;
    let holder = lookup(&state, &principal, &nick).await?;
    let field = |name: &str| {
        holder
            .as_ref()
            .map(|u| u[name].clone())
            .unwrap_or(Value::Null)
    };
    Ok(ok(json!({
        "ok": true,
        "nick": nick.given,
        "normalized_nick": nick.normalized,
        "public_address": users::public_address(&nick.normalized, &principal.org_name),
        "resolved": holder.is_some(),
        "owner_agent": field("owner_agent"),
        "user_id": field("user_id"),
        "display_name": field("display_name"),
    })))
}

async fn write(
    state: &AppState,
    principal: &Principal,
    path: &str,
    headers: &HeaderMap,
    body: &Value,
    op: UsersOp,
) -> Result<Response, ApiError> {
    let op = WriteOp::Users(op);
    Ok(written(
        super::commit::commit(state, principal, "POST", path, headers, body, op).await?,
    ))
}

fn required_owner(map: &serde_json::Map<String, Value>) -> Result<String, ApiError> {
    input::agent_address(map, "owner_agent")?.ok_or_else(|| {
        ApiError::new(
            422,
            "validation_error",
            "`owner_agent` is required: the address register-nick returned",
        )
        .with_details(json!({"field": "owner_agent"}))
    })
}

async fn register_nick(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let map = input::object(&body)?;
    let op = UsersOp::Register {
        org_id: principal.org_id.clone(),
        org_name: principal.org_name.clone(),
        owner_agent: input::agent_address(map, "owner_agent")?,
        nick: users::nick_field(map, "nick")?,
        profile: users::profile(map)?,
    };
    write(
        &state,
        &principal,
        "/v1/users/register-nick",
        &headers,
        &body,
        op,
    )
    .await
}

async fn rename_nick(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let map = input::object(&body)?;
    let op = UsersOp::Rename {
        org_id: principal.org_id.clone(),
        org_name: principal.org_name.clone(),
        owner_agent: required_owner(map)?,
        nick: users::nick_field(map, "nick")?,
    };
    write(
        &state,
        &principal,
        "/v1/users/rename-nick",
        &headers,
        &body,
        op,
    )
    .await
}

async fn profile(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<body::Query>,
) -> Result<Response, ApiError> {
    let owner = owner_param(&query)?;
    let mut user = state
        .store
        .find_user(principal.org_id, UserKey::Owner(owner.clone()))
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "user_not_found",
                format!(
                    "no user with owner_agent {owner} in this organisation; register a nick first"
                ),
            )
        })?;
    user["ok"] = json!(true);
    Ok(ok(user))
}

async fn update_profile(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let map = input::object(&body)?;
    let owner_agent = required_owner(map)?;
    let profile = users::profile(map)?;
    if profile.is_empty() {
        return Err(ApiError::new(
            422,
            "validation_error",
            "nothing to update: send at least one of display_name, phone, email",
        ));
    }
    let op = UsersOp::UpdateProfile {
        org_id: principal.org_id.clone(),
        org_name: principal.org_name.clone(),
        owner_agent,
        profile,
    };
    write(
        &state,
        &principal,
        "/v1/users/profile/update",
        &headers,
        &body,
        op,
    )
    .await
}
