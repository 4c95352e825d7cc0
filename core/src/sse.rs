//! An incremental Server-Sent Events parser (WHATWG HTML "Server-sent events" §9.2.6).
//!
//! Owned rather than borrowed because the common crate (`eventsource-stream` 0.2.3) panics on a
//! leading BOM, loses the last CR-terminated event, stops at invalid UTF-8 and ignores id-only
//! events (engineering anchors §1). This one is pure: feed it byte chunks split anywhere and it
//! yields exactly the events a whole-buffer parse would.
//!
//! Behaviour: one leading UTF-8 BOM is stripped; lines end in CRLF, LF or a lone CR (a CR that
//! ends a chunk ends its line at once, and an LF opening the next chunk is then skipped); invalid
//! UTF-8 becomes U+FFFD; `:` lines are comments; a field without a colon has an empty value; one
//! space after the colon is dropped; `data` lines join with `\n`; `id` updates the last event id
//! even when the block dispatches nothing (an id containing NUL is ignored); `retry` takes digits
//! only; a block without `data` dispatches nothing. At end of stream an unterminated line or event
//! is discarded, as WHATWG requires (a half-received JSON payload is never delivered). Lines and
//! events are bounded; exceeding a bound is an [`ErrorKind::Protocol`](crate::ErrorKind) error and
//! the parser stays failed.

use crate::error::Error;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The last event id at dispatch time (WHATWG `lastEventId`: it persists across events).
    pub id: Option<String>,
    /// The event type; `"message"` when the block set none.
    pub event: String,
    /// The data lines joined with `\n`.
    pub data: String,
    /// A valid `retry:` value (milliseconds) that appeared in this event's block.
    pub retry: Option<u64>,
}

/// Size bounds that keep a hostile or broken stream from exhausting memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SseLimits {
    /// Longest line, in bytes, without its terminator.
    pub max_line_bytes: usize,
    /// Largest event (data plus event type), in bytes.
    pub max_event_bytes: usize,
}

impl Default for SseLimits {
    fn default() -> Self {
        SseLimits {
            max_line_bytes: 1 << 20,
            max_event_bytes: 4 << 20,
        }
    }
}

/// The incremental parser. See the module docs for the exact behaviour.
#[derive(Debug, Default)]
pub struct SseParser {
    limits: SseLimits,
    /// Bytes seen before we know whether the stream starts with a BOM (at most 2).
    prefix: Vec<u8>,
    started: bool,
    line: Vec<u8>,
    after_cr: bool,
    data: String,
    event_type: String,
    retry_in_block: Option<u64>,
    last_event_id: String,
    reconnect_ms: Option<u64>,
    failed: bool,
}

impl SseParser {
    /// A parser with the default limits.
    pub fn new() -> SseParser {
        SseParser::default()
    }

    /// A parser with explicit limits.
    pub fn with_limits(limits: SseLimits) -> SseParser {
        SseParser {
            limits,
            ..SseParser::default()
        }
    }

    /// The last event id seen (empty ids reset it to `None`).
    pub fn last_event_id(&self) -> Option<&str> {
        (!self.last_event_id.is_empty()).then_some(self.last_event_id.as_str())
    }

    /// The latest valid `retry:` value (milliseconds) seen anywhere in the stream.
    pub fn retry(&self) -> Option<u64> {
        self.reconnect_ms
    }

    /// Feed the next chunk; returns the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, Error> {
        let mut out = Vec::new();
        self.feed_into(chunk, &mut out)?;
        Ok(out)
    }

    /// Feed the next chunk, appending completed events to `out`.
    pub fn feed_into(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), Error> {
        if self.failed {
            return Err(Error::protocol("SSE parser already failed"));
        }
        let mut chunk = chunk;
        let owned;
        if !self.started {
            self.prefix.extend_from_slice(chunk);
            let n = self.prefix.len().min(BOM.len());
            if self.prefix[..n] == BOM[..n] && self.prefix.len() < BOM.len() {
                return Ok(()); // could still be a BOM: wait for more bytes
            }
            self.started = true;
            owned = std::mem::take(&mut self.prefix);
            let skip = if owned.starts_with(BOM) { BOM.len() } else { 0 };
            chunk = &owned[skip..];
        }
        let result = self.scan(chunk, out);
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    /// End of stream: resolves a pending BOM check and discards any unterminated line or event.
    /// Returns the events still owed (always empty: every complete event is dispatched by `feed`).
    pub fn finish(&mut self) -> Result<Vec<SseEvent>, Error> {
        if self.failed {
            return Err(Error::protocol("SSE parser already failed"));
        }
        self.started = true;
        self.prefix.clear();
        self.line.clear();
        self.after_cr = false;
        self.data.clear();
        self.event_type.clear();
        self.retry_in_block = None;
        Ok(Vec::new())
    }

    fn scan(&mut self, mut bytes: &[u8], out: &mut Vec<SseEvent>) -> Result<(), Error> {
        if self.after_cr && !bytes.is_empty() {
            self.after_cr = false;
            if let Some((&b'\n', rest)) = bytes.split_first() {
                bytes = rest;
            }
        }
        while let Some(pos) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.push_line_bytes(&bytes[..pos])?;
            let line = std::mem::take(&mut self.line);
            self.process_line(&line, out)?;
            self.line = line;
            self.line.clear();
            let is_cr = bytes[pos] == b'\r';
            bytes = &bytes[pos + 1..];
            if is_cr {
                match bytes.first() {
                    Some(b'\n') => bytes = &bytes[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        self.push_line_bytes(bytes)
    }

    fn push_line_bytes(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.line.len() + bytes.len() > self.limits.max_line_bytes {
            return Err(Error::protocol(format!(
                "SSE line longer than {} bytes",
                self.limits.max_line_bytes
            )));
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn process_line(&mut self, raw: &[u8], out: &mut Vec<SseEvent>) -> Result<(), Error> {
        if raw.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        if raw[0] == b':' {
            return Ok(());
        }
        let line = String::from_utf8_lossy(raw);
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (&line[..], ""),
        };
        match field {
            "event" => {
                self.event_type.clear();
                self.event_type.push_str(value);
            }
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => {
                self.last_event_id.clear();
                self.last_event_id.push_str(value);
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // Absurdly long digit strings saturate rather than being rejected.
                let ms = value.parse::<u64>().unwrap_or(u64::MAX);
                self.retry_in_block = Some(ms);
                self.reconnect_ms = Some(ms);
            }
            _ => {}
        }
        if self.data.len() + self.event_type.len() > self.limits.max_event_bytes {
            return Err(Error::protocol(format!(
                "SSE event larger than {} bytes",
                self.limits.max_event_bytes
            )));
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let retry = self.retry_in_block.take();
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the trailing '\n'
        let event = std::mem::take(&mut self.event_type);
        out.push(SseEvent {
            id: self.last_event_id().map(str::to_string),
            event: if event.is_empty() {
                "message".into()
            } else {
                event
            },
            data,
            retry,
        });
    }
}

#[cfg(test)]
#[path = "sse_tests.rs"]
mod tests;
