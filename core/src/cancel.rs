//! The cancellation token every waist call and stream accepts.
//!
//! Any thread may cancel a token; the call or stream holding it stops at once, drops its request
//! (which closes the connection, so the server sees the client go) and fails with
//! [`ErrorKind::Canceled`](crate::ErrorKind::Canceled). A token is cheap to clone; clones are the
//! same token. A child token is cancelled with its parent (a client's token cancels every call
//! made under it) but can also be cancelled alone.

use std::future::Future;

use tokio_util::sync::CancellationToken;

use crate::error::Error;

/// A cancellation switch shared by a caller and the calls it starts.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    inner: CancellationToken,
}

impl CancelToken {
    /// A token nobody has cancelled yet.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Cancel every call and stream holding this token or one of its children (idempotent).
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// Whether the token (or a parent) was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }

    /// A token cancelled together with this one, or on its own.
    pub fn child(&self) -> CancelToken {
        CancelToken {
            inner: self.inner.child_token(),
        }
    }

    /// Resolves once the token is cancelled.
    pub async fn cancelled(&self) {
        self.inner.cancelled().await;
    }

    /// Run `fut` until it finishes or the token is cancelled; on cancellation `fut` is dropped
    /// (with any request in flight) and the result is a `canceled` error.
    pub async fn run<T, F>(&self, fut: F) -> Result<T, Error>
    where
        F: Future<Output = Result<T, Error>>,
    {
        tokio::select! {
            biased;
            _ = self.inner.cancelled() => Err(Error::canceled()),
            out = fut => out,
        }
    }
}

/// [`CancelToken::run`] when there may be no token.
pub async fn run_cancellable<T, F>(token: Option<&CancelToken>, fut: F) -> Result<T, Error>
where
    F: Future<Output = Result<T, Error>>,
{
    match token {
        Some(t) => t.run(fut).await,
        None => fut.await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[tokio::test]
    async fn a_cancelled_token_drops_the_future_and_says_so() {
        let token = CancelToken::new();
        let child = token.child();
        let waiting = tokio::spawn({
            let child = child.clone();
            async move {
                child
                    .run(async {
                        std::future::pending::<()>().await;
                        Ok(())
                    })
                    .await
            }
        });
        std::thread::spawn(move || token.cancel()).join().unwrap();
        let out = waiting.await.unwrap();
        assert_eq!(out.unwrap_err().kind(), ErrorKind::Canceled);
        assert!(child.is_cancelled());
    }

    #[tokio::test]
    async fn a_child_cancelled_alone_leaves_its_parent() {
        let parent = CancelToken::new();
        let child = parent.child();
        child.cancel();
        assert!(!parent.is_cancelled());
        assert_eq!(parent.run(async { Ok(7) }).await.unwrap(), 7);
        assert_eq!(run_cancellable(None, async { Ok(1) }).await.unwrap(), 1);
    }
}
