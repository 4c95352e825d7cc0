//! Fuzz target for `axme_core::sse::SseParser`.
//!
//! Input layout: byte 0 picks the size limits, byte 1 seeds the chunk boundaries, the rest is the
//! byte stream. Invariants checked on every input (a violation panics, which libFuzzer reports):
//!
//! 1. Nothing panics, whatever the bytes.
//! 2. Chunking is invisible: the stream fed whole, in pseudo-random chunks (with empty chunks
//!    mixed in) and one byte at a time gives the same events, `last_event_id`, `retry` and
//!    failure state.
//! 3. Differential: with generous limits the incremental parser agrees with a deliberately naive
//!    whole-buffer model written here from the WHATWG rules (split into lines first, then process).
//! 4. Bounded sizes: under small limits the parser fails exactly when the model sees a line longer
//!    than `max_line_bytes` or an event buffer larger than `max_event_bytes`, every event it
//!    delivers fits the bound, and after a failure it stays failed.

#![no_main]

use axme_core::sse::{SseEvent, SseLimits, SseParser};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<SseEvent>,
    last_id: Option<String>,
    retry: Option<u64>,
    failed: bool,
}

fn run(limits: SseLimits, chunks: &[&[u8]]) -> Outcome {
    let mut p = SseParser::with_limits(limits);
    let mut events = Vec::new();
    let mut failed = false;
    for c in chunks {
        match p.feed(c) {
            Ok(evs) => events.extend(evs),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    match p.finish() {
        Ok(evs) => {
            assert!(!failed, "finish succeeded after a failed feed");
            assert!(evs.is_empty(), "finish dispatched events");
        }
        Err(_) => failed = true,
    }
    if failed {
        // A failed parser stays failed.
        assert!(
            p.feed(b"data: x\n\n").is_err(),
            "parser recovered after failing"
        );
        // Events delivered before the failure are the caller's; compare only the failure.
        events.clear();
    }
    Outcome {
        events,
        last_id: p.last_event_id().map(str::to_string),
        retry: p.retry(),
        failed,
    }
}

/// Chunk boundaries from a tiny xorshift generator seeded by the input.
fn chunks(stream: &[u8], seed: u8) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut state = u32::from(seed) | 0x9E37_0000;
    let mut rest = stream;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let len = (state % 9) as usize; // 0..=8: empty chunks included
        let (a, b) = rest.split_at(len.min(rest.len()));
        out.push(a);
        rest = b;
    }
    out
}

/// The naive model: whole buffer, lines first. Returns `None` when a bound is exceeded.
fn model(stream: &[u8], limits: SseLimits) -> Option<(Vec<SseEvent>, Option<String>, Option<u64>)> {
    let body = stream.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(stream);
    // Split into (line, terminated) pairs on CRLF, CR or LF.
    let mut lines: Vec<(&[u8], bool)> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\n' => {
                lines.push((&body[start..i], true));
                i += 1;
                start = i;
            }
            b'\r' => {
                lines.push((&body[start..i], true));
                i += if body.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            _ => i += 1,
        }
    }
    lines.push((&body[start..], false));

    let mut events = Vec::new();
    let (mut data, mut event_type, mut last_id) = (String::new(), String::new(), String::new());
    let (mut block_retry, mut retry) = (None, None);
    for (raw, terminated) in lines {
        if raw.len() > limits.max_line_bytes {
            return None;
        }
        if !terminated {
            break; // an unterminated last line is discarded
        }
        if raw.is_empty() {
            let r = block_retry.take();
            if !data.is_empty() {
                data.pop();
                events.push(SseEvent {
                    id: (!last_id.is_empty()).then(|| last_id.clone()),
                    event: if event_type.is_empty() {
                        "message".into()
                    } else {
                        event_type.clone()
                    },
                    data: std::mem::take(&mut data),
                    retry: r,
                });
            }
            event_type.clear();
            continue;
        }
        if raw[0] == b':' {
            continue;
        }
        let line = String::from_utf8_lossy(raw);
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (&line[..], ""),
        };
        match field {
            "event" => event_type = value.to_string(),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => last_id = value.to_string(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                let ms = value.parse().unwrap_or(u64::MAX);
                block_retry = Some(ms);
                retry = Some(ms);
            }
            _ => {}
        }
        if data.len() + event_type.len() > limits.max_event_bytes {
            return None;
        }
    }
    Some((events, (!last_id.is_empty()).then_some(last_id), retry))
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 2 {
        return;
    }
    let (mode, seed, stream) = (input[0], input[1], &input[2..]);
    let limits = if mode & 1 == 0 {
        SseLimits::default()
    } else {
        SseLimits {
            max_line_bytes: 8 + usize::from(mode >> 4) * 4,
            max_event_bytes: 8 + usize::from(mode >> 1 & 7) * 12,
        }
    };

    let whole = run(limits, &[stream]);
    let split = run(limits, &chunks(stream, seed));
    assert_eq!(
        whole, split,
        "pseudo-random chunks differ from the whole stream"
    );
    let bytewise: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(
        whole,
        run(limits, &bytewise),
        "byte-at-a-time differs from the whole stream"
    );

    match model(stream, limits) {
        Some((events, last_id, retry)) => {
            assert!(
                !whole.failed,
                "parser failed where the model stayed within bounds"
            );
            assert_eq!(whole.events, events, "events differ from the model");
            assert_eq!(
                whole.last_id, last_id,
                "last_event_id differs from the model"
            );
            assert_eq!(whole.retry, retry, "retry differs from the model");
        }
        None => assert!(
            whole.failed,
            "parser accepted a stream that exceeds its bounds"
        ),
    }
    for e in &whole.events {
        // The bound counts the data lines (with their separators) plus an explicit event type;
        // the default type "message" is not part of the buffer.
        let counted = if e.event == "message" {
            0
        } else {
            e.event.len()
        };
        assert!(
            e.data.len() + counted <= limits.max_event_bytes,
            "event over the bound"
        );
        assert!(!e.event.is_empty());
    }
});
