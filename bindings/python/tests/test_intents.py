"""Every intent operation the reference server serves, through the blocking client."""

from __future__ import annotations

import uuid

import pytest

from axme import AxmeClient, AxmeConflictError, AxmeServerError, AxmeValidationError
from conftest import AGENT, Credential, new_intent


def test_health_and_capabilities(client: AxmeClient) -> None:
    assert client.health()["ok"] is True
    caps = client.get_capabilities()
    assert caps["ok"] is True
    assert isinstance(caps["capabilities"], list)
    assert isinstance(caps["protocol_version"], str)


def test_create_intent_with_the_0_2_0_signature(client: AxmeClient) -> None:
    correlation_id = str(uuid.uuid4())
    created = client.create_intent(new_intent(), correlation_id=correlation_id)
    assert created["ok"] is True
    assert created["status"] == "DELIVERED"
    intent = client.get_intent(created["intent_id"])["intent"]
    assert intent["correlation_id"] == correlation_id
    assert intent["to_agent"] == AGENT
    # A payload whose own correlation_id differs is refused before any request, as in 0.2.0.
    with pytest.raises(ValueError):
        client.create_intent(new_intent(correlation_id="a"), correlation_id="b")


def test_send_intent_returns_the_id_and_mints_a_correlation_id(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    assert isinstance(intent_id, str) and intent_id
    intent = client.get_intent(intent_id)["intent"]
    uuid.UUID(intent["correlation_id"])
    mine = str(uuid.uuid4())
    given = client.send_intent(new_intent(), correlation_id=mine)
    assert client.get_intent(given)["intent"]["correlation_id"] == mine


def test_list_intent_events_since_is_exclusive(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    everything = client.list_intent_events(intent_id)
    assert [e["event_type"] for e in everything["events"]] == [
        "intent.created",
        "intent.submitted",
        "intent.delivered",
    ]
    later = client.list_intent_events(intent_id, since=1)
    assert [e["seq"] for e in later["events"]] == [2, 3]
    assert later["next_seq"] == 3


def test_agent_resume_actions_walk_the_lifecycle(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    statuses = []
    for body in (
        {"action": "ack"},
        {"action": "progress", "message": "working"},
        {"action": "wait", "waiting_reason": "WAITING_FOR_TOOL"},
        {"action": "progress"},
        {"action": "complete", "result": {"done": True}},
    ):
        resp = client.resume_intent(intent_id, body, owner_agent=AGENT)
        statuses.append(resp["intent"]["status"])
    assert statuses == ["ACKNOWLEDGED", "IN_PROGRESS", "WAITING", "IN_PROGRESS", "COMPLETED"]
    intent = client.get_intent(intent_id)["intent"]
    assert intent["result"] == {"done": True}
    # Nothing leaves a terminal status.
    with pytest.raises(AxmeConflictError) as info:
        client.resume_intent(intent_id, {"action": "progress"})
    assert info.value.code == "intent_already_terminal"
    assert isinstance(info.value, AxmeValidationError)  # what 0.2.0 raised for 409


def test_agent_fail(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    resp = client.resume_intent(intent_id, {"action": "fail", "error": {"why": "broken"}})
    assert resp["intent"]["status"] == "FAILED"


def test_resolve_and_cancel(client: AxmeClient) -> None:
    done = client.send_intent(new_intent())
    resp = client.resolve_intent(done, {"status": "COMPLETED", "result": {"x": 1}})
    assert resp["intent"]["status"] == "COMPLETED"
    assert resp["event"]["event_type"] == "intent.completed"

    canceled = client.send_intent(new_intent())
    resp = client.cancel_intent(canceled, reason="not needed")
    assert resp["intent"]["status"] == "CANCELED"
    with pytest.raises(AxmeConflictError):
        client.cancel_intent(canceled)


def test_owner_header_and_query_must_agree(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    with pytest.raises(AxmeValidationError) as info:
        client.resume_intent(
            intent_id, {"action": "ack"}, owner_agent=AGENT, x_owner_agent="agent://acme/prod/other"
        )
    assert info.value.status_code == 400


def test_controls_and_policy_compare_and_set(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    applied = client.update_intent_controls(
        intent_id, {"controls_patch": {"timeout_seconds": 30}, "expected_policy_generation": 0}
    )
    assert applied["applied"] is True
    assert applied["policy_generation"] == 1
    stale = client.update_intent_policy(
        intent_id, {"grants_patch": {"delegate:agent://ops": {"allow": ["resume"]}},
                    "expected_policy_generation": 0}
    )
    assert stale == {
        **stale,
        "ok": True,
        "applied": False,
        "reason": "stale_policy_generation",
        "policy_generation": 1,
    }
    fresh = client.update_intent_policy(
        intent_id, {"envelope_patch": {"ttl_seconds": 60}, "expected_policy_generation": 1}
    )
    assert fresh["applied"] is True and fresh["policy_generation"] == 2


def test_list_intents(cred: Credential) -> None:
    with cred.client() as client:
        ids = {client.send_intent(new_intent()) for _ in range(3)}
        client.cancel_intent(next(iter(ids)))
        listed = client.list_intents()
        assert {i["intent_id"] for i in listed["intents"]} == ids
        open_only = client.list_intents(status="DELIVERED")
        assert len(open_only["intents"]) == 2


def test_not_implemented_is_a_server_error_that_is_not_retried(cred: Credential) -> None:
    cred.add_rules(
        {"match": {"route": "/v1/intents/{intent_id}"},
         "action": {"type": "respond", "status": 501,
                    "body": {"error": {"code": "not_implemented", "message": "later", "details": {}}}}}
    )
    with cred.client() as client:
        with pytest.raises(AxmeServerError) as info:
            client.get_intent("i")
    assert info.value.status_code == 501
    assert info.value.code == "not_implemented"
    assert info.value.retryable is False
    assert len(cred.requests()) == 1
