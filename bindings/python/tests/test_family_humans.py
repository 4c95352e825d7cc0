"""Human tasks and approvals: humans call with the actor token `axme-server admin users create`
issues (``actor_token`` in the config), see their tasks with ``list_my_tasks`` and answer them
with ``resume_intent`` (``task_result``) or ``decide_approval``."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Dict, List

import pytest

from axme import AxmeAuthError, AxmeClient, AxmeConflictError, AxmeValidationError
from conftest import Credential

DEPLOYER = "agent://acme/prod/deployer"


def task_intent(title: str, **task: object) -> Dict[str, Any]:
    return {
        "intent_type": "ops.deploy.v1",
        "to_agent": DEPLOYER,
        "payload": {"service": "api"},
        "human_task": {"title": title, **task},
    }


def event_types(c: AxmeClient, intent_id: str) -> List[str]:
    return [e["event_type"] for e in c.list_intent_events(intent_id)["events"]]


def test_a_human_sees_the_task_and_answers_it(cred: Credential) -> None:
    name = f"alice{uuid.uuid4().hex[:6]}"
    with cred.client() as app, cred.human_client(name) as alice:
        created = app.create_intent(
            task_intent("Ship api v3?", task_type="approval", assignees=[name]),
            correlation_id=str(uuid.uuid4()),
        )
        intent_id = created["intent_id"]
        assert created["status"] == "WAITING"
        intent = app.get_intent(intent_id)["intent"]
        assert intent["waiting_reason"] == "WAITING_FOR_HUMAN"
        assert intent["human_task"] is not None
        assert intent["human_task"]["allowed_outcomes"] == ["approved", "rejected"]

        tasks = alice.list_my_tasks()
        assert [t["intent_id"] for t in tasks["tasks"]] == [intent_id]
        assert tasks["tasks"][0]["task_status"] == "open"
        assert tasks["actor"] is not None and tasks["actor"]["address"].endswith("/" + name)
        assert alice.list_my_tasks(status="answered")["tasks"] == []

        answered = alice.resume_intent(
            intent_id, {"task_result": {"outcome": "approved", "comment": "go"}}
        )
        assert answered["intent"]["status"] == "IN_PROGRESS"
        assert app.get_intent(intent_id)["intent"]["task_result"] == {"outcome": "approved", "comment": "go"}
        assert [t["intent_id"] for t in alice.list_my_tasks(status="answered", limit=5)["tasks"]] == [
            intent_id
        ]
        assert alice.list_my_tasks(status="open")["tasks"] == []
        # The agent that owns the work finishes it as usual.
        app.resume_intent(intent_id, {"action": "complete"}, owner_agent=DEPLOYER)
        assert app.wait_for(intent_id, timeout_seconds=10)["status"] == "COMPLETED"
        assert "intent.human_task_assigned" in event_types(app, intent_id)


def test_an_outcome_outside_the_allowed_ones_is_refused(cred: Credential) -> None:
    with cred.client() as app, cred.human_client(f"bob{uuid.uuid4().hex[:6]}") as bob:
        intent_id = app.send_intent(task_intent("Pick one", allowed_outcomes=["yes", "no"]))
        with pytest.raises(AxmeValidationError):
            bob.resume_intent(intent_id, {"task_result": {"outcome": "maybe"}})
        assert app.get_intent(intent_id)["intent"]["status"] == "WAITING"


def test_the_task_list_needs_an_actor_token(client: AxmeClient) -> None:
    with pytest.raises(AxmeAuthError) as info:
        client.list_my_tasks()
    assert (info.value.status_code, info.value.code) == (401, "missing_actor_token")


def test_a_free_standing_approval_is_decided_once(client: AxmeClient) -> None:
    approval_id = str(uuid.uuid4())
    decided = client.decide_approval(approval_id, decision="approve", comment="by the SDK")
    approval = decided["approval"]
    assert (approval["approval_id"], approval["decision"]) == (approval_id, "approve")
    assert approval["intent_id"] is None and approval["decided_at"]
    # The same decision again answers the same record; the other one is a conflict.
    assert client.decide_approval(approval_id, decision="approve")["approval"] == approval
    with pytest.raises(AxmeConflictError) as info:
        client.decide_approval(approval_id, decision="reject")
    assert info.value.code == "approval_already_decided"
    with pytest.raises(AxmeValidationError):
        client.decide_approval(str(uuid.uuid4()), decision="maybe")  # type: ignore[arg-type]


def test_an_approval_decision_answers_the_human_task(cred: Credential) -> None:
    name = f"carol{uuid.uuid4().hex[:6]}"
    with cred.client() as app, cred.human_client(name) as carol:
        intent_id = app.send_intent(task_intent("Approve the rollout", assignees=[name]))
        decided = carol.decide_approval(intent_id, decision="reject", comment="not today")
        approval = decided["approval"]
        # A refusal ends the intent: FAILED, with the answer recorded.
        assert (approval["intent_id"], approval["intent_status"]) == (intent_id, "FAILED")
        assert approval["decided_by"].endswith("/" + name)
        intent = app.get_intent(intent_id)["intent"]
        assert intent["status"] == "FAILED"
        assert intent["task_result"] == {"outcome": "rejected", "comment": "not today"}
        plain = app.send_intent({"intent_type": "test.work.v1", "to_agent": DEPLOYER, "payload": {}})
        with pytest.raises(AxmeConflictError) as info:
            app.decide_approval(plain, decision="approve")
        assert info.value.code == "approval_not_pending"


def test_async_human_subset(cred: Credential) -> None:
    name = f"dora{uuid.uuid4().hex[:6]}"
    with cred.human_client(name) as made:
        token = made.config.actor_token

    async def main() -> None:
        async with cred.async_client() as app, cred.async_client(actor_token=token) as dora:
            intent_id = await app.send_intent(task_intent("Async?", assignees=[name]))
            tasks = await dora.list_my_tasks()
            assert [t["intent_id"] for t in tasks["tasks"]] == [intent_id]
            decided = await dora.decide_approval(intent_id, decision="approve")
            assert decided["approval"]["intent_status"] == "IN_PROGRESS"

    asyncio.run(main())
