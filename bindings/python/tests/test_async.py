"""The asyncio client: awaitable calls, async iteration, cancellation reaching the engine."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, Awaitable, Callable, TypeVar

import pytest

from axme import AsyncAxmeClient, AxmeConflictError, AxmeNotFoundError, AxmeTimeoutError
from conftest import AGENT, Credential, Server, new_intent

T = TypeVar("T")
STREAM = "/v1/intents/{intent_id}/events/stream"


def run(fn: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(fn())  # type: ignore[arg-type]


async def eventually(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def test_calls_are_awaitable(cred: Credential) -> None:
    async def main() -> None:
        async with cred.async_client() as c:
            assert (await c.health())["ok"] is True
            intent_id = await c.send_intent(new_intent())
            assert (await c.get_intent(intent_id))["intent"]["status"] == "DELIVERED"
            events = await c.list_intent_events(intent_id, since=2)
            assert [e["seq"] for e in events["events"]] == [3]
            await c.resume_intent(intent_id, {"action": "progress"})
            resolved = await c.cancel_intent(intent_id, reason="enough")
            assert resolved["intent"]["status"] == "CANCELED"
            with pytest.raises(AxmeConflictError):
                await c.resolve_intent(intent_id, {"status": "COMPLETED"})
            with pytest.raises(AxmeNotFoundError):
                await c.get_intent(str(uuid.uuid4()))

    run(main)


def test_concurrent_calls(cred: Credential) -> None:
    async def main() -> None:
        async with cred.async_client() as c:
            ids = await asyncio.gather(*(c.send_intent(new_intent()) for _ in range(20)))
            assert len(set(ids)) == 20
            got = await asyncio.gather(*(c.get_intent(i) for i in ids))
            assert [g["intent"]["intent_id"] for g in got] == list(ids)

    run(main)


def test_async_observe_listen_and_wait_for(cred: Credential) -> None:
    async def agent(c: AsyncAxmeClient) -> None:
        async for delivery in c.listen(AGENT, wait_seconds=2):
            await c.resume_intent(delivery["intent_id"], {"action": "progress"})
            await c.resume_intent(delivery["intent_id"], {"action": "complete", "result": {"ok": 1}})
            return

    async def main() -> None:
        async with cred.async_client() as c:
            intent_id = await c.send_intent(new_intent())
            worker = asyncio.ensure_future(agent(c))
            seen = [e["event_type"] async for e in c.observe(intent_id, timeout_seconds=20)]
            await worker
            assert seen[:3] == ["intent.created", "intent.submitted", "intent.delivered"]
            assert seen[-1] == "intent.completed"
            final = await c.wait_for(intent_id, timeout_seconds=5)
            assert final["status"] == "COMPLETED"

    run(main)


def test_async_wait_for_timeout(cred: Credential) -> None:
    async def main() -> None:
        async with cred.async_client() as c:
            intent_id = await c.send_intent(new_intent())
            with pytest.raises(AxmeTimeoutError):
                await c.wait_for(intent_id, timeout_seconds=0.3)

    run(main)


def test_cancelling_a_pending_wait_for_cancels_the_stream(cred: Credential, server: Server) -> None:
    async def main() -> None:
        open_before = server.metric("axme_sse_open_streams")
        async with cred.async_client() as c:
            intent_id = await c.send_intent(new_intent())
            task = asyncio.ensure_future(c.wait_for(intent_id))
            await eventually(lambda: server.metric("axme_sse_open_streams") > open_before)
            started = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.monotonic() - started < 1.0
            # The engine dropped the stream, so the server sees the connection go away.
            await eventually(lambda: server.metric("axme_sse_open_streams") <= open_before)
            # The client is still usable.
            await c.resolve_intent(intent_id, {"status": "COMPLETED"})
            assert (await c.wait_for(intent_id, timeout_seconds=5))["status"] == "COMPLETED"

    run(main)


def test_cancelling_a_pending_call_cancels_the_request(cred: Credential) -> None:
    cred.add_rules(
        {"match": {"route": "/v1/intents/{intent_id}"}, "action": {"type": "delay", "ms": 5000}}
    )

    async def main() -> None:
        async with cred.async_client() as c:
            started = time.monotonic()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(c.get_intent("slow"), timeout=0.3)
            assert time.monotonic() - started < 2.0

    run(main)
    # The request was sent once and never retried after the cancellation.
    assert len(cred.requests("/v1/intents/{intent_id}")) == 1


def test_closing_an_async_iterator(cred: Credential) -> None:
    async def main() -> None:
        async with cred.async_client() as c:
            intent_id = await c.send_intent(new_intent())
            events = c.observe(intent_id)
            first = await events.__anext__()
            assert first["seq"] == 1
            await events.aclose()
            assert [e async for e in events] == []
            async with c.listen(AGENT) as deliveries:
                assert (await deliveries.__anext__())["intent_id"] == intent_id
            assert [d async for d in deliveries] == []

    run(main)


def test_async_client_close_stops_streams_and_calls(cred: Credential) -> None:
    async def main() -> None:
        c = cred.async_client()
        intent_id = await c.send_intent(new_intent())
        pending = c.observe(intent_id)
        assert (await pending.__anext__())["seq"] == 1
        await c.aclose()
        assert [e async for e in pending] == []
        with pytest.raises(RuntimeError):
            await c.get_intent(intent_id)

    run(main)
