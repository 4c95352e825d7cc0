"""The Python and TypeScript drivers against the reference server, with the same request lines.

Each driver runs one scripted session (`run_script`) under its own fault credential, as the runner
will run a case: client.new, the intent operations, observe while another actor resolves the
intent, wait_for with a deadline, cancel of a running wait_for, errors, MCP, mesh and generic
calls. The tests then check each driver's answers, and that both drivers gave answers of the same
shape and error kinds wherever both declare the feature.

Run: target/py-venv/bin/python -m pytest conformance/drivers/tests -q (after `./dev build-python`,
`./dev build-node` and `cargo build -p axme-server --bin axme-server`).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

from conftest import Credential, DriverProcess, Server, http, wait_until

SDKS = ["python", "typescript", "go", "java", "dotnet"]
BASE_FEATURES = {"intents", "observe", "wait_for", "listen", "cancel", "generic_call"}

#: Steps whose outcome differs by SDK on purpose (asserted per SDK in the tests above).
SDK_SPECIFIC = {"get_intent timeout_ms option"}

#: Steps whose outcome depends on a feature (driver-protocol.md, Features).
FEATURE_OF = {
    "mcp_initialize": "mcp",
    "mcp_list_tools": "mcp",
    "mcp_call_tool": "mcp",
    "mesh.report_metric": "mesh",
    "mesh.flush_metrics": "mesh",
}

Transcript = Dict[str, Dict[str, Any]]
#: The server's gauge of SSE streams open now.
OPEN_STREAMS = "axme_sse_open_streams"


def run_script(d: DriverProcess, server: Server, cred: Credential) -> Transcript:
    """One driver session; the answer of each step by label."""
    t: Transcript = {}
    agent = f"agent://conformance/{uuid.uuid4().hex[:12]}-a"

    def intent(n: int) -> Dict[str, Any]:
        return {"intent_type": "notify.message.v1", "to_agent": agent, "payload": {"n": n}}

    config = {"base_url": server.url, "api_key": cred.api_key, "max_retries": 0}
    t["client.new"] = d.call("client.new", {"name": "default", "config": config})
    t["client.new bad base_url"] = d.call(
        "client.new", {"name": "bad", "config": {**config, "base_url": "not a url"}}
    )
    t["client.new retry_budget"] = d.call(
        "client.new", {"name": "budget", "config": {**config, "retry_budget": 5}}
    )
    t["health"] = d.call("health")

    # Create with the caller's Idempotency-Key and trace id (checked in the journal below).
    t["create_intent"] = d.call(
        "create_intent", {"intent": intent(1)},
        options={"idempotency_key": f"k-{d.sdk}", "trace_id": f"trace-{d.sdk}"},
    )
    first = t["create_intent"]["result"]["intent_id"]
    t["get_intent"] = d.call("get_intent", {"intent_id": first})
    t["list_intent_events"] = d.call("list_intent_events", {"intent_id": first, "since": 1})

    # Observe in the background; once the server has the stream, another actor resolves.
    observing = d.send("observe", {"intent_id": first, "wait_seconds": 5, "timeout_ms": 20000})
    route = "/v1/intents/{intent_id}/events/stream"
    wait_until("the observe stream is open", lambda: len(cred.journal("GET", route)) >= 1)
    t["http resolve"] = http(
        "POST", f"{server.url}/v1/intents/{first}/resolve",
        {"status": "COMPLETED", "result": {"done": True}}, key=cred.api_key,
    )
    t["observe"] = d.answer(observing)
    t["resolve_intent again"] = d.call(
        "resolve_intent", {"intent_id": first, "body": {"status": "COMPLETED"}}
    )

    t["send_intent"] = d.call("send_intent", {"intent": intent(2)})
    second = t["send_intent"]["result"]["intent_id"]
    t["listen"] = d.call(
        "listen", {"address": agent, "max_events": 1, "wait_seconds": 5, "timeout_ms": 20000}
    )
    t["wait_for deadline"] = d.call("wait_for", {"intent_id": second, "timeout_ms": 300})
    # 61 is past the 1..=60 window in every SDK (0 is "not given" in Go's option structs).
    t["wait_for bad wait_seconds"] = d.call("wait_for", {"intent_id": second, "wait_seconds": 61})

    # A wait_for that would never end, cancelled once its stream is open: the SDK must close it.
    streams_before = len(cred.journal("GET", route))
    open_before = server.metric(OPEN_STREAMS)
    waiting = d.send("wait_for", {"intent_id": second, "wait_seconds": 30})
    wait_until(
        "the wait_for stream is open", lambda: len(cred.journal("GET", route)) > streams_before
    )
    wait_until(
        "the server counts the open stream", lambda: server.metric(OPEN_STREAMS) > open_before
    )
    t["cancel"] = d.call("cancel", {"target": waiting})
    t["wait_for canceled"] = d.answer(waiting)
    wait_until("the cancelled stream is closed", lambda: server.metric(OPEN_STREAMS) <= open_before)

    # A listen on an address nobody sends to, cancelled once connected.
    listen_route = "/v1/agents/{address}/intents/stream"
    listens_before = len(cred.journal("GET", listen_route))
    open_before = server.metric(OPEN_STREAMS)
    quiet = f"agent://conformance/{uuid.uuid4().hex[:12]}-quiet"
    listening = d.send("listen", {"address": quiet, "max_events": 1, "wait_seconds": 30})
    wait_until(
        "the listen stream is open", lambda: len(cred.journal("GET", listen_route)) > listens_before
    )
    wait_until(
        "the server counts the open stream", lambda: server.metric(OPEN_STREAMS) > open_before
    )
    t["cancel listen"] = d.call("cancel", {"target": listening})
    t["listen canceled"] = d.answer(listening)
    wait_until("the cancelled listen is closed", lambda: server.metric(OPEN_STREAMS) <= open_before)

    # Requests are concurrent: the driver resolves while its own wait_for is still waiting (a
    # driver serving one request at a time would never send the resolve).
    third = ok(d.call("send_intent", {"intent": intent(3)}))["intent_id"]
    waiting = d.send("wait_for", {"intent_id": third, "wait_seconds": 30, "timeout_ms": 20000})
    t["resolve_intent during wait_for"] = d.call(
        "resolve_intent", {"intent_id": third, "body": {"status": "COMPLETED", "result": {"n": 3}}}
    )
    t["wait_for resolved"] = d.answer(waiting)

    t["resume_intent"] = d.call(
        "resume_intent", {"intent_id": second, "body": {"action": "ack"}},
        options={"owner_agent": agent},
    )
    t["cancel_intent"] = d.call("cancel_intent", {"intent_id": second, "body": {"reason": "done"}})
    t["wait_for terminal"] = d.call("wait_for", {"intent_id": second, "timeout_ms": 20000})
    t["get_intent unknown"] = d.call("get_intent", {"intent_id": str(uuid.uuid4())})
    t["get_intent timeout_ms option"] = d.call(
        "get_intent", {"intent_id": first}, options={"timeout_ms": 5000}
    )

    t["mcp_initialize"] = d.call("mcp_initialize")
    t["mcp_list_tools"] = d.call("mcp_list_tools")
    t["mcp_call_tool"] = d.call(
        "mcp_call_tool", {"name": "axme.intents_get", "arguments": {"intent_id": first}}
    )

    t["mesh.heartbeat"] = d.call("mesh.heartbeat", {})
    # Listed before any metric is reported, so both SDKs' organisations look alike.
    t["call mesh.list_agents"] = d.call("call", {"method": "mesh.list_agents", "args": {}})
    t["mesh.report_metric"] = d.call(
        "mesh.report_metric", {"success": True, "latency_ms": 12.5, "cost_usd": 0.01}
    )
    t["mesh.flush_metrics"] = d.call("mesh.flush_metrics", {})

    t["call get_intent"] = d.call("call", {"method": "get_intent", "args": {"intent_id": first}})
    t["call unknown method"] = d.call("call", {"method": "no_such_method", "args": {}})
    t["unknown op"] = d.call("frobnicate")
    t["client.new second"] = d.call("client.new", {"name": "second", "config": config})
    t["client.close"] = d.call("client.close", {"name": "default"})
    t["after close"] = d.call("health")
    # Left running: closing stdin must still end the driver (running requests are abandoned).
    d.send("listen", {"address": agent, "status": "CANCELED", "max_events": 99}, client="second")
    return t


Run = Tuple[DriverProcess, Transcript, Credential]


class Runs:
    """Each driver's session, run on first use and kept for the other tests of the module."""

    def __init__(self, server: Server, logs: Path) -> None:
        self.server = server
        self.logs = logs
        self.done: Dict[str, Run] = {}

    def __getitem__(self, sdk: str) -> Run:
        if sdk not in self.done:
            cred = Credential(self.server, f"driver-test-{sdk}")
            driver = DriverProcess(sdk, self.logs / f"{sdk}.stderr")
            try:
                transcript = run_script(driver, self.server, cred)
            finally:
                status = driver.close()
            assert status == 0, f"{sdk} driver exited with {status} after stdin closed"
            self.done[sdk] = (driver, transcript, cred)
        return self.done[sdk]


@pytest.fixture(scope="module")
def runs(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(server, tmp_path_factory.mktemp("driver-stderr"))


def ok(answer: Dict[str, Any]) -> Any:
    assert answer["ok"] is True, answer
    return answer["result"]


def err(answer: Dict[str, Any]) -> Dict[str, Any]:
    assert answer["ok"] is False, answer
    error: Dict[str, Any] = answer["error"]
    return error


@pytest.mark.parametrize("sdk", SDKS)
def test_hello_names_the_sdk_and_declares_features(runs: Any, sdk: str) -> None:
    driver = runs[sdk][0]
    hello = driver.hello
    assert hello["type"] == "hello" and hello["protocol"] == 1
    assert hello["sdk"] == sdk
    assert hello["sdk_version"] == "0.3.0"
    assert BASE_FEATURES <= set(hello["features"])
    assert {"mcp", "mesh", "config.retry_budget"} <= set(hello["features"])


@pytest.mark.parametrize("sdk", SDKS)
def test_intent_operations(runs: Any, sdk: str) -> None:
    driver, t, cred = runs[sdk]
    assert ok(t["client.new"]) == {}
    assert err(t["client.new bad base_url"])["kind"] == "invalid_argument"
    assert ok(t["client.new retry_budget"]) == {}
    assert ok(t["health"])["ok"] is True

    created = ok(t["create_intent"])
    assert created["status"] == "DELIVERED"
    [create] = cred.journal("POST", "/v1/intents")[:1]
    assert create["headers"]["idempotency-key"] == [f"k-{sdk}"]
    assert create["headers"]["x-trace-id"] == [f"trace-{sdk}"]

    assert ok(t["get_intent"])["intent"]["intent_id"] == created["intent_id"]
    events = ok(t["list_intent_events"])["events"]
    assert [e["seq"] for e in events] == [2, 3]  # since is exclusive

    assert t["http resolve"]["status"] == 200
    observed = ok(t["observe"])["events"]
    assert [e["event_type"] for e in observed] == [
        "intent.created", "intent.submitted", "intent.delivered", "intent.completed",
    ]
    assert [e["seq"] for e in observed] == [1, 2, 3, 4]
    conflict = err(t["resolve_intent again"])
    assert (conflict["kind"], conflict["status"]) == ("conflict", 409)
    assert conflict["code"] == "intent_already_terminal"

    sent = ok(t["send_intent"])
    assert set(sent) == {"intent_id"}
    [delivery] = ok(t["listen"])["events"]
    assert delivery["intent_id"] == sent["intent_id"]  # the completed one is filtered out

    assert ok(t["resume_intent"])["intent"]["intent_id"] == sent["intent_id"]
    [resume] = cred.journal("POST", "/v1/intents/{intent_id}/resume")
    assert "owner_agent=agent" in (resume["query"] or "") or resume["headers"].get("x-owner-agent")

    assert ok(t["cancel_intent"])["ok"] is True
    terminal = ok(t["wait_for terminal"])
    assert (terminal["event_type"], terminal["status"]) == ("intent.canceled", "CANCELED")


@pytest.mark.parametrize("sdk", SDKS)
def test_deadlines_cancellation_and_errors(runs: Any, sdk: str) -> None:
    t = runs[sdk][1]
    assert err(t["wait_for deadline"])["kind"] == "timeout"
    assert err(t["wait_for bad wait_seconds"])["kind"] == "invalid_argument"
    assert ok(t["cancel"]) == {}
    assert err(t["wait_for canceled"])["kind"] == "canceled"
    assert ok(t["cancel listen"]) == {}
    assert err(t["listen canceled"])["kind"] == "canceled"
    assert ok(t["resolve_intent during wait_for"])["event"]["event_type"] == "intent.completed"
    resolved = ok(t["wait_for resolved"])
    assert (resolved["event_type"], resolved["details"]["result"]) == ("intent.completed", {"n": 3})

    missing = err(t["get_intent unknown"])
    assert (missing["kind"], missing["status"]) == ("not_found", 404)
    assert missing["request_id"]
    assert missing["retry_after_ms"] is None
    # Every SDK's request methods take a per-call timeout (TypeScript `timeoutMs`, Python
    # `timeout_seconds=`).
    assert ok(t["get_intent timeout_ms option"])["intent"]["intent_id"]
    assert err(t["unknown op"])["kind"] == "unsupported"
    assert err(t["call unknown method"])["kind"] == "unsupported"


@pytest.mark.parametrize("sdk", SDKS)
def test_mcp_mesh_and_generic_calls(runs: Any, sdk: str) -> None:
    driver, t, _ = runs[sdk]
    features = set(driver.hello["features"])
    if "mcp" in features:
        assert ok(t["mcp_initialize"])["protocolVersion"] == "2024-11-05"
        names = [tool["name"] for tool in ok(t["mcp_list_tools"])["tools"]]
        assert "axme.intents_get" in names
        assert ok(t["mcp_call_tool"])["isError"] is False
    else:
        for step in ("mcp_initialize", "mcp_list_tools", "mcp_call_tool"):
            assert err(t[step])["kind"] == "unsupported", step

    assert ok(t["mesh.heartbeat"])["ok"] is True
    if "mesh" in features:
        assert ok(t["mesh.report_metric"]) == {}
        assert ok(t["mesh.flush_metrics"])["ok"] is True
        # The plain heartbeat had no metrics (no body); the flush carried the reported one.
        beats = runs[sdk][2].journal("POST", "/v1/mesh/heartbeat")
        assert [b["body_sha256"] is not None for b in beats] == [False, True]
    else:
        assert err(t["mesh.report_metric"])["kind"] == "unsupported"
        assert err(t["mesh.flush_metrics"])["kind"] == "unsupported"

    called = ok(t["call get_intent"])["intent"]
    assert called["intent_id"] == ok(t["get_intent"])["intent"]["intent_id"]
    assert "agents" in ok(t["call mesh.list_agents"])
    assert ok(t["client.close"]) == {}
    assert err(t["after close"])["kind"] == "driver_error"  # no client named default any more


def shape(value: Any) -> Any:
    """The JSON type skeleton of a value (what both SDKs must agree on; values may differ)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [shape(v) for v in value]
    if isinstance(value, bool) or value is None:
        return type(value).__name__
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def outcome(answer: Dict[str, Any]) -> Any:
    if "ok" not in answer:  # a step of the harness itself (`http ...`)
        return ("http", answer["status"])
    if answer["ok"]:
        return ("ok", shape(answer["result"]))
    error = answer["error"]
    return ("error", error["kind"], error.get("status"), error.get("code"))


def test_both_drivers_agree_on_shapes_and_error_kinds(runs: Any) -> None:
    """Every driver agrees with the Python one (the TypeScript and Java ones alike)."""
    py, py_t, _ = runs["python"]
    differ = {}
    for other in SDKS[1:]:
        drv, drv_t, _ = runs[other]
        both = set(py.hello["features"]) & set(drv.hello["features"])
        assert py_t.keys() == drv_t.keys()
        for label in py_t:
            if label in FEATURE_OF and FEATURE_OF[label] not in both:
                continue
            if label in SDK_SPECIFIC:
                continue
            if outcome(py_t[label]) != outcome(drv_t[label]):
                differ[f"{other}: {label}"] = {"python": outcome(py_t[label]), other: outcome(drv_t[label])}
    assert differ == {}


def test_python_driver_is_strictly_typed(tmp_path: Path) -> None:
    """mypy --strict on the Python driver (mypy comes with the venv `./dev build-python` makes)."""
    driver_dir = Path(__file__).resolve().parents[1] / "python"
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(driver_dir)],
        cwd=tmp_path,  # mypy's cache goes there, not into the work tree
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
