//! [`Stream`]: an `observe`/`listen` stream as a handle every binding can hold.
//!
//! `next()` yields each item as JSON text. `close()` (from any thread) ends a pending or later
//! `next()` with `None`, drops the engine's stream (closing its connection) and releases the live
//! handle at once, without waiting for the handle itself to be dropped (a garbage collector may
//! take its time). A cancelled token ends it with a `canceled` error instead. An error ends the
//! stream; after the end every `next()` returns `None`.

use std::sync::Arc;

use futures_util::StreamExt;

use super::handles::LiveHandle;
use crate::cancel::CancelToken;
use crate::error::Error;
use crate::observe::EventStream;

struct Open {
    events: EventStream,
    _live: LiveHandle,
}

struct Inner {
    open: tokio::sync::Mutex<Option<Open>>,
    /// Cancelled by `close()` and by closing the client: the stream ends quietly.
    closed: CancelToken,
    /// The caller's token: the stream ends with a `canceled` error.
    cancel: Option<CancelToken>,
}

/// A stream of JSON items; cheap to clone (clones are the same stream).
#[derive(Clone)]
pub struct Stream {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Stream {
    /// Wrap an engine stream, counted by `live` while open; `closed` ends it quietly, `cancel`
    /// with an error.
    pub(crate) fn new(
        events: EventStream,
        live: LiveHandle,
        closed: CancelToken,
        cancel: Option<CancelToken>,
    ) -> Stream {
        Stream {
            inner: Arc::new(Inner {
                open: tokio::sync::Mutex::new(Some(Open {
                    events,
                    _live: live,
                })),
                closed,
                cancel,
            }),
        }
    }

    /// The next item as JSON text; `None` once the stream has ended or was closed. Concurrent
    /// calls are served one after the other.
    pub async fn next(&self) -> Result<Option<String>, Error> {
        let inner = &self.inner;
        let cancelled = async {
            match &inner.cancel {
                Some(c) => c.cancelled().await,
                None => std::future::pending().await,
            }
        };
        // The branches' futures (the pull holding the lock among them) are gone once `select!`
        // has returned, so the engine stream can be dropped afterwards.
        let outcome = tokio::select! {
            biased;
            _ = inner.closed.cancelled() => None,
            _ = cancelled => Some(Err(Error::canceled())),
            item = self.pull() => Some(item),
        };
        match outcome {
            Some(Ok(item)) => Ok(item),
            Some(Err(e)) => {
                self.release();
                Err(e)
            }
            None => {
                self.release();
                Ok(None)
            }
        }
    }

    async fn pull(&self) -> Result<Option<String>, Error> {
        let mut open = self.inner.open.lock().await;
        let Some(o) = open.as_mut() else {
            return Ok(None);
        };
        match o.events.next().await {
            Some(Ok(v)) => Ok(Some(v.to_string())),
            Some(Err(e)) => {
                *open = None;
                Err(e)
            }
            None => {
                *open = None;
                Ok(None)
            }
        }
    }

    /// Stop the stream: a pending or later `next()` returns `None`; the connection closes.
    pub fn close(&self) {
        self.inner.closed.cancel();
        self.release();
    }

    /// Drops the engine stream unless a `next()` holds it (that one drops it as it returns).
    fn release(&self) {
        if let Ok(mut open) = self.inner.open.try_lock() {
            *open = None;
        }
    }

    /// Whether `close()` was called (or the client was closed).
    pub fn is_closed(&self) -> bool {
        self.inner.closed.is_cancelled()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.closed.cancel();
    }
}
