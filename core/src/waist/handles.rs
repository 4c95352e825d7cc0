//! Counts of live waist handles (open streams, calls in flight), for leak tests: once every
//! stream is closed and every call has returned, a client's count is zero, and the process count
//! is back where it started. Each client keeps its own count, so tests running side by side in
//! one process can check theirs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

static LIVE: AtomicU64 = AtomicU64::new(0);

/// Streams not yet closed or dropped, plus calls in flight, in this process.
pub fn live_handles() -> u64 {
    LIVE.load(Ordering::SeqCst)
}

/// Counted, in its client's count and the process count, while it lives.
#[derive(Debug)]
pub(crate) struct LiveHandle(Arc<AtomicU64>);

impl LiveHandle {
    pub(crate) fn new(client: &Arc<AtomicU64>) -> LiveHandle {
        LIVE.fetch_add(1, Ordering::SeqCst);
        client.fetch_add(1, Ordering::SeqCst);
        LiveHandle(client.clone())
    }
}

impl Drop for LiveHandle {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}
