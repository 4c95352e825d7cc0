//! Connections as hostile clients see them: the open-files limit, a cap on open connections below it,
//! timeouts for request heads, and JSON bodies on the refusals hyper writes by itself.
//!
//! Every accepted socket is wrapped in [`ConnIo`] and registered in [`Connections`]. The service
//! marks a connection busy from the moment a request head is parsed until its response body is
//! dropped ([`Busy`]); while it is not busy the connection is waiting for a request head, and
//! `ConnIo` gives it `idle_timeout` to start one and `read_timeout` to finish one (then a 408). At
//! the cap, accepting a connection closes the one that has waited longest for a head, so stalled
//! clients cannot keep `/health` from being answered; when every connection is busy the newcomer
//! gets a 503 and is closed.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

use crate::error::ApiError;

/// Descriptors kept free for the store, media files, outbound callbacks and the process itself.
pub fn descriptor_reserve(limit: u64) -> u64 {
    (limit / 8).max(32)
}

/// Raises the soft open-files limit to the hard one and returns the limit now in force (`None` when
/// it is unlimited or unknown).
pub fn raise_open_files_limit() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        match setrlimit(Resource::Nofile, raised) {
            Ok(()) => return limit.maximum,
            Err(err) => tracing::warn!(error = %err, "cannot raise the open-files limit"),
        }
    }
    limit.current
}

/// The most connections a server with this open-files limit keeps open.
pub fn connection_cap(open_files: Option<u64>, configured: Option<usize>) -> usize {
    let by_limit = open_files
        .map(|limit| limit.saturating_sub(descriptor_reserve(limit)).max(1))
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    configured.unwrap_or(usize::MAX).min(by_limit).max(1)
}

/// Timeouts of a connection.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// Longest wait for the rest of a request head once its first byte came, and between two
    /// pieces of a request body.
    pub read: Duration,
    /// Longest wait for the first byte of a request on an open connection.
    pub idle: Duration,
}

/// What the accept loop and a connection's IO share about it.
#[derive(Debug)]
pub struct ConnState {
    busy: AtomicUsize,
    /// Responses finished so far: a change tells the IO that a new head is awaited.
    finished: AtomicU64,
    /// When the connection last became idle (milliseconds since the registry was made).
    idle_since_ms: AtomicU64,
    evict: AtomicBool,
    waker: AtomicWaker,
}

/// Marks a connection busy for as long as it lives (a request being handled, its response body
/// being sent).
#[derive(Debug)]
pub struct Busy {
    state: Arc<ConnState>,
    epoch: Instant,
}

impl Busy {
    pub fn new(state: &Arc<ConnState>, connections: &Connections) -> Busy {
        state.busy.fetch_add(1, Ordering::AcqRel);
        Busy {
            state: state.clone(),
            epoch: connections.epoch,
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.state
            .idle_since_ms
            .store(millis_since(self.epoch), Ordering::Release);
        self.state.finished.fetch_add(1, Ordering::AcqRel);
        self.state.busy.fetch_sub(1, Ordering::AcqRel);
        self.state.waker.wake();
    }
}

fn millis_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The open connections.
#[derive(Debug)]
pub struct Connections {
    cap: usize,
    epoch: Instant,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<ConnState>>>,
}

/// What to do with a socket just accepted.
pub enum Admit {
    /// Serve it; dropping the registration forgets it.
    Serve(Registration),
    /// Every open connection is busy: answer 503 and close.
    Refuse,
}

/// A connection's place in the registry, released on drop.
#[derive(Debug)]
pub struct Registration {
    pub state: Arc<ConnState>,
    id: u64,
    connections: Arc<Connections>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.connections
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl Connections {
    pub fn new(cap: usize) -> Arc<Connections> {
        Arc::new(Connections {
            cap,
            epoch: Instant::now(),
            next_id: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
        })
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    /// Open connections now.
    pub fn len(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Registers a new connection; at the cap, closes the one idle longest to make room.
    pub fn admit(self: &Arc<Self>) -> Admit {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let live = open
            .values()
            .filter(|c| !c.evict.load(Ordering::Acquire))
            .count();
        if live >= self.cap {
            let victim = open
                .values()
                .filter(|c| c.busy.load(Ordering::Acquire) == 0 && !c.evict.load(Ordering::Acquire))
                .min_by_key(|c| c.idle_since_ms.load(Ordering::Acquire));
            match victim {
                Some(victim) => {
                    victim.evict.store(true, Ordering::Release);
                    victim.waker.wake();
                }
                None => return Admit::Refuse,
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(ConnState {
            busy: AtomicUsize::new(0),
            finished: AtomicU64::new(0),
            idle_since_ms: AtomicU64::new(millis_since(self.epoch)),
            evict: AtomicBool::new(false),
            waker: AtomicWaker::new(),
        });
        open.insert(id, state.clone());
        Admit::Serve(Registration {
            state,
            id,
            connections: self.clone(),
        })
    }
}

/// A complete HTTP/1.1 response carrying the JSON error body, closing the connection.
pub fn error_response_bytes(error: &ApiError) -> Vec<u8> {
    let body = error.body().to_string();
    let reason = http::StatusCode::from_u16(error.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        error.status,
        body.len()
    )
    .into_bytes()
}

/// Answers a socket that will not be served (every connection busy) and closes it.
pub fn refuse(socket: &TcpStream) {
    let error = ApiError::new(
        503,
        "server_busy",
        "the server has as many connections open as it allows and all of them are in use; retry later",
    );
    let _ = socket.try_write(&error_response_bytes(&error));
}

/// The JSON error replacing a response head hyper wrote by itself for a request it could not
/// parse: such a head has no content type, and every response of the application has one.
fn rewrite_protocol_error(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let rest = text.strip_prefix("HTTP/1.1 ")?;
    let (head_only, _) = text.split_once("\r\n\r\n")?;
    if head_only.len() + 4 != text.len() || head_only.to_ascii_lowercase().contains("content-type:")
    {
        return None;
    }
    let status: u16 = rest.get(..3)?.parse().ok()?;
    let error = match status {
        400 => ApiError::bad_request(
            "malformed_request",
            "the request is not valid HTTP/1.1 (request line, header names and values, or framing); send a well-formed request",
        ),
        414 => ApiError::new(
            414,
            "uri_too_long",
            "the request target is too long; send parameters of the documented lengths",
        ),
        431 => ApiError::new(
            431,
            "headers_too_large",
            "the request headers are too large or too many (at most 100 headers, 64 KiB in all)",
        ),
        _ => return None,
    };
    Some(error_response_bytes(&error))
}

/// A served socket: head timeouts, eviction at the cap, JSON protocol errors.
pub struct ConnIo {
    inner: TcpStream,
    state: Arc<ConnState>,
    timeouts: Timeouts,
    timer: Option<Pin<Box<Sleep>>>,
    seen_finished: u64,
    head_started: bool,
    /// Bytes of a rewritten response still to write.
    pending: Vec<u8>,
}

impl ConnIo {
    pub fn new(inner: TcpStream, state: Arc<ConnState>, timeouts: Timeouts) -> ConnIo {
        ConnIo {
            inner,
            state,
            timeouts,
            timer: None,
            seen_finished: 0,
            head_started: false,
            pending: Vec::new(),
        }
    }

    fn arm(&mut self, after: Duration) {
        self.timer = Some(Box::pin(tokio::time::sleep(after)));
    }

    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let n = std::task::ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.state.waker.register(cx.waker());
        let idle = this.state.busy.load(Ordering::Acquire) == 0;
        if idle {
            let finished = this.state.finished.load(Ordering::Acquire);
            if finished != this.seen_finished {
                this.seen_finished = finished;
                this.head_started = false;
                this.timer = None;
            }
            if this.state.evict.load(Ordering::Acquire) {
                // End of input: hyper closes a connection that is between requests.
                return Poll::Ready(Ok(()));
            }
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if idle && buf.filled().len() > before && !this.head_started {
                    this.head_started = true;
                    let read = this.timeouts.read;
                    this.arm(read);
                }
                return Poll::Ready(Ok(()));
            }
            Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
            Poll::Pending => {}
        }
        if !idle {
            // A body is being read or a response sent: the request's own timeouts apply.
            this.timer = None;
            return Poll::Pending;
        }
        if this.timer.is_none() {
            let wait = if this.head_started {
                this.timeouts.read
            } else {
                this.timeouts.idle
            };
            this.arm(wait);
        }
        let expired = this
            .timer
            .as_mut()
            .is_some_and(|timer| timer.as_mut().poll(cx).is_ready());
        if !expired {
            return Poll::Pending;
        }
        if this.head_started {
            let error = ApiError::new(
                408,
                "request_timeout",
                format!(
                    "the request head did not arrive within {} ms; send the whole head at once",
                    this.timeouts.read.as_millis()
                ),
            );
            let _ = this.inner.try_write(&error_response_bytes(&error));
        }
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "no request arrived in time",
        )))
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_pending(cx))?;
        if this.state.busy.load(Ordering::Acquire) == 0 {
            if let Some(replacement) = rewrite_protocol_error(buf) {
                this.pending = replacement;
                let _ = this.poll_pending(cx)?;
                return Poll::Ready(Ok(buf.len()));
            }
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_pending(cx))?;
        if this.state.busy.load(Ordering::Acquire) == 0 {
            let first = bufs.iter().find(|b| !b.is_empty());
            if let Some(replacement) = first.and_then(|b| rewrite_protocol_error(b)) {
                let len = first.map_or(0, |b| b.len());
                this.pending = replacement;
                let _ = this.poll_pending(cx)?;
                return Poll::Ready(Ok(len));
            }
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// Accept errors (out of descriptors, mostly): a growing pause before the next try, and one log
/// line per interval saying how many failed since the last one.
#[derive(Debug)]
pub struct AcceptBackoff {
    pause: Duration,
    last_log: Option<Instant>,
    suppressed: u64,
}

impl Default for AcceptBackoff {
    fn default() -> Self {
        Self::new()
    }
}

impl AcceptBackoff {
    pub const FIRST: Duration = Duration::from_millis(5);
    pub const MAX: Duration = Duration::from_secs(1);
    pub const LOG_EVERY: Duration = Duration::from_secs(10);

    pub fn new() -> AcceptBackoff {
        AcceptBackoff {
            pause: Duration::ZERO,
            last_log: None,
            suppressed: 0,
        }
    }

    pub fn succeeded(&mut self) {
        self.pause = Duration::ZERO;
    }

    /// Records a failure: the pause to take, and whether to log it now (with the number of failures
    /// left unlogged before it).
    pub fn failed(&mut self, now: Instant) -> (Duration, Option<u64>) {
        self.pause = (self.pause * 2).clamp(Self::FIRST, Self::MAX);
        let log = match self.last_log {
            Some(at) if now.duration_since(at) < Self::LOG_EVERY => {
                self.suppressed += 1;
                None
            }
            _ => {
                self.last_log = Some(now);
                Some(std::mem::take(&mut self.suppressed))
            }
        };
        (self.pause, log)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_logs_rarely() {
        let mut backoff = AcceptBackoff::new();
        let start = Instant::now();
        let mut logged = 0;
        let mut pause = Duration::ZERO;
        for _ in 0..1000 {
            let (p, log) = backoff.failed(start);
            pause = p;
            logged += usize::from(log.is_some());
        }
        assert_eq!((pause, logged), (AcceptBackoff::MAX, 1));
        let (_, log) = backoff.failed(start + AcceptBackoff::LOG_EVERY);
        assert_eq!(log, Some(999));
        backoff.succeeded();
        assert_eq!(backoff.failed(start).0, AcceptBackoff::FIRST);
    }

    #[test]
    fn cap_leaves_descriptors_free() {
        assert_eq!(connection_cap(Some(1024), None), 896);
        assert_eq!(connection_cap(Some(64), None), 32);
        assert_eq!(connection_cap(Some(1024), Some(100)), 100);
        assert_eq!(connection_cap(None, None), usize::MAX);
    }

    #[test]
    fn only_hyper_error_heads_are_rewritten() {
        let hyper_400 = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let rewritten = String::from_utf8(rewrite_protocol_error(hyper_400).unwrap()).unwrap();
        assert!(rewritten.starts_with("HTTP/1.1 400 Bad Request\r\ncontent-type: application/json"));
        assert!(rewritten.contains(r#""code":"malformed_request""#));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n";
        assert!(rewrite_protocol_error(ours).is_none());
        assert!(rewrite_protocol_error(b"HTTP/1.1 200 OK\r\n\r\n").is_none());
        let with_body = b"HTTP/1.1 431 Request Header Fields Too Large\r\n\r\nx";
        assert!(rewrite_protocol_error(with_body).is_none());
    }

    #[test]
    fn admit_evicts_the_longest_idle_at_the_cap() {
        let connections = Connections::new(2);
        let Admit::Serve(first) = connections.admit() else {
            panic!("room")
        };
        let Admit::Serve(second) = connections.admit() else {
            panic!("room")
        };
        let busy = Busy::new(&second.state, &connections);
        let Admit::Serve(_third) = connections.admit() else {
            panic!("an idle connection makes room")
        };
        assert!(first.state.evict.load(Ordering::Acquire));
        assert!(!second.state.evict.load(Ordering::Acquire));
        let _busy_third = Busy::new(&_third.state, &connections);
        assert!(matches!(connections.admit(), Admit::Refuse));
        drop(busy);
    }
}
