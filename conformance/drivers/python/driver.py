"""The Python conformance driver: performs driver-protocol requests with the ``axme`` package.

Protocol: conformance/docs/driver-protocol.md. JSON lines in on stdin, JSON lines out on stdout,
free text on stderr. Every request runs as its own asyncio task on ``AsyncAxmeClient``, so
requests are concurrent and may be answered out of order; ``cancel`` cancels the target's task,
which drops the SDK's Rust future and with it the request or stream in flight.

Run with the virtualenv that has the wheel: ``target/py-venv/bin/python
conformance/drivers/python/driver.py`` (``./dev build-python`` builds it).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, Dict, Optional, Set

from driver_errors import DriverMisuse, Unsupported, canceled_json, error_json
from driver_ops import FEATURES, OPERATIONS, SDK_VERSION, Session

PROTOCOL_VERSION = 1
#: Longest request line accepted (a case's intent payloads are small; this is a sanity bound).
MAX_LINE_BYTES = 16 * 1024 * 1024


def log(message: str) -> None:
    print(f"python driver: {message}", file=sys.stderr, flush=True)


def write_line(message: Dict[str, Any]) -> None:
    # One write + flush of a whole line, with no await in between: the event loop runs one task
    # at a time, so lines of concurrent requests never interleave.
    line = json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str) + "\n"
    sys.stdout.buffer.write(line.encode())
    sys.stdout.buffer.flush()


class Driver:
    def __init__(self) -> None:
        self.session = Session()
        self.running: Dict[int, "asyncio.Task[Any]"] = {}
        self.seen: Set[int] = set()
        self.canceled: Set[int] = set()

    def accept(self, raw: bytes) -> None:
        """Start the task for one request line."""
        try:
            request = json.loads(raw)
        except ValueError as e:
            log(f"ignored a line that is not JSON ({e}): {raw[:200]!r}")
            return
        request_id = request.get("id") if isinstance(request, dict) else None
        if not isinstance(request_id, int) or isinstance(request_id, bool):
            log(f"ignored a request without an integer id: {raw[:200]!r}")
            return
        self.seen.add(request_id)
        task = asyncio.create_task(self.perform(request))
        self.running[request_id] = task
        task.add_done_callback(lambda done: self.answer(request_id, done))

    def answer(self, request_id: int, task: "asyncio.Task[Any]") -> None:
        """Write the answer of a finished request (in a done callback, so that a request
        cancelled before its task even started is answered too)."""
        self.running.pop(request_id, None)
        if task.cancelled():
            if request_id in self.canceled:
                write_line({"id": request_id, "ok": False, "error": canceled_json()})
            return  # otherwise the driver is shutting down: running requests are abandoned
        exc = task.exception()
        if exc is None:
            write_line({"id": request_id, "ok": True, "result": task.result()})
        else:
            write_line({"id": request_id, "ok": False, "error": error_json(exc)})

    async def perform(self, request: Dict[str, Any]) -> Any:
        op = request.get("op")
        args = request.get("args") or {}
        options = request.get("options") or {}
        client = request.get("client") or "default"
        if not isinstance(args, dict) or not isinstance(options, dict):
            raise DriverMisuse("args and options must be JSON objects")
        if op == "cancel":
            return self.cancel(args.get("target"))
        handler = OPERATIONS.get(op) if isinstance(op, str) else None
        if handler is None:
            known = ", ".join(["cancel", *OPERATIONS])
            raise Unsupported(f"unknown op {op!r}; this driver knows: {known}")
        return await handler(self.session, client, args, options)

    def cancel(self, target: Optional[Any]) -> Dict[str, Any]:
        if not isinstance(target, int) or target not in self.seen:
            raise DriverMisuse(f"cancel: target {target!r} is not the id of an earlier request")
        task = self.running.get(target)
        if task is not None and not task.done():
            self.canceled.add(target)
            task.cancel()
        return {}

    async def shutdown(self) -> None:
        self.session.close_all()
        tasks = list(self.running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def stdin_reader() -> asyncio.StreamReader:
    """stdin as an asyncio stream, so waiting for the next request never blocks the loop."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    except ValueError:
        # A regular file (`driver.py < requests.jsonl`) cannot be watched, nor can it block.
        reader.feed_data(sys.stdin.buffer.read())
        reader.feed_eof()
    return reader


async def main() -> None:
    write_line(
        {
            "type": "hello",
            "protocol": PROTOCOL_VERSION,
            "sdk": "python",
            "sdk_version": SDK_VERSION,
            "features": FEATURES,
        }
    )
    driver = Driver()
    reader = await stdin_reader()
    try:
        while True:
            line = await reader.readline()
            if not line:
                break  # stdin closed: the case is over
            if line.strip():
                driver.accept(line)
    finally:
        await driver.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
