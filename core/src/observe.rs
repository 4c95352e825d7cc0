//! `observe` (a stream of one intent's lifecycle events) and `wait_for` (its terminal event).
//!
//! Events come from the SSE endpoint `/events/stream`, resumed from the highest `seq` seen after
//! every window end or drop. Guarantees: events arrive in `seq` order, never twice (a resent
//! event is dropped) and never with a hole (a jump in `seq` is filled from `/events?since=`);
//! the stream ends after a terminal event. When the stream endpoint answers 404/405/501 the
//! stream falls back to polling `/events?since=`. Everything is owned by the returned stream, so
//! dropping it (or the `wait_for` future) cancels the request in flight.

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::intents::is_terminal;
use crate::operations;
use crate::records::{CallOptions, StreamOptions};
use crate::request::{new_id, prepare};
use crate::sse_stream::{event_seq, CursorSse};

/// A stream of JSON events; drop it to cancel.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<Value, Error>> + Send>>;

/// The trace id of a logical streaming call: the caller's, else one minted for the whole call
/// when `auto_trace_id` is on.
pub(crate) fn call_trace_id(client: &Client, given: Option<&str>) -> Option<String> {
    given
        .map(str::to_string)
        .or_else(|| client.config().auto_trace_id.then(new_id))
}

/// An error stream that yields `e` once.
pub(crate) fn failed(e: Error) -> EventStream {
    Box::pin(futures_util::stream::once(async move { Err(e) }))
}

/// Wrap a stepping state machine into a stream. `step` yields `(item, state, more)`; the stream
/// ends when the item is `None`, after an error, after an item with `more == false`, or with a
/// `timeout` error at the deadline.
pub(crate) fn drive<S, F, Fut>(
    state: S,
    deadline: Option<(Instant, String)>,
    step: F,
) -> EventStream
where
    S: Send + 'static,
    F: Fn(S) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = (Option<Result<Value, Error>>, S, bool)> + Send + 'static,
{
    let s = futures_util::stream::unfold(Some(state), move |st| {
        let fut = st.map(&step);
        let deadline = deadline.clone();
        async move {
            let fut = fut?;
            let (item, st, more) = match &deadline {
                None => fut.await,
                Some((at, what)) => match tokio::time::timeout_at(*at, fut).await {
                    Ok(r) => r,
                    Err(_) => {
                        return Some((Err(Error::new(ErrorKind::Timeout, what.clone())), None))
                    }
                },
            };
            let item = item?;
            let keep = item.is_ok() && more;
            Some((item, keep.then_some(st)))
        }
    });
    Box::pin(s)
}

struct Observer {
    client: Client,
    intent_id: String,
    /// Options of the plain reads (`/events?since=`, the intent) made on the stream's behalf.
    read_opts: CallOptions,
    poll_interval: Duration,
    /// Highest seq queued; everything at or below it is a duplicate.
    last_seq: u64,
    sse: CursorSse,
    polling: bool,
    queue: VecDeque<Value>,
    /// Whether we already asked if the intent finished before `last_seq` (see `finished`).
    end_checked: bool,
}

impl Observer {
    async fn next(mut self) -> (Option<Result<Value, Error>>, Self, bool) {
        let r = self.step().await.transpose();
        let more = !matches!(&r, Some(Ok(v)) if is_terminal(v));
        (r, self, more)
    }

    async fn step(&mut self) -> Result<Option<Value>, Error> {
        loop {
            if let Some(v) = self.queue.pop_front() {
                return Ok(Some(v));
            }
            if self.polling {
                if !self.poll().await? && self.finished().await? {
                    return Ok(None);
                }
                continue;
            }
            self.sse.cursor = self.last_seq;
            let ev = match self.sse.next_event().await {
                Ok(Some(ev)) => ev,
                Ok(None) => {
                    if self.finished().await? {
                        return Ok(None);
                    }
                    continue;
                }
                Err(e) if matches!(e.status(), Some(404 | 405 | 501)) => {
                    tracing::debug!(status = ?e.status(), "event stream unavailable; polling instead");
                    self.polling = true;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let data: Value = serde_json::from_str(&ev.data)
                .map_err(|e| Error::protocol(format!("event data is not JSON: {e}")))?;
            let seq = event_seq(&ev, &data).ok_or_else(|| Error::protocol("event without seq"))?;
            if seq <= self.last_seq {
                continue; // resent after a reconnect
            }
            if seq > self.last_seq + 1 {
                self.fill_gap(seq).await?;
            }
            self.sse.on_progress();
            self.push(seq, data);
        }
    }

    fn push(&mut self, seq: u64, data: Value) {
        if is_terminal(&data) {
            self.sse.close();
        }
        self.last_seq = seq;
        self.queue.push_back(data);
    }

    /// Events with `seq > since`, in order. A free function of the client (not `&self`) so the
    /// future stays `Send`: the open connection inside `self` is not `Sync`.
    async fn fetch_after(
        client: &Client,
        intent_id: &str,
        since: u64,
        opts: &CallOptions,
    ) -> Result<Vec<(u64, Value)>, Error> {
        let resp = client
            .list_intent_events(intent_id, Some(since), opts)
            .await?;
        let events = resp
            .get("events")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut out: Vec<(u64, Value)> = events
            .into_iter()
            .filter_map(|e| Some((e.get("seq")?.as_u64()?, e)))
            .filter(|(s, _)| *s > since)
            .collect();
        out.sort_by_key(|(s, _)| *s);
        Ok(out)
    }

    /// The stream jumped from `last_seq` to `upto`: fetch what lies between.
    async fn fill_gap(&mut self, upto: u64) -> Result<(), Error> {
        for (seq, e) in Self::fetch_after(
            &self.client,
            &self.intent_id,
            self.last_seq,
            &self.read_opts,
        )
        .await?
        {
            if seq >= upto {
                break;
            }
            if seq > self.last_seq {
                self.push(seq, e);
            }
        }
        Ok(())
    }

    /// Nothing new arrived: has the intent already ended at or before `last_seq` (observing
    /// from past its terminal event)? Then nothing will ever come and the stream ends. Asked
    /// once: if the intent is still running now, its terminal event will arrive later.
    async fn finished(&mut self) -> Result<bool, Error> {
        if self.end_checked {
            return Ok(false);
        }
        self.end_checked = true;
        let resp = self
            .client
            .get_intent(&self.intent_id, &self.read_opts)
            .await?;
        if !resp.get("intent").is_some_and(is_terminal) {
            return Ok(false);
        }
        let later = Self::fetch_after(
            &self.client,
            &self.intent_id,
            self.last_seq,
            &self.read_opts,
        )
        .await?;
        for (seq, e) in later {
            self.push(seq, e);
        }
        Ok(self.queue.is_empty())
    }

    /// One poll; `true` when it found something new (else it has slept `poll_interval`).
    async fn poll(&mut self) -> Result<bool, Error> {
        let mut got = false;
        for (seq, e) in Self::fetch_after(
            &self.client,
            &self.intent_id,
            self.last_seq,
            &self.read_opts,
        )
        .await?
        {
            if seq > self.last_seq {
                let terminal = is_terminal(&e);
                self.push(seq, e);
                got = true;
                if terminal {
                    break;
                }
            }
        }
        if !got {
            tokio::time::sleep(self.poll_interval).await;
        }
        Ok(got)
    }
}

impl Client {
    /// Stream the lifecycle events of `intent_id` with `seq > opts.since`, ending after a
    /// terminal event (or with an error, or a `timeout` error after `opts.timeout_seconds`).
    /// `opts.status` does not apply.
    pub fn observe(&self, intent_id: &str, opts: &StreamOptions) -> EventStream {
        self.try_observe(intent_id, opts).unwrap_or_else(failed)
    }

    /// [`Client::observe`], refusing bad arguments at once instead of as the stream's first item.
    pub fn try_observe(&self, intent_id: &str, opts: &StreamOptions) -> Result<EventStream, Error> {
        if intent_id.trim().is_empty() {
            return Err(Error::invalid_argument("intent_id must not be empty"));
        }
        opts.check()?;
        let (poll_interval, timeout) = (opts.poll_interval()?, opts.timeout()?);
        let client = self.clone();
        let id = intent_id.to_string();
        let wait = opts.wait_seconds;
        let trace_id = call_trace_id(self, opts.trace_id.as_deref());
        let stream_trace = trace_id.clone();
        let make = Box::new(move |since: u64| {
            let args = json!({"intent_id": id, "since": since, "wait_seconds": wait,
                "trace_id": stream_trace});
            prepare(
                operations::get(operations::ids::INTENTS_EVENTS_STREAM),
                &args,
                client.config(),
            )
        });
        // Surface argument errors (e.g. a malformed trace id) now, not on the first read.
        make(opts.since)?;
        let observer = Observer {
            client: self.clone(),
            intent_id: intent_id.to_string(),
            read_opts: CallOptions::with_trace_id(trace_id),
            poll_interval,
            last_seq: opts.since,
            sse: CursorSse::new(self.transport().clone(), opts.since, wait, make),
            polling: false,
            queue: VecDeque::new(),
            end_checked: false,
        };
        let deadline = timeout.map(|t| {
            let msg = format!("observing intent {intent_id} timed out after {t:?}");
            (Instant::now() + t, msg)
        });
        Ok(drive(observer, deadline, Observer::next))
    }

    /// Wait until `intent_id` reaches a terminal state and return that event; after `timeout`
    /// fail with a `timeout` error. Dropping the future cancels the wait.
    pub async fn wait_for(
        &self,
        intent_id: &str,
        timeout: Option<Duration>,
    ) -> Result<Value, Error> {
        let opts = StreamOptions {
            timeout_seconds: timeout.map(|t| t.as_secs_f64()),
            ..StreamOptions::default()
        };
        self.wait_for_with(intent_id, &opts).await
    }

    /// [`Client::wait_for`] with every stream option (`since`, `wait_seconds`, the polling
    /// interval, `timeout_seconds`, `trace_id`).
    pub async fn wait_for_with(
        &self,
        intent_id: &str,
        opts: &StreamOptions,
    ) -> Result<Value, Error> {
        let mut events = self.observe(intent_id, opts);
        while let Some(item) = events.next().await {
            let event = item?;
            if is_terminal(&event) {
                return Ok(event);
            }
        }
        Err(Error::protocol(format!(
            "event stream of {intent_id} ended before a terminal event"
        )))
    }
}
