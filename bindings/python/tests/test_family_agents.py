"""The agent registry and delivery bindings: implicit and registered agents, list and get, the
listen stream, and `http` (a real receiver on loopback), `internal` and `inbox` bindings."""

from __future__ import annotations

import asyncio
from typing import Any, Tuple

import pytest

from axme import AxmeClient, AxmeNotFoundError, AxmeValidationError
from conftest import Credential


def home_of(c: AxmeClient, cred: Credential) -> Tuple[str, str]:
    """(organisation, workspace) names of the credential: agent addresses under them belong to
    that workspace."""
    org = c.get_organization(cred.org_id)["organization"]
    (workspace,) = [w["name"] for w in org["workspaces"] if w["workspace_id"] == cred.workspace_id]
    return org["name"], workspace


def test_agents_appear_when_addressed_and_registration_updates_them(
    client: AxmeClient, cred: Credential
) -> None:
    org, ws = home_of(client, cred)
    address = f"agent://{org}/{ws}/billing"
    intent_id = client.send_intent({"intent_type": "test.work.v1", "to_agent": address, "payload": {}})
    implicit = client.get_agent(address)["agent"]
    assert (implicit["registered"], implicit["delivery_mode"]) == (False, "stream")
    assert implicit["address_id"].startswith("agt_")
    # An implicit agent takes its work with listen.
    with client.listen(address, wait_seconds=2, timeout_seconds=10) as deliveries:
        assert next(deliveries)["intent_id"] == intent_id

    registered = client.register_agent(
        {"address": address, "display_name": "Billing", "delivery_mode": "poll"}
    )
    assert registered["created"] is False
    assert registered["agent"]["address_id"] == implicit["address_id"]
    assert (registered["agent"]["display_name"], registered["agent"]["registered"]) == ("Billing", True)
    for spelling in (f"{org}/{ws}/billing", f"{org.upper()}/{ws}/billing", address):
        assert client.get_agent(spelling)["agent"]["address"] == address
    listed = client.list_agents(org_id=org, workspace_id=ws, limit=50)["agents"]
    assert address in [a["address"] for a in listed]
    assert len(client.list_agents(org_id=org, workspace_id=ws, limit=1)["agents"]) == 1
    with pytest.raises(AxmeNotFoundError) as info:
        client.get_agent(f"{org}/{ws}/never-seen")
    assert info.value.code == "agent_not_found"
    with pytest.raises(AxmeValidationError):
        client.register_agent({"address": "a", "delivery_mode": "pigeon"})


def test_an_http_binding_posts_the_delivery_to_the_receiver(
    client: AxmeClient, receiver_factory: Any
) -> None:
    receiver = receiver_factory(204)
    registered = client.register_agent(
        {"address": "hook", "delivery_mode": "http", "callback_url": receiver.url, "display_name": "hook"}
    )
    assert registered["agent"]["delivery_mode"] == "http"
    secret = registered["secret"]  # shown once
    assert secret is not None and secret.startswith("whsec_")
    intent_id = client.send_intent(
        {"intent_type": "test.work.v1", "to_agent": registered["agent"]["address"], "payload": {"job": "x"}}
    )
    events = client.observe(intent_id, timeout_seconds=30)
    acknowledged = next(e for e in events if e["event_type"] == "intent.acknowledged")
    events.close()
    assert acknowledged["details"]["via"] == "http"
    (hit,) = receiver.hits
    assert hit["body"]["intent_id"] == intent_id or hit["body"]["intent"]["intent_id"] == intent_id
    assert any(name.endswith("signature") for name in hit["headers"])
    agent = client.get_agent(registered["agent"]["address"])["agent"]
    assert agent["deliveries"]["delivered"] == 1
    done = client.resume_intent(intent_id, {"action": "complete", "result": {"ok": 1}})
    assert done["intent"]["status"] == "COMPLETED"


def test_an_internal_agent_completes_its_intents_itself(client: AxmeClient) -> None:
    made = client.register_agent({"address": "clock", "delivery_mode": "internal"})
    assert "secret" not in made
    intent_id = client.send_intent(
        {"intent_type": "tool.internal.notification.v1", "to_agent": made["agent"]["address"],
         "payload": {"text": "hi"}}
    )
    final = client.wait_for(intent_id, timeout_seconds=30)
    assert final["status"] == "COMPLETED"
    kinds = [e["event_type"] for e in client.list_intent_events(intent_id)["events"]]
    assert kinds[3:] == ["intent.acknowledged", "intent.completed"]


def test_an_inbox_binding_leaves_the_intent_to_its_owner(client: AxmeClient) -> None:
    made = client.register_agent({"address": "owner", "delivery_mode": "inbox"})
    address = made["agent"]["address"]
    intent_id = client.send_intent({"intent_type": "test.work.v1", "to_agent": address, "payload": {}})
    assert client.get_intent(intent_id)["intent"]["status"] == "DELIVERED"
    with client.listen(address, timeout_seconds=10) as deliveries:
        assert next(deliveries)["intent_id"] == intent_id
    assert client.get_agent(address)["agent"]["deliveries"]["pending"] == 0


def test_async_agents_subset(cred: Credential) -> None:
    async def main() -> None:
        async with cred.async_client() as c:
            org = (await c.get_organization(cred.org_id))["organization"]
            (ws,) = [w["name"] for w in org["workspaces"] if w["workspace_id"] == cred.workspace_id]
            made = await c.register_agent(
                {"address": f"{org['name']}/{ws}/async-agent", "delivery_mode": "stream"}
            )
            address = made["agent"]["address"]
            assert address == f"agent://{org['name']}/{ws}/async-agent"
            assert (await c.get_agent(address))["agent"]["registered"] is True
            listed = await c.list_agents(org_id=cred.org_id, workspace_id=cred.workspace_id)
            assert address in [a["address"] for a in listed["agents"]]
            intent_id = await c.send_intent({"intent_type": "test.work.v1", "to_agent": address, "payload": {}})
            async for delivery in c.listen(address, timeout_seconds=10):
                assert delivery["intent_id"] == intent_id
                break

    asyncio.run(main())
