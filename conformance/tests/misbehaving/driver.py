"""A conformance driver built to misbehave, for the runner's own tests (tests/misbehaving/mod.rs).

It stands between the runner and the honest Rust driver (`axme-conformance driver-rust`) and
changes what passes through in one way, chosen by its first argument, the way a faulty SDK
would. A case about that behaviour must then fail: that is what the tests check.

    python3 driver.py <mode> <axme-conformance executable>

Modes:
  ignore_cancel          answers `cancel` itself (the target "canceled") but never stops the
                         SDK's call: the stream or request stays open
  one_key                every write reuses one Idempotency-Key, whatever the call
  doubles                integers in results come back as doubles (2^53 + 1 → 2^53)
  validation_as_server   errors of kind validation are reported as kind server
  conflict_as_validation errors of kind conflict are reported as kind validation
  drop_last_event        observe results lose their last event
  lenient_config         every other client.new gets the default client's base_url, so an
                         unusable one is never refused
  timeout_as_connection  errors of kind timeout are reported as kind connection
  mcp_as_server          errors of kind mcp are reported as kind server
  auth_as_not_found      errors of kind auth are reported as kind not_found
"""

import json
import subprocess
import sys
import threading

MODE = sys.argv[1]
CHILD = subprocess.Popen(
    [sys.argv[2], "driver-rust"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
)
OUT = threading.Lock()
ANSWERED = set()  # ids this proxy answered itself; the child's answer to them is dropped
OBSERVES = set()  # ids of observe requests
CONFIG = {}  # the default client's config, for lenient_config
KIND_SWAPS = {
    "validation_as_server": ("validation", "server"),
    "conflict_as_validation": ("conflict", "validation"),
    "timeout_as_connection": ("timeout", "connection"),
    "mcp_as_server": ("mcp", "server"),
    "auth_as_not_found": ("auth", "not_found"),
}


def say(message):
    with OUT:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


def to_child(message):
    CHILD.stdin.write(json.dumps(message) + "\n")
    CHILD.stdin.flush()


def doubles(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, list):
        return [doubles(v) for v in value]
    if isinstance(value, dict):
        return {k: doubles(v) for k, v in value.items()}
    return value


def request(req):
    """Change a request on its way to the SDK; True when this proxy answered it itself."""
    op, args = req.get("op"), req.get("args") or {}
    if op == "observe":
        OBSERVES.add(req.get("id"))
    if MODE == "ignore_cancel" and op == "cancel":
        target = args.get("target")
        ANSWERED.add(target)
        say({"id": target, "ok": False, "error": {"kind": "canceled", "message": "faked"}})
        say({"id": req["id"], "ok": True, "result": {}})
        return True
    if MODE == "one_key" and op in ("send_intent", "create_intent"):
        req.setdefault("options", {})["idempotency_key"] = "the-one-key"
    if MODE == "lenient_config" and op == "client.new":
        config = args.get("config") or {}
        if args.get("name") == "default":
            CONFIG.update(config)
        elif "base_url" in config:
            config["base_url"] = CONFIG.get("base_url")
    return False


def answer(ans):
    """Change an answer on its way back to the runner."""
    if MODE in KIND_SWAPS and ans.get("ok") is False:
        honest, reported = KIND_SWAPS[MODE]
        if ans["error"].get("kind") == honest:
            ans["error"]["kind"] = reported
    if MODE == "doubles" and ans.get("ok"):
        ans["result"] = doubles(ans["result"])
    if MODE == "drop_last_event" and ans.get("ok") and ans.get("id") in OBSERVES:
        events = ans["result"].get("events")
        if isinstance(events, list) and events:
            events.pop()
    return ans


def pump_answers():
    first = True
    for line in CHILD.stdout:
        message = json.loads(line)
        if first:  # the hello, as the SDK said it
            first = False
            say(message)
            continue
        if message.get("id") in ANSWERED:
            continue
        say(answer(message))


threading.Thread(target=pump_answers, daemon=True).start()
for line in sys.stdin:
    if not line.strip():
        continue
    req = json.loads(line)
    if not request(req):
        to_child(req)
CHILD.stdin.close()
CHILD.wait(timeout=5)
