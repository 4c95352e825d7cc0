"""The intents and events family through the public methods: platform calls, create/send, list with
paging, get, events, every way an intent ends, controls and policy, and the event stream."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from axme import AxmeClient, AxmeConflictError, AxmeNotFoundError, AxmeValidationError
from conftest import AGENT, Credential, new_intent

CREATE = "/v1/intents"


def test_health_capabilities_and_the_versioned_health(client: AxmeClient) -> None:
    plain = client.health()
    assert plain["ok"] is True and plain["service"] == "axme-server"
    assert client.health_v1() == plain
    caps = client.get_capabilities()
    assert caps["protocol_version"] == "axp.v1"
    for family in ("intents", "inbox", "approvals", "scenarios", "media", "mcp"):
        assert family in caps["capabilities"]


def test_create_intent_records_what_was_sent_and_get_returns_it(cred: Credential) -> None:
    correlation_id = str(uuid.uuid4())
    with cred.client() as c:
        created = c.create_intent(
            new_intent(payload={"n": 7}), correlation_id=correlation_id, idempotency_key="create-1"
        )
        assert (created["ok"], created["status"]) == (True, "DELIVERED")
        intent = c.get_intent(created["intent_id"])["intent"]
        assert intent["intent_id"] == created["intent_id"]
        assert (intent["to_agent"], intent["payload"]) == (AGENT, {"n": 7})
        assert intent["correlation_id"] == correlation_id
        # The same key with the same body replays the first answer; the server stored one intent.
        again = c.create_intent(
            new_intent(payload={"n": 7}), correlation_id=correlation_id, idempotency_key="create-1"
        )
        assert again["intent_id"] == created["intent_id"]
        assert [i["intent_id"] for i in c.list_intents()["intents"]] == [created["intent_id"]]
    (first, second) = [r for r in cred.requests(CREATE) if r["method"] == "POST"]
    assert first["headers"]["idempotency-key"] == second["headers"]["idempotency-key"] == ["create-1"]


def test_list_intents_pages_with_the_cursor_and_filters_by_status(client: AxmeClient) -> None:
    ids = [client.send_intent(new_intent(payload={"i": i})) for i in range(5)]
    client.resolve_intent(ids[0], {"status": "COMPLETED"})
    seen = []
    cursor = None
    pages = 0
    while True:
        page = client.list_intents(limit=2, cursor=cursor)
        assert len(page["intents"]) <= 2
        seen += [i["intent_id"] for i in page["intents"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    assert pages >= 3
    done = client.list_intents(status="COMPLETED")["intents"]
    assert [i["intent_id"] for i in done] == [ids[0]]
    with pytest.raises(AxmeValidationError) as info:
        client.list_intents(cursor="not-a-cursor-of-this-server")
    assert "cursor" in info.value.message


def test_events_are_numbered_and_since_is_exclusive(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    client.resume_intent(intent_id, {"action": "ack"}, owner_agent=AGENT)
    client.resume_intent(intent_id, {"action": "complete", "result": {"ok": True}})
    events = client.list_intent_events(intent_id)["events"]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert [e["event_type"] for e in events][-2:] == ["intent.acknowledged", "intent.completed"]
    tail = client.list_intent_events(intent_id, since=3)
    assert tail["events"] == events[3:]
    assert tail["next_seq"] == 5
    # The stream gives the same events and ends with the terminal one.
    assert list(client.observe(intent_id, since=1, timeout_seconds=10)) == events[1:]
    assert client.wait_for(intent_id, timeout_seconds=10) == events[-1]


def test_every_way_an_intent_ends(client: AxmeClient) -> None:
    completed = client.send_intent(new_intent())
    by_agent = client.resume_intent(completed, {"action": "complete", "result": {"r": 1}}, owner_agent=AGENT)
    assert by_agent["intent"]["status"] == "COMPLETED"
    failed = client.send_intent(new_intent())
    resolved = client.resolve_intent(failed, {"status": "FAILED", "error": {"code": "broken"}})
    assert resolved["event"] is not None
    assert (resolved["intent"]["status"], resolved["event"]["event_type"]) == ("FAILED", "intent.failed")
    canceled = client.send_intent(new_intent())
    cancel = client.cancel_intent(canceled, reason="no longer needed", idempotency_key="cancel-1")
    assert cancel["intent"]["status"] == "CANCELED"
    statuses = {i: client.get_intent(i)["intent"]["status"] for i in (completed, failed, canceled)}
    assert statuses == {completed: "COMPLETED", failed: "FAILED", canceled: "CANCELED"}
    for intent_id in (completed, failed, canceled):
        with pytest.raises(AxmeConflictError):
            client.resume_intent(intent_id, {"action": "progress"})


def test_the_owner_may_come_as_header_query_or_both_when_they_agree(cred: Credential) -> None:
    route = "/v1/intents/{intent_id}/resume"
    with cred.client() as c:
        intent_id = c.send_intent(new_intent())
        c.resume_intent(intent_id, {"action": "ack"}, x_owner_agent=AGENT)
        c.resume_intent(intent_id, {"action": "progress"}, owner_agent=AGENT, x_owner_agent=AGENT)
        with pytest.raises(AxmeValidationError):
            c.resume_intent(intent_id, {"action": "progress"}, owner_agent=AGENT,
                            x_owner_agent="agent://acme/prod/other")
    header_only, both, mismatch = cred.requests(route)
    assert header_only["headers"]["x-owner-agent"] == [AGENT] and header_only["query"] is None
    assert "owner_agent=" in both["query"] and both["headers"]["x-owner-agent"] == [AGENT]
    assert mismatch["status"] == 400


def test_a_per_call_authorization_replaces_the_configured_credential(cred: Credential) -> None:
    with cred.client() as c:
        intent_id = c.send_intent(new_intent())
        with pytest.raises(Exception) as info:
            c.resume_intent(intent_id, {"action": "ack"}, authorization="Bearer axme_actor_unknown")
        assert getattr(info.value, "status_code", None) == 401
        # Nothing was recorded for the refused call.
        assert c.get_intent(intent_id)["intent"]["status"] == "DELIVERED"
    refused = cred.requests("/v1/intents/{intent_id}/resume")[0]
    # The server saw the per-call token (fingerprinted in its journal), not the configured key.
    assert refused["headers"]["authorization"][0].startswith("Bearer fp:")


def test_controls_and_policy_are_compare_and_set_on_one_generation(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    controls = client.update_intent_controls(
        intent_id, {"controls_patch": {"max_retries": 3}, "expected_policy_generation": 0},
        owner_agent=AGENT,
    )
    assert (controls["applied"], controls["policy_generation"]) == (True, 1)
    policy = client.update_intent_policy(
        intent_id, {"envelope_patch": {"ttl_seconds": 120}, "expected_policy_generation": 1}
    )
    assert (policy["applied"], policy["policy_generation"]) == (True, 2)
    stale = client.update_intent_controls(
        intent_id, {"controls_patch": {"max_retries": 1}, "expected_policy_generation": 1}
    )
    assert (stale["applied"], stale["reason"]) == (False, "stale_policy_generation")


def test_unknown_intents_are_not_found_for_every_call(client: AxmeClient) -> None:
    for call in (
        lambda: client.get_intent(str(uuid.uuid4())),
        lambda: client.list_intent_events(str(uuid.uuid4())),
        lambda: client.resolve_intent(str(uuid.uuid4()), {"status": "COMPLETED"}),
        lambda: client.resume_intent(str(uuid.uuid4()), {"action": "ack"}),
    ):
        with pytest.raises(AxmeNotFoundError):
            call()


def test_async_intents_subset(cred: Credential) -> None:
    async def main() -> None:
        async with cred.async_client() as c:
            assert (await c.health_v1())["ok"] is True
            created = await c.create_intent(new_intent(), correlation_id=str(uuid.uuid4()))
            intent_id = created["intent_id"]
            page = await c.list_intents(limit=1)
            assert [i["intent_id"] for i in page["intents"]] == [intent_id]
            applied = await c.update_intent_policy(
                intent_id, {"envelope_patch": {"ttl_seconds": 60}, "expected_policy_generation": 0}
            )
            assert applied["applied"] is True
            await c.resume_intent(intent_id, {"action": "complete"})
            final = await c.wait_for(intent_id, timeout_seconds=10)
            assert final["event_type"] == "intent.completed"
            events = [e["seq"] async for e in c.observe(intent_id, since=3)]
            assert events == [4]

    asyncio.run(main())


def test_a_closed_client_refuses_calls_and_keeps_its_config(cred: Credential) -> None:
    c = cred.client()
    assert not c.closed and c.config.api_key == cred.api_key
    c.close()
    assert c.closed
    with pytest.raises(RuntimeError, match="closed"):
        c.health()
    assert cred.requests() == []
