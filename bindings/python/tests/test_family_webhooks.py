"""Webhooks: subscriptions (upsert, list, delete) and platform events (publish, replay) that reach
a real receiver on loopback."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from axme import AxmeClient, AxmeNotFoundError, AxmeValidationError
from conftest import Credential

ONE = "agent://acme/prod/one"
TWO = "agent://acme/prod/two"


def test_subscriptions_are_upserted_listed_and_deleted(client: AxmeClient) -> None:
    body = {"callback_url": "https://hooks.example/a", "event_types": ["inbox.thread_created"]}
    created = client.upsert_webhook_subscription({**body, "owner_agent": ONE})
    sub_id = created["subscription"]["subscription_id"]
    assert created["subscription"]["owner_agent"] == ONE
    assert (created["secret"] or "").startswith("whsec_")  # shown once
    updated = client.upsert_webhook_subscription(
        {**body, "owner_agent": ONE, "event_types": ["inbox.thread_created", "inbox.thread_updated"]}
    )
    assert (updated["subscription"]["subscription_id"], updated["created"]) == (sub_id, False)
    org_wide = client.upsert_webhook_subscription(body)
    assert org_wide["subscription"]["owner_agent"] is None
    assert len(client.list_webhook_subscriptions(owner_agent=ONE)["subscriptions"]) == 2
    assert len(client.list_webhook_subscriptions(owner_agent=TWO)["subscriptions"]) == 1
    with pytest.raises(AxmeNotFoundError):
        client.delete_webhook_subscription(sub_id, owner_agent=TWO)
    deleted = client.delete_webhook_subscription(sub_id)
    assert deleted["revoked_at"]
    assert client.delete_webhook_subscription(sub_id)["revoked_at"] == deleted["revoked_at"]
    assert len(client.list_webhook_subscriptions(owner_agent=ONE)["subscriptions"]) == 1
    with pytest.raises(AxmeValidationError) as info:
        client.upsert_webhook_subscription({**body, "event_types": ["inbox.nope"]})
    assert info.value.code == "invalid_event_type"


def test_a_published_event_reaches_the_subscriber(client: AxmeClient, receiver_factory: Any) -> None:
    receiver = receiver_factory(200)
    client.upsert_webhook_subscription(
        {"callback_url": receiver.url, "event_types": ["inbox.thread_created"], "owner_agent": ONE}
    )
    published = client.publish_webhook_event(
        {"event_type": "inbox.thread_created", "source": "sdk-test", "payload": {"thread_id": "t1"}},
        owner_agent=ONE,
    )
    assert (published["queued_deliveries"], published["delivered"]) == (1, 1)
    # Delivered before publish answered.
    (hit,) = receiver.hits
    assert hit["body"]["event_id"] == published["event_id"]
    assert hit["body"]["payload"] == {"thread_id": "t1"}
    assert hit["headers"].get("x-axme-signature")
    elsewhere = client.publish_webhook_event({"event_type": "inbox.thread_created"}, owner_agent=TWO)
    assert elsewhere["queued_deliveries"] == 0
    assert len(receiver.hits) == 1


def test_a_failed_delivery_is_retried_by_replay(client: AxmeClient, receiver_factory: Any) -> None:
    receiver = receiver_factory(500, 500, 200)
    client.upsert_webhook_subscription({"callback_url": receiver.url, "event_types": ["invite.accepted"]})
    published = client.publish_webhook_event({"event_type": "invite.accepted"})
    assert (published["pending"], published["delivered"]) == (1, 0)
    event_id = published["event_id"]
    first = client.replay_webhook_event(event_id)
    assert (first["processed_deliveries"], first["pending"]) == (1, 1)
    second = client.replay_webhook_event(event_id)
    assert second["delivered"] == 1
    assert len(receiver.hits) == 3
    with pytest.raises(AxmeNotFoundError) as info:
        client.replay_webhook_event("00000000-0000-4000-8000-000000000000")
    assert info.value.code == "event_not_found"


def test_async_webhooks_subset(cred: Credential, receiver_factory: Any) -> None:
    receiver = receiver_factory(204)

    async def main() -> None:
        async with cred.async_client() as c:
            sub = await c.upsert_webhook_subscription(
                {"callback_url": receiver.url, "event_types": ["invite.accepted"]}
            )
            listed = await c.list_webhook_subscriptions()
            assert [s["subscription_id"] for s in listed["subscriptions"]] == [
                sub["subscription"]["subscription_id"]
            ]
            published = await c.publish_webhook_event({"event_type": "invite.accepted"})
            assert published["delivered"] == 1
            replayed = await c.replay_webhook_event(published["event_id"])
            assert replayed["replayed_at"]
            await c.delete_webhook_subscription(sub["subscription"]["subscription_id"])

    asyncio.run(main())
    assert len(receiver.hits) >= 1
