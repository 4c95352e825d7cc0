//! `listen`: the stream of intents delivered to an agent address.
//!
//! Reads `GET /v1/agents/{address}/intents/stream`, whose items carry a per-agent delivery
//! cursor in `seq`. After every window end or drop the stream reconnects with the highest cursor
//! seen, and items at or below it are dropped, so a caller sees each delivery once per stream.
//! (Delivery is at-least-once across streams: a new `listen` from `since=0` gets every
//! unfinished intent again, which is how a restarted agent resumes its work.) The stream never
//! ends on its own; drop it to stop listening.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use crate::error::Error;
use crate::observe::{call_trace_id, check_wait_seconds, drive, failed, EventStream};
use crate::operations;
use crate::request::prepare;
use crate::sse_stream::{event_seq, CursorSse};
use crate::transport::Client;

/// Options for [`Client::listen`].
#[derive(Debug, Clone, PartialEq)]
pub struct ListenOptions {
    /// Deliver items with cursor `> since` (default 0).
    pub since: u64,
    /// Server window per SSE connection, 1..=60 seconds (default 15).
    pub wait_seconds: u32,
    /// Statuses to include (server default: unfinished intents only).
    pub status: Option<Vec<String>>,
    /// Give up with a `timeout` error after this long (default: never).
    pub timeout: Option<Duration>,
    /// `X-Trace-Id` of every (re)connect of this stream; when `None` and `auto_trace_id` is
    /// on, one id is minted for the whole call.
    pub trace_id: Option<String>,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions {
            since: 0,
            wait_seconds: 15,
            status: None,
            timeout: None,
            trace_id: None,
        }
    }
}

struct Listener {
    sse: CursorSse,
}

impl Listener {
    async fn next(mut self) -> (Option<Result<Value, Error>>, Self, bool) {
        let r = self.step().await;
        (Some(r), self, true)
    }

    async fn step(&mut self) -> Result<Value, Error> {
        loop {
            let Some(ev) = self.sse.next_event().await? else {
                continue; // an early empty window; the reader paces the reconnect
            };
            let data: Value = serde_json::from_str(&ev.data)
                .map_err(|e| Error::protocol(format!("delivery data is not JSON: {e}")))?;
            let cursor = event_seq(&ev, &data)
                .ok_or_else(|| Error::protocol("delivery without seq cursor"))?;
            if cursor <= self.sse.cursor {
                continue; // resent after a reconnect
            }
            self.sse.cursor = cursor;
            self.sse.on_progress();
            return Ok(data);
        }
    }
}

impl Client {
    /// Stream the intents delivered to `address` (`agent://…` or a bare name).
    pub fn listen(&self, address: &str, opts: ListenOptions) -> EventStream {
        if address.trim().is_empty() {
            return failed(Error::invalid_argument("address must not be empty"));
        }
        if let Err(e) = check_wait_seconds(opts.wait_seconds) {
            return failed(e);
        }
        let client = self.clone();
        let addr = address.to_string();
        let wait = opts.wait_seconds;
        let status = opts.status.clone();
        let trace_id = call_trace_id(self, opts.trace_id.as_deref());
        let make = Box::new(move |since: u64| {
            let mut args = json!({"address": addr, "since": since, "wait_seconds": wait,
                "trace_id": trace_id});
            if let Some(s) = &status {
                args["status"] = json!(s);
            }
            prepare(
                operations::get(operations::ids::AGENTS_INTENTS_STREAM),
                &args,
                client.config(),
            )
        });
        // Surface argument errors (e.g. a malformed address) now, not on the first read.
        if let Err(e) = make(opts.since) {
            return failed(e);
        }
        let listener = Listener {
            sse: CursorSse::new(self.clone(), opts.since, wait, make),
        };
        let deadline = opts.timeout.map(|t| {
            let msg = format!("listening on {address} timed out after {t:?}");
            (Instant::now() + t, msg)
        });
        drive(listener, deadline, Listener::next)
    }
}
