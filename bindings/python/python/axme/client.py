"""The AXME clients: :class:`AxmeClient` (blocking) and :class:`AsyncAxmeClient` (asyncio).

Both run on the Rust engine ``axme-core`` through the native module ``axme._native``: retries
with one ``Idempotency-Key`` per logical write, SSE with resume and gap filling, and typed errors
are the engine's, so every AXME SDK behaves the same. The operation methods (``get_intent``,
``resolve_intent``, ...) come from the generated mixins in ``axme._operations``; this module adds
the configuration, the transport hooks they call, and the hand-written calls (``send_intent``,
``observe``, ``wait_for``, ``listen``, ``cancel_intent``).
"""

from __future__ import annotations

import json
import logging
import weakref
from dataclasses import dataclass
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
    cast,
)

from . import _native
from ._operations import AsyncOperations, SyncOperations
from ._streams import AsyncEventIterator, EventIterator
from .mesh import AsyncMeshClient, MeshClient
from ._version import __version__
from .exceptions import AxmeInvalidArgumentError, AxmeProtocolError

if TYPE_CHECKING:
    from .types import AgentDelivery, CreateIntentRequest, IntentEvent, ResolveIntentResponse

__all__ = [
    "DEFAULT_BASE_URL",
    "TERMINAL_STATUSES",
    "AxmeClientConfig",
    "AxmeClient",
    "AsyncAxmeClient",
]

DEFAULT_BASE_URL = "https://api.cloud.axme.ai"

#: Statuses after which an intent never changes again.
TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELED", "TIMED_OUT"})
_TERMINAL_EVENTS = frozenset(
    {"intent.completed", "intent.failed", "intent.canceled", "intent.timed_out"}
)

_log = logging.getLogger("axme")


@dataclass(frozen=True)
class AxmeClientConfig:
    """Client configuration: the fields, defaults and checks of the public ``axme`` 0.2.0
    package, plus three engine options at the end.

    ``bearer_token`` is an alias of ``actor_token`` (both given and different is an error).
    ``mcp_observer`` is kept for compatibility. Further checks (URL shape, header-safe secrets,
    positive timeouts) run when a client is built from the config and raise
    :class:`~axme.exceptions.AxmeInvalidArgumentError` (a ``ValueError``).
    """

    base_url: str = DEFAULT_BASE_URL
    api_key: str = ""
    actor_token: Optional[str] = None
    bearer_token: Optional[str] = None
    timeout_seconds: float = 15.0
    max_retries: int = 2
    retry_backoff_seconds: float = 0.2
    auto_trace_id: bool = True
    default_owner_agent: Optional[str] = None
    mcp_endpoint_path: str = "/mcp"
    mcp_protocol_version: str = "2024-11-05"
    mcp_observer: Optional[Callable[[Dict[str, Any]], None]] = None
    #: Mint one ``Idempotency-Key`` per write call that has none, so every write is retry-safe.
    auto_idempotency_key: bool = True
    #: Upper bound of one retry backoff, in seconds.
    retry_backoff_cap_seconds: float = 8.0
    #: Capacity of the client's retry budget in tokens: a retry costs 5 (10 after a timeout), a
    #: success refunds 1, and an empty bucket stops retries (no retry storms).
    retry_budget: int = 500

    def __post_init__(self) -> None:
        if not isinstance(self.base_url, str) or not self.base_url.strip():
            raise ValueError("base_url must be a non-empty string")
        if not isinstance(self.api_key, str) or not self.api_key.strip():
            raise ValueError("api_key must be a non-empty string")
        if self.actor_token and self.bearer_token and self.actor_token != self.bearer_token:
            raise ValueError("actor_token and bearer_token must match when both are provided")
        if self.actor_token is None and self.bearer_token is not None:
            object.__setattr__(self, "actor_token", self.bearer_token)

    def _engine_json(self) -> str:
        """The engine's configuration object (``axme_core::Config``) as JSON."""
        return _dumps(
            {
                "base_url": self.base_url,
                "api_key": self.api_key,
                "actor_token": self.actor_token or None,
                "timeout_seconds": self.timeout_seconds,
                "max_retries": self.max_retries,
                "retry_backoff_seconds": self.retry_backoff_seconds,
                "retry_backoff_cap_seconds": self.retry_backoff_cap_seconds,
                "retry_budget": self.retry_budget,
                "auto_trace_id": self.auto_trace_id,
                "auto_idempotency_key": self.auto_idempotency_key,
                "default_owner_agent": self.default_owner_agent,
                "mcp_endpoint_path": self.mcp_endpoint_path,
                "mcp_protocol_version": self.mcp_protocol_version,
                "client_language": "python",
                "client_version": __version__,
            }
        )


# ------------------------------------------------------------------------------------------------
# Argument checks (all run before any request is sent)
# ------------------------------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError as e:  # NaN / infinity
        raise AxmeInvalidArgumentError(f"value is not valid JSON: {e}") from None


def _non_empty_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise AxmeInvalidArgumentError(f"{name} must be a non-empty string")
    return value


def _opt_str(name: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    return _non_empty_str(name, value)


def _int(name: str, value: Any, minimum: int, maximum: Optional[int] = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise AxmeInvalidArgumentError(f"{name} must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise AxmeInvalidArgumentError(f"{name} must be <= {maximum}")
    return value


def _seconds(name: str, value: Any, *, allow_zero: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    if value != value or value in (float("inf"), float("-inf")):
        raise AxmeInvalidArgumentError(f"{name} must be finite")
    if value < 0 or (value == 0 and not allow_zero):
        raise AxmeInvalidArgumentError(f"{name} must be {'>= 0' if allow_zero else '> 0'}")
    return float(value)


def _opt_timeout(name: str, value: Any) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    if not value > 0:
        raise AxmeInvalidArgumentError(f"{name} must be > 0 when provided")
    return _seconds(name, value, allow_zero=False)


def _intent_body(payload: Any, correlation_id: Optional[str]) -> Dict[str, Any]:
    if not isinstance(payload, Mapping):
        raise TypeError(f"payload must be a dict, not {type(payload).__name__}")
    body = dict(payload)
    if correlation_id is not None:
        _non_empty_str("correlation_id", correlation_id)
        existing = body.get("correlation_id")
        if existing is not None and existing != correlation_id:
            raise AxmeInvalidArgumentError(
                "payload correlation_id must match correlation_id argument"
            )
        body["correlation_id"] = correlation_id
    return body


def _intent_id(created: Any) -> str:
    intent_id = created.get("intent_id") if isinstance(created, dict) else None
    if not isinstance(intent_id, str) or not intent_id:
        raise AxmeProtocolError("create_intent response does not include string intent_id")
    return intent_id


def _observe_kwargs(
    intent_id: Any,
    since: Any,
    wait_seconds: Any,
    poll_interval_seconds: Any,
    timeout_seconds: Any,
    trace_id: Any,
) -> Dict[str, Any]:
    _non_empty_str("intent_id", intent_id)
    return {
        "since": _int("since", since, 0),
        "wait_seconds": _int("wait_seconds", wait_seconds, 1, 60),
        "poll_interval_seconds": _seconds(
            "poll_interval_seconds", poll_interval_seconds, allow_zero=True
        ),
        "timeout_seconds": _opt_timeout("timeout_seconds", timeout_seconds),
        "trace_id": _opt_str("trace_id", trace_id),
    }


def _listen_kwargs(
    address: Any,
    since: Any,
    wait_seconds: Any,
    timeout_seconds: Any,
    status: Any,
    trace_id: Any,
) -> Dict[str, Any]:
    _non_empty_str("address", address)
    statuses: Optional[List[str]]
    if status is None:
        statuses = None
    elif isinstance(status, str):
        statuses = [s.strip() for s in status.split(",") if s.strip()]
        if not statuses:
            raise AxmeInvalidArgumentError("status must name at least one status")
    elif isinstance(status, Sequence) and all(isinstance(s, str) for s in status):
        statuses = [s.strip() for s in status]
        if not statuses or not all(statuses):
            raise AxmeInvalidArgumentError("status must name at least one status")
    else:
        raise TypeError("status must be a comma-separated string or a list of strings")
    return {
        "since": _int("since", since, 0),
        "wait_seconds": _int("wait_seconds", wait_seconds, 1, 60),
        "timeout_seconds": _opt_timeout("timeout_seconds", timeout_seconds),
        "status": statuses,
        "trace_id": _opt_str("trace_id", trace_id),
    }


def _cancel_kwargs(intent_id: Any, **kwargs: Any) -> Dict[str, Any]:
    _non_empty_str("intent_id", intent_id)
    for name, value in kwargs.items():
        _opt_str(name, value)
    return kwargs


def _mcp_tool_args(
    name: Any,
    arguments: Any,
    owner_agent: Any,
    idempotency_key: Any,
    trace_id: Any,
    validate_input_schema: Any,
    retryable: Any,
) -> Dict[str, Any]:
    if not isinstance(name, str) or not name.strip():
        raise AxmeInvalidArgumentError("tool name must be non-empty string")
    if arguments is not None and not isinstance(arguments, Mapping):
        raise TypeError(f"arguments must be a dict, not {type(arguments).__name__}")
    if retryable is not None and not isinstance(retryable, bool):
        raise TypeError("retryable must be a bool or None")
    return {
        "arguments_json": _dumps(dict(arguments) if arguments is not None else None),
        "owner_agent": _opt_str("owner_agent", owner_agent),
        "idempotency_key": _opt_str("idempotency_key", idempotency_key),
        "trace_id": _opt_str("trace_id", trace_id),
        "validate_input_schema": bool(validate_input_schema),
        "retryable": retryable,
    }


def _is_terminal(event: Any) -> bool:
    return event.get("status") in TERMINAL_STATUSES or event.get("event_type") in _TERMINAL_EVENTS


def _call_args(op_id: Any, args: Optional[Mapping[str, Any]]) -> Tuple[str, Optional[bytes]]:
    """The JSON args of the generic call and, for a raw-byte body (a media upload), the bytes,
    which travel beside the JSON rather than inside it."""
    if not isinstance(op_id, str):
        raise TypeError("op_id must be a string")
    if args is None:
        return "{}", None
    body = args.get("body")
    if isinstance(body, (bytes, bytearray, memoryview)):
        rest = {k: v for k, v in args.items() if v is not None and k != "body"}
        return _dumps(rest), bytes(body)
    # A JSON array is a valid body too (a JSON-RPC batch for `mcp_request`).
    if body is not None and not isinstance(body, (Mapping, list, tuple)):
        raise TypeError(
            f"{op_id}: the payload must be a dict (or a list for a JSON array body), "
            f"not {type(body).__name__}"
        )
    return _dumps({k: v for k, v in args.items() if v is not None}), None


class _ClientBase:
    """What both clients share: the config, the native client and the open streams."""

    def __init__(self, config: AxmeClientConfig, *, http_client: Any = None) -> None:
        if not isinstance(config, AxmeClientConfig):
            raise TypeError(
                f"config must be an AxmeClientConfig, not {type(config).__name__}"
            )
        if http_client is not None:
            raise TypeError(
                "http_client is not supported: this SDK sends requests through its native "
                "engine (see AxmeClientConfig for timeouts and retries)"
            )
        self._config = config
        self._native = _native.NativeClient(config._engine_json())
        self._streams: "weakref.WeakSet[Union[EventIterator[Any], AsyncEventIterator[Any]]]" = (
            weakref.WeakSet()
        )
        self._closed = False
        self._mesh: Any = None
        _log.debug(
            "axme client for %s (%s)", self._native.base_url, self._native.client_identity
        )

    @property
    def config(self) -> AxmeClientConfig:
        """The configuration this client was built with."""
        return self._config

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    @property
    def mcp_session_id(self) -> Optional[str]:
        """The MCP session the last ``mcp_initialize`` opened (protocol 2025-11-25; ``None`` with
        2024-11-05), to end it with ``mcp_end_session``. The next MCP call after that opens a new
        session by itself."""
        return self._native.mcp_session_id

    def _check_open(self) -> _native.NativeClient:
        if self._closed:
            raise RuntimeError("this AXME client has been closed")
        return self._native

    def _close_streams(self) -> None:
        if not self._closed:
            self._native.mesh_stop_heartbeat()
        self._closed = True
        for stream in list(self._streams):
            stream.close()
        self._streams.clear()

    def _notify_mcp(self, event: Dict[str, Any]) -> None:
        observer = self._config.mcp_observer
        if observer is not None:
            observer(event)

    def _mcp_result(self, method: str, text: str) -> Dict[str, Any]:
        result: Dict[str, Any] = json.loads(text)
        if isinstance(result, dict):
            self._notify_mcp(
                {"phase": "response", "method": method, "rpc_id": None,
                 "result_keys": sorted(result.keys())}
            )
        return result


class AxmeClient(SyncOperations, _ClientBase):
    """The blocking client.

    ``AxmeClient(AxmeClientConfig(api_key=..., base_url=...))``. Calls release the GIL while
    they wait, so threads run in parallel, and Ctrl-C interrupts a call, an iteration of
    ``observe``/``listen`` or a ``wait_for`` promptly. Use it as a context manager or call
    :meth:`close` to stop the streams it opened.
    """

    def close(self) -> None:
        """Stop every stream this client opened; later calls raise ``RuntimeError``."""
        self._close_streams()

    def __enter__(self) -> "AxmeClient":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    # -- the hook the generated operations call --------------------------------------------------

    def _call(self, op_id: str, args: Optional[Mapping[str, Any]] = None) -> Any:
        native = self._check_open()
        payload, content = _call_args(op_id, args)
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("call %s", op_id)
        return json.loads(native.call(op_id, payload, content))

    def _call_bytes(self, op_id: str, args: Optional[Mapping[str, Any]] = None) -> bytes:
        """``_call`` for an operation that answers raw bytes (a media download)."""
        native = self._check_open()
        payload, content = _call_args(op_id, args)
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("call %s", op_id)
        return native.call_bytes(op_id, payload, content)

    # -- hand-written calls ----------------------------------------------------------------------

    def send_intent(
        self,
        payload: Union[Mapping[str, Any], "CreateIntentRequest"],
        *,
        correlation_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        trace_id: Optional[str] = None,
    ) -> str:
        """Create an intent and return its id; a ``correlation_id`` is minted when none is
        given (in the argument or the payload)."""
        body = _intent_body(payload, correlation_id)
        native = self._check_open()
        created = native.create_intent(
            _dumps(body),
            idempotency_key=_opt_str("idempotency_key", idempotency_key),
            trace_id=_opt_str("trace_id", trace_id),
        )
        return _intent_id(json.loads(created))

    def observe(
        self,
        intent_id: str,
        *,
        since: int = 0,
        wait_seconds: int = 15,
        poll_interval_seconds: float = 1.0,
        timeout_seconds: Optional[float] = None,
        trace_id: Optional[str] = None,
    ) -> "EventIterator[IntentEvent]":
        """Iterate over the intent's events with ``seq > since``, in order and without
        duplicates, across stream drops and window ends (SSE, falling back to polling every
        ``poll_interval_seconds`` when the server has no stream). Ends after the terminal event;
        raises :class:`~axme.exceptions.AxmeTimeoutError` (a ``TimeoutError``) once
        ``timeout_seconds`` have passed. Every request of the stream (reconnects, polls)
        carries ``trace_id``, or one id minted for the whole call."""
        kwargs = _observe_kwargs(
            intent_id, since, wait_seconds, poll_interval_seconds, timeout_seconds, trace_id
        )
        native = self._check_open()
        events: "EventIterator[IntentEvent]" = EventIterator(native.observe(intent_id, **kwargs))
        self._streams.add(events)
        return events

    def wait_for(
        self,
        intent_id: str,
        *,
        since: int = 0,
        wait_seconds: int = 15,
        poll_interval_seconds: float = 1.0,
        timeout_seconds: Optional[float] = None,
        trace_id: Optional[str] = None,
    ) -> "IntentEvent":
        """Wait until the intent reaches a terminal status and return that event; raise
        :class:`~axme.exceptions.AxmeTimeoutError` (a ``TimeoutError``) after
        ``timeout_seconds``."""
        with self.observe(
            intent_id,
            since=since,
            wait_seconds=wait_seconds,
            poll_interval_seconds=poll_interval_seconds,
            timeout_seconds=timeout_seconds,
            trace_id=trace_id,
        ) as events:
            for event in events:
                if _is_terminal(event):
                    return event
        raise AxmeProtocolError(
            f"intent observation finished without terminal event for {intent_id}"
        )

    def listen(
        self,
        address: str,
        *,
        since: int = 0,
        wait_seconds: int = 15,
        timeout_seconds: Optional[float] = None,
        status: Optional[Union[str, Sequence[str]]] = None,
        trace_id: Optional[str] = None,
    ) -> "EventIterator[AgentDelivery]":
        """Iterate over the intents delivered to an agent address (``agent://`` optional),
        reconnecting after every window, for ever or until ``timeout_seconds`` (then
        :class:`~axme.exceptions.AxmeTimeoutError`). ``status`` (comma-separated or a list)
        replaces the server's filter, which leaves finished intents out. A listener started
        again from ``since=0`` receives every unfinished intent again."""
        kwargs = _listen_kwargs(address, since, wait_seconds, timeout_seconds, status, trace_id)
        native = self._check_open()
        deliveries: "EventIterator[AgentDelivery]" = EventIterator(
            native.listen(address, **kwargs)
        )
        self._streams.add(deliveries)
        return deliveries

    def cancel_intent(
        self,
        intent_id: str,
        *,
        reason: Optional[str] = None,
        owner_agent: Optional[str] = None,
        x_owner_agent: Optional[str] = None,
        authorization: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        trace_id: Optional[str] = None,
    ) -> "ResolveIntentResponse":
        """Cancel the intent (``resolve_intent`` with status ``CANCELED``)."""
        kwargs = _cancel_kwargs(
            intent_id,
            reason=reason,
            owner_agent=owner_agent,
            x_owner_agent=x_owner_agent,
            authorization=authorization,
            idempotency_key=idempotency_key,
            trace_id=trace_id,
        )
        native = self._check_open()
        return cast("ResolveIntentResponse", json.loads(native.cancel_intent(intent_id, **kwargs)))

    @property
    def mesh(self) -> MeshClient:  # type: ignore[override]
        """Agent mesh calls: heartbeats, metrics, health, kill switch."""
        if self._mesh is None:
            self._mesh = MeshClient(self)
        mesh: MeshClient = self._mesh
        return mesh

    def mcp_initialize(
        self, *, protocol_version: Optional[str] = None, trace_id: Optional[str] = None
    ) -> Dict[str, Any]:
        """MCP ``initialize`` (protocol version from the config unless given); returns the
        JSON-RPC result."""
        native = self._check_open()
        self._notify_mcp({"phase": "request", "method": "initialize", "rpc_id": None, "retryable": True})
        text = native.mcp_initialize(
            protocol_version=_opt_str("protocol_version", protocol_version),
            trace_id=_opt_str("trace_id", trace_id),
        )
        return self._mcp_result("initialize", text)

    def mcp_list_tools(self, *, trace_id: Optional[str] = None) -> Dict[str, Any]:
        """MCP ``tools/list``; caches each tool's input schema for :meth:`mcp_call_tool`."""
        native = self._check_open()
        self._notify_mcp({"phase": "request", "method": "tools/list", "rpc_id": None, "retryable": True})
        text = native.mcp_list_tools(trace_id=_opt_str("trace_id", trace_id))
        return self._mcp_result("tools/list", text)

    def mcp_call_tool(
        self,
        name: str,
        *,
        arguments: Optional[Dict[str, Any]] = None,
        owner_agent: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        trace_id: Optional[str] = None,
        validate_input_schema: bool = True,
        retryable: Optional[bool] = None,
    ) -> Dict[str, Any]:
        """MCP ``tools/call``: ``owner_agent`` (or the config default) and ``idempotency_key``
        are put into the arguments when missing, the arguments are checked against the cached
        input schema (``ValueError``), and the call is retried only with an idempotency key or
        ``retryable=True``. JSON-RPC errors raise the 0.2.0 classes (-32001/-32003 auth, -32004
        rate limit, -32602 validation, other <= -32000 server)."""
        kwargs = _mcp_tool_args(
            name, arguments, owner_agent, idempotency_key, trace_id, validate_input_schema, retryable
        )
        native = self._check_open()
        self._notify_mcp(
            {"phase": "request", "method": "tools/call", "rpc_id": None,
             "retryable": retryable if retryable is not None else idempotency_key is not None}
        )
        text = native.mcp_call_tool(name, kwargs.pop("arguments_json"), **kwargs)
        return self._mcp_result("tools/call", text)


class AsyncAxmeClient(AsyncOperations, _ClientBase):
    """The asyncio client: every operation is awaitable; ``observe`` and ``listen`` return
    async iterators. Cancelling the task awaiting a call cancels the request in the engine.
    Use ``async with`` or call :meth:`aclose`."""

    async def aclose(self) -> None:
        """Stop every stream this client opened; later calls raise ``RuntimeError``."""
        self._close_streams()

    def close(self) -> None:
        """Synchronous spelling of :meth:`aclose`."""
        self._close_streams()

    async def __aenter__(self) -> "AsyncAxmeClient":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self._close_streams()

    # -- the hook the generated operations call --------------------------------------------------

    async def _acall(self, op_id: str, args: Optional[Mapping[str, Any]] = None) -> Any:
        native = self._check_open()
        payload, content = _call_args(op_id, args)
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("call %s", op_id)
        return json.loads(await native.acall(op_id, payload, content))

    async def _acall_bytes(self, op_id: str, args: Optional[Mapping[str, Any]] = None) -> bytes:
        """``_acall`` for an operation that answers raw bytes (a media download)."""
        native = self._check_open()
        payload, content = _call_args(op_id, args)
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("call %s", op_id)
        return await native.acall_bytes(op_id, payload, content)

    # -- hand-written calls ----------------------------------------------------------------------

    async def send_intent(
        self,
        payload: Union[Mapping[str, Any], "CreateIntentRequest"],
        *,
        correlation_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        trace_id: Optional[str] = None,
    ) -> str:
        """See :meth:`AxmeClient.send_intent`."""
        body = _intent_body(payload, correlation_id)
        native = self._check_open()
        created = await native.acreate_intent(
            _dumps(body),
            idempotency_key=_opt_str("idempotency_key", idempotency_key),
            trace_id=_opt_str("trace_id", trace_id),
        )
        return _intent_id(json.loads(created))

    def observe(
        self,
        intent_id: str,
        *,
        since: int = 0,
        wait_seconds: int = 15,
        poll_interval_seconds: float = 1.0,
        timeout_seconds: Optional[float] = None,
        trace_id: Optional[str] = None,
    ) -> "AsyncEventIterator[IntentEvent]":
        """See :meth:`AxmeClient.observe`; use with ``async for``."""
        kwargs = _observe_kwargs(
            intent_id, since, wait_seconds, poll_interval_seconds, timeout_seconds, trace_id
        )
        native = self._check_open()
        events: "AsyncEventIterator[IntentEvent]" = AsyncEventIterator(
            native.observe(intent_id, **kwargs)
        )
        self._streams.add(events)
        return events

    async def wait_for(
        self,
        intent_id: str,
        *,
        since: int = 0,
        wait_seconds: int = 15,
        poll_interval_seconds: float = 1.0,
        timeout_seconds: Optional[float] = None,
        trace_id: Optional[str] = None,
    ) -> "IntentEvent":
        """See :meth:`AxmeClient.wait_for`. Cancelling the awaiting task closes the stream."""
        events = self.observe(
            intent_id,
            since=since,
            wait_seconds=wait_seconds,
            poll_interval_seconds=poll_interval_seconds,
            timeout_seconds=timeout_seconds,
            trace_id=trace_id,
        )
        try:
            async for event in events:
                if _is_terminal(event):
                    return event
        finally:
            events.close()
        raise AxmeProtocolError(
            f"intent observation finished without terminal event for {intent_id}"
        )

    def listen(
        self,
        address: str,
        *,
        since: int = 0,
        wait_seconds: int = 15,
        timeout_seconds: Optional[float] = None,
        status: Optional[Union[str, Sequence[str]]] = None,
        trace_id: Optional[str] = None,
    ) -> "AsyncEventIterator[AgentDelivery]":
        """See :meth:`AxmeClient.listen`; use with ``async for``."""
        kwargs = _listen_kwargs(address, since, wait_seconds, timeout_seconds, status, trace_id)
        native = self._check_open()
        deliveries: "AsyncEventIterator[AgentDelivery]" = AsyncEventIterator(
            native.listen(address, **kwargs)
        )
        self._streams.add(deliveries)
        return deliveries

    async def cancel_intent(
        self,
        intent_id: str,
        *,
        reason: Optional[str] = None,
        owner_agent: Optional[str] = None,
        x_owner_agent: Optional[str] = None,
        authorization: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        trace_id: Optional[str] = None,
    ) -> "ResolveIntentResponse":
        """See :meth:`AxmeClient.cancel_intent`."""
        kwargs = _cancel_kwargs(
            intent_id,
            reason=reason,
            owner_agent=owner_agent,
            x_owner_agent=x_owner_agent,
            authorization=authorization,
            idempotency_key=idempotency_key,
            trace_id=trace_id,
        )
        native = self._check_open()
        text = await native.acancel_intent(intent_id, **kwargs)
        return cast("ResolveIntentResponse", json.loads(text))

    @property
    def mesh(self) -> AsyncMeshClient:  # type: ignore[override]
        """Agent mesh calls: heartbeats, metrics, health, kill switch."""
        if self._mesh is None:
            self._mesh = AsyncMeshClient(self)
        mesh: AsyncMeshClient = self._mesh
        return mesh

    async def mcp_initialize(
        self, *, protocol_version: Optional[str] = None, trace_id: Optional[str] = None
    ) -> Dict[str, Any]:
        """See :meth:`AxmeClient.mcp_initialize`."""
        native = self._check_open()
        self._notify_mcp({"phase": "request", "method": "initialize", "rpc_id": None, "retryable": True})
        text = await native.amcp_initialize(
            protocol_version=_opt_str("protocol_version", protocol_version),
            trace_id=_opt_str("trace_id", trace_id),
        )
        return self._mcp_result("initialize", text)

    async def mcp_list_tools(self, *, trace_id: Optional[str] = None) -> Dict[str, Any]:
        """See :meth:`AxmeClient.mcp_list_tools`."""
        native = self._check_open()
        self._notify_mcp({"phase": "request", "method": "tools/list", "rpc_id": None, "retryable": True})
        text = await native.amcp_list_tools(trace_id=_opt_str("trace_id", trace_id))
        return self._mcp_result("tools/list", text)

    async def mcp_call_tool(
        self,
        name: str,
        *,
        arguments: Optional[Dict[str, Any]] = None,
        owner_agent: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        trace_id: Optional[str] = None,
        validate_input_schema: bool = True,
        retryable: Optional[bool] = None,
    ) -> Dict[str, Any]:
        """See :meth:`AxmeClient.mcp_call_tool`."""
        kwargs = _mcp_tool_args(
            name, arguments, owner_agent, idempotency_key, trace_id, validate_input_schema, retryable
        )
        native = self._check_open()
        self._notify_mcp(
            {"phase": "request", "method": "tools/call", "rpc_id": None,
             "retryable": retryable if retryable is not None else idempotency_key is not None}
        )
        text = await native.amcp_call_tool(name, kwargs.pop("arguments_json"), **kwargs)
        return self._mcp_result("tools/call", text)
