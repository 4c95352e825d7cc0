//! A real callback receiver for `http` binding tests: an axum server on 127.0.0.1:0 that records every
//! request (time, headers, body) and answers from a script, plus independent signature checks.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::watch;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Hit {
    pub at: Instant,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Hit {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON delivery")
    }
}

/// What the receiver answers to its n-th request (the last entry repeats); 0 = never answer.
#[derive(Clone)]
struct Shared {
    script: Vec<u16>,
    hits: Arc<Mutex<Vec<Hit>>>,
    count: watch::Sender<usize>,
}

pub struct Receiver {
    pub url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    count: watch::Receiver<usize>,
    task: tokio::task::JoinHandle<()>,
}

async fn handle(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let n = {
        let mut hits = shared.hits.lock().unwrap();
        hits.push(Hit {
            at: Instant::now(),
            headers,
            body,
        });
        hits.len()
    };
    shared.count.send_replace(n);
    let status = shared
        .script
        .get(n - 1)
        .or(shared.script.last())
        .copied()
        .unwrap_or(200);
    if status == 0 {
        // Hold the request until the sender gives up (or dies).
        std::future::pending::<()>().await;
    }
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    /// Starts a receiver answering `script[n]` to request n (statuses; 0 hangs).
    pub async fn start(script: &[u16]) -> Receiver {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("receiver binds");
        let port = listener.local_addr().unwrap().port();
        let (count, receiver) = watch::channel(0);
        let hits = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            script: script.to_vec(),
            hits: hits.clone(),
            count,
        };
        let app = Router::new()
            .route("/hooks/agent", post(handle))
            .with_state(shared);
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("receiver serves");
        });
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks/agent"),
            hits,
            count: receiver,
            task,
        }
    }

    /// Waits (bounded) until the receiver has seen `n` requests; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Hit> {
        let mut count = self.count.clone();
        tokio::time::timeout(Duration::from_secs(30), count.wait_for(|c| *c >= n))
            .await
            .unwrap_or_else(|_| panic!("the receiver did not get {n} requests in time"))
            .expect("receiver alive");
        self.hits()
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn mac(key: &[u8], data: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    for part in data {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// Checks both signatures of a delivery against the binding's `whsec_` secret, as a receiver would:
/// Standard Webhooks (`webhook-id`, `webhook-timestamp` within 5 minutes, `webhook-signature`) and
/// `X-Axme-Signature: sha256=<hex HMAC of the raw body>`.
pub fn verify(hit: &Hit, secret: &str) {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .expect("base64 secret");
    let (id, timestamp) = (hit.header("webhook-id"), hit.header("webhook-timestamp"));
    assert!(id.starts_with("msg_"), "webhook-id {id:?}");
    let ts: i64 = timestamp.parse().expect("unix seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (now - ts).abs() <= 300,
        "timestamp {ts} is not within 5 minutes of {now}"
    );
    let signed = mac(
        &key,
        &[id.as_bytes(), b".", timestamp.as_bytes(), b".", &hit.body],
    );
    let expected = format!("v1,{}", STANDARD.encode(signed));
    let offered: Vec<&str> = hit.header("webhook-signature").split(' ').collect();
    assert!(
        offered.contains(&expected.as_str()),
        "webhook-signature {offered:?} != {expected}"
    );
    let axme = format!(
        "sha256={}",
        hex::encode(mac(secret.as_bytes(), &[&hit.body]))
    );
    assert_eq!(hit.header("x-axme-signature"), axme);
    assert_eq!(hit.header("content-type"), "application/json");
}
