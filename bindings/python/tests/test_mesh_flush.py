"""``client.mesh.flush_metrics``: one heartbeat now, carrying the buffered metrics."""

from __future__ import annotations

import asyncio

import pytest

from axme import AxmeValidationError
from conftest import Credential

HEARTBEAT = "/v1/mesh/heartbeat"


def test_flush_sends_the_buffered_metrics_once(cred: Credential) -> None:
    with cred.client() as c:
        c.mesh.report_metric(success=True, latency_ms=12.0, cost_usd=0.25)
        assert c.mesh.flush_metrics()["ok"] is True
        assert c.mesh.buffered_metrics is None  # delivered, so no longer buffered
        assert c.mesh.flush_metrics()["ok"] is True  # nothing reported since: no body
    beats = cred.requests(HEARTBEAT)
    assert [b["body_sha256"] is not None for b in beats] == [True, False]
    assert all(b["status"] == 200 for b in beats)


def test_a_failed_flush_keeps_the_metrics(cred: Credential) -> None:
    cred.add_rules(
        {"match": {"method": "POST", "route": HEARTBEAT},
         "action": {"type": "respond", "status": 400}}
    )

    async def main() -> None:
        async with cred.async_client(max_retries=0) as c:
            c.mesh.report_metric(success=False, latency_ms=5.0)
            with pytest.raises(AxmeValidationError):
                await c.mesh.flush_metrics()
            assert (c.mesh.buffered_metrics or {}).get("intents_failed") == 1

    asyncio.run(main())
