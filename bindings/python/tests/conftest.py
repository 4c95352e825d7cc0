"""Fixtures: the reference server as a subprocess, isolated fault credentials, clients.

The session starts `axme-server --faults` on 127.0.0.1:0 with a temporary data dir (building it
with cargo first when the binary is missing), reads the bound address from `DIR/server-addr` and
the development key from `DIR/dev-api-key`, and stops it with SIGTERM at the end. Each test that
needs isolation mints its own fault credential (a fresh organisation and key), so its intents,
fault rules and request journal are its own. `admin_cli` runs the server's admin command line on
the same data dir: the family tests use it for human users (actor tokens) and admin keys of fresh
organisations. `Receiver` is a callback endpoint on loopback for webhook and `http` binding tests
(the server is started with `--allow-callback-host 127.0.0.1`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
            # Loopback callbacks are allowed so that `http` delivery bindings can reach a receiver
            # started by a test.
            [str(binary), "--data-dir", str(data_dir), "--listen", "127.0.0.1:0", "--faults",
             "--allow-callback-host", "127.0.0.1"],
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
        self.org_id: str = created["org_id"]
        self.workspace_id: str = created["workspace_id"]

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

    def human_client(self, name: str, email: Optional[str] = None) -> AxmeClient:
        """A client acting for a new human user of this credential's organisation: the actor token
        the admin command line issues goes in ``actor_token``, the credential's key beside it."""
        args = ["users", "create", "--org", self.org_id, "--name", name]
        if email is not None:
            args += ["--email", email]
        return self.client(actor_token=admin_cli(self.server, *args))

    def async_client(self, **overrides: Any) -> AsyncAxmeClient:
        return AsyncAxmeClient(self.config(**overrides))


def admin_cli(server: Server, *args: str) -> str:
    """Runs `axme-server admin ARGS` on the running server's data dir; returns what it printed
    (the secret it issues, for `keys create` and `users create`)."""
    out = subprocess.run(
        [str(_server_binary()), "--data-dir", str(server.data_dir), "admin", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


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


@dataclass
class AdminOrg:
    """A fresh organisation with an admin key made by the admin command line (admins may
    administer organisations, service accounts and the mesh over HTTP)."""

    server: Server
    name: str
    api_key: str

    def client(self, **overrides: Any) -> AxmeClient:
        return AxmeClient(self.config(**overrides))

    def async_client(self, **overrides: Any) -> AsyncAxmeClient:
        return AsyncAxmeClient(self.config(**overrides))

    def config(self, **overrides: Any) -> AxmeClientConfig:
        fields: Dict[str, Any] = {"base_url": self.server.url, "api_key": self.api_key}
        fields.update(overrides)
        return AxmeClientConfig(**fields)


@pytest.fixture
def admin_org(server: Server) -> AdminOrg:
    name = f"org-{uuid.uuid4().hex[:10]}"
    admin_cli(server, "orgs", "create", "--name", name)
    key = admin_cli(server, "keys", "create", "--org", name, "--name", "ops", "--admin")
    return AdminOrg(server=server, name=name, api_key=key)


class Receiver:
    """A callback receiver on 127.0.0.1 (the fixture server allows that host): records each
    POST (headers, JSON body) and answers with the next status of `statuses` (the last repeats)."""

    def __init__(self, statuses: List[int]) -> None:
        self.hits: List[Dict[str, Any]] = []
        self._statuses = list(statuses)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver._lock:
                    index = len(receiver.hits)
                    receiver.hits.append(
                        {"headers": {k.lower(): v for k, v in self.headers.items()},
                         "body": json.loads(raw) if raw else None}
                    )
                    status = receiver._statuses[min(index, len(receiver._statuses) - 1)]
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver_factory() -> Iterator[Any]:
    made: List[Receiver] = []

    def make(*statuses: int) -> Receiver:
        r = Receiver(list(statuses) or [200])
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()
