"""Fixtures: the reference server as a subprocess, isolated fault credentials, clients.

The session starts `axme-server --faults` on 127.0.0.1:0 with a temporary data dir (building it
with cargo first when the binary is missing), reads the bound address from `DIR/server-addr` and
the development key from `DIR/dev-api-key`, and stops it with SIGTERM at the end. Each test that
needs isolation mints its own fault credential (a fresh organisation and key), so its intents,
fault rules and request journal are its own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from axme import AsyncAxmeClient, AxmeClient, AxmeClientConfig

REPO = Path(__file__).resolve().parents[3]
START_TIMEOUT_S = 60.0


def _server_binary() -> Path:
    explicit = os.environ.get("AXME_SERVER_BIN")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    return target / "debug" / "axme-server"


def http_json(method: str, url: str, body: Any = None, headers: Optional[Dict[str, str]] = None) -> Any:
    """A plain HTTP call (stdlib only) for the test harness itself, never through the SDK."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("content-type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
    return json.loads(raw) if raw.strip() else None


@dataclass
class Server:
    url: str
    dev_key: str
    data_dir: Path

    def metric(self, name: str) -> float:
        """A gauge or counter without labels from `/metrics`."""
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as resp:
            text = resp.read().decode()
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return 0.0


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    binary = _server_binary()
    if not binary.exists():
        subprocess.run(
            ["cargo", "build", "-p", "axme-server", "--bin", "axme-server"], cwd=REPO, check=True
        )
    with tempfile.TemporaryDirectory(prefix="axme-py-tests-") as tmp:
        data_dir = Path(tmp)
        log = open(data_dir / "server.log", "wb")
        proc = subprocess.Popen(
            [str(binary), "--data-dir", str(data_dir), "--listen", "127.0.0.1:0", "--faults"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        addr_file = data_dir / "server-addr"
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (addr_file.exists() and addr_file.read_text().strip()):
            if proc.poll() is not None:
                raise RuntimeError(
                    f"axme-server exited with {proc.returncode}: "
                    + (data_dir / "server.log").read_text(errors="replace")
                )
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("axme-server did not write server-addr in time")
            time.sleep(0.02)
        url = addr_file.read_text().strip()
        key = (data_dir / "dev-api-key").read_text().strip()
        try:
            yield Server(url=url, dev_key=key, data_dir=data_dir)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


class Credential:
    """An isolated fault credential: its own organisation, key, fault rules and journal."""

    def __init__(self, server: Server, name: str) -> None:
        self.server = server
        created = http_json("POST", server.url + "/_faults/credentials", {"name": name})
        self.id: str = created["credential_id"]
        self.api_key: str = created["api_key"]

    def add_rules(self, *rules: Dict[str, Any]) -> List[str]:
        url = f"{self.server.url}/_faults/credentials/{self.id}/rules"
        ids: List[str] = http_json("POST", url, {"rules": list(rules)})["rule_ids"]
        return ids

    def clear_rules(self) -> None:
        http_json("DELETE", f"{self.server.url}/_faults/credentials/{self.id}/rules")

    def requests(self, route: Optional[str] = None) -> List[Dict[str, Any]]:
        url = f"{self.server.url}/_faults/credentials/{self.id}/requests"
        journal: List[Dict[str, Any]] = http_json("GET", url)["requests"]
        if route is not None:
            journal = [r for r in journal if r["route"] == route]
        return journal

    def config(self, **overrides: Any) -> AxmeClientConfig:
        fields: Dict[str, Any] = {
            "base_url": self.server.url,
            "api_key": self.api_key,
            "retry_backoff_seconds": 0.05,
        }
        fields.update(overrides)
        return AxmeClientConfig(**fields)

    def client(self, **overrides: Any) -> AxmeClient:
        return AxmeClient(self.config(**overrides))

    def async_client(self, **overrides: Any) -> AsyncAxmeClient:
        return AsyncAxmeClient(self.config(**overrides))


@pytest.fixture
def cred(server: Server, request: pytest.FixtureRequest) -> Credential:
    return Credential(server, request.node.name[:60])


@pytest.fixture
def client(cred: Credential) -> Iterator[AxmeClient]:
    with cred.client() as c:
        yield c


AGENT = "agent://acme/prod/worker"


def new_intent(**extra: Any) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        "intent_type": "test.work.v1",
        "to_agent": AGENT,
        "payload": {"n": 1},
    }
    body.update(extra)
    return body


def wait_until(predicate: Any, timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll `predicate` (bounded) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
