"""The owner inbox: a finished intent with ``reply_to`` lands in that owner's inbox as a thread,
which the owner lists, reads, answers, hands on, decides and prunes; the change feed pages."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest

from axme import AxmeAuthError, AxmeClient, AxmeConflictError, AxmeNotFoundError, AxmeValidationError
from conftest import Credential, new_intent

OWNER = "agent://acme/prod/owner"
DELEGATE = "agent://acme/prod/delegate"


def completed_to(c: AxmeClient, owner: str = OWNER) -> str:
    """An intent with ``reply_to`` that completed: its id is the thread id."""
    intent_id = c.send_intent(new_intent(reply_to=owner))
    resolved = c.resolve_intent(intent_id, {"status": "COMPLETED", "result": {"ok": True}})
    delivery = resolved["completion_delivery"]
    assert (delivery["delivered"], delivery["thread_id"]) == (True, intent_id)
    return intent_id


def message_ids(thread: Any) -> List[str]:
    return [e["message_id"] for e in thread["timeline"] if e.get("message_id")]


def test_a_completion_lands_in_the_owners_inbox(client: AxmeClient) -> None:
    thread_id = completed_to(client)
    threads = client.list_inbox(owner_agent=OWNER)["threads"]
    assert [t["thread_id"] for t in threads] == [thread_id]
    assert (threads[0]["status"], threads[0]["unread"]) == ("pending", True)
    assert threads[0]["timeline"][0]["event_type"] == "intent.completed"
    got = client.get_inbox_thread(thread_id, owner_agent=OWNER)["thread"]
    assert got["thread_id"] == thread_id
    # Another owner sees nothing, and is refused the thread.
    assert client.list_inbox(owner_agent="agent://acme/prod/someone")["threads"] == []
    with pytest.raises(AxmeAuthError) as info:
        client.get_inbox_thread(thread_id, owner_agent="agent://acme/prod/someone")
    assert info.value.status_code == 403 and OWNER in info.value.message


def test_the_default_owner_of_the_config_is_used(cred: Credential) -> None:
    with cred.client(default_owner_agent=OWNER) as c:
        thread_id = completed_to(c)
        assert [t["thread_id"] for t in c.list_inbox()["threads"]] == [thread_id]
    listed = cred.requests("/v1/inbox")[0]
    assert "owner_agent=" in (listed["query"] or "") or listed["headers"].get("x-owner-agent")


def test_read_reply_delegate_approve_and_delete(client: AxmeClient) -> None:
    thread_id = completed_to(client)
    read = client.mark_inbox_thread_read(thread_id, owner_agent=OWNER)
    assert read["thread"]["unread"] is False

    replied = client.reply_inbox_thread(thread_id, message="ack from the owner", owner_agent=OWNER)
    assert replied["thread"]["status"] == "active"
    last = replied["thread"]["timeline"][-1]
    assert (last["event_type"], last["details"]["message"]) == ("message.sent", "ack from the owner")

    delegated = client.delegate_inbox_thread(
        thread_id, {"delegate_to": DELEGATE, "note": "handoff"}, owner_agent=OWNER
    )
    assert delegated["thread"]["delegated_to"] == DELEGATE
    assert delegated["thread"]["participants"] == [OWNER, DELEGATE]
    assert [t["thread_id"] for t in client.list_inbox(owner_agent=DELEGATE)["threads"]] == [thread_id]

    approved = client.approve_inbox_thread(thread_id, {"comment": "looks good"}, owner_agent=OWNER)
    decision = approved["thread"]["decision"]
    assert decision is not None
    assert (approved["thread"]["status"], decision["decision"], decision["decided_by"]) == (
        "done", "approve", OWNER,
    )
    with pytest.raises(AxmeConflictError) as info:
        client.reject_inbox_thread(thread_id, {"comment": "no"}, owner_agent=OWNER)
    assert info.value.code == "thread_already_decided"

    deleted = client.delete_inbox_messages(thread_id, {"mode": "self", "limit": 1}, owner_agent=OWNER)
    assert (deleted["mode"], deleted["deleted_count"]) == ("self", 1)
    gone = deleted["message_ids"][0]
    assert gone not in message_ids(deleted["thread"])
    # Deleted for the owner only: the delegate still has it.
    delegate_view = client.get_inbox_thread(thread_id, owner_agent=DELEGATE)["thread"]
    assert gone in message_ids(delegate_view)


def test_reject_decides_a_thread_the_other_way(client: AxmeClient) -> None:
    thread_id = completed_to(client)
    rejected = client.reject_inbox_thread(thread_id, {"comment": "no"}, owner_agent=OWNER)
    decision = rejected["thread"]["decision"]
    assert decision is not None and decision["decision"] == "reject"
    assert rejected["thread"]["status"] == "done"


def test_bad_thread_actions_are_refused_by_the_server(client: AxmeClient) -> None:
    thread_id = completed_to(client)
    with pytest.raises(AxmeValidationError):
        client.delegate_inbox_thread(thread_id, {"delegate_to": OWNER}, owner_agent=OWNER)
    with pytest.raises(AxmeValidationError):
        client.delete_inbox_messages(thread_id, {"mode": "everyone"}, owner_agent=OWNER)
    with pytest.raises(AxmeNotFoundError) as info:
        client.reply_inbox_thread("00000000-0000-4000-8000-000000000000", message="x", owner_agent=OWNER)
    assert info.value.code == "thread_not_found"


def test_the_change_feed_pages_and_a_reply_moves_a_thread_to_the_end(client: AxmeClient) -> None:
    owner = "agent://acme/prod/feed"
    ids = [completed_to(client, owner) for _ in range(3)]
    page = client.list_inbox_changes(owner_agent=owner, limit=2)
    assert page["has_more"] is True
    assert [ch["thread"]["thread_id"] for ch in page["changes"]] == ids[:2]
    rest = client.list_inbox_changes(owner_agent=owner, cursor=page["next_cursor"])
    assert rest["has_more"] is False
    assert [ch["thread"]["thread_id"] for ch in rest["changes"]] == ids[2:]
    end = rest["next_cursor"]
    assert client.list_inbox_changes(owner_agent=owner, cursor=end)["changes"] == []
    client.reply_inbox_thread(ids[0], message="again", owner_agent=owner)
    moved = client.list_inbox_changes(owner_agent=owner, cursor=end)["changes"]
    assert [ch["thread"]["thread_id"] for ch in moved] == [ids[0]]
    with pytest.raises(AxmeValidationError):
        client.list_inbox_changes(owner_agent=owner, cursor="bogus")


def test_async_inbox_subset(cred: Credential) -> None:
    with cred.client() as c:
        thread_id = completed_to(c)

    async def main() -> None:
        async with cred.async_client() as c:
            threads = (await c.list_inbox(owner_agent=OWNER))["threads"]
            assert [t["thread_id"] for t in threads] == [thread_id]
            replied = await c.reply_inbox_thread(thread_id, message="async", owner_agent=OWNER)
            assert replied["thread"]["timeline"][-1]["details"]["message"] == "async"
            changes = await c.list_inbox_changes(owner_agent=OWNER)
            assert [ch["thread"]["thread_id"] for ch in changes["changes"]] == [thread_id]
            approved = await c.approve_inbox_thread(thread_id, {}, owner_agent=OWNER)
            assert approved["thread"]["status"] == "done"

    asyncio.run(main())
