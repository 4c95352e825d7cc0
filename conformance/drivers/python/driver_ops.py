"""What each driver-protocol operation does with the Python SDK (``AsyncAxmeClient``).

Protocol arguments use the core's snake_case names; they are mapped here to the SDK's keywords
(``timeout_ms`` → ``timeout_seconds``, a ``cancel_intent`` body → ``reason=``, ...). Per-call
options go through :func:`sdk_keywords`, which asks the method's real signature whether it takes
them: an option the SDK does not offer is answered ``unsupported``, never dropped silently.
"""

from __future__ import annotations

import base64
import binascii
import inspect
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional

import axme
from axme import AsyncAxmeClient, AsyncEventIterator, AxmeClientConfig

from driver_errors import DriverMisuse, Unsupported

__all__ = ["Session", "OPERATIONS", "FEATURES"]

Args = Mapping[str, Any]

#: What this driver can do with the Python SDK (driver-protocol.md, Features).
FEATURES = [
    "intents",
    "observe",
    "wait_for",
    "listen",
    "cancel",
    "mcp",
    "mesh",
    "generic_call",
    "config.retry_budget",
]

# Protocol option → SDK keyword (`timeout_ms` becomes seconds).
_OPTION_KEYWORDS = {
    "idempotency_key": "idempotency_key",
    "trace_id": "trace_id",
    "owner_agent": "owner_agent",
    "timeout_ms": "timeout_seconds",
}


class Session:
    """The clients created by ``client.new``, by name."""

    def __init__(self) -> None:
        self.clients: Dict[str, AsyncAxmeClient] = {}

    def client(self, name: str) -> AsyncAxmeClient:
        client = self.clients.get(name)
        if client is None:
            known = ", ".join(sorted(self.clients)) or "none"
            raise DriverMisuse(f"no client named {name!r} (created so far: {known})")
        return client

    def close_all(self) -> None:
        for client in self.clients.values():
            client.close()
        self.clients.clear()


def sdk_keywords(method: Callable[..., Any], options: Args) -> Dict[str, Any]:
    """The SDK keywords for the request's ``options``, checked against ``method``'s signature."""
    params = inspect.signature(method).parameters
    keywords: Dict[str, Any] = {}
    for name, value in options.items():
        if value is None:
            continue
        keyword = _OPTION_KEYWORDS.get(name)
        if keyword is None or keyword not in params:
            raise Unsupported(
                f"{method.__name__} of the Python SDK takes no {name!r} option "
                f"(its keywords: {', '.join(params)})"
            )
        keywords[keyword] = _seconds(value) if name == "timeout_ms" else value
    return keywords


def _required(args: Args, name: str, op: str) -> Any:
    if args.get(name) is None:
        raise DriverMisuse(f"{op}: argument {name!r} is required")
    return args[name]


def _only(args: Args, op: str, *accepted: str) -> None:
    unknown = sorted(set(args) - set(accepted))
    if unknown:
        raise DriverMisuse(
            f"{op}: unknown argument(s) {', '.join(unknown)}; accepted: {', '.join(accepted)}"
        )


def _seconds(ms: Any) -> Any:
    """Milliseconds → seconds; anything but a number is passed on for the SDK to reject."""
    if isinstance(ms, (int, float)) and not isinstance(ms, bool):
        return ms / 1000
    return ms


def _stream_keywords(args: Args, options: Args, *, poll: bool) -> Dict[str, Any]:
    keywords: Dict[str, Any] = {}
    for name in ("since", "wait_seconds"):
        if args.get(name) is not None:
            keywords[name] = args[name]
    if poll and args.get("poll_interval_ms") is not None:
        keywords["poll_interval_seconds"] = _seconds(args["poll_interval_ms"])
    timeout_ms = args.get("timeout_ms", options.get("timeout_ms"))
    if timeout_ms is not None:
        keywords["timeout_seconds"] = _seconds(timeout_ms)
    if options.get("trace_id") is not None:
        keywords["trace_id"] = options["trace_id"]
    for name in ("idempotency_key", "owner_agent"):
        if options.get(name) is not None:
            raise Unsupported(f"observe/wait_for/listen of the Python SDK take no {name!r} option")
    return keywords


async def _collect(stream: AsyncEventIterator[Any], max_events: Optional[int]) -> Dict[str, Any]:
    """Every item the SDK's iterator yields, until it ends or ``max_events`` arrived."""
    events: List[Any] = []
    try:
        if max_events is None or max_events > 0:
            async for item in stream:
                events.append(item)
                if max_events is not None and len(events) >= max_events:
                    break
    finally:
        stream.close()
    return {"events": events}


# ------------------------------------------------------------------------------------------------
# Operations: (session, client name, args, options) → result
# ------------------------------------------------------------------------------------------------

Handler = Callable[[Session, str, Args, Args], Awaitable[Any]]


async def client_new(session: Session, _client: str, args: Args, options: Args) -> Any:
    _only(args, "client.new", "name", "config")
    name = args.get("name", "default")
    config = dict(args.get("config") or {})
    # Unknown fields are a TypeError and bad values a ValueError: both invalid_argument.
    client = AsyncAxmeClient(AxmeClientConfig(**config))
    previous = session.clients.pop(name, None)
    if previous is not None:
        previous.close()
    session.clients[name] = client
    return {}


async def client_close(session: Session, _client: str, args: Args, options: Args) -> Any:
    _only(args, "client.close", "name")
    name = args.get("name", "default")
    await session.client(name).aclose()
    del session.clients[name]
    return {}


async def health(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "health")
    client = session.client(name)
    return await client.health(**sdk_keywords(client.health, options))


async def create_intent(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "create_intent", "intent")
    client = session.client(name)
    intent = _required(args, "intent", "create_intent")
    # The SDK keeps 0.2.0's required `correlation_id` keyword; an application without one of its
    # own passes a fresh UUID (the same value send_intent mints).
    correlation_id = intent.get("correlation_id") if isinstance(intent, Mapping) else None
    return await client.create_intent(
        intent,
        correlation_id=correlation_id or str(uuid.uuid4()),
        **sdk_keywords(client.create_intent, options),
    )


async def send_intent(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "send_intent", "intent")
    client = session.client(name)
    intent = _required(args, "intent", "send_intent")
    intent_id = await client.send_intent(intent, **sdk_keywords(client.send_intent, options))
    return {"intent_id": intent_id}


async def get_intent(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "get_intent", "intent_id")
    client = session.client(name)
    intent_id = _required(args, "intent_id", "get_intent")
    return await client.get_intent(intent_id, **sdk_keywords(client.get_intent, options))


async def list_intent_events(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "list_intent_events", "intent_id", "since")
    client = session.client(name)
    intent_id = _required(args, "intent_id", "list_intent_events")
    return await client.list_intent_events(
        intent_id, since=args.get("since"), **sdk_keywords(client.list_intent_events, options)
    )


async def resolve_intent(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "resolve_intent", "intent_id", "body")
    client = session.client(name)
    return await client.resolve_intent(
        _required(args, "intent_id", "resolve_intent"),
        _required(args, "body", "resolve_intent"),
        **sdk_keywords(client.resolve_intent, options),
    )


async def resume_intent(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "resume_intent", "intent_id", "body")
    client = session.client(name)
    return await client.resume_intent(
        _required(args, "intent_id", "resume_intent"),
        _required(args, "body", "resume_intent"),
        **sdk_keywords(client.resume_intent, options),
    )


async def cancel_intent(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "cancel_intent", "intent_id", "body")
    client = session.client(name)
    body = dict(args.get("body") or {})
    reason = body.pop("reason", None)
    if body:
        raise Unsupported(
            f"cancel_intent of the Python SDK takes only a reason, not {', '.join(sorted(body))}"
        )
    return await client.cancel_intent(
        _required(args, "intent_id", "cancel_intent"),
        reason=reason,
        **sdk_keywords(client.cancel_intent, options),
    )


async def observe(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "observe", "intent_id", "since", "wait_seconds", "poll_interval_ms",
          "timeout_ms", "max_events")
    client = session.client(name)
    stream = client.observe(
        _required(args, "intent_id", "observe"), **_stream_keywords(args, options, poll=True)
    )
    return await _collect(stream, args.get("max_events"))


async def wait_for(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "wait_for", "intent_id", "since", "wait_seconds", "timeout_ms")
    client = session.client(name)
    return await client.wait_for(
        _required(args, "intent_id", "wait_for"), **_stream_keywords(args, options, poll=False)
    )


async def listen(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "listen", "address", "since", "wait_seconds", "status", "timeout_ms",
          "max_events")
    client = session.client(name)
    keywords = _stream_keywords(args, options, poll=False)
    if args.get("status") is not None:
        keywords["status"] = args["status"]
    stream = client.listen(_required(args, "address", "listen"), **keywords)
    return await _collect(stream, _required(args, "max_events", "listen"))


async def mcp_initialize(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "mcp_initialize")
    client = session.client(name)
    return await client.mcp_initialize(**sdk_keywords(client.mcp_initialize, options))


async def mcp_list_tools(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "mcp_list_tools")
    client = session.client(name)
    return await client.mcp_list_tools(**sdk_keywords(client.mcp_list_tools, options))


async def mcp_call_tool(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "mcp_call_tool", "name", "arguments")
    client = session.client(name)
    return await client.mcp_call_tool(
        _required(args, "name", "mcp_call_tool"),
        arguments=args.get("arguments"),
        **sdk_keywords(client.mcp_call_tool, options),
    )


async def mesh_heartbeat(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "mesh.heartbeat", "address", "metrics")
    if args.get("address") is not None:
        raise Unsupported(
            "mesh.heartbeat of the Python SDK takes no address: it beats for the credential's agent"
        )
    mesh = session.client(name).mesh
    keywords = sdk_keywords(mesh.heartbeat, options)
    return await mesh.heartbeat(metrics=args.get("metrics"), **keywords)


async def mesh_report_metric(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "mesh.report_metric", "success", "latency_ms", "cost_usd")
    mesh = session.client(name).mesh
    mesh.report_metric(**args, **sdk_keywords(mesh.report_metric, options))
    return {}


async def mesh_flush_metrics(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "mesh.flush_metrics")
    mesh = session.client(name).mesh
    return await mesh.flush_metrics(**sdk_keywords(mesh.flush_metrics, options))


async def mesh_kill(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "mesh.kill", "address_id")
    mesh = session.client(name).mesh
    return await mesh.kill(
        _required(args, "address_id", "mesh.kill"), **sdk_keywords(mesh.kill, options)
    )


async def mesh_resume(session: Session, name: str, args: Args, options: Args) -> Any:
    _only(args, "mesh.resume", "address_id")
    mesh = session.client(name).mesh
    return await mesh.resume(
        _required(args, "address_id", "mesh.resume"), **sdk_keywords(mesh.resume, options)
    )


def _from_protocol(value: Any) -> Any:
    """``{"$bytes": "<base64>"}`` → ``bytes`` (driver-protocol.md, Bytes), anywhere in ``value``."""
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get("$bytes"), str):
            try:
                return base64.b64decode(value["$bytes"], validate=True)
            except binascii.Error as e:
                raise DriverMisuse(f"$bytes is not base64: {e}") from None
        return {k: _from_protocol(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_protocol(v) for v in value]
    return value


def _to_protocol(value: Any) -> Any:
    """A ``bytes`` return value → ``{"$bytes": "<base64>"}``."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _is_generated(owner: Any, name: str) -> bool:
    """Whether ``owner.name`` is a generated operation: defined in the generated mixins of
    ``axme._operations``, not by the hand-written client (those have their own ops)."""
    for cls in type(owner).__mro__:
        if name in vars(cls):
            return cls.__module__ == "axme._operations" and inspect.iscoroutinefunction(
                vars(cls)[name]
            )
    return False


async def call(session: Session, name: str, args: Args, options: Args) -> Any:
    """A generated operation by its SDK method name (``list_inbox``, ``mesh.list_agents``)."""
    _only(args, "call", "method", "args")
    client = session.client(name)
    method_name = _required(args, "method", "call")
    owner: Any = client
    if isinstance(method_name, str) and method_name.startswith("mesh."):
        owner, method_name = client.mesh, method_name[5:]
    if not isinstance(method_name, str) or not _is_generated(owner, method_name):
        raise Unsupported(f"the Python SDK has no generated operation method {method_name!r}")
    method = getattr(owner, method_name)
    keywords = _from_protocol(dict(args.get("args") or {}))
    params = inspect.signature(method).parameters
    unknown = sorted(set(keywords) - set(params))
    if unknown:
        raise Unsupported(
            f"{method_name} of the Python SDK takes no {', '.join(unknown)} "
            f"(its parameters: {', '.join(params)})"
        )
    keywords.update(sdk_keywords(method, options))
    return _to_protocol(await method(**keywords))


OPERATIONS: Dict[str, Handler] = {
    "client.new": client_new,
    "client.close": client_close,
    "health": health,
    "create_intent": create_intent,
    "send_intent": send_intent,
    "get_intent": get_intent,
    "list_intent_events": list_intent_events,
    "resolve_intent": resolve_intent,
    "resume_intent": resume_intent,
    "cancel_intent": cancel_intent,
    "observe": observe,
    "wait_for": wait_for,
    "listen": listen,
    "mcp_initialize": mcp_initialize,
    "mcp_list_tools": mcp_list_tools,
    "mcp_call_tool": mcp_call_tool,
    "mesh.heartbeat": mesh_heartbeat,
    "mesh.report_metric": mesh_report_metric,
    "mesh.flush_metrics": mesh_flush_metrics,
    "mesh.kill": mesh_kill,
    "mesh.resume": mesh_resume,
    "call": call,
}

SDK_VERSION = axme.__version__
