"""observe / wait_for / listen: stream drops, every alternative SSE framing, deadlines."""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List

import pytest

from axme import AxmeClient, AxmeTimeoutError
from conftest import AGENT, Credential, new_intent, wait_until

STREAM = "/v1/intents/{intent_id}/events/stream"
LISTEN = "/v1/agents/{address}/intents/stream"


def sse_rule(route: str = STREAM, attempt: int = 0, **sse: Any) -> Dict[str, Any]:
    match: Dict[str, Any] = {"method": "GET", "route": route}
    if attempt:
        match["attempt"] = attempt
    return {"match": match, "action": {"type": "sse", **sse}}


def finished_intent(c: AxmeClient) -> str:
    """An intent with 7 events, the last one terminal."""
    intent_id = c.send_intent(new_intent())
    for body in (
        {"action": "ack"},
        {"action": "progress", "message": "line one\nline two"},
        {"action": "wait", "waiting_reason": "WAITING_FOR_TOOL"},
        {"action": "complete", "result": {"text": "héllo ✓", "n": [1, 2, 3]}},
    ):
        c.resume_intent(intent_id, body)
    return intent_id


def seqs(events: List[Dict[str, Any]]) -> List[int]:
    return [e["seq"] for e in events]


def test_observe_yields_every_event_once_and_stops_after_the_terminal_one(client: AxmeClient) -> None:
    intent_id = finished_intent(client)
    expected = client.list_intent_events(intent_id)["events"]
    events = list(client.observe(intent_id))
    assert events == expected
    assert seqs(events) == list(range(1, 8))
    assert list(client.observe(intent_id, since=5)) == expected[5:]


def test_observe_resumes_after_a_server_side_drop(cred: Credential) -> None:
    with cred.client() as c:
        intent_id = finished_intent(c)
        expected = c.list_intent_events(intent_id)["events"]
        cred.add_rules(sse_rule(attempt=1, drop_after_events=2))
        assert list(c.observe(intent_id)) == expected
    streams = cred.requests(STREAM)
    assert len(streams) == 2
    resumed = streams[1]
    assert "since=2" in (resumed["query"] or "") or resumed["headers"].get("last-event-id") == ["2"]


def test_observe_live_across_drops(cred: Credential) -> None:
    """Events produced while observing, with the stream dropped after every event."""
    with cred.client() as c:
        intent_id = c.send_intent(new_intent())
        cred.add_rules(sse_rule(drop_after_events=1))

        def agent() -> None:
            wait_until(lambda: cred.requests(STREAM), what="the observe stream")
            for body in ({"action": "ack"}, {"action": "progress"}, {"action": "complete"}):
                c.resume_intent(intent_id, body)

        worker = threading.Thread(target=agent)
        worker.start()
        try:
            events = list(c.observe(intent_id, timeout_seconds=30))
        finally:
            worker.join()
    assert seqs(events) == [1, 2, 3, 4, 5, 6]
    assert events[-1]["status"] == "COMPLETED"


@pytest.mark.parametrize(
    "disturbance",
    [
        {"framing": "crlf"},
        {"framing": "cr"},
        {"framing": "bom"},
        {"framing": "comments"},
        {"framing": "multiline"},
        {"framing": "bytewise"},
        {"duplicate_events": True},
        {"framing": "cr", "duplicate_events": True, "drop_after_events": 3},
    ],
    ids=lambda d: "+".join(f"{k}={v}" for k, v in d.items()),
)
def test_every_alternative_sse_framing_gives_the_same_events(
    cred: Credential, disturbance: Dict[str, Any]
) -> None:
    with cred.client() as c:
        intent_id = finished_intent(c)
        expected = c.list_intent_events(intent_id)["events"]
        cred.add_rules(sse_rule(**disturbance))
        assert list(c.observe(intent_id, timeout_seconds=30)) == expected
        assert c.wait_for(intent_id, timeout_seconds=30) == expected[-1]


def test_observe_falls_back_to_polling_when_the_stream_is_missing(cred: Credential) -> None:
    with cred.client() as c:
        intent_id = finished_intent(c)
        expected = c.list_intent_events(intent_id)["events"]
        cred.add_rules(
            {"match": {"route": STREAM}, "action": {"type": "respond", "status": 404}}
        )
        assert list(c.observe(intent_id, poll_interval_seconds=0.05)) == expected
    assert cred.requests("/v1/intents/{intent_id}/events")


def test_wait_for_returns_the_terminal_event(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    client.resume_intent(intent_id, {"action": "fail", "error": {"code": "nope"}})
    final = client.wait_for(intent_id, timeout_seconds=10)
    assert final["status"] == "FAILED"
    assert final["event_type"] == "intent.failed"


def test_wait_for_timeout_raises_timeout_error(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    started = time.monotonic()
    with pytest.raises(TimeoutError) as info:
        client.wait_for(intent_id, timeout_seconds=0.5)
    elapsed = time.monotonic() - started
    assert isinstance(info.value, AxmeTimeoutError)
    assert 0.45 <= elapsed < 5
    assert intent_id in str(info.value)


def test_observe_timeout_ends_the_iteration_with_timeout_error(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    seen = []
    with pytest.raises(TimeoutError):
        for event in client.observe(intent_id, timeout_seconds=0.5):
            seen.append(event["seq"])
    assert seen == [1, 2, 3]


def test_closing_an_observe_iterator_stops_it(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    events = client.observe(intent_id)
    assert next(events)["seq"] == 1
    events.close()
    assert events.closed
    assert list(events) == []
    with client.observe(intent_id) as again:
        assert next(again)["seq"] == 1
    assert list(again) == []


def test_client_close_stops_its_streams(cred: Credential) -> None:
    c = cred.client()
    intent_id = c.send_intent(new_intent())
    events = c.observe(intent_id)
    assert next(events)["seq"] == 1
    c.close()
    assert list(events) == []
    with pytest.raises(RuntimeError):
        c.get_intent(intent_id)


def test_listen_delivers_each_intent_once_across_drops(cred: Credential) -> None:
    with cred.client() as c:
        ids = [c.send_intent(new_intent()) for _ in range(4)]
        cred.add_rules(sse_rule(route=LISTEN, drop_after_events=1, duplicate_events=True))
        got = []
        for delivery in c.listen(AGENT, wait_seconds=5, timeout_seconds=30):
            got.append(delivery["intent_id"])
            if len(got) == len(ids):
                break
    assert got == ids
    assert len(cred.requests(LISTEN)) >= 4


def test_listen_status_filter_and_timeout(cred: Credential) -> None:
    with cred.client() as c:
        done = c.send_intent(new_intent())
        c.resolve_intent(done, {"status": "COMPLETED"})
        open_one = c.send_intent(new_intent())
        default = c.listen(AGENT, wait_seconds=1, timeout_seconds=1.5)
        assert next(default)["intent_id"] == open_one
        with pytest.raises(TimeoutError):
            next(default)
        with c.listen(AGENT, status="COMPLETED", timeout_seconds=10) as only_done:
            assert next(only_done)["intent_id"] == done
        with c.listen(AGENT, status=["COMPLETED", "DELIVERED", "ACKNOWLEDGED"]) as both:
            assert {next(both)["intent_id"], next(both)["intent_id"]} == {done, open_one}


def test_agent_restart_picks_the_work_up_again(cred: Credential) -> None:
    with cred.client() as c:
        intent_id = c.send_intent(new_intent())
        first = c.listen(AGENT)
        assert next(first)["intent_id"] == intent_id
        first.close()  # the agent dies before finishing
        # The handover acknowledged the intent (the server records it right after sending).
        wait_until(
            lambda: c.get_intent(intent_id)["intent"]["status"] == "ACKNOWLEDGED",
            what="the acknowledgement",
        )
        with c.listen(AGENT, since=0) as again:
            redelivered = next(again)
        assert redelivered["intent_id"] == intent_id
        assert redelivered["status"] == "ACKNOWLEDGED"


@pytest.mark.parametrize("framing", ["crlf", "cr", "bom", "comments", "multiline", "bytewise"])
def test_listen_sees_the_same_deliveries_in_every_framing(cred: Credential, framing: str) -> None:
    with cred.client() as c:
        ids = [c.send_intent(new_intent(payload={"i": i})) for i in range(3)]
        with c.listen(AGENT, wait_seconds=2, timeout_seconds=30) as plain:
            expected = [next(plain) for _ in ids]
        cred.add_rules(sse_rule(route=LISTEN, framing=framing))
        with c.listen(AGENT, wait_seconds=2, timeout_seconds=30) as framed:
            got = [next(framed) for _ in ids]
    assert [d["intent_id"] for d in expected] == ids
    # The listener acknowledged each intent the first time, so compare what stays the same.
    assert [(d["intent_id"], d["intent"]["payload"]) for d in got] == [
        (d["intent_id"], d["intent"]["payload"]) for d in expected
    ]
