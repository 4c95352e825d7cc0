//! Administration over HTTP: what `axme-server admin` does on the data dir, for the SDKs' enterprise
//! methods (organisations, workspaces, service accounts and their keys).
//!
//! Who may call what: an *admin* service account (the dev account created at first start, or one
//! created with `"admin": true` by an admin) may do everything, in every organisation. Any other
//! credential may read its own organisation, its workspaces and service accounts, and manage the
//! keys of its own service account (create, list, revoke, rotate); other organisations answer 404.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::platform::fallback;
use crate::domain::admin;
use crate::domain::clock;
use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::http::body::{self, JsonBody};
use crate::http::respond::{ok, written};
use crate::state::AppState;
use crate::store::admin::{AdminOp, AdminRead};
use crate::store::{Principal, WriteOp};

pub fn routes() -> Router<AppState> {
    let keys = "/v1/service-accounts/{service_account_id}/keys";
    Router::new()
        .route("/v1/organizations", post(create_org).fallback(fallback))
        .route(
            "/v1/organizations/{org_id}",
            get(get_org).fallback(fallback),
        )
        .route(
            "/v1/organizations/{org_id}/workspaces",
            post(create_workspace)
                .get(list_workspaces)
                .fallback(fallback),
        )
        .route(
            "/v1/service-accounts",
            post(create_account).get(list_accounts).fallback(fallback),
        )
        .route(
            "/v1/service-accounts/{service_account_id}",
            get(get_account).fallback(fallback),
        )
        .route(keys, post(create_key).get(list_keys).fallback(fallback))
        .route(
            &format!("{keys}/{{key_id}}/revoke"),
            post(revoke_key).fallback(fallback),
        )
        .route(
            &format!("{keys}/{{key_id}}/rotate"),
            post(rotate_key).fallback(fallback),
        )
}

async fn is_admin(state: &AppState, principal: &Principal) -> Result<bool, ApiError> {
    let read = AdminRead::Caller {
        service_account_id: principal.service_account_id.clone(),
    };
    Ok(state.store.admin_read(read).await?["admin"] == json!(true))
}

/// Refuses a non-admin credential with 403 `admin_required`.
pub async fn require_admin(
    state: &AppState,
    principal: &Principal,
    what: &str,
) -> Result<(), ApiError> {
    if is_admin(state, principal).await? {
        return Ok(());
    }
    Err(ApiError::new(
        403,
        "admin_required",
        format!("only an admin credential may {what}: the dev key, or a service account created with \"admin\": true"),
    ))
}

fn org_missing(org: &str) -> ApiError {
    ApiError::not_found(
        "organization_not_found",
        format!("no organisation with id or name {org:?} is visible to this credential"),
    )
}

/// The organisation `org` (id or name) when the caller may see it: admins see all, others their own.
async fn visible_org(
    state: &AppState,
    principal: &Principal,
    org: &str,
) -> Result<Value, ApiError> {
    let own = org == principal.org_id || org == principal.org_name;
    if !own && !is_admin(state, principal).await? {
        return Err(org_missing(org));
    }
    let found = state
        .store
        .admin_read(AdminRead::Org {
            org: org.to_string(),
        })
        .await?;
    if found.is_null() {
        return Err(org_missing(org));
    }
    Ok(found)
}

/// A service account the caller may see, and whether the caller may manage its keys.
async fn visible_account(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<(Value, bool), ApiError> {
    let admin = is_admin(state, principal).await?;
    let read = AdminRead::ServiceAccount {
        service_account_id: id.to_string(),
    };
    let found = state.store.admin_read(read).await?;
    if found.is_null() || (!admin && found["org_id"] != json!(principal.org_id)) {
        return Err(ApiError::not_found(
            "service_account_not_found",
            format!("no service account {id:?} is visible to this credential"),
        ));
    }
    Ok((found, admin || id == principal.service_account_id))
}

async fn keys_allowed(state: &AppState, principal: &Principal, id: &str) -> Result<(), ApiError> {
    match visible_account(state, principal, id).await? {
        (_, true) => Ok(()),
        (_, false) => Err(ApiError::new(
            403,
            "admin_required",
            "a credential may manage only its own service account's keys unless it is an admin",
        )),
    }
}

async fn write(
    state: &AppState,
    principal: &Principal,
    path: &str,
    headers: &HeaderMap,
    body: &Value,
    op: AdminOp,
) -> Result<Response, ApiError> {
    let op = WriteOp::Admin(op);
    Ok(written(
        super::commit::commit(state, principal, "POST", path, headers, body, op).await?,
    ))
}

async fn create_org(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    require_admin(&state, &principal, "create organisations").await?;
    let org = admin::new_org(&body)?;
    write(
        &state,
        &principal,
        "/v1/organizations",
        &headers,
        &body,
        AdminOp::CreateOrg(org),
    )
    .await
}

async fn get_org(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let found = visible_org(&state, &principal, &org).await?;
    Ok(ok(json!({"ok": true, "organization": found})))
}

async fn create_workspace(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(org): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    require_admin(&state, &principal, "create workspaces").await?;
    let workspace = admin::new_workspace(&body)?;
    let path = format!("/v1/organizations/{org}/workspaces");
    write(
        &state,
        &principal,
        &path,
        &headers,
        &body,
        AdminOp::CreateWorkspace { org, workspace },
    )
    .await
}

async fn list_workspaces(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let found = visible_org(&state, &principal, &org).await?;
    Ok(ok(
        json!({"ok": true, "org_id": found["org_id"], "workspaces": found["workspaces"]}),
    ))
}

async fn create_account(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    require_admin(&state, &principal, "create service accounts").await?;
    let account = admin::new_service_account(&body)?;
    write(
        &state,
        &principal,
        "/v1/service-accounts",
        &headers,
        &body,
        AdminOp::CreateServiceAccount(account),
    )
    .await
}

async fn list_accounts(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Query(query): Query<body::Query>,
) -> Result<Response, ApiError> {
    let given = |name: &str| {
        query
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let org = given("org_id").unwrap_or_else(|| principal.org_id.clone());
    let found = visible_org(&state, &principal, &org).await?;
    let org_id = found["org_id"].as_str().unwrap_or_default().to_string();
    let workspace = given("workspace_id");
    let read = AdminRead::ServiceAccounts {
        org_id: org_id.clone(),
        workspace: workspace.clone(),
    };
    let accounts = state.store.admin_read(read).await?;
    if accounts.is_null() {
        return Err(ApiError::not_found(
            "workspace_not_found",
            format!(
                "organisation {org} has no workspace {:?}",
                workspace.unwrap_or_default()
            ),
        ));
    }
    Ok(ok(
        json!({"ok": true, "org_id": org_id, "service_accounts": accounts}),
    ))
}

async fn get_account(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (account, _) = visible_account(&state, &principal, &id).await?;
    Ok(ok(json!({"ok": true, "service_account": account})))
}

async fn create_key(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    keys_allowed(&state, &principal, &id).await?;
    let key = admin::new_key(&body, clock::now_us())?;
    let path = format!("/v1/service-accounts/{id}/keys");
    write(
        &state,
        &principal,
        &path,
        &headers,
        &body,
        AdminOp::CreateKey {
            service_account_id: id,
            key,
        },
    )
    .await
}

async fn list_keys(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    keys_allowed(&state, &principal, &id).await?;
    let found = state
        .store
        .admin_read(AdminRead::Keys {
            service_account_id: id.clone(),
        })
        .await?;
    Ok(ok(
        json!({"ok": true, "service_account_id": id, "keys": found["keys"]}),
    ))
}

async fn key_action(
    state: AppState,
    principal: Principal,
    id: String,
    key_id: String,
    headers: HeaderMap,
    body: Value,
    rotate: bool,
) -> Result<Response, ApiError> {
    keys_allowed(&state, &principal, &id).await?;
    let (action, op) = match rotate {
        true => (
            "rotate",
            AdminOp::RotateKey {
                service_account_id: id.clone(),
                key_id: key_id.clone(),
            },
        ),
        false => (
            "revoke",
            AdminOp::RevokeKey {
                service_account_id: id.clone(),
                key_id: key_id.clone(),
            },
        ),
    };
    let path = format!("/v1/service-accounts/{id}/keys/{key_id}/{action}");
    write(&state, &principal, &path, &headers, &body, op).await
}

async fn revoke_key(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path((id, key_id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    key_action(state, principal, id, key_id, headers, body, false).await
}

async fn rotate_key(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path((id, key_id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    key_action(state, principal, id, key_id, headers, body, true).await
}
