//! The two SSE endpoints: an intent's lifecycle events, and an agent's deliveries (listen).
//!
//! Both follow one pattern: subscribe to the hub topic, then read the backlog after the cursor, then
//! wait for a commit, the end of the window, a heartbeat or shutdown. A window ends with
//! `stream.timeout` carrying `next_seq` = the last position sent (the value to pass back as `since`);
//! an intent stream also ends right after a terminal event.

use std::collections::VecDeque;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::stream;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::intents::status_of;
use crate::domain::status::Status;
use crate::domain::{address, agents};
use crate::error::ApiError;
use crate::http::auth::Auth;
use crate::http::body;
use crate::hub::{self, Subscription};
use crate::metrics::StreamGuard;
use crate::sse::Framing;
use crate::state::AppState;
use crate::store::{Change, Principal, WriteOp, WriteRequest};

/// Most events read from the store at once.
pub const EVENT_PAGE: usize = 1000;

/// What a stream reads from the store after its cursor.
#[derive(Clone, Debug)]
enum Feed {
    Intent {
        org_id: String,
        intent_id: String,
    },
    Agent {
        principal: Principal,
        agent: String,
        statuses: Vec<Status>,
    },
}

/// One item to send: its `id`, event name and data; `last` ends the stream after it.
struct Item {
    id: i64,
    name: String,
    data: Value,
    last: bool,
}

impl Feed {
    /// Items after `cursor`, and whether the stream is over (its agent was killed or blocked).
    async fn fetch(&self, state: &AppState, cursor: i64) -> Result<(Vec<Item>, bool), ApiError> {
        match self {
            Feed::Intent { org_id, intent_id } => {
                let events = state
                    .store
                    .list_events(org_id.clone(), intent_id.clone(), cursor, EVENT_PAGE)
                    .await?
                    .unwrap_or_default();
                let items = events
                    .into_iter()
                    .map(|event| Item {
                        id: event["seq"].as_i64().unwrap_or(cursor),
                        name: event["event_type"]
                            .as_str()
                            .unwrap_or("intent.event")
                            .to_string(),
                        last: Status::parse(status_of(&event)).is_some_and(Status::is_terminal),
                        data: event,
                    })
                    .collect();
                Ok((items, false))
            }
            Feed::Agent {
                principal,
                agent,
                statuses,
            } => {
                // A kill (or an automatic block) stops deliveries at once: the window ends.
                if super::agents::blocked(state, &principal.org_id, agent)
                    .await?
                    .is_some()
                {
                    return Ok((Vec::new(), true));
                }
                let deliveries = state
                    .store
                    .deliveries(
                        principal.org_id.clone(),
                        agent.clone(),
                        cursor,
                        statuses.clone(),
                        EVENT_PAGE,
                    )
                    .await?;
                let items = deliveries
                    .into_iter()
                    .map(|delivery| {
                        let status =
                            Status::parse(status_of(&delivery.intent)).unwrap_or(Status::Delivered);
                        if status == Status::Delivered {
                            acknowledge(state, principal, agent, &delivery.intent);
                        }
                        Item {
                            id: delivery.cursor,
                            name: status.event_type().to_string(),
                            data: agents::delivery(delivery.cursor, &delivery.intent),
                            last: false,
                        }
                    })
                    .collect();
                Ok((items, false))
            }
        }
    }
}

/// A listen stream handing an intent over is the agent taking it: DELIVERED → ACKNOWLEDGED.
fn acknowledge(state: &AppState, principal: &Principal, agent: &str, intent: &Value) {
    let Some(intent_id) = intent["intent_id"].as_str() else {
        return;
    };
    let op = WriteOp::Transition {
        org_id: principal.org_id.clone(),
        intent_id: intent_id.to_string(),
        change: Change::Acknowledge {
            by: agent.to_string(),
            via: "listen".into(),
        },
    };
    let store = state.store.clone();
    tokio::spawn(async move {
        if let Err(err) = store
            .write(WriteRequest {
                op,
                idempotency: None,
            })
            .await
        {
            tracing::warn!(error = %err, "acknowledging a handed-over intent failed");
        }
    });
}

enum Chunk {
    Data(Bytes),
    Abort,
}

struct Streamer {
    state: AppState,
    feed: Feed,
    subscription: Subscription,
    cursor: i64,
    framing: Framing,
    pending: VecDeque<Chunk>,
    read_needed: bool,
    finished: bool,
    window_end: Instant,
    heartbeat: tokio::time::Interval,
    events_sent: u64,
    _guard: StreamGuard,
}

impl Streamer {
    fn push_text(&mut self, text: String) {
        let bytes = Bytes::from(text.into_bytes());
        if self.framing.bytewise {
            for i in 0..bytes.len() {
                self.pending.push_back(Chunk::Data(bytes.slice(i..i + 1)));
            }
        } else {
            self.pending.push_back(Chunk::Data(bytes));
        }
    }

    fn push_item(&mut self, item: Item) {
        let text = self.framing.event(Some(item.id), &item.name, &item.data);
        if self.framing.duplicate_events {
            self.push_text(text.clone());
        }
        self.push_text(text);
        self.cursor = self.cursor.max(item.id);
        self.events_sent += 1;
        if self.framing.drop_after_events == Some(self.events_sent) {
            self.pending.push_back(Chunk::Abort);
            self.finished = true;
        }
        if item.last {
            self.finished = true;
        }
    }

    fn push_timeout(&mut self) {
        let text = self.framing.event(
            None,
            "stream.timeout",
            &json!({"ok": true, "next_seq": self.cursor}),
        );
        self.push_text(text);
        self.finished = true;
    }

    /// Produces the next chunk, or `None` when the stream is over.
    async fn next(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        loop {
            match self.pending.pop_front() {
                Some(Chunk::Data(bytes)) => return Some(Ok(bytes)),
                Some(Chunk::Abort) => {
                    // Give the connection a moment to flush the events before it, so the client sees
                    // exactly N events and then a broken connection.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    return Some(Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "fault: stream dropped",
                    )));
                }
                None if self.finished => return None,
                None => {}
            }
            if self.read_needed {
                self.read_needed = false;
                match self.feed.fetch(&self.state, self.cursor).await {
                    Ok((_, true)) => self.push_timeout(),
                    Ok((items, false)) => {
                        if items.len() == EVENT_PAGE {
                            self.read_needed = true;
                        }
                        for item in items {
                            if self.finished {
                                break;
                            }
                            self.push_item(item);
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "stream read failed; ending the window");
                        self.push_timeout();
                    }
                }
                continue;
            }
            let shutdown = self.state.hub.shutdown.clone();
            tokio::select! {
                _ = self.subscription.changed() => self.read_needed = true,
                _ = tokio::time::sleep_until(self.window_end) => self.push_timeout(),
                _ = self.heartbeat.tick() => {
                    let text = self.framing.comment("keep-alive");
                    self.push_text(text);
                }
                _ = shutdown.cancelled() => self.push_timeout(),
            }
        }
    }
}

struct Window {
    since: i64,
    wait: Duration,
}

fn window(query: &body::Query, headers: &HeaderMap) -> Result<Window, ApiError> {
    let since = body::int_param(query, "since", 0, 0, i64::MAX)?;
    let wait = body::int_param(query, "wait_seconds", 15, 1, 60)?;
    let last_event_id = match headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
    {
        None | Some("") => 0,
        Some(raw) => raw.parse::<i64>().ok().filter(|v| *v >= 0).ok_or_else(|| {
            ApiError::new(
                422,
                "validation_error",
                format!("Last-Event-ID {raw:?} is not a non-negative integer (an event seq)"),
            )
        })?,
    };
    // Wire facts §7: Last-Event-ID is honoured like `since`, and the larger wins.
    Ok(Window {
        since: since.max(last_event_id),
        wait: Duration::from_secs(wait as u64),
    })
}

fn respond(
    state: AppState,
    feed: Feed,
    subscription: Subscription,
    window: Window,
    framing: Framing,
    already_over: bool,
) -> Response {
    let heartbeat_every = state.settings.heartbeat;
    let mut streamer = Streamer {
        _guard: StreamGuard::new(&state.metrics),
        state,
        feed,
        subscription,
        cursor: window.since,
        pending: VecDeque::new(),
        read_needed: !already_over,
        finished: false,
        window_end: Instant::now() + window.wait,
        heartbeat: tokio::time::interval_at(Instant::now() + heartbeat_every, heartbeat_every),
        events_sent: 0,
        framing,
    };
    if streamer.framing.bom {
        streamer.push_text("\u{feff}".to_string());
    }
    if streamer.framing.drop_after_events == Some(0) {
        // `drop_after_events: 0`: the headers, then a broken connection (push_item never counts to 0).
        streamer.pending.push_back(Chunk::Abort);
        streamer.finished = true;
    } else if already_over {
        streamer.push_timeout();
    }
    let body = stream::unfold(streamer, |mut s| async move {
        s.next().await.map(|chunk| (chunk, s))
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

pub async fn intent_events(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(intent_id): Path<String>,
    Query(query): Query<body::Query>,
    headers: HeaderMap,
    framing: Option<Extension<Framing>>,
) -> Result<Response, ApiError> {
    let window = window(&query, &headers)?;
    // Subscribe before reading anything, so a commit between the read and the wait still wakes us.
    let subscription = state.hub.subscribe(&hub::intent_topic(&intent_id));
    let intent = state
        .store
        .get_intent(principal.org_id.clone(), intent_id.clone())
        .await?
        .ok_or_else(|| ApiError::intent_not_found(&intent_id))?;
    let terminal = Status::parse(status_of(&intent)).is_some_and(Status::is_terminal);
    let last_seq = intent["last_seq"].as_i64().unwrap_or_default();
    // Resuming after the terminal event: nothing more will ever come, so end the window at once.
    let already_over = terminal && window.since >= last_seq;
    let feed = Feed::Intent {
        org_id: principal.org_id,
        intent_id,
    };
    Ok(respond(
        state,
        feed,
        subscription,
        window,
        framing.map(|f| f.0).unwrap_or_default(),
        already_over,
    ))
}

/// `GET /v1/agents/{address}/intents/stream`: an agent's deliveries (listen). Serves the `stream`,
/// `poll` and `inbox` bindings; refused while the agent is killed or blocked.
pub async fn listen(
    state: AppState,
    principal: Principal,
    raw_address: &str,
    query: &body::Query,
    headers: &HeaderMap,
    framing: Framing,
) -> Result<Response, ApiError> {
    let agent = address::normalize(raw_address)
        .map_err(|why| ApiError::new(422, "invalid_agent_address", why))?;
    let window = window(query, headers)?;
    let statuses = body::statuses_param(query, "status")?.unwrap_or_else(|| {
        Status::ALL
            .into_iter()
            .filter(|s| !s.is_terminal())
            .collect()
    });
    super::agents::refuse_blocked(&state, &principal.org_id, &agent).await?;
    let subscription = state
        .hub
        .subscribe(&hub::agent_topic(&principal.org_id, &agent));
    let feed = Feed::Agent {
        principal,
        agent,
        statuses,
    };
    Ok(respond(state, feed, subscription, window, framing, false))
}
