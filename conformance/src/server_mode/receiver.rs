//! A minimal webhook receiver inside the checker: an HTTP/1.1 listener that records each POST
//! (headers and raw body) and answers 204, plus the signature checks a subscriber would make.
//! Hand-rolled on a TcpListener so the checker needs no web framework.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Largest request the receiver reads (deliveries are small JSON documents).
const MAX_REQUEST: usize = 1 << 20;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Hit {
    /// Lower-case header name → value (the last one when repeated).
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Hit {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

pub struct Receiver {
    /// The URL to subscribe with.
    pub url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    count: watch::Receiver<usize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// Binds `bind` (e.g. 127.0.0.1:0). The URL given to the server is `public_url` when set
    /// (a remote server cannot call this machine's loopback), else `http://<bound address>`.
    pub async fn start(bind: &str, public_url: Option<&str>) -> Result<Receiver, String> {
        let listener = TcpListener::bind(bind)
            .await
            .map_err(|e| format!("the webhook receiver cannot bind {bind}: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("the webhook receiver has no address: {e}"))?;
        let base = public_url.map_or_else(
            || format!("http://{addr}"),
            |u| u.trim_end_matches('/').to_string(),
        );
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let (tx, count) = watch::channel(0);
        let recorded = hits.clone();
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let (recorded, tx) = (recorded.clone(), tx.clone());
                tokio::spawn(async move {
                    if let Some(hit) = serve(conn).await {
                        let n = {
                            let mut hits = recorded.lock().expect("receiver log");
                            hits.push(hit);
                            hits.len()
                        };
                        tx.send_replace(n);
                    }
                });
            }
        });
        Ok(Receiver {
            url: format!("{base}/conformance/webhooks"),
            hits,
            count,
            task,
        })
    }

    /// Waits up to `limit` for the first request.
    pub async fn first(&self, limit: Duration) -> Option<Hit> {
        let mut count = self.count.clone();
        let arrived = tokio::time::timeout(limit, count.wait_for(|n| *n >= 1)).await;
        match arrived {
            Ok(Ok(_)) => self.hits.lock().expect("receiver log").first().cloned(),
            _ => None,
        }
    }
}

/// Reads one request from a connection, answers 204 and closes.
async fn serve(mut conn: TcpStream) -> Option<Hit> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > MAX_REQUEST {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut headers = BTreeMap::new();
    for line in head.split("\r\n").skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        .min(MAX_REQUEST);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    let _ = conn
        .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
        .await;
    let _ = conn.shutdown().await;
    Some(Hit { headers, body })
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a delivery's Standard Webhooks signature (`webhook-id`, `webhook-timestamp` within five
/// minutes of now, `webhook-signature` holding `v1,<base64 HMAC of id.timestamp.body>` keyed by
/// the base64 part of the `whsec_` secret) and the upstream `X-Axme-Signature: sha256=<hex HMAC of
/// the body keyed by the whole secret>`.
pub fn verify(hit: &Hit, secret: &str) -> Result<(), String> {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|b64| STANDARD.decode(b64).ok())
        .ok_or_else(|| format!("the subscription secret {secret:?} is not whsec_<base64>"))?;
    let (id, timestamp) = (hit.header("webhook-id"), hit.header("webhook-timestamp"));
    if id.is_empty() {
        return Err(format!(
            "the delivery has no webhook-id header; headers: {:?}",
            hit.headers.keys().collect::<Vec<_>>()
        ));
    }
    let sent: i64 = timestamp
        .parse()
        .map_err(|_| format!("webhook-timestamp {timestamp:?} is not unix seconds"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64;
    if (now - sent).abs() > 300 {
        return Err(format!(
            "webhook-timestamp {sent} is more than 5 minutes from now ({now})"
        ));
    }
    let signed = hmac_sha256(
        &key,
        &[id.as_bytes(), b".", timestamp.as_bytes(), b".", &hit.body],
    );
    let expected = format!("v1,{}", STANDARD.encode(signed));
    let offered = hit.header("webhook-signature");
    if !offered.split(' ').any(|s| s == expected) {
        return Err(format!(
            "webhook-signature {offered:?} does not contain the expected {expected} (HMAC-SHA256 of \"{id}.{timestamp}.<body>\")"
        ));
    }
    let axme = format!(
        "sha256={}",
        hex(&hmac_sha256(secret.as_bytes(), &[&hit.body]))
    );
    let got = hit.header("x-axme-signature");
    if got != axme {
        return Err(format!("X-Axme-Signature {got:?}, expected {axme}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_standard_webhooks_signature_verifies_and_a_tampered_body_does_not() {
        let secret = format!("whsec_{}", STANDARD.encode([9u8; 32]));
        let body = br#"{"event_id":"e1"}"#.to_vec();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            .to_string();
        let sig = hmac_sha256(&[9u8; 32], &[b"msg_1", b".", now.as_bytes(), b".", &body]);
        let mut headers = BTreeMap::new();
        headers.insert("webhook-id".into(), "msg_1".into());
        headers.insert("webhook-timestamp".into(), now);
        headers.insert(
            "webhook-signature".into(),
            format!("v1,{}", STANDARD.encode(sig)),
        );
        headers.insert(
            "x-axme-signature".into(),
            format!("sha256={}", hex(&hmac_sha256(secret.as_bytes(), &[&body]))),
        );
        let hit = Hit { headers, body };
        assert_eq!(verify(&hit, &secret), Ok(()));
        let mut tampered = hit.clone();
        tampered.body.push(b' ');
        assert!(verify(&tampered, &secret)
            .unwrap_err()
            .contains("webhook-signature"));
    }
}
