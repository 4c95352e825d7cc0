//! Reading Server-Sent Events from the server under test, frame by frame. The parser accepts any
//! valid framing (LF, CRLF or lone CR line ends, a leading BOM, comments, multi-line `data`), since
//! the checks judge what a server says, not how it breaks its lines.

use futures_util::StreamExt;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;

use super::harness::{Auth, Ctx};

/// One dispatched event.
#[derive(Clone, Debug)]
pub struct Frame {
    pub id: Option<String>,
    pub event: String,
    pub data: String,
}

impl Frame {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap_or(Value::Null)
    }

    /// The `id:` as a number (the intent seq or the agent delivery cursor).
    pub fn seq(&self) -> Option<i64> {
        self.id.as_deref().and_then(|s| s.trim().parse().ok())
    }

    pub fn is_timeout(&self) -> bool {
        self.event == "stream.timeout"
    }
}

/// The body of a response, chunk by chunk.
type Chunks = futures_util::stream::BoxStream<'static, reqwest::Result<Vec<u8>>>;

/// An open SSE response.
pub struct SseStream {
    pub what: String,
    pub status: u16,
    pub headers: HeaderMap,
    body: Chunks,
    buf: Vec<u8>,
    ended: bool,
    started: bool,
    field_event: String,
    field_data: Vec<String>,
    field_id: Option<String>,
    /// The body text when the status was not 200 (for details).
    pub error_body: String,
}

impl Ctx {
    /// Opens an SSE stream; returns once the response headers arrived (the server has taken the
    /// request), so a check can act "after the agent connected" without sleeping.
    pub async fn sse(&self, path: &str, headers: &[(&str, &str)]) -> Result<SseStream, String> {
        let what = format!("GET {path}");
        let mut req = self
            .builder(Method::GET, path, Auth::Key)
            .header("accept", "text/event-stream");
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("{what}: request failed: {e}"))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        self.note_request_id(&what, &headers);
        let body = resp.bytes_stream().map(|c| c.map(|b| b.to_vec())).boxed();
        let mut stream = SseStream::new(what, status, headers, body);
        if status != 200 {
            let mut text = Vec::new();
            while let Some(Ok(chunk)) = stream.body.next().await {
                text.extend_from_slice(&chunk);
            }
            stream.error_body = String::from_utf8_lossy(&text).into_owned();
            stream.ended = true;
        }
        Ok(stream)
    }
}

impl SseStream {
    fn new(what: String, status: u16, headers: HeaderMap, body: Chunks) -> SseStream {
        SseStream {
            what,
            status,
            headers,
            body,
            buf: Vec::new(),
            ended: false,
            started: false,
            field_event: String::new(),
            field_data: Vec::new(),
            field_id: None,
            error_body: String::new(),
        }
    }

    /// Fails unless the stream answered 200 with `text/event-stream`.
    pub fn expect_open(&self) -> Result<(), String> {
        let ctype = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if self.status != 200 {
            return Err(format!(
                "{}: expected HTTP 200 text/event-stream, got {} {}",
                self.what, self.status, self.error_body
            ));
        }
        if !ctype.starts_with("text/event-stream") {
            return Err(format!(
                "{}: expected Content-Type text/event-stream, got {ctype:?}",
                self.what
            ));
        }
        Ok(())
    }

    /// The next line without its terminator, or `None` when the body ended.
    async fn next_line(&mut self) -> Result<Option<String>, String> {
        loop {
            if !self.started && self.buf.len() >= 3 {
                if self.buf.starts_with(b"\xEF\xBB\xBF") {
                    self.buf.drain(..3);
                }
                self.started = true;
            }
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n' || *b == b'\r') {
                let is_cr = self.buf[pos] == b'\r';
                // A CR at the end of the buffer may be the first half of CRLF: wait for more.
                if is_cr && pos + 1 == self.buf.len() && !self.ended {
                    self.fill().await?;
                    continue;
                }
                let skip = if is_cr && self.buf.get(pos + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                let line = String::from_utf8_lossy(&self.buf[..pos]).into_owned();
                self.buf.drain(..pos + skip);
                self.started = true;
                return Ok(Some(line));
            }
            if self.ended {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                let line = String::from_utf8_lossy(&self.buf).into_owned();
                self.buf.clear();
                return Ok(Some(line));
            }
            self.fill().await?;
        }
    }

    /// Reads one more chunk; `false` when the body ended.
    async fn fill(&mut self) -> Result<bool, String> {
        match self.body.next().await {
            Some(Ok(chunk)) => {
                self.buf.extend_from_slice(&chunk);
                Ok(true)
            }
            Some(Err(e)) => Err(format!("{}: the stream broke: {e}", self.what)),
            None => {
                self.ended = true;
                if !self.started && self.buf.starts_with(b"\xEF\xBB\xBF") {
                    self.buf.drain(..3);
                }
                self.started = true;
                Ok(false)
            }
        }
    }

    /// The next event, or `None` when the server closed the stream.
    pub async fn next_frame(&mut self) -> Result<Option<Frame>, String> {
        while let Some(line) = self.next_line().await? {
            if line.is_empty() {
                if self.field_data.is_empty() && self.field_event.is_empty() {
                    continue;
                }
                let frame = Frame {
                    id: self.field_id.take(),
                    event: std::mem::take(&mut self.field_event),
                    data: std::mem::take(&mut self.field_data).join("\n"),
                };
                return Ok(Some(frame));
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (line.as_str(), ""),
            };
            match field {
                "event" => self.field_event = value.to_string(),
                "data" => self.field_data.push(value.to_string()),
                "id" => self.field_id = Some(value.to_string()),
                _ => {}
            }
        }
        Ok(None)
    }

    /// Reads frames until `stop` holds for one (included) or the server closes the stream.
    pub async fn read_until(
        &mut self,
        stop: impl Fn(&Frame) -> bool,
    ) -> Result<Vec<Frame>, String> {
        let mut frames = Vec::new();
        while let Some(frame) = self.next_frame().await? {
            let done = stop(&frame);
            frames.push(frame);
            if done {
                break;
            }
        }
        Ok(frames)
    }

    /// Reads every frame until the server closes the stream.
    pub async fn read_all(&mut self) -> Result<Vec<Frame>, String> {
        self.read_until(|_| false).await
    }
}

/// The seqs of the intent/delivery frames (everything but `stream.timeout`).
pub fn seqs(frames: &[Frame]) -> Vec<i64> {
    frames
        .iter()
        .filter(|f| !f.is_timeout())
        .filter_map(Frame::seq)
        .collect()
}

/// The `stream.timeout` frame's data, if the window ended with one.
pub fn timeout_data(frames: &[Frame]) -> Option<Value> {
    frames.iter().find(|f| f.is_timeout()).map(Frame::json)
}

/// `[seq event, ...]` for details.
pub fn describe(frames: &[Frame]) -> String {
    let parts: Vec<String> = frames
        .iter()
        .map(|f| match &f.id {
            Some(id) => format!("{id} {}", f.event),
            None => format!("{} {}", f.event, f.data),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a body delivered in the given chunks.
    async fn parse(chunks: &[&[u8]]) -> Vec<Frame> {
        let owned: Vec<reqwest::Result<Vec<u8>>> = chunks.iter().map(|c| Ok(c.to_vec())).collect();
        let body = futures_util::stream::iter(owned).boxed();
        let mut stream = SseStream::new("test".into(), 200, HeaderMap::new(), body);
        stream.read_all().await.expect("parses")
    }

    fn summary(frames: &[Frame]) -> Vec<(Option<&str>, &str, &str)> {
        frames
            .iter()
            .map(|f| (f.id.as_deref(), f.event.as_str(), f.data.as_str()))
            .collect()
    }

    #[tokio::test]
    async fn every_valid_framing_gives_the_same_frames() {
        let expected = vec![
            (Some("1"), "intent.created", "{\"seq\":1}"),
            (None, "stream.timeout", "{\"next_seq\":1}"),
        ];
        let lf: &[u8] = b"id: 1\nevent: intent.created\ndata: {\"seq\":1}\n\nevent: stream.timeout\ndata: {\"next_seq\":1}\n\n";
        let crlf = String::from_utf8_lossy(lf).replace('\n', "\r\n");
        let cr = String::from_utf8_lossy(lf).replace('\n', "\r");
        let bom = [b"\xEF\xBB\xBF".as_slice(), lf].concat();
        let commented = b": keep-alive\nid: 1\n: inside\nevent: intent.created\ndata:{\"seq\":1}\n\n: between\n\nevent: stream.timeout\ndata: {\"next_seq\":1}\n\n";
        assert_eq!(summary(&parse(&[lf]).await), expected);
        assert_eq!(summary(&parse(&[crlf.as_bytes()]).await), expected);
        assert_eq!(summary(&parse(&[cr.as_bytes()]).await), expected);
        assert_eq!(summary(&parse(&[&bom]).await), expected);
        assert_eq!(summary(&parse(&[commented]).await), expected);
        // One byte at a time: CRLF split across chunks is still one line end, a split BOM still a BOM.
        for body in [crlf.as_bytes(), cr.as_bytes(), &bom] {
            let bytes: Vec<&[u8]> = body.chunks(1).collect();
            assert_eq!(summary(&parse(&bytes).await), expected);
        }
    }

    #[tokio::test]
    async fn multi_line_data_is_joined_and_a_cut_frame_is_not_dispatched() {
        let frames = parse(&[b"id: 2\nevent: intent.submitted\ndata: {\ndata: \"seq\": 2}\n\nid: 3\nevent: intent.del"]).await;
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].data, "{\n\"seq\": 2}");
        assert_eq!(frames[0].json()["seq"], 2);
        assert_eq!(frames[0].seq(), Some(2));
    }
}
