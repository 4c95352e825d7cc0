"""Scenario bundles: the dry run reports every problem with its path; apply starts the workflow
(agents registered, the first step sent to its agent) and is idempotent by key."""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any, Dict

import pytest

from axme import AxmeClient, AxmeValidationError
from conftest import Credential


def order_bundle() -> Dict[str, Any]:
    return {
        "scenario_id": "shop.order",
        "description": "reserve, charge, ship; release the stock when the charge fails",
        "agents": [
            {"role": "inventory", "address": "agent://shop/inventory", "create_if_missing": True},
            {"role": "payment", "address": "agent://shop/payment", "delivery_mode": "stream"},
            {"role": "shipping", "address": "shop/shipping"},
        ],
        "workflow": {"steps": [
            {"step_id": "reserve", "tool_id": "tool.agent.task.v1", "assigned_to": "inventory",
             "input": {"sku": "A-1", "qty": 2}},
            {"step_id": "charge", "tool_id": "tool.agent.task.v1", "assigned_to": "payment",
             "on_failure": "release"},
            {"step_id": "ship", "tool_id": "tool.agent.task.v1", "assigned_to": "shipping"},
            {"step_id": "release", "tool_id": "tool.agent.task.v1", "assigned_to": "inventory"},
        ]},
        "intent": {"type": "shop.order", "payload": {"order_id": "o-7"}},
    }


def test_validate_reports_every_problem_with_its_path(client: AxmeClient) -> None:
    ok = client.validate_scenario(order_bundle())
    assert (ok["valid"], ok["errors"], ok["intent_type"]) == (True, [], "shop.order.v1")
    assert ok["steps"][1] == {"step_id": "charge", "kind": "agent"}
    bad = order_bundle()
    bad["scenario_id"] = "Shop Order"
    bad["agents"][1]["delivery_mode"] = "pigeon"
    bad["workflow"]["steps"][2]["assigned_to"] = "nobody here"
    result = client.validate_scenario(bad)
    assert result["valid"] is False
    paths = {e["path"] for e in result["errors"]}
    assert {"scenario_id", "agents[1].delivery_mode", "workflow.steps[2].assigned_to"} <= paths


def test_apply_starts_the_workflow_and_is_idempotent_by_key(client: AxmeClient) -> None:
    bundle = order_bundle()
    key = f"order-{uuid.uuid4().hex[:8]}"
    first = client.apply_scenario(bundle, idempotency_key=key)
    assert (first["idempotent"], first["status"]) == (False, "IN_PROGRESS")
    assert first["pending_with"] == "agent://shop/inventory"
    shipping = first["agents"][2]
    assert (shipping["address"], shipping["created"]) == ("agent://shop/shipping", True)
    assert client.get_agent("shop/shipping")["agent"]["address_id"] == shipping["address_id"]

    again = client.apply_scenario(bundle, idempotency_key=key)
    assert (again["idempotent"], again["intent_id"]) == (True, first["intent_id"])

    # The parent records the start; the first step is a sub-intent to the inventory agent.
    events = client.list_intent_events(first["intent_id"])["events"]
    assert events[3]["details"]["steps"] == ["reserve", "charge", "ship", "release"]
    step = events[4]["details"]
    sub = client.get_intent(step["step_intent_id"])["intent"]
    assert sub["to_agent"] == "agent://shop/inventory"
    assert sub["payload"]["input"] == {"sku": "A-1", "qty": 2}

    invalid = copy.deepcopy(bundle)
    invalid["workflow"]["steps"][0]["on_success"] = "nowhere"
    with pytest.raises(AxmeValidationError) as info:
        client.apply_scenario(invalid)
    assert info.value.code == "invalid_bundle"


def test_async_scenarios_subset(cred: Credential) -> None:
    async def main() -> None:
        async with cred.async_client() as c:
            checked = await c.validate_scenario(order_bundle())
            assert checked["valid"] is True
            applied = await c.apply_scenario(order_bundle())
            assert applied["status"] == "IN_PROGRESS"
            parent = await c.get_intent(applied["intent_id"])
            assert parent["intent"]["to_agent"].startswith("agent://axme.workflow/")

    asyncio.run(main())
