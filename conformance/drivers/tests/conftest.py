"""Harness for the driver tests: the reference server, fault credentials and driver processes.

The server runs as `axme-server --faults` on 127.0.0.1:0 with a temporary data dir; each driver is
started with the command conformance/drivers/drivers.yaml names and spoken to in JSON lines, the
way the runner does (conformance/docs/driver-protocol.md).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

REPO = Path(__file__).resolve().parents[3]
DRIVERS = REPO / "conformance" / "drivers"
#: Upper bounds for things that normally take milliseconds (never used to order events).
START_TIMEOUT_S = 60.0
ANSWER_TIMEOUT_S = 30.0


def driver_argv(sdk: str) -> List[str]:
    """The launch command of drivers.yaml, with its environment defaults resolved."""
    if sdk == "python":
        python = os.environ.get("AXME_CONFORMANCE_PYTHON", sys.executable)
        return [python, str(DRIVERS / "python" / "driver.py")]
    if sdk == "typescript":
        node = os.environ.get("AXME_CONFORMANCE_NODE", "node")
        return [node, str(DRIVERS / "typescript" / "driver.mjs")]
    if sdk == "go":
        return [str(REPO / "target" / "debug" / "axme-go-driver")]
    if sdk == "dotnet":
        mono = os.environ.get("AXME_CONFORMANCE_MONO", "mono")
        return [mono, str(REPO / "target" / "dotnet" / "axme-conformance-driver.exe")]
    if sdk == "java":
        return ["bash", str(DRIVERS / "java" / "driver.sh")]
    raise ValueError(f"no driver for {sdk!r}")


def http(method: str, url: str, body: Any = None, key: Optional[str] = None) -> Dict[str, Any]:
    """A plain HTTP call of the harness itself (another actor), never through an SDK."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("content-type", "application/json")
    if key is not None:
        req.add_header("x-api-key", key)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as e:
        raw, status = e.read(), e.code
    return {"status": status, "body": json.loads(raw) if raw.strip() else None}


def wait_until(what: str, check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Poll `check` until it holds (like the runner's `wait_journal`), failing after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.02)


@dataclass
class Server:
    url: str

    def metric(self, name: str) -> float:
        """A gauge or counter without labels from `/metrics`."""
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as resp:
            text = resp.read().decode()
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return 0.0


class Credential:
    """A fault credential: an isolated organisation with its own key and request journal."""

    def __init__(self, server: Server, name: str) -> None:
        self.server = server
        created = http("POST", server.url + "/_faults/credentials", {"name": name})["body"]
        self.id: str = created["credential_id"]
        self.api_key: str = created["api_key"]

    def journal(self, method: str, route: str) -> List[Dict[str, Any]]:
        url = f"{self.server.url}/_faults/credentials/{self.id}/requests"
        requests: List[Dict[str, Any]] = http("GET", url)["body"]["requests"]
        return [r for r in requests if r["method"] == method and r["route"] == route]


class DriverProcess:
    """One driver subprocess: requests out on stdin, answers collected by id from stdout."""

    def __init__(self, sdk: str, stderr_path: Path) -> None:
        self.sdk = sdk
        self.stderr_path = stderr_path
        self._stderr = open(stderr_path, "wb")
        self.proc = subprocess.Popen(
            driver_argv(sdk),
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self._lines: "queue.Queue[Optional[Dict[str, Any]]]" = queue.Queue()
        self._answers: Dict[int, Dict[str, Any]] = {}
        #: Request ids in the order their answers arrived.
        self.answer_order: List[int] = []
        self._next_id = 1
        threading.Thread(target=self._read, daemon=True).start()
        self.hello = self._next_line()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self._lines.put(json.loads(raw))
        self._lines.put(None)

    def _next_line(self) -> Dict[str, Any]:
        try:
            line = self._lines.get(timeout=ANSWER_TIMEOUT_S)
        except queue.Empty:
            pytest.fail(
                f"{self.sdk} driver said nothing for {ANSWER_TIMEOUT_S} s{self._stderr_tail()}"
            )
        if line is None:
            pytest.fail(f"{self.sdk} driver closed stdout{self._stderr_tail()}")
        return line

    def _stderr_tail(self) -> str:
        self._stderr.flush()
        tail = self.stderr_path.read_text(errors="replace")[-2000:]
        return f"; stderr:\n{tail}" if tail else ""

    def send(self, op: str, args: Optional[Dict[str, Any]] = None, *, client: Optional[str] = None,
             options: Optional[Dict[str, Any]] = None) -> int:
        request_id = self._next_id
        self._next_id += 1
        request: Dict[str, Any] = {"id": request_id, "op": op, "args": args or {}}
        if client is not None:
            request["client"] = client
        if options is not None:
            request["options"] = options
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(request) + "\n").encode())
        self.proc.stdin.flush()
        return request_id

    def answer(self, request_id: int) -> Dict[str, Any]:
        while request_id not in self._answers:
            line = self._next_line()
            self._answers[line["id"]] = line
            self.answer_order.append(line["id"])
        return self._answers.pop(request_id)

    def call(self, op: str, args: Optional[Dict[str, Any]] = None, **kw: Any) -> Dict[str, Any]:
        return self.answer(self.send(op, args, **kw))

    def close(self) -> int:
        """Close stdin (the end of a case) and return the exit status."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=ANSWER_TIMEOUT_S)
        finally:
            self._stderr.close()


def _server_binary() -> Path:
    explicit = os.environ.get("AXME_SERVER_BIN")
    if explicit:
        return Path(explicit)
    return REPO / "target" / "debug" / "axme-server"


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    binary = _server_binary()
    if not binary.exists():
        subprocess.run(
            ["cargo", "build", "-p", "axme-server", "--bin", "axme-server"], cwd=REPO, check=True
        )
    with tempfile.TemporaryDirectory(prefix="axme-driver-tests-") as tmp:
        data_dir = Path(tmp)
        with open(data_dir / "server.log", "wb") as log:
            proc = subprocess.Popen(
                [str(binary), "--data-dir", str(data_dir), "--listen", "127.0.0.1:0", "--faults"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            addr_file = data_dir / "server-addr"
            try:
                wait_until(
                    "axme-server wrote server-addr",
                    lambda: proc.poll() is not None
                    or (addr_file.exists() and addr_file.read_text().strip() != ""),
                    START_TIMEOUT_S,
                )
                if proc.poll() is not None:
                    log_text = (data_dir / "server.log").read_text(errors="replace")
                    pytest.fail(f"axme-server exited: {log_text}")
                yield Server(url=addr_file.read_text().strip())
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
