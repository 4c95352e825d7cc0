//! A resumable SSE reader over the transport: the part `observe` and `listen` share.
//!
//! The server closes every stream after a window (`stream.timeout`) or a terminal event, and
//! connections can drop at any time; this reader reconnects from a cursor the caller keeps up to
//! date (sent as `since` and `Last-Event-ID`) so callers see one endless sequence of `intent.*`
//! events. A clean window end reconnects at once; a drop (error, EOF without `stream.timeout`,
//! idle timeout) waits the server's `retry:` delay, else a jittered backoff, and gives up after
//! several consecutive drops without progress. Dropping the reader drops the connection.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use futures_util::StreamExt;

use crate::error::{Error, ErrorKind};
use crate::request::PreparedRequest;
use crate::retry::ReconnectState;
use crate::sse::{SseEvent, SseParser};
use crate::transport::{ByteStream, Transport};

/// Consecutive drops without progress before a stream gives up.
pub(crate) const MAX_CONSECUTIVE_DROPS: u32 = 5;

/// One open SSE response: body chunks through the parser, with an idle timeout per read.
struct SseConnection {
    body: ByteStream,
    parser: SseParser,
    ready: VecDeque<SseEvent>,
    idle: Duration,
    ended: bool,
}

impl SseConnection {
    async fn next(&mut self) -> Result<Option<SseEvent>, Error> {
        loop {
            if let Some(e) = self.ready.pop_front() {
                return Ok(Some(e));
            }
            if self.ended {
                return Ok(None);
            }
            match tokio::time::timeout(self.idle, self.body.next()).await {
                Err(_) => {
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        format!("event stream idle for {:?}", self.idle),
                    ))
                }
                Ok(None) => {
                    self.ready.extend(self.parser.finish()?);
                    self.ended = true;
                }
                Ok(Some(Ok(chunk))) => {
                    let mut out = Vec::new();
                    self.parser.feed_into(&chunk, &mut out)?;
                    self.ready.extend(out);
                }
                Ok(Some(Err(e))) => return Err(e),
            }
        }
    }
}

/// Builds the stream request for a cursor value.
pub(crate) type RequestFn = Box<dyn Fn(u64) -> Result<PreparedRequest, Error> + Send + Sync>;

/// A reconnecting reader of `intent.*` SSE events, resuming from `cursor`.
pub(crate) struct CursorSse {
    client: Transport,
    make_request: RequestFn,
    /// Resume point: sent as `since` (and `Last-Event-ID` when > 0) on every (re)connect.
    pub(crate) cursor: u64,
    conn: Option<SseConnection>,
    reconnect: ReconnectState,
    idle: Duration,
    wait: Duration,
    clean_end: bool,
    connected_once: bool,
    window_started: Instant,
    window_events: u64,
    pause: Option<Duration>,
}

impl CursorSse {
    pub(crate) fn new(
        client: Transport,
        cursor: u64,
        wait_seconds: u32,
        make_request: RequestFn,
    ) -> CursorSse {
        let cfg = client.config();
        let policy = client.retry_policy().clone();
        // The server holds a window open for `wait_seconds` and heartbeats within it, so
        // silence longer than the window plus the request timeout means a dead connection.
        let idle = cfg.timeout + Duration::from_secs(u64::from(wait_seconds));
        CursorSse {
            client,
            make_request,
            cursor,
            conn: None,
            reconnect: ReconnectState::new(policy, MAX_CONSECUTIVE_DROPS),
            idle,
            wait: Duration::from_secs(u64::from(wait_seconds)),
            clean_end: false,
            connected_once: false,
            window_started: Instant::now(),
            window_events: 0,
            pause: None,
        }
    }

    /// Close the current connection (the next read reconnects).
    pub(crate) fn close(&mut self) {
        self.conn = None;
    }

    /// The caller accepted a new item: reset the drop counter.
    pub(crate) fn on_progress(&mut self) {
        self.reconnect.on_progress();
    }

    /// The next `intent.*` event, or `None` when a window ended cleanly, early and empty (the
    /// server has nothing to send: the caller may check whether anything can still come; the
    /// next connection is paced so this never spins). Connect errors on the first connection
    /// are returned as they are (the caller may fall back to polling on 404/405/501).
    pub(crate) async fn next_event(&mut self) -> Result<Option<SseEvent>, Error> {
        loop {
            if self.conn.is_none() {
                if let Some(delay) = self.pause.take() {
                    tokio::time::sleep(delay).await;
                }
                let req = (self.make_request)(self.cursor)?;
                let last_id = (self.cursor > 0).then_some(self.cursor);
                match self.client.open_sse(&req, last_id).await {
                    Ok(body) => {
                        self.conn = Some(SseConnection {
                            body,
                            parser: SseParser::new(),
                            ready: VecDeque::new(),
                            idle: self.idle,
                            ended: false,
                        });
                        self.clean_end = false;
                        self.connected_once = true;
                        self.window_started = Instant::now();
                        self.window_events = 0;
                    }
                    Err(e) if self.connected_once && e.is_retryable() => {
                        self.dropped(e).await?;
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            let Some(conn) = self.conn.as_mut() else {
                continue;
            };
            let read = conn.next().await;
            if let Some(ms) = conn.parser.retry() {
                self.reconnect.set_server_retry(ms);
            }
            match read {
                Ok(Some(ev)) if ev.event == "stream.timeout" => self.clean_end = true,
                Ok(Some(ev)) if ev.event.starts_with("intent.") => {
                    self.window_events += 1;
                    return Ok(Some(ev));
                }
                Ok(Some(_)) => {}
                Ok(None) if self.clean_end => {
                    self.conn = None;
                    let early = self.window_started.elapsed() < self.wait / 2;
                    if early && self.window_events == 0 {
                        self.pause = Some(self.reconnect.on_idle_window());
                        return Ok(None);
                    }
                    self.reconnect.on_progress();
                }
                Ok(None) => {
                    let e = Error::new(
                        ErrorKind::Connection,
                        "event stream ended without stream.timeout",
                    );
                    self.dropped(e).await?;
                }
                Err(e) if e.kind() == ErrorKind::Protocol => {
                    self.conn = None;
                    return Err(e);
                }
                Err(e) => self.dropped(e).await?,
            }
        }
    }

    async fn dropped(&mut self, e: Error) -> Result<(), Error> {
        self.conn = None;
        match self.reconnect.on_drop() {
            Some(delay) => {
                tracing::debug!(kind = %e.kind(), ?delay, cursor = self.cursor, "event stream dropped; reconnecting");
                tokio::time::sleep(delay).await;
                Ok(())
            }
            None => Err(e),
        }
    }
}

/// The sequence number of an `intent.*` event: `seq` in the JSON data, else the SSE id.
pub(crate) fn event_seq(ev: &SseEvent, data: &serde_json::Value) -> Option<u64> {
    data.get("seq")
        .and_then(serde_json::Value::as_u64)
        .or_else(|| ev.id.as_deref().and_then(|id| id.trim().parse().ok()))
}
