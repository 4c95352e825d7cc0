//! One running driver process: JSON lines to its stdin, answers from its stdout routed to the
//! request that is waiting for them by `id`, and the tail of its stderr kept for failure reports.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::oneshot;

const STDERR_TAIL_LINES: usize = 40;

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// The driver's hello line.
#[derive(Debug, Clone)]
pub struct Hello {
    pub sdk: String,
    pub sdk_version: String,
    pub features: Vec<String>,
    /// How the SDK's JSON values hold numbers: `int64` (64-bit integers exactly, the default) or
    /// `double` (every number an IEEE double, as in JavaScript).
    pub json_numbers: String,
}

pub struct DriverProc {
    child: Child,
    stdin: Option<ChildStdin>,
    pending: Pending,
    next_id: u64,
    hello: Option<oneshot::Receiver<Value>>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    /// The stderr reader, done once the driver and its children closed stderr.
    stderr_done: tokio::task::JoinHandle<()>,
    /// Set when stdout ended or sent something that is not a protocol line.
    broken: Arc<Mutex<Option<String>>>,
}

/// An answer still to come.
pub struct Ticket {
    pub id: u64,
    rx: oneshot::Receiver<Value>,
}

impl DriverProc {
    /// Start `argv` in the repository root `cwd` with `env` added to its environment; `prepare`
    /// is the hint shown when it cannot start. The SDKs' own configuration variables are removed
    /// from the inherited environment, so a developer's `AXME_API_KEY` never changes a result;
    /// a case that needs them sets them in `env`.
    pub fn spawn(
        argv: &[String],
        cwd: &Path,
        prepare: &str,
        env: &[(String, String)],
    ) -> anyhow::Result<DriverProc> {
        let mut cmd = Command::new(&argv[0]);
        cmd.env_remove("AXME_API_KEY")
            .env_remove("AXME_BASE_URL")
            .envs(env.iter().map(|(k, v)| (k, v)));
        cmd.args(&argv[1..])
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().with_context(|| {
            format!(
                "cannot start driver {:?}; to prepare it run: {prepare}",
                argv.join(" ")
            )
        })?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        let stderr = child.stderr.take().ok_or_else(|| anyhow!("no stderr"))?;
        let pending: Pending = Arc::default();
        let stderr_tail: Arc<Mutex<VecDeque<String>>> = Arc::default();
        let broken: Arc<Mutex<Option<String>>> = Arc::default();
        let (hello_tx, hello_rx) = oneshot::channel();
        let stderr_done;
        {
            let tail = stderr_tail.clone();
            stderr_done = tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
                    if t.len() == STDERR_TAIL_LINES {
                        t.pop_front();
                    }
                    t.push_back(line);
                }
            });
        }
        {
            let pending = pending.clone();
            let broken = broken.clone();
            tokio::spawn(async move {
                let mut hello_tx = Some(hello_tx);
                let mut lines = BufReader::new(stdout).lines();
                let why = loop {
                    let line = match lines.next_line().await {
                        Ok(Some(l)) => l,
                        Ok(None) => break "the driver closed its stdout".to_string(),
                        Err(e) => break format!("reading the driver's stdout: {e}"),
                    };
                    if line.trim().is_empty() {
                        continue;
                    }
                    let v: Value = match serde_json::from_str(&line) {
                        Ok(v) => v,
                        Err(e) => {
                            break format!("the driver wrote a line that is not JSON ({e}): {line}")
                        }
                    };
                    if let Some(tx) = hello_tx.take() {
                        let _ = tx.send(v);
                        continue;
                    }
                    let Some(id) = v["id"].as_u64() else {
                        break format!("the driver wrote an answer without an id: {line}");
                    };
                    let waiter = pending
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&id);
                    match waiter {
                        Some(tx) => {
                            let _ = tx.send(v);
                        }
                        None => break format!("the driver answered id {id}, which is not waiting (twice, or never asked): {line}"),
                    }
                };
                *broken.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
                // Wake every waiter: their senders drop here.
                pending.lock().unwrap_or_else(|p| p.into_inner()).clear();
            });
        }
        let stdin = child.stdin.take();
        Ok(DriverProc {
            child,
            stdin,
            pending,
            next_id: 1,
            hello: Some(hello_rx),
            stderr_tail,
            stderr_done,
            broken,
        })
    }

    /// Read and check the hello line.
    pub async fn hello(&mut self, within: Duration) -> anyhow::Result<Hello> {
        let rx = self
            .hello
            .take()
            .ok_or_else(|| anyhow!("hello already read"))?;
        let v = match tokio::time::timeout(within, rx).await {
            Ok(Ok(v)) => v,
            Ok(Err(_)) => bail!("the driver exited before its hello: {}", self.why_broken()),
            Err(_) => bail!("no hello from the driver within {within:?}"),
        };
        if v["type"] != "hello" || v["protocol"] != 1 {
            bail!("the driver's first line is not a protocol-1 hello: {v}");
        }
        Ok(Hello {
            sdk: v["sdk"].as_str().unwrap_or("?").to_string(),
            sdk_version: v["sdk_version"].as_str().unwrap_or("?").to_string(),
            json_numbers: v["json_numbers"].as_str().unwrap_or("int64").to_string(),
            features: v["features"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Send one request (`id` is filled in) and return the ticket for its answer.
    pub async fn send(&mut self, mut request: Value) -> anyhow::Result<Ticket> {
        let id = self.next_id;
        self.next_id += 1;
        request["id"] = json!(id);
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        // The reader marks the driver broken before it drops the waiters, so a request sent after
        // that is refused here instead of waiting for an answer that cannot come.
        if self
            .broken
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
        {
            self.pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            bail!("the driver cannot take request {id}: {}", self.why_broken());
        }
        let mut line = serde_json::to_string(&request)?;
        line.push('\n');
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| anyhow!("driver stdin closed"))?;
        if let Err(e) = stdin.write_all(line.as_bytes()).await {
            bail!("writing to the driver: {e} ({})", self.why_broken());
        }
        stdin.flush().await?;
        Ok(Ticket { id, rx })
    }

    /// Wait for a ticket's answer.
    pub async fn answer(&self, ticket: Ticket) -> anyhow::Result<Value> {
        match ticket.rx.await {
            Ok(v) => Ok(v),
            Err(_) => bail!("no answer to request {}: {}", ticket.id, self.why_broken()),
        }
    }

    fn why_broken(&self) -> String {
        self.broken
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_else(|| "the driver stopped".into())
    }

    /// Close stdin, give the driver a moment to exit, then kill it. Returns the last lines it
    /// wrote to stderr (read to the end, so a driver's dying words are not lost).
    pub async fn stop(mut self) -> String {
        drop(self.stdin.take());
        if tokio::time::timeout(Duration::from_secs(3), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
        // A grandchild may still hold stderr open; do not wait for it long.
        let _ = tokio::time::timeout(Duration::from_secs(1), &mut self.stderr_done).await;
        let t = self.stderr_tail.lock().unwrap_or_else(|p| p.into_inner());
        t.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}
