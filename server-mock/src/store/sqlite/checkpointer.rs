//! Copies committed WAL frames into the database file from a thread of its own.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses `wal_autocheckpoint` pages, so
//! every few batches one writer commit also wrote and fsynced the database file while its clients
//! waited (BENCHMARKS.md: ~half of the bytes written per intent, and the write-latency tail). The
//! writer connection turns the automatic checkpoint off and this thread runs a PASSIVE checkpoint on
//! its own connection every [`INTERVAL`]: it never blocks the writer or readers, and a frame it has
//! not copied yet is still durable in the WAL (commits fsync the WAL; the checkpoint fsyncs the
//! database file before the WAL may be reused), so `kill -9` loses nothing either way.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

/// How often the WAL is copied into the database file.
pub const INTERVAL: Duration = Duration::from_millis(100);

/// The running checkpointer; [`Checkpointer::stop`] ends it.
pub struct Checkpointer {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Checkpointer {
    pub fn start(db_path: &Path) -> anyhow::Result<Checkpointer> {
        let conn = super::schema::open(db_path)?;
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("axme-store-checkpoint".into())
            .spawn(move || run(conn, stopped))?;
        Ok(Checkpointer { stop, thread })
    }

    /// Stops the thread and waits for it (its last checkpoint, if one is running, completes).
    pub fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

fn run(conn: Connection, stopped: mpsc::Receiver<()>) {
    // A message or a dropped sender both mean stop; only a timeout means "checkpoint now".
    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
        // PASSIVE: copy what no reader still needs, without waiting for anyone. A busy database is
        // normal here (the writer is committing); the next round catches up.
        if let Err(err) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(error = %err, "background checkpoint skipped");
        }
    }
}
