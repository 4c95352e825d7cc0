//! How a journaled exchange ended (`ended`, `ended_ms` in the request log).
//!
//! The middleware's future and the response body it returns are dropped by hyper when the client
//! closes the connection: before the answer (a delayed or slow handler) or in the middle of a body
//! (an SSE window). [`Ending`] records `client_closed` when it is dropped without having been
//! finished, so a test can tell a cancelled call from one the server completed or reset.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes, HttpBody};
use http_body::Frame;

use super::CredentialFaults;

/// The end of one journal entry, recorded exactly once.
#[derive(Debug)]
pub struct Ending {
    credential: Arc<Mutex<CredentialFaults>>,
    index: usize,
    started: Instant,
    done: bool,
}

impl Ending {
    pub fn new(credential: Arc<Mutex<CredentialFaults>>, index: usize, started: Instant) -> Ending {
        Ending {
            credential,
            index,
            started,
            done: false,
        }
    }

    /// Records how the exchange ended (`completed` or `fault_reset`).
    pub fn finish(mut self, how: &'static str) {
        self.record(how);
    }

    fn record(&mut self, how: &'static str) {
        if self.done {
            return;
        }
        self.done = true;
        let at_ms = self.started.elapsed().as_secs_f64() * 1e3;
        // A poisoned lock only means another request panicked mid-update; the log stays usable.
        let mut cred = self
            .credential
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cred.set_ended(self.index, how, at_ms);
    }
}

impl Drop for Ending {
    fn drop(&mut self) {
        self.record("client_closed");
    }
}

/// A response body that finishes its [`Ending`] after its last frame; dropped before that (the
/// client went away), the ending records `client_closed`.
pub struct JournaledBody {
    inner: Body,
    ending: Option<Ending>,
}

impl JournaledBody {
    pub fn wrap(inner: Body, ending: Ending) -> Body {
        // hyper never polls a body that is empty from the start.
        if inner.is_end_stream() {
            ending.finish("completed");
            return inner;
        }
        Body::new(JournaledBody {
            inner,
            ending: Some(ending),
        })
    }
}

impl HttpBody for JournaledBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        // hyper stops polling once a body says it has ended (a body of known length after its
        // last frame), so the end is noticed on either signal.
        let ended = match &polled {
            Poll::Ready(None) => true,
            Poll::Ready(Some(Ok(_))) => self.inner.is_end_stream(),
            _ => false,
        };
        if ended {
            if let Some(ending) = self.ending.take() {
                ending.finish("completed");
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
