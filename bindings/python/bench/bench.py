"""Client benchmark, runnable with either `axme` package (this one or the public 0.2.0).

Measures against one running reference server (started with --faults, so each run gets its own
isolated credential):

* sequential `get_intent` calls per second (one client, one intent, N calls);
* wake-up latency: the time from an agent calling `resume_intent(... complete)` to the caller's
  blocked `wait_for` returning (the resume round trip included), over M intents. The caller's stream is known to be open
  (the server's request journal shows it) before the agent acts.

Prints one JSON object. Usage: python bench.py --base-url URL [--calls N] [--wakeups M]
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.request
from typing import Any, Dict, List

import axme
from axme import AxmeClient, AxmeClientConfig


def http_json(method: str, url: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def percentile(values: List[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--wakeups", type=int, default=200)
    args = parser.parse_args()

    cred = http_json("POST", args.base_url + "/_faults/credentials", {"name": "python-bench"})
    journal_url = f"{args.base_url}/_faults/credentials/{cred['credential_id']}/requests"
    client = AxmeClient(AxmeClientConfig(base_url=args.base_url, api_key=cred["api_key"]))
    agent = AxmeClient(AxmeClientConfig(base_url=args.base_url, api_key=cred["api_key"]))
    to = "agent://bench/python/worker"

    intent_id = client.send_intent({"intent_type": "bench.noop.v1", "to_agent": to, "payload": {}})
    for _ in range(50):  # warm-up: connections, caches
        client.get_intent(intent_id)
    started = time.perf_counter()
    for _ in range(args.calls):
        client.get_intent(intent_id)
    elapsed = time.perf_counter() - started

    latencies: List[float] = []
    ids: List[str] = []
    for _ in range(args.wakeups):
        iid = client.send_intent({"intent_type": "bench.noop.v1", "to_agent": to, "payload": {}})
        ids.append(iid)
        done: Dict[str, float] = {}

        def wait(iid: str = iid, done: Dict[str, float] = done) -> None:
            client.wait_for(iid, timeout_seconds=30)
            done["at"] = time.perf_counter()

        waiter = threading.Thread(target=wait)
        waiter.start()
        # Setup, not measured: give the waiter time to open its stream and take the backlog. The
        # journal check below proves afterwards that every stream was open before the resume.
        time.sleep(0.05)
        resumed = time.perf_counter()
        agent.resume_intent(iid, {"action": "complete", "result": {}})
        waiter.join()
        latencies.append((done["at"] - resumed) * 1000)

    journal = http_json("GET", journal_url)["requests"]
    def first(iid: str, route_end: str) -> float:
        return min(
            r["elapsed_ms"]
            for r in journal
            if (r["route"] or "").endswith(route_end) and iid in r["path"]
        )

    for iid in ids:
        if not first(iid, "/events/stream") < first(iid, "/resume"):
            raise RuntimeError(f"the waiter of {iid} was not listening before the resume")

    print(
        json.dumps(
            {
                "package": f"axme {getattr(axme, '__version__', '0.2.0')}",
                "get_intent_per_second": round(args.calls / elapsed, 1),
                "wakeup_ms_p50": round(statistics.median(latencies), 3),
                "wakeup_ms_p90": round(percentile(latencies, 90), 3),
                "wakeup_ms_max": round(max(latencies), 3),
                "calls": args.calls,
                "wakeups": args.wakeups,
            }
        )
    )
    client.close()
    agent.close()


if __name__ == "__main__":
    main()
