"""The agent mesh through ``client.mesh``: heartbeats drive health, the admin reads agents, sets
policies, kills and resumes, and the mesh events record it (an admin organisation per test)."""

from __future__ import annotations

import asyncio
from typing import Tuple

import pytest

from axme import AxmeAuthError, AxmeClient, AxmeNotFoundError, AxmeRateLimitError
from conftest import AdminOrg, wait_until


def worker_of(admin: AxmeClient, org: AdminOrg, name: str) -> Tuple[str, AxmeClient]:
    """A service account of the organisation with its own key: (its agent address, a client)."""
    made = admin.create_service_account({"org_id": org.name, "workspace_id": "default", "name": name})
    account = made["service_account"]
    key = admin.create_service_account_key(account["service_account_id"], {})
    return account["agent_address"], org.client(api_key=key["api_key"])


def test_heartbeats_make_an_agent_healthy_and_report_usage(admin_org: AdminOrg) -> None:
    with admin_org.client() as admin:
        address, worker = worker_of(admin, admin_org, "worker")
        with worker:
            beat = worker.mesh.heartbeat()
            assert (beat["address"], beat["health_status"]) == (address, "healthy")
            worker.mesh.heartbeat(
                metrics={"intents_total": 3, "intents_succeeded": 2, "intents_failed": 1, "cost_usd": 0.25}
            )
        one = admin.mesh.get_agent(beat["address_id"])
        assert one["health_status"] == "healthy"
        assert one["intents_period"]["reported"] == 3
        assert one["cost_period"]["cost_usd"] == 0.25
        assert admin.mesh.get_agent(address)["address_id"] == beat["address_id"]
        healthy = admin.mesh.list_agents(health="healthy", limit=5)["agents"]
        assert [a["address"] for a in healthy] == [address]
        assert admin.mesh.list_events(event_type="agent.online")["events"]


def test_kill_blocks_the_agent_until_resume(admin_org: AdminOrg) -> None:
    with admin_org.client() as admin:
        address, worker = worker_of(admin, admin_org, "victim")
        killed = admin.mesh.kill(address)
        assert (killed["killed"], killed["changed"]) == (True, True)
        assert admin.mesh.kill(killed["address_id"])["changed"] is False
        with pytest.raises(AxmeAuthError) as info:
            admin.send_intent({"intent_type": "test.work.v1", "to_agent": address, "payload": {}})
        assert info.value.code == "agent_killed"
        with worker, pytest.raises(AxmeAuthError) as own:
            worker.mesh.resume(address)  # only admins switch agents
        assert own.value.code == "admin_required"
        assert [a["address"] for a in admin.mesh.list_agents(health="killed")["agents"]] == [address]
        resumed = admin.mesh.resume(address)
        assert (resumed["killed"], resumed["changed"]) == (False, True)
        admin.send_intent({"intent_type": "test.work.v1", "to_agent": address, "payload": {}})
        kinds = [e["event_type"] for e in admin.mesh.list_events(limit=2)["events"]]
        assert kinds == ["agent.resumed", "agent.killed"]


def test_a_policy_limits_the_rate_and_blocks_on_breach(admin_org: AdminOrg) -> None:
    bot = f"agent://{admin_org.name}/default/bot"
    # max_retries=0: a retried 429 would meet the block the breach just caused (403).
    with admin_org.client(max_retries=0) as admin:
        set_ = admin.mesh.set_policy(bot, {"max_intents_per_minute": 1})
        assert set_["policy"]["max_intents_per_minute"] == 1
        assert admin.mesh.get_policy(bot)["policy"]["max_intents_per_minute"] == 1
        body = {"intent_type": "test.work.v1", "to_agent": "agent://x/y/z", "from_agent": bot, "payload": {}}
        admin.send_intent(body)
        with pytest.raises(AxmeRateLimitError):
            admin.send_intent(body)
        with pytest.raises(AxmeAuthError) as info:
            admin.send_intent(body)
        assert info.value.code == "agent_blocked"
        blocked = admin.mesh.list_events(event_type="agent.blocked")["events"]
        assert [e["details"]["reason"] for e in blocked] == ["rate_limit"]


def test_async_mesh_subset(admin_org: AdminOrg) -> None:
    async def main() -> None:
        async with admin_org.async_client() as admin:
            beat = await admin.mesh.heartbeat()
            agent = await admin.mesh.get_agent(beat["address_id"])
            assert agent["health_status"] == "healthy"
            policy = await admin.mesh.set_policy(beat["address"], {"max_cost_usd": 5.0})
            assert policy["policy"]["max_cost_usd"] == 5.0
            assert (await admin.mesh.get_policy(beat["address"]))["policy"]["max_cost_usd"] == 5.0
            listed = await admin.mesh.list_agents()
            assert beat["address"] in [a["address"] for a in listed["agents"]]
            assert isinstance((await admin.mesh.list_events())["events"], list)

    asyncio.run(main())


def reported(admin: AxmeClient, address: str) -> int:
    """Intents the agent reported in its heartbeats (0 before its first heartbeat arrived)."""
    try:
        count: int = admin.mesh.get_agent(address)["intents_period"]["reported"]
    except AxmeNotFoundError:
        return 0
    return count


def test_the_background_heartbeat_reports_buffered_metrics(admin_org: AdminOrg) -> None:
    with admin_org.client() as admin:
        address, worker = worker_of(admin, admin_org, "beating")
        with worker:
            worker.mesh.report_metric(success=True, latency_ms=20.0, cost_usd=0.5)
            worker.mesh.report_metric(success=False, latency_ms=40.0)
            buffered = worker.mesh.buffered_metrics or {}
            assert (buffered["intents_total"], buffered["intents_failed"]) == (2, 1)
            assert not worker.mesh.heartbeat_running
            worker.mesh.start_heartbeat(interval_seconds=0.05, include_metrics=True)
            assert worker.mesh.heartbeat_running
            # The server counts what the first heartbeat carried.
            wait_until(lambda: reported(admin, address) == 2, what="the heartbeat's metrics")
            worker.mesh.stop_heartbeat()
            assert not worker.mesh.heartbeat_running
            assert worker.mesh.buffered_metrics is None
        agent = admin.mesh.get_agent(address)
        assert agent["health_status"] == "healthy"
        assert agent["cost_period"]["cost_usd"] == 0.5


def test_flush_metrics_sends_the_buffer_in_one_heartbeat_now(admin_org: AdminOrg) -> None:
    with admin_org.client() as admin:
        address, worker = worker_of(admin, admin_org, "flushing")
        with worker:
            worker.mesh.report_metric(success=True, latency_ms=10.0)
            beat = worker.mesh.flush_metrics()
            assert beat["ok"] is True
            assert worker.mesh.buffered_metrics is None, "a delivered buffer is emptied"
        assert reported(admin, address) == 1
