"""Ctrl-C, the GIL, logging, the README quickstart and the native stub."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from axme import AxmeClient
from conftest import REPO, Credential, Server, new_intent, wait_until

STREAM = "/v1/intents/{intent_id}/events/stream"
README = REPO / "bindings" / "python" / "README.md"


@pytest.mark.parametrize("what", ["wait_for", "observe", "listen"])
def test_ctrl_c_interrupts_a_blocking_wait_promptly(cred: Credential, what: str) -> None:
    with cred.client() as c:
        intent_id = c.send_intent(new_intent())
    call = {
        "wait_for": f"client.wait_for({intent_id!r})",
        "observe": f"list(client.observe({intent_id!r}))",
        "listen": "list(client.listen('agent://nobody/listens/here'))",
    }[what]
    script = (
        "import sys\n"
        "from axme import AxmeClient, AxmeClientConfig\n"
        f"client = AxmeClient(AxmeClientConfig(base_url={cred.server.url!r}, api_key={cred.api_key!r}))\n"
        "try:\n"
        f"    {call}\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
        "    sys.exit(3)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        route = STREAM if what != "listen" else "/v1/agents/{address}/intents/stream"
        wait_until(lambda: cred.requests(route), timeout=20, what="the stream request")
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3, err.decode()
    assert b"interrupted" in out
    assert elapsed < 2.0


def test_blocking_calls_release_the_gil(cred: Credential) -> None:
    with cred.client() as c:
        intent_id = c.send_intent(new_intent())
        ticks = 0
        stop = threading.Event()

        def spin() -> None:
            nonlocal ticks
            while not stop.is_set():
                ticks += 1

        spinner = threading.Thread(target=spin)
        spinner.start()
        try:
            with pytest.raises(TimeoutError):
                c.wait_for(intent_id, timeout_seconds=0.5)
        finally:
            stop.set()
            spinner.join()
    assert ticks > 10_000


def test_engine_records_go_to_the_axme_logger(cred: Credential, caplog: pytest.LogCaptureFixture) -> None:
    cred.add_rules(
        {"match": {"method": "GET", "route": "/v1/intents/{intent_id}", "attempt": 1},
         "action": {"type": "respond", "status": 503}}
    )
    with caplog.at_level(logging.DEBUG, logger="axme"):
        with cred.client() as c:
            with pytest.raises(Exception):
                c.get_intent("missing")
    names = {r.name for r in caplog.records}
    assert any(n.startswith("axme.axme_core") for n in names), names
    assert any("retrying" in r.getMessage() for r in caplog.records)
    assert "axme" in names  # the SDK's own records
    for r in caplog.records:
        assert cred.api_key not in r.getMessage()


def _quickstart_blocks() -> list:
    text = README.read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("index", [0, 1])
def test_readme_quickstart_runs_as_written(server: Server, cred: Credential, index: int) -> None:
    blocks = _quickstart_blocks()
    assert len(blocks) >= 2
    env = dict(os.environ, AXME_BASE_URL=server.url, AXME_API_KEY=cred.api_key)
    out = subprocess.run(
        [sys.executable, "-c", blocks[index]], env=env, capture_output=True, timeout=60, text=True
    )
    assert out.returncode == 0, out.stderr
    if index == 0:
        assert out.stdout.strip().splitlines()[-1] == "COMPLETED"
    else:
        assert "intent.canceled" in out.stdout


def test_native_stub_matches_the_module(tmp_path: Path) -> None:
    # `./dev test` installs mypy into its virtualenv; without it this check must not pass silently.
    assert _has_module("mypy"), "mypy is not installed: pip install mypy (./dev test does)"
    out = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "axme._native"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,  # mypy's cache goes there, not into the work tree
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_package_type_checks_strictly(tmp_path: Path) -> None:
    # `./dev test` installs mypy into its virtualenv; without it this check must not pass silently.
    assert _has_module("mypy"), "mypy is not installed: pip install mypy (./dev test does)"
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
        cwd=REPO / "bindings" / "python",  # [tool.mypy] in pyproject.toml: strict, python/
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_client_context_manager_and_close(cred: Credential) -> None:
    client = AxmeClient(cred.config())
    with client as c:
        assert c is client
        assert not c.closed
    assert client.closed


def test_closing_the_client_from_another_thread_cancels_its_blocking_call(cred: Credential) -> None:
    from axme import AxmeCanceledError

    route = "/v1/intents/{intent_id}"
    cred.add_rules({"match": {"method": "GET", "route": route}, "action": {"type": "delay", "ms": 20000}})
    client = AxmeClient(cred.config())
    outcome: dict = {}

    def call() -> None:
        try:
            client.get_intent("held-by-the-server")
        except Exception as e:  # noqa: BLE001 - the test inspects it
            outcome["error"] = e

    caller = threading.Thread(target=call)
    caller.start()
    wait_until(lambda: cred.requests(route), timeout=20, what="the delayed request")
    client.close()
    caller.join(10)
    assert not caller.is_alive()
    assert isinstance(outcome.get("error"), AxmeCanceledError), outcome
    # The engine dropped the request: the server saw the connection close before its answer.
    wait_until(lambda: cred.requests(route)[0]["ended"] is not None, timeout=20, what="the end")
    entry = cred.requests(route)[0]
    assert entry["ended"] == "client_closed" and entry["ended_ms"] - entry["elapsed_ms"] < 20000
    with pytest.raises(RuntimeError):
        client.get_intent("after-close")
