"""MCP against a small JSON-RPC fake (it scripts the JSON-RPC errors and flaky answers the
reference server never gives; the server's own /mcp is tested in test_family_mcp.py) and the
engine side of ``client.mesh`` (heartbeat loop, metric buffer, no retries of kill) against the
reference server."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List

import pytest

from axme import (
    AsyncAxmeClient,
    AxmeAuthError,
    AxmeClient,
    AxmeClientConfig,
    AxmeInvalidArgumentError,
    AxmeMcpError,
    AxmeRateLimitError,
    AxmeServerError,
    AxmeValidationError,
)
from conftest import Credential, Server, wait_until

ECHO_SCHEMA = {
    "type": "object",
    "required": ["text"],
    "properties": {"text": {"type": "string"}, "owner_agent": {"type": "string"}},
}
RPC_ERRORS = {"deny": -32003, "limit": -32004, "bad": -32602, "boom": -32000}


class FakeMcp:
    """A JSON-RPC 2.0 endpoint at /mcp that records what it receives."""

    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self.flaky_seen: set = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                fake.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                status, reply = fake.answer(body, self.headers.get("idempotency-key"))
                raw = b"" if reply is None else json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, msg: Dict[str, Any], key: Any) -> Any:
        method, params, rid = msg.get("method"), msg.get("params", {}), msg.get("id")
        ok = lambda result: (200, {"jsonrpc": "2.0", "id": rid, "result": result})  # noqa: E731
        if method == "initialize":
            return ok({"protocolVersion": params["protocolVersion"], "capabilities": {}, "serverInfo": {"name": "fake"}})
        if method == "notifications/initialized":
            return 202, None
        if method == "tools/list":
            return ok({"tools": [{"name": "echo", "inputSchema": ECHO_SCHEMA}]})
        if method == "tools/call":
            name = params["name"]
            if name in RPC_ERRORS:
                return 200, {"jsonrpc": "2.0", "id": rid, "error": {"code": RPC_ERRORS[name], "message": f"{name} said no"}}
            if name == "flaky" and key not in self.flaky_seen:
                self.flaky_seen.add(key)
                return 503, {"error": {"code": "unavailable", "message": "try again"}}
            return ok({"content": [{"type": "text", "text": json.dumps(params["arguments"])}], "isError": False})
        return 200, {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "no such method"}}

    def calls(self, method: str) -> List[Dict[str, Any]]:
        return [r for r in self.requests if r["body"].get("method") == method]


@pytest.fixture
def mcp() -> Iterator[FakeMcp]:
    fake = FakeMcp()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def mcp_client(mcp: FakeMcp, **extra: Any) -> AxmeClient:
    return AxmeClient(AxmeClientConfig(base_url=mcp.url, api_key="k", retry_backoff_seconds=0.01, **extra))


def test_initialize_list_and_call(mcp: FakeMcp) -> None:
    seen: List[Dict[str, Any]] = []
    with mcp_client(mcp, default_owner_agent="agent://acme/prod/owner", mcp_observer=seen.append) as c:
        init = c.mcp_initialize()
        assert init["protocolVersion"] == "2024-11-05"
        tools = c.mcp_list_tools()
        assert [t["name"] for t in tools["tools"]] == ["echo"]
        result = c.mcp_call_tool("echo", arguments={"text": "hi"}, idempotency_key="k-1")
        assert result["isError"] is False
    (call,) = mcp.calls("tools/call")
    args = call["body"]["params"]["arguments"]
    assert args == {"text": "hi", "owner_agent": "agent://acme/prod/owner", "idempotency_key": "k-1"}
    assert call["headers"]["idempotency-key"] == "k-1"
    assert [(e["phase"], e["method"]) for e in seen] == [
        ("request", "initialize"),
        ("response", "initialize"),
        ("request", "tools/list"),
        ("response", "tools/list"),
        ("request", "tools/call"),
        ("response", "tools/call"),
    ]


def test_arguments_are_checked_against_the_cached_schema_before_sending(mcp: FakeMcp) -> None:
    with mcp_client(mcp) as c:
        c.mcp_list_tools()
        with pytest.raises(AxmeInvalidArgumentError):
            c.mcp_call_tool("echo", arguments={"text": 5})
        with pytest.raises(ValueError):
            c.mcp_call_tool("echo", arguments={})
        with pytest.raises(ValueError):
            c.mcp_call_tool(" ")
        with pytest.raises(TypeError):
            c.mcp_call_tool("echo", arguments=["x"])  # type: ignore[arg-type]
        c.mcp_call_tool("echo", arguments={}, validate_input_schema=False)
    assert len(mcp.calls("tools/call")) == 1


@pytest.mark.parametrize(
    "tool,cls,status,kind",
    [
        ("deny", AxmeAuthError, 403, "auth"),
        ("limit", AxmeRateLimitError, 429, "rate_limit"),
        ("bad", AxmeValidationError, 422, "validation"),
        ("boom", AxmeMcpError, 502, "mcp"),
    ],
)
def test_json_rpc_errors_map_to_the_0_2_0_classes(
    mcp: FakeMcp, tool: str, cls: type, status: int, kind: str
) -> None:
    with mcp_client(mcp) as c, pytest.raises(cls) as info:
        c.mcp_call_tool(tool)
    assert info.value.status_code == status
    assert info.value.kind == kind
    # Every one is an instance of the 0.2.0 class for its status; the rest are server errors.
    assert isinstance(info.value, AxmeServerError) == (status == 502)
    assert info.value.body["message"] == f"{tool} said no"


def test_tool_calls_retry_only_when_safe(mcp: FakeMcp) -> None:
    with mcp_client(mcp) as c:
        assert c.mcp_call_tool("flaky", idempotency_key="once")["isError"] is False
        keys = [r["headers"].get("idempotency-key") for r in mcp.calls("tools/call")]
        assert keys == ["once", "once"]
        with pytest.raises(AxmeServerError):
            c.mcp_call_tool("flaky")  # no key: a fresh minted key, not retried
    assert len(mcp.calls("tools/call")) == 3


def test_async_mcp(mcp: FakeMcp) -> None:
    async def main() -> None:
        cfg = AxmeClientConfig(base_url=mcp.url, api_key="k")
        async with AsyncAxmeClient(cfg) as c:
            await c.mcp_initialize(protocol_version="2024-11-05")
            await c.mcp_list_tools()
            result = await c.mcp_call_tool("echo", arguments={"text": "async"})
            assert json.loads(result["content"][0]["text"])["text"] == "async"

    asyncio.run(main())


HEARTBEAT = "/v1/mesh/heartbeat"


def test_background_heartbeat_carries_buffered_metrics_and_stops(cred: Credential) -> None:
    with cred.client() as c:
        c.mesh.report_metric(success=True, latency_ms=10.0, cost_usd=0.5)
        c.mesh.report_metric(success=False, latency_ms=30.0)
        assert c.mesh.buffered_metrics == {
            **(c.mesh.buffered_metrics or {}),
            "intents_total": 2,
            "intents_succeeded": 1,
            "intents_failed": 1,
        }
        c.mesh.start_heartbeat(interval_seconds=0.05)
        c.mesh.start_heartbeat(interval_seconds=0.05)  # a second call does nothing
        assert c.mesh.heartbeat_running
        wait_until(lambda: len(cred.requests(HEARTBEAT)) >= 3)
        c.mesh.stop_heartbeat()  # waits for a heartbeat in flight
        assert not c.mesh.heartbeat_running
        beats = cred.requests(HEARTBEAT)
        stopped_at = len(beats)
        # The first heartbeat carried the metrics; once delivered, the buffer is empty and the
        # next heartbeats have no body.
        assert beats[0]["body_sha256"] is not None
        assert beats[1]["body_sha256"] is None
        assert all(b["status"] == 200 for b in beats)
        assert c.mesh.buffered_metrics is None
        agents = c.mesh.list_agents()["agents"]
        assert agents and agents[0]["last_heartbeat_at"]
    assert len(cred.requests(HEARTBEAT)) == stopped_at


def test_closing_the_client_stops_the_heartbeat(cred: Credential) -> None:
    c = cred.client()
    c.mesh.start_heartbeat(interval_seconds=0.05)
    wait_until(lambda: cred.requests(HEARTBEAT))
    c.close()
    assert not c.mesh.heartbeat_running


def test_mesh_calls_and_kill_is_never_retried(cred: Credential, server: Server) -> None:
    kill_route = "/v1/mesh/agents/{address_id}/kill"
    with cred.client() as c:
        assert c.mesh.heartbeat(metrics={"intents_total": 1})["ok"] is True
        assert c.mesh.list_agents(limit=10)["ok"] is True
        assert isinstance(c.mesh.list_events()["events"], list)
        with pytest.raises(AxmeAuthError):  # only an admin credential may kill
            c.mesh.kill("agent://acme/prod/worker")
        cred.add_rules({"match": {"route": kill_route}, "action": {"type": "respond", "status": 503}})
        with pytest.raises(AxmeServerError):
            c.mesh.kill("agent://acme/prod/worker")
        with pytest.raises(ValueError):
            c.mesh.report_metric(latency_ms=-1)
        with pytest.raises(TypeError):
            c.mesh.report_metric(latency_ms="fast")  # type: ignore[arg-type]
    # kill is never retried, even on a retryable 503.
    assert [r["status"] for r in cred.requests(kill_route)] == [403, 503]
    with AxmeClient(AxmeClientConfig(base_url=server.url, api_key=server.dev_key)) as admin:
        assert admin.mesh.kill("agent://acme/prod/py-mesh")["killed"] is True
        assert admin.mesh.resume("agent://acme/prod/py-mesh")["ok"] is True


def test_async_mesh(server: Server) -> None:
    async def main() -> None:
        cfg = AxmeClientConfig(base_url=server.url, api_key=server.dev_key)
        async with AsyncAxmeClient(cfg) as c:
            assert (await c.mesh.heartbeat())["ok"] is True
            assert (await c.mesh.kill("agent://acme/prod/py-mesh-async"))["killed"] is True
            assert (await c.mesh.resume("agent://acme/prod/py-mesh-async"))["ok"] is True
            c.mesh.report_metric(latency_ms=1.0)
            c.mesh.start_heartbeat(interval_seconds=0.05)
            await asyncio.sleep(0)  # let the loop run; the heartbeat runs on the engine anyway
            c.mesh.stop_heartbeat()

    asyncio.run(main())
