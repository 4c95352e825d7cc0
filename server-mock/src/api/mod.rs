//! The routes of the reference server and the router that joins them with the layers.

mod actions;
mod admin;
mod agents;
mod commit;
mod dashboard;
mod inbox;
mod intents;
mod invites;
mod mcp;
mod media;
mod mesh;
mod platform;
mod scenarios;
mod schemas;
mod streams;
mod tasks;
mod users;
mod webhooks;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub(crate) use mcp::invalid_request as mcp_invalid_request;
pub(crate) use webhooks::deliver::retry_loop as webhook_retries;

/// The whole HTTP application: served routes, the spec-driven fallback (501 for operations of the
/// public surface not served yet, 404 otherwise), fault injection when enabled, and observation.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new()
        .route("/health", get(platform::health))
        .route("/v1/health", get(platform::health))
        .route("/v1/capabilities", get(platform::capabilities))
        .route("/metrics", get(platform::metrics))
        .route("/v1/intents", post(intents::create).get(intents::list))
        // Not served yet, but routed: otherwise `{intent_id}` takes the path and answers 405 (and
        // the fault journal names the wrong route) instead of the spec fallback's 501.
        .route("/v1/intents/{intent_id}", get(intents::get))
        .route("/v1/intents/{intent_id}/events", get(intents::events))
        .route(
            "/v1/intents/{intent_id}/events/stream",
            get(streams::intent_events),
        )
        .route("/v1/intents/{intent_id}/resolve", post(actions::resolve))
        .route("/v1/intents/{intent_id}/resume", post(actions::resume))
        .route("/v1/intents/{intent_id}/controls", post(actions::controls))
        .route("/v1/intents/{intent_id}/policy", post(actions::policy))
        .merge(agents::routes())
        .merge(mesh::routes())
        .merge(admin::routes())
        .merge(tasks::routes())
        .merge(inbox::routes())
        .merge(scenarios::routes())
        .merge(invites::routes())
        .merge(mcp::routes())
        .merge(media::routes())
        .merge(schemas::routes())
        .merge(users::routes())
        .merge(webhooks::routes())
        .merge(dashboard::routes());
    if state.faults.is_some() {
        app = app.merge(crate::faults::api::routes());
    }
    app.fallback(platform::fallback)
        .method_not_allowed_fallback(platform::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::validate::layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::faults::layer::layer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::limits::layer,
        ))
        .layer(middleware::from_fn(platform::options))
        .layer(middleware::from_fn(crate::http::errors::layer))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::observe::layer,
        ))
        .with_state(state)
}
