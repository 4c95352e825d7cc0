"""MCP against the reference server's ``/mcp``: initialize in both protocol versions, the tool
list, tools that run real operations, the raw JSON-RPC call and ending a session."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Any, Dict

import pytest

from axme import (
    AxmeAuthError,
    AxmeClient,
    AxmeInvalidArgumentError,
    AxmeNotFoundError,
    AxmeRateLimitError,
    AxmeValidationError,
)
from conftest import Credential, Server

SEND = {"to_agent": "agent://acme/prod/worker", "intent_type": "demo.task.v1", "payload": {"n": 1}}


@pytest.mark.parametrize("version", ["2024-11-05", "2025-11-25"])
def test_initialize_list_and_call_tools(cred: Credential, version: str) -> None:
    with cred.client(mcp_protocol_version=version) as c:
        init = c.mcp_initialize()
        assert init["protocolVersion"] == version
        tools = {t["name"]: t for t in c.mcp_list_tools()["tools"]}
        assert {"axme.check_nick", "axme.intents_send", "axme.intents_get"} <= set(tools)
        assert tools["axme.check_nick"]["inputSchema"]["required"] == ["nick"]

        sent = c.mcp_call_tool("axme.intents_send", arguments=SEND)
        assert sent.get("isError") is not True, sent
        intent_id = sent["structuredContent"]["intent_id"]
        # The tool ran the real operation with this credential.
        assert c.get_intent(intent_id)["intent"]["status"] == "DELIVERED"

        # A failing tool is a result with isError, not an exception.
        missing = c.mcp_call_tool(
            "axme.intents_get", arguments={"intent_id": "00000000-0000-4000-8000-000000000000"}
        )
        assert missing["isError"] is True
        # A missing required argument is refused from the cached schema, before any request.
        before = len(cred.requests("/mcp"))
        with pytest.raises(AxmeInvalidArgumentError):
            c.mcp_call_tool("axme.intents_send", arguments={"intent_type": "demo.task.v1"})
        assert len(cred.requests("/mcp")) == before
    calls = cred.requests("/mcp")
    if version == "2025-11-25":
        # Every request after initialize carries the session the server handed out.
        assert all(r["headers"].get("mcp-session-id") for r in calls[1:])
    else:
        assert not any(r["headers"].get("mcp-session-id") for r in calls)


def test_json_rpc_errors_of_the_server_raise_typed_errors(cred: Credential) -> None:
    with cred.client() as c:
        c.mcp_list_tools()
        # An unknown tool is a JSON-RPC error (-32602), not a result: the 0.2.0 validation class,
        # of the engine's validation kind, with the JSON-RPC code.
        with pytest.raises(AxmeValidationError) as info:
            c.mcp_call_tool("axme.no_such_tool", arguments={}, validate_input_schema=False)
        assert (info.value.kind, info.value.code) == ("validation", "-32602")
    with cred.client(api_key="axme_sa_nobody_secret") as stranger:
        # tools/call needs a valid key: HTTP 401 with JSON-RPC error -32001.
        with pytest.raises(AxmeAuthError):
            stranger.mcp_call_tool("axme.check_nick", arguments={"nick": "x"}, validate_input_schema=False)


def test_tool_calls_past_the_servers_minute_limit_raise_a_rate_limit_error(cred: Credential) -> None:
    # The reference server allows 120 tools/call a minute per (owner, tool): JSON-RPC -32004 after.
    with cred.client() as c:
        for _ in range(120):
            c.mcp_call_tool("axme.check_nick", arguments={"nick": "@limit_probe"})
        with pytest.raises(AxmeRateLimitError) as info:
            c.mcp_call_tool("axme.check_nick", arguments={"nick": "@limit_probe"})
        assert info.value.kind == "rate_limit" and info.value.status_code == 429
        assert info.value.code == "-32004"
        assert info.value.retry_after is not None and 1 <= info.value.retry_after <= 60


def test_the_raw_json_rpc_call(client: AxmeClient) -> None:
    pong = client.mcp_request({"jsonrpc": "2.0", "id": 7, "method": "ping"})
    assert pong == {"jsonrpc": "2.0", "id": 7, "result": {}}
    batch = client.mcp_request(
        [
            {"jsonrpc": "2.0", "id": "a", "method": "ping"},
            {"jsonrpc": "2.0", "id": "b", "method": "resources/list"},
        ]
    )
    assert isinstance(batch, list)
    assert [answer["id"] for answer in batch] == ["a", "b"]
    assert batch[1]["result"]["resources"] == []
    unknown = client.mcp_request({"jsonrpc": "2.0", "id": 8, "method": "sampling/createMessage"})
    assert not isinstance(unknown, list) and unknown["error"]["code"] == -32601


def _open_session(server: Server, key: str) -> str:
    """A 2025-11-25 session opened with the stdlib (the SDK keeps its own session id inside), with
    the credential that may end it."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "tests", "version": "0"}}}
    req = urllib.request.Request(server.url + "/mcp", data=json.dumps(body).encode(), method="POST")
    req.add_header("content-type", "application/json")
    req.add_header("accept", "application/json, text/event-stream")
    req.add_header("x-api-key", key)
    with urllib.request.urlopen(req, timeout=10) as resp:
        session: str = resp.headers["mcp-session-id"]
    return session


def test_ending_a_session(server: Server, cred: Credential) -> None:
    session = _open_session(server, cred.api_key)
    with cred.client() as c:
        ended = c.mcp_end_session(session)
        assert ended["ok"] is True
        with pytest.raises(AxmeNotFoundError):
            c.mcp_end_session(session)
    opened, first, second = cred.requests("/mcp")
    assert opened["method"] == "POST"
    assert first["method"] == "DELETE" and first["headers"]["mcp-session-id"] == [session]
    assert second["status"] == 404


def test_the_client_ends_its_own_session_and_opens_a_new_one_when_needed(cred: Credential) -> None:
    with cred.client(mcp_protocol_version="2025-11-25") as c:
        assert c.mcp_session_id is None
        c.mcp_initialize()
        first = c.mcp_session_id
        assert first
        assert c.mcp_end_session(first)["ok"] is True
        # The engine meets 404 for the ended session and initializes again by itself.
        assert c.mcp_list_tools()["tools"]
        assert c.mcp_session_id and c.mcp_session_id != first
    with cred.client(mcp_protocol_version="2024-11-05") as plain:
        plain.mcp_initialize()
        assert plain.mcp_session_id is None


def test_async_mcp_subset(cred: Credential) -> None:
    async def main() -> None:
        async with cred.async_client() as c:
            assert (await c.mcp_initialize(protocol_version="2024-11-05"))["protocolVersion"] == "2024-11-05"
            names = [t["name"] for t in (await c.mcp_list_tools())["tools"]]
            assert "axme.check_nick" in names
            checked = await c.mcp_call_tool("axme.check_nick", arguments={"nick": "async_nick"})
            assert checked.get("isError") is not True
            pong = await c.mcp_request({"jsonrpc": "2.0", "id": 1, "method": "ping"})
            assert not isinstance(pong, list) and pong["result"] == {}

    asyncio.run(main())
