//! Torture corpus for the SSE parser: every case is parsed whole, split at every byte boundary,
//! split into three pieces at every pair of boundaries (short cases), and fed one byte at a time;
//! all must give the same events and the same final `last_event_id`/`retry`.

use super::*;
use crate::error::ErrorKind;

struct Case {
    input: &'static [u8],
    events: Vec<SseEvent>,
    last_id: Option<&'static str>,
    retry: Option<u64>,
}

fn ev(id: Option<&str>, event: &str, data: &str) -> SseEvent {
    SseEvent {
        id: id.map(str::to_string),
        event: event.into(),
        data: data.into(),
        retry: None,
    }
}

fn msg(data: &str) -> SseEvent {
    ev(None, "message", data)
}

fn case(input: &'static [u8], events: Vec<SseEvent>) -> Case {
    Case {
        input,
        events,
        last_id: None,
        retry: None,
    }
}

fn corpus() -> Vec<Case> {
    let server_stream: &[u8] = b"id: 2\nevent: intent.submitted\ndata: {\"seq\":2}\n\n: keep-alive\n\nevent: stream.timeout\ndata: {\"ok\":true,\"next_seq\":2}\n\n";
    let mut retry_case = case(
        b"retry: 1500\ndata: x\n\nretry: 15a\ndata: y\n\nretry:\ndata: z\n\nretry: 10\n\n",
        vec![
            SseEvent {
                retry: Some(1500),
                ..msg("x")
            },
            msg("y"),
            msg("z"),
        ],
    );
    retry_case.retry = Some(10);
    let mut id_only = case(b"id: 7\n\ndata: x\n\n", vec![ev(Some("7"), "message", "x")]);
    id_only.last_id = Some("7");
    let mut id_nul = case(
        b"id: 1\n\nid: a\0b\ndata: x\n\n",
        vec![ev(Some("1"), "message", "x")],
    );
    id_nul.last_id = Some("1");
    let mut server = case(
        server_stream,
        vec![
            ev(Some("2"), "intent.submitted", "{\"seq\":2}"),
            ev(Some("2"), "stream.timeout", "{\"ok\":true,\"next_seq\":2}"),
        ],
    );
    server.last_id = Some("2");
    let mut trailing_id = case(b"data: x\n\nid: 9\n", vec![msg("x")]);
    trailing_id.last_id = Some("9");

    vec![
        case(b"data: hello\n\n", vec![msg("hello")]),
        case(b"event: a\r\ndata: x\r\n\r\n", vec![ev(None, "a", "x")]),
        case(b"data: x\r\rdata: y\r\r", vec![msg("x"), msg("y")]),
        case(b"data: a\r\ndata: b\rdata: c\n\r\n", vec![msg("a\nb\nc")]),
        case(b"data: a\r\n\r\ndata: b\r\n\r\n", vec![msg("a"), msg("b")]),
        case(b"\xEF\xBB\xBFdata: x\n\n", vec![msg("x")]),
        case(b"\xEF\xBB\xBFdata: x\r\r", vec![msg("x")]),
        case(
            b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\ndata: y\n\n",
            vec![msg("y")],
        ),
        case(b"\xEF\xBBdata: x\n\ndata: y\n\n", vec![msg("y")]),
        case(b"\xEFdata: x\n\n", vec![]),
        case(b"data: x\n\n\xEF\xBB\xBFdata: y\n\n", vec![msg("x")]),
        case(b"\xEF\xBB\xBF", vec![]),
        case(b"\xEF\xBB", vec![]),
        case(b": comment\ndata: x\n: another\n\n", vec![msg("x")]),
        case(b":\n\n", vec![]),
        id_only,
        id_nul,
        case(
            b"id: 1\ndata: a\n\nid\ndata: b\n\n",
            vec![ev(Some("1"), "message", "a"), msg("b")],
        ),
        retry_case,
        case(b"data: a\ndata:\ndata: b\n\n", vec![msg("a\n\nb")]),
        case(b"data\n\n", vec![msg("")]),
        case(b"data\ndata\n\n", vec![msg("\n")]),
        case(b"data:\n\n", vec![msg("")]),
        case(b"data:  two\n\ndata:no\n\n", vec![msg(" two"), msg("no")]),
        case(b"data: a:b: c\n\n", vec![msg("a:b: c")]),
        case(b"data : x\n\n", vec![]),
        case(
            b"event: custom\ndata: x\n\ndata: y\n\n",
            vec![ev(None, "custom", "x"), msg("y")],
        ),
        case(b"event: foo\n\ndata: x\n\n", vec![msg("x")]),
        case(b"event: a\nevent: b\ndata: x\n\n", vec![ev(None, "b", "x")]),
        case(b"event:\ndata: x\n\n", vec![msg("x")]),
        case(b"foo: bar\ndata: x\nbaz\n\n", vec![msg("x")]),
        case(b"data: x\n\ndata: y\n", vec![msg("x")]),
        case(b"data: x\n\ndata: y", vec![msg("x")]),
        case(b"data: x\n\ndata: y\r", vec![msg("x")]),
        case(b"data: \xff\xfe ok\n\n", vec![msg("\u{FFFD}\u{FFFD} ok")]),
        case(b"data: \xe2\x82\n\n", vec![msg("\u{FFFD}")]),
        case(b"data: \xe2\x82data: z\n\n", vec![msg("\u{FFFD}data: z")]),
        case(
            "data: h\u{e9}llo \u{20ac} \u{1F600}\n\n".as_bytes(),
            vec![msg("h\u{e9}llo \u{20ac} \u{1F600}")],
        ),
        case(
            b"event: \xf0\x9f\x98\x80\ndata: x\n\n",
            vec![ev(None, "\u{1F600}", "x")],
        ),
        case(b"\n\n\r\n\r\r", vec![]),
        case(b"\r\n\r\ndata: x\n\n", vec![msg("x")]),
        case(b"data: x\n\n\n\n\ndata: y\n\n", vec![msg("x"), msg("y")]),
        case(b"data: a\rb\n\n", vec![msg("a")]),
        case(b"data: a\r\rb\n\n", vec![msg("a")]),
        case(b"data: \0\n\n", vec![msg("\0")]),
        server,
        trailing_id,
    ]
}

struct Outcome {
    events: Vec<SseEvent>,
    last_id: Option<String>,
    retry: Option<u64>,
}

fn run(chunks: &[&[u8]]) -> Outcome {
    let mut p = SseParser::new();
    let mut events = Vec::new();
    for c in chunks {
        events.extend(p.feed(c).expect("feed"));
    }
    events.extend(p.finish().expect("finish"));
    Outcome {
        events,
        last_id: p.last_event_id().map(str::to_string),
        retry: p.retry(),
    }
}

fn check(c: &Case, chunks: &[&[u8]], how: &str) {
    let got = run(chunks);
    let shown = String::from_utf8_lossy(c.input);
    assert_eq!(got.events, c.events, "{how}: {shown:?}");
    assert_eq!(
        got.last_id.as_deref(),
        c.last_id,
        "{how} last id: {shown:?}"
    );
    assert_eq!(got.retry, c.retry, "{how} retry: {shown:?}");
}

#[test]
fn corpus_whole() {
    for c in corpus() {
        check(&c, &[c.input], "whole");
    }
}

#[test]
fn corpus_every_split() {
    for c in corpus() {
        for i in 0..=c.input.len() {
            let (a, b) = c.input.split_at(i);
            check(&c, &[a, b], &format!("split at {i}"));
        }
    }
}

#[test]
fn corpus_every_three_way_split() {
    for c in corpus().into_iter().filter(|c| c.input.len() <= 64) {
        for i in 0..=c.input.len() {
            for j in i..=c.input.len() {
                let parts = [&c.input[..i], &c.input[i..j], &c.input[j..]];
                check(&c, &parts, &format!("split at {i},{j}"));
            }
        }
    }
}

#[test]
fn corpus_one_byte_at_a_time() {
    for c in corpus() {
        let bytes: Vec<&[u8]> = c.input.chunks(1).collect();
        check(&c, &bytes, "bytewise");
        let with_empties: Vec<&[u8]> = c.input.chunks(1).flat_map(|b| [b, &b""[..]]).collect();
        check(&c, &with_empties, "bytewise with empty chunks");
    }
}

#[test]
fn events_dispatch_without_waiting_for_more_input() {
    let mut p = SseParser::new();
    assert_eq!(p.feed(b"data: x\r\r").unwrap(), vec![msg("x")]);
    assert_eq!(p.feed(b"\ndata: y\n\n").unwrap(), vec![msg("y")]);
}

#[test]
fn id_persists_into_later_events() {
    let out = run(&[b"id: 5\ndata: a\n\ndata: b\n\nid:\ndata: c\n\n"]);
    let ids: Vec<_> = out.events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids, [Some("5".into()), Some("5".into()), None]);
}

#[test]
fn overlong_line_is_a_protocol_error_even_when_split() {
    let limits = SseLimits {
        max_line_bytes: 16,
        max_event_bytes: 1024,
    };
    let mut p = SseParser::with_limits(limits);
    assert!(p.feed(b"data: 0123456789").unwrap().is_empty());
    let err = p.feed(b"X").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol);
    assert_eq!(p.feed(b"\n\n").unwrap_err().kind(), ErrorKind::Protocol);
    assert!(p.finish().is_err());
    let mut ok = SseParser::with_limits(limits);
    assert_eq!(
        ok.feed(b"data: 0123456789\n\n").unwrap(),
        vec![msg("0123456789")]
    );
}

#[test]
fn oversized_event_is_a_protocol_error() {
    let mut p = SseParser::with_limits(SseLimits {
        max_line_bytes: 64,
        max_event_bytes: 20,
    });
    assert!(p.feed(b"data: 0123456789\n").unwrap().is_empty());
    let err = p.feed(b"data: 0123456789\n").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol);
    assert!(err.message().contains("20 bytes"));
}

#[test]
fn event_size_resets_between_events() {
    let mut p = SseParser::with_limits(SseLimits {
        max_line_bytes: 64,
        max_event_bytes: 20,
    });
    for _ in 0..10 {
        assert_eq!(p.feed(b"data: 0123456789\n\n").unwrap().len(), 1);
    }
}
