//! The human task inbox, `GET /v1/me/tasks`: the tasks of the calling human (by actor token). Answers
//! go through `POST /v1/intents/{id}/resume` with `task_result` (actions.rs).

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::json;

use crate::error::ApiError;
use crate::http::actor::Human;
use crate::http::body;
use crate::http::respond::ok;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/me/tasks", get(list))
}

/// Task states a `status` filter selects: `open` (default; also `WAITING` and `pending`),
/// `answered`, `closed` (the intent ended without an answer), `all`.
fn states(raw: Option<&str>) -> Result<Vec<String>, ApiError> {
    let states: &[&str] = match raw.map(str::trim).unwrap_or("") {
        "" | "open" | "pending" | "WAITING" => &["open"],
        "answered" | "done" => &["answered"],
        "closed" => &["closed"],
        "all" => &["open", "answered", "closed"],
        other => {
            return Err(ApiError::new(
                422,
                "validation_error",
                format!(
                    "`status` {other:?} is not a task state; accepted: open, answered, closed, all"
                ),
            )
            .with_details(json!({"parameter": "status"})))
        }
    };
    Ok(states.iter().map(|s| s.to_string()).collect())
}

async fn list(
    State(state): State<AppState>,
    Human(actor): Human,
    Query(query): Query<body::Query>,
) -> Result<Response, ApiError> {
    let states = states(query.get("status").map(String::as_str))?;
    let limit = body::int_param(&query, "limit", 50, 1, 200)? as usize;
    let tasks = state
        .store
        .my_tasks(actor.org_id.clone(), actor.keys(), states, limit)
        .await?;
    Ok(ok(json!({
        "ok": true,
        "tasks": tasks,
        "actor": {"human_id": actor.human_id, "name": actor.name, "email": actor.email, "address": actor.address()},
    })))
}
