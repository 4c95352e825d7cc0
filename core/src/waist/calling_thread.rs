//! Blocking calls driven on the calling thread, for bindings whose users call from their own
//! threads (Python's blocking client, the uniffi bindings).
//!
//! The shared runtime ([`super::runtime`]) could drive a call from the calling thread too, but the
//! connection and the I/O driver would live on its worker threads, so a request and its response each
//! cross threads: a worker wakes to write the request, another wakes on the response and wakes
//! the caller. On a short call those wake-ups cost as much as the server does
//! (BENCHMARKS.md, Python). Here each calling thread gets a current-thread runtime and a
//! connection pool of its own ([`AsyncClient::with_own_connections`]): the caller writes the
//! request and waits for the response on its own socket. Config, retry budget, MCP session, mesh
//! state and the client's closing token stay shared with the client it was made from.
//!
//! A thread's connections only make progress while that thread is inside a call, which is fine
//! for request/response calls; long-lived streams (observe, listen, the mesh heartbeat) belong on
//! the shared runtime.

use thread_local::ThreadLocal;
use tokio::runtime::Runtime;

use super::async_face::AsyncClient;
use super::runtime::refuse_inside_runtime;
use crate::error::{Error, ErrorKind};

/// Scheduler rounds [`Engine::settle`] gives the connection tasks: a dropped request wakes its
/// connection's task at once, so one round closes it; the rest are margin.
const SETTLE_ROUNDS: usize = 4;

/// One runtime and connection pool per calling thread, made on a thread's first call and
/// dropped with this value.
pub struct CallingThread {
    client: AsyncClient,
    engines: ThreadLocal<Engine>,
}

impl std::fmt::Debug for CallingThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallingThread")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// A calling thread's runtime and the client whose connections run on it.
pub struct Engine {
    /// `Some` until dropped (see `Drop`).
    runtime: Option<Runtime>,
    client: AsyncClient,
}

impl Engine {
    /// The current-thread runtime to drive this thread's calls on.
    pub fn runtime(&self) -> &Runtime {
        self.runtime.as_ref().expect("present until dropped")
    }

    /// The client whose connections live on [`Engine::runtime`].
    pub fn client(&self) -> &AsyncClient {
        &self.client
    }

    /// Drive `fut` to its end on this thread's runtime (see [`Engine::settle`] for a call that
    /// ended in an error: cancelled, past its deadline, or failed midway).
    pub fn block_on<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let out = self.runtime().block_on(fut);
        // Any error may have left a request behind midway (cancelled, past its deadline, a
        // connection or protocol failure); settling costs a few scheduler rounds.
        if out.is_err() {
            self.settle();
        }
        out
    }

    /// Let this thread's connection tasks run after a call was abandoned midway (cancelled,
    /// interrupted): they run only while the thread drives its runtime, and one whose request was
    /// dropped must close its connection now, so the server sees the client go, rather than at
    /// the thread's next call.
    pub fn settle(&self) {
        self.runtime().block_on(async {
            for _ in 0..SETTLE_ROUNDS {
                tokio::task::yield_now().await;
            }
        });
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // The last reference to a binding's client may go away on a thread that is inside some
        // runtime, where dropping a runtime panics; a background shutdown is allowed anywhere.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl CallingThread {
    /// Calls made through this use `client`'s config and shared state.
    pub fn new(client: AsyncClient) -> CallingThread {
        CallingThread {
            client,
            engines: ThreadLocal::new(),
        }
    }

    /// The calling thread's engine, made on first use. Refused inside an async runtime, where
    /// blocking the thread would stall that runtime's other tasks.
    pub fn engine(&self) -> Result<&Engine, Error> {
        refuse_inside_runtime()?;
        self.engines.get_or_try(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| {
                    Error::new(
                        ErrorKind::Internal,
                        format!("cannot start a runtime for this thread: {e}"),
                    )
                })?;
            Ok(Engine {
                runtime: Some(runtime),
                client: self.client.with_own_connections()?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::ClientConfig;

    fn calling_thread() -> CallingThread {
        let config = ClientConfig {
            base_url: Some("http://127.0.0.1:9".into()),
            api_key: Some("k".into()),
            ..ClientConfig::default()
        };
        CallingThread::new(AsyncClient::new(config).unwrap())
    }

    #[test]
    fn each_thread_gets_its_own_engine_and_keeps_it() {
        let engines = calling_thread();
        let here = engines.engine().unwrap() as *const Engine as usize;
        assert_eq!(here, engines.engine().unwrap() as *const Engine as usize);
        let there = std::thread::scope(|s| {
            s.spawn(|| engines.engine().unwrap() as *const Engine as usize)
                .join()
                .unwrap()
        });
        assert_ne!(here, there);
    }

    #[test]
    fn refused_inside_an_async_runtime() {
        let engines = calling_thread();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let e = rt.block_on(async { engines.engine().map(|_| ()).unwrap_err() });
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn dropping_inside_a_runtime_does_not_panic() {
        let engines = calling_thread();
        engines.engine().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async move { drop(engines) });
    }
}
