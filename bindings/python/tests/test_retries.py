"""Retries reuse one Idempotency-Key per logical write; the server's request journal shows it."""

from __future__ import annotations

from typing import Any

import pytest

from axme import AxmeConnectionError, AxmeServerError
from conftest import Credential, new_intent

CREATE = "/v1/intents"
RESOLVE = "/v1/intents/{intent_id}/resolve"


def fail_first(method: str, route: str, action: dict) -> dict:
    return {"match": {"method": method, "route": route, "attempt": 1}, "action": action}


def keys(requests: list) -> list:
    return [r["headers"].get("idempotency-key", [None])[0] for r in requests]


def test_create_is_retried_with_the_same_minted_key_after_retry_after(cred: Credential) -> None:
    cred.add_rules(
        fail_first("POST", CREATE, {"type": "respond", "status": 503, "headers": {"Retry-After": "1"}})
    )
    with cred.client() as c:
        intent_id = c.send_intent(new_intent())
        assert c.get_intent(intent_id)["intent"]["status"] == "DELIVERED"
    attempts = cred.requests(CREATE)
    assert [r["status"] for r in attempts] == [503, 200]
    first, second = keys(attempts)
    assert first and first == second
    assert attempts[0]["body_sha256"] == attempts[1]["body_sha256"]
    # Retry-After: 1 was honoured.
    assert attempts[1]["elapsed_ms"] - attempts[0]["elapsed_ms"] >= 950
    # One logical call created one intent.
    with cred.client() as c:
        assert len(c.list_intents()["intents"]) == 1


def test_caller_key_is_reused_after_a_connection_reset(cred: Credential) -> None:
    with cred.client() as c:
        intent_id = c.send_intent(new_intent())
        cred.add_rules(fail_first("POST", RESOLVE, {"type": "reset"}))
        resp = c.resolve_intent(intent_id, {"status": "COMPLETED"}, idempotency_key="resolve-1")
        assert resp["intent"]["status"] == "COMPLETED"
    attempts = cred.requests(RESOLVE)
    assert [r["status"] for r in attempts] == [None, 200]
    assert keys(attempts) == ["resolve-1", "resolve-1"]


def test_each_logical_call_gets_its_own_key(cred: Credential) -> None:
    with cred.client() as c:
        c.send_intent(new_intent())
        c.send_intent(new_intent())
    first, second = keys(cred.requests(CREATE))
    assert first and second and first != second


def test_retries_stop_after_max_retries(cred: Credential) -> None:
    cred.add_rules({"match": {"method": "GET"}, "action": {"type": "respond", "status": 503}})
    with cred.client(max_retries=2) as c, pytest.raises(AxmeServerError):
        c.get_intent("i")
    assert len(cred.requests()) == 3


def test_without_auto_keys_an_unkeyed_write_is_not_retried(cred: Credential) -> None:
    cred.add_rules(fail_first("POST", CREATE, {"type": "reset"}))
    with cred.client(auto_idempotency_key=False) as c, pytest.raises(AxmeConnectionError):
        c.send_intent(new_intent())
    attempts = cred.requests(CREATE)
    assert len(attempts) == 1
    assert keys(attempts) == [None]


def test_without_auto_keys_a_keyed_write_is_retried(cred: Credential) -> None:
    cred.add_rules(fail_first("POST", CREATE, {"type": "respond", "status": 502}))
    with cred.client(auto_idempotency_key=False) as c:
        c.send_intent(new_intent(), idempotency_key="mine")
    assert keys(cred.requests(CREATE)) == ["mine", "mine"]


def test_every_request_carries_client_identity_and_a_trace_id(cred: Credential) -> None:
    with cred.client() as c:
        c.send_intent(new_intent(), trace_id="trace-123")
    (req,) = cred.requests(CREATE)
    assert req["headers"]["x-axme-client"] == ["axme-sdk-python/0.3.0"]
    assert req["headers"]["x-trace-id"] == ["trace-123"]
    assert req["headers"]["x-api-key"][0].startswith("fp:")


@pytest.mark.parametrize(
    "route,call",
    [
        ("/v1/agents", lambda c: c.register_agent({"address": "retried", "delivery_mode": "poll"})),
        ("/v1/webhooks/subscriptions",
         lambda c: c.upsert_webhook_subscription(
             {"callback_url": "https://hooks.example/r", "event_types": ["invite.accepted"]})),
        ("/v1/media/create-upload",
         lambda c: c.create_media_upload(
             {"owner_agent": "agent://a/b/c", "filename": "r.txt", "mime_type": "text/plain", "size_bytes": 1})),
    ],
    ids=["register_agent", "upsert_webhook_subscription", "create_media_upload"],
)
def test_generated_writes_of_every_family_retry_with_one_key(cred: Credential, route: str, call: Any) -> None:
    cred.add_rules(fail_first("POST", route, {"type": "respond", "status": 503}))
    with cred.client() as c:
        call(c)
    attempts = cred.requests(route)
    assert [r["status"] for r in attempts] == [503, 200]
    first, second = keys(attempts)
    assert first and first == second
    assert attempts[0]["body_sha256"] == attempts[1]["body_sha256"]
