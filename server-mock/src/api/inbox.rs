//! Owner inboxes (`/v1/inbox…`) and approval decisions (`/v1/approvals/{id}/decision`). Every inbox
//! call acts for one owner agent: query `owner_agent` or header `x-owner-agent` (both given and
//! different → 400), else the caller's own address. Owners see threads addressed to them (`reply_to`)
//! and threads delegated to them, inside the credential's organisation.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::domain::inbox::{self, THREAD_STATUSES};
use crate::error::ApiError;
use crate::http::actor::Caller;
use crate::http::body::{self, JsonBody};
use crate::http::idempotency;
use crate::http::respond::{ok, written};
use crate::state::AppState;
use crate::store::humans::InboxOp;
use crate::store::sqlite::inbox as inbox_errors;
use crate::store::{WriteOp, WriteRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/inbox", get(list))
        .route("/v1/inbox/changes", get(changes))
        .route("/v1/inbox/{thread_id}", get(thread))
        .route("/v1/inbox/{thread_id}/read", post(read))
        .route("/v1/inbox/{thread_id}/reply", post(reply))
        .route("/v1/inbox/{thread_id}/delegate", post(delegate))
        .route("/v1/inbox/{thread_id}/approve", post(approve))
        .route("/v1/inbox/{thread_id}/reject", post(reject))
        .route(
            "/v1/inbox/{thread_id}/messages/delete",
            post(delete_messages),
        )
        .route(
            "/v1/approvals/{approval_id}/decision",
            post(decide_approval),
        )
}

fn owner(caller: &Caller, query: &body::Query, headers: &HeaderMap) -> Result<String, ApiError> {
    Ok(idempotency::owner_agent(query, headers)?.unwrap_or_else(|| caller.address()))
}

const CURSOR_PREFIX: &str = "cur_";

fn cursor(query: &body::Query) -> Result<i64, ApiError> {
    match query.get("cursor").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        None => Ok(0),
        Some(raw) => raw
            .strip_prefix(CURSOR_PREFIX)
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                ApiError::new(
                    422,
                    "validation_error",
                    format!("`cursor` {raw:?} is not a cursor this server issued; pass next_cursor back unchanged"),
                )
                .with_details(json!({"parameter": "cursor"}))
            }),
    }
}

async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let owner = owner(&caller, &query, &headers)?;
    let status = match query
        .get("status")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) if THREAD_STATUSES.contains(&s) => Some(s.to_string()),
        Some(other) => {
            return Err(ApiError::new(
                422,
                "validation_error",
                format!(
                    "`status` {other:?} is not a thread status; accepted: pending, active, done"
                ),
            )
            .with_details(json!({"parameter": "status"})))
        }
    };
    let limit = body::int_param(&query, "limit", 100, 1, 500)? as usize;
    let threads = state
        .store
        .inbox_threads(
            caller.principal.org_id.clone(),
            owner.clone(),
            status,
            limit,
        )
        .await?;
    let threads: Vec<Value> = threads.iter().map(|t| inbox::view(t, &owner)).collect();
    Ok(ok(
        json!({"ok": true, "owner_agent": owner, "threads": threads}),
    ))
}

async fn changes(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let owner = owner(&caller, &query, &headers)?;
    let after = cursor(&query)?;
    let limit = body::int_param(&query, "limit", 50, 1, 500)? as usize;
    let mut rows = state
        .store
        .inbox_changes(
            caller.principal.org_id.clone(),
            owner.clone(),
            after,
            limit + 1,
        )
        .await?;
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    let last = rows.last().map(|(seq, _)| *seq).unwrap_or(after);
    let changes: Vec<Value> = rows
        .iter()
        .map(|(seq, t)| json!({"cursor": format!("{CURSOR_PREFIX}{seq}"), "thread": inbox::view(t, &owner)}))
        .collect();
    // The position to resume from, even on the last page, so a client can poll for later changes.
    let next_cursor = (last > 0).then(|| format!("{CURSOR_PREFIX}{last}"));
    Ok(ok(
        json!({"ok": true, "owner_agent": owner, "changes": changes, "next_cursor": next_cursor, "has_more": has_more}),
    ))
}

async fn thread(
    State(state): State<AppState>,
    caller: Caller,
    Path(thread_id): Path<String>,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let owner = owner(&caller, &query, &headers)?;
    let thread = state
        .store
        .inbox_thread(caller.principal.org_id.clone(), thread_id.clone())
        .await?
        .ok_or_else(|| inbox_errors::not_found(&thread_id))?;
    if !inbox::participants(&thread).contains(&owner) {
        return Err(inbox_errors::not_participant(&owner, &thread));
    }
    Ok(ok(
        json!({"ok": true, "thread": inbox::view(&thread, &owner)}),
    ))
}

/// One inbox write: owner, idempotency, the op.
async fn write(
    state: &AppState,
    caller: &Caller,
    path: String,
    query: &body::Query,
    headers: &HeaderMap,
    body: &Value,
    op: impl FnOnce(String, String) -> Result<InboxOp, ApiError>,
) -> Result<Response, ApiError> {
    let owner = owner(caller, query, headers)?;
    let op = op(caller.principal.org_id.clone(), owner)?;
    let op = WriteOp::Inbox(op);
    let principal = &caller.principal;
    Ok(written(
        super::commit::commit(state, principal, "POST", &path, headers, body, op).await?,
    ))
}

macro_rules! inbox_write {
    ($name:ident, $suffix:literal, |$body:ident, $org:ident, $viewer:ident, $thread:ident| $make:expr) => {
        async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            Path($thread): Path<String>,
            Query(query): Query<body::Query>,
            headers: HeaderMap,
            JsonBody($body): JsonBody,
        ) -> Result<Response, ApiError> {
            let path = format!("/v1/inbox/{}/{}", $thread, $suffix);
            write(
                &state,
                &caller,
                path,
                &query,
                &headers,
                &$body.clone(),
                |$org, $viewer| Ok($make),
            )
            .await
        }
    };
}

inbox_write!(read, "read", |body, org_id, viewer, thread_id| {
    InboxOp::Read {
        org_id,
        viewer,
        thread_id,
    }
});
inbox_write!(reply, "reply", |body, org_id, viewer, thread_id| {
    InboxOp::Reply {
        org_id,
        viewer,
        thread_id,
        message: inbox::reply(&body)?,
    }
});
inbox_write!(delegate, "delegate", |body, org_id, viewer, thread_id| {
    InboxOp::Delegate {
        org_id,
        viewer,
        thread_id,
        delegation: inbox::delegation(&body)?,
    }
});
inbox_write!(approve, "approve", |body, org_id, viewer, thread_id| {
    InboxOp::Decide {
        org_id,
        viewer,
        thread_id,
        approve: true,
        comment: inbox::decision_comment(&body)?,
    }
});
inbox_write!(reject, "reject", |body, org_id, viewer, thread_id| {
    InboxOp::Decide {
        org_id,
        viewer,
        thread_id,
        approve: false,
        comment: inbox::decision_comment(&body)?,
    }
});
inbox_write!(
    delete_messages,
    "messages/delete",
    |body, org_id, viewer, thread_id| {
        InboxOp::DeleteMessages {
            org_id,
            viewer,
            thread_id,
            deletion: inbox::deletion(&body)?,
        }
    }
);

async fn decide_approval(
    State(state): State<AppState>,
    caller: Caller,
    Path(approval_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let decision = inbox::approval_decision(&body)?;
    let path = format!("/v1/approvals/{approval_id}/decision");
    let idempotency = idempotency::for_write(&caller.principal, "POST", &path, &headers, &body)?;
    let op = InboxOp::DecideApproval {
        org_id: caller.principal.org_id.clone(),
        approval_id,
        decision,
        by: caller.address(),
        actor: caller.actor.clone().map(Box::new),
    };
    let result = state
        .store
        .write(WriteRequest {
            op: WriteOp::Inbox(op),
            idempotency,
        })
        .await?;
    Ok(written(result))
}
