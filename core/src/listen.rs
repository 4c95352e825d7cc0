//! `listen`: the stream of intents delivered to an agent address.
//!
//! Reads `GET /v1/agents/{address}/intents/stream`, whose items carry a per-agent delivery
//! cursor in `seq`. After every window end or drop the stream reconnects with the highest cursor
//! seen, and items at or below it are dropped, so a caller sees each delivery once per stream.
//! (Delivery is at-least-once across streams: a new `listen` from `since=0` gets every
//! unfinished intent again, which is how a restarted agent resumes its work.) The stream never
//! ends on its own; drop it to stop listening.

use serde_json::{json, Value};
use tokio::time::Instant;

use crate::client::Client;
use crate::error::Error;
use crate::observe::{call_trace_id, drive, failed, EventStream};
use crate::operations;
use crate::records::StreamOptions;
use crate::request::prepare;
use crate::sse_stream::{event_seq, CursorSse};

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
    /// `opts.poll_interval_seconds` does not apply.
    pub fn listen(&self, address: &str, opts: &StreamOptions) -> EventStream {
        self.try_listen(address, opts).unwrap_or_else(failed)
    }

    /// [`Client::listen`], refusing bad arguments at once instead of as the stream's first item.
    pub fn try_listen(&self, address: &str, opts: &StreamOptions) -> Result<EventStream, Error> {
        if address.trim().is_empty() {
            return Err(Error::invalid_argument("address must not be empty"));
        }
        opts.check()?;
        let timeout = opts.timeout()?;
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
        make(opts.since)?;
        let listener = Listener {
            sse: CursorSse::new(self.transport().clone(), opts.since, wait, make),
        };
        let deadline = timeout.map(|t| {
            let msg = format!("listening on {address} timed out after {t:?}");
            (Instant::now() + t, msg)
        });
        Ok(drive(listener, deadline, Listener::next))
    }
}
