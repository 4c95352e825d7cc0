"""The AXME clients: :class:`AxmeClient` (blocking) and :class:`AsyncAxmeClient` (asyncio).

Both run on the Rust engine ``axme-core`` through the native module ``axme._native``, which hands
every call to the engine's waist: retries with one ``Idempotency-Key`` per logical write, SSE with
resume and gap filling, waiting for a terminal event, argument and configuration checks, and typed
errors are the engine's, so every AXME SDK behaves the same. The operation methods
(``get_intent``, ``resolve_intent``, ...) come from the generated mixins in ``axme._operations``;
this module adds the configuration, the hooks they call, and the hand-written calls
(``send_intent``, ``observe``, ``wait_for``, ``listen``, ``cancel_intent``, MCP). Here only Python
types are checked (``TypeError``); values are the engine's to judge (``ValueError``).
"""

from __future__ import annotations

import json
import logging
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
from ._version import __version__
from ._waist import CONFIG_DEFAULTS, TERMINAL_STATUSES
from .exceptions import AxmeInvalidArgumentError, AxmeProtocolError
from .mesh import AsyncMeshClient, MeshClient

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

_log = logging.getLogger("axme")


class _NotGiven(str):
    """A default the caller did not give: equal to the 0.2.0 default, but the engine looks in the
    environment (``AXME_BASE_URL``, ``AXME_API_KEY``) before using it."""


@dataclass(frozen=True)
class AxmeClientConfig:
    """Client configuration: the fields, defaults and checks of the public ``axme`` 0.2.0
    package, plus three engine options at the end.

    ``base_url`` and ``api_key`` fall back to ``AXME_BASE_URL`` and ``AXME_API_KEY`` when not
    given; a blank one, or a key missing everywhere, raises
    :class:`~axme.exceptions.AxmeInvalidArgumentError` (a ``ValueError``) here, as do the
    engine's other checks (URL shape, header-safe secrets, positive timeouts). ``bearer_token`` is
    an alias of ``actor_token`` (both given and different is an error). ``mcp_observer`` is kept
    for compatibility.
    """

    base_url: str = _NotGiven(DEFAULT_BASE_URL)
    api_key: str = _NotGiven("")
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
        if self.actor_token is None and self.bearer_token is not None:
            object.__setattr__(self, "actor_token", self.bearer_token)
        _native.check_config(self._engine_json())

    def _engine_json(self) -> str:
        """The engine's configuration record (``ClientConfig``) as JSON."""
        fields = {name: getattr(self, name) for name in CONFIG_DEFAULTS if hasattr(self, name)}
        for name in ("base_url", "api_key"):
            if type(fields[name]) is _NotGiven:
                fields[name] = None
        fields["client_language"] = "python"
        fields["client_version"] = __version__
        return _dumps(fields)


def _dumps(value: Any) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError as e:  # NaN / infinity
        raise AxmeInvalidArgumentError(f"value is not valid JSON: {e}") from None


def _check(name: str, value: Any, types: Union[type, Tuple[type, ...]], optional: bool = True) -> Any:
    """``TypeError`` unless ``value`` is one of ``types`` (or ``None`` when optional); ``bool``
    never passes for a number."""
    if value is None and optional:
        return None
    wanted = types if isinstance(types, tuple) else (types,)
    if not isinstance(value, wanted) or (isinstance(value, bool) and bool not in wanted):
        names = " or ".join(t.__name__ for t in wanted)
        raise TypeError(f"{name} must be {names}, not {type(value).__name__}")
    return value


_OPTION_TYPES: Dict[str, Union[type, Tuple[type, ...]]] = {
    "retryable": bool, "validate_input_schema": bool, "timeout_seconds": (int, float)}


def _options(**fields: Any) -> Optional[str]:
    """A ``CallOptions`` record as JSON (``None`` when every field is unset)."""
    for name, value in fields.items():
        _check(name, value, _OPTION_TYPES.get(name, str))
    given = {k: v for k, v in fields.items() if v is not None}
    return _dumps(given) if given else None


def _stream_options(
    since: Any, wait_seconds: Any, poll_interval_seconds: Any = 1.0, timeout_seconds: Any = None,
    trace_id: Any = None, status: Any = None,
) -> str:
    """A ``StreamOptions`` record as JSON; ``status`` as a comma-separated string or a list."""
    statuses: Optional[List[str]] = None
    if isinstance(status, str):
        statuses = [s.strip() for s in status.split(",") if s.strip()]
    elif status is not None:
        if not isinstance(status, Sequence) or not all(isinstance(s, str) for s in status):
            raise TypeError("status must be a comma-separated string or a list of strings")
        statuses = [s.strip() for s in status]
    return _dumps({
        "since": _check("since", since, int, optional=False),
        "wait_seconds": _check("wait_seconds", wait_seconds, int, optional=False),
        "poll_interval_seconds": _check("poll_interval_seconds", poll_interval_seconds, (int, float)),
        "timeout_seconds": _check("timeout_seconds", timeout_seconds, (int, float)),
        "trace_id": _check("trace_id", trace_id, str),
        "status": statuses,
    })


def _intent_body(payload: Any, correlation_id: Optional[str]) -> str:
    _check("payload", payload, Mapping, optional=False)
    body = dict(payload)
    if correlation_id is not None:
        if not _check("correlation_id", correlation_id, str).strip():
            raise AxmeInvalidArgumentError("correlation_id must be a non-empty string")
        existing = body.get("correlation_id")
        if existing is not None and existing != correlation_id:
            raise AxmeInvalidArgumentError(
                "payload correlation_id must match correlation_id argument"
            )
        body["correlation_id"] = correlation_id
    return _dumps(body)


def _call_args(op_id: Any, args: Optional[Mapping[str, Any]]) -> Tuple[str, Optional[bytes]]:
    """The JSON args of the generic call and, for a raw-byte body (a media upload), the bytes,
    which travel beside the JSON rather than inside it."""
    _check("op_id", op_id, str, optional=False)
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


def _mcp_args(name: Any, arguments: Any) -> Tuple[str, str]:
    _check("tool name", name, str, optional=False)
    _check("arguments", arguments, Mapping)
    return name, _dumps(dict(arguments) if arguments is not None else None)


def _intent_id(intent_id: str) -> str:
    return cast(str, _check("intent_id", intent_id, str, optional=False))


class _ClientBase:
    """What both clients share: the config and the native client."""

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
        return self._native.closed

    @property
    def mcp_session_id(self) -> Optional[str]:
        """The MCP session the last ``mcp_initialize`` opened (protocol 2025-11-25; ``None`` with
        2024-11-05), to end it with ``mcp_end_session``. The next MCP call after that opens a new
        session by itself."""
        return self._native.mcp_session_id

    def _check_open(self) -> _native.NativeClient:
        if self._native.closed:
            raise RuntimeError("this AXME client has been closed")
        return self._native

    def _notify_mcp(self, method: str, retryable: Optional[bool] = True) -> None:
        observer = self._config.mcp_observer
        if observer is not None:
            observer({"phase": "request", "method": method, "rpc_id": None, "retryable": retryable})

    def _mcp_result(self, method: str, text: str) -> Dict[str, Any]:
        result: Dict[str, Any] = json.loads(text)
        observer = self._config.mcp_observer
        if observer is not None and isinstance(result, dict):
            observer({"phase": "response", "method": method, "rpc_id": None,
                      "result_keys": sorted(result.keys())})
        return result


class AxmeClient(SyncOperations, _ClientBase):
    """The blocking client.

    ``AxmeClient(AxmeClientConfig(api_key=..., base_url=...))``. Calls release the GIL while
    they wait, so threads run in parallel, and Ctrl-C interrupts a call, an iteration of
    ``observe``/``listen`` or a ``wait_for`` promptly. :meth:`close` (or leaving a ``with``
    block) ends every stream the client opened and, from another thread, cancels its calls in
    flight (they raise :class:`~axme.exceptions.AxmeCanceledError`).
    """

    def close(self) -> None:
        """Close the client: streams end, calls in flight are cancelled, the heartbeat stops;
        later calls raise ``RuntimeError``."""
        self._native.close()

    def __enter__(self) -> "AxmeClient":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
            tb: Optional[TracebackType]) -> None:
        self.close()

    # -- the hooks the generated operations call --------------------------------------------------

    def _call(self, op_id: str, args: Optional[Mapping[str, Any]] = None) -> Any:
        payload, content = _call_args(op_id, args)
        return json.loads(self._check_open().call(op_id, payload, None, content))

    def _call_bytes(self, op_id: str, args: Optional[Mapping[str, Any]] = None) -> bytes:
        """``_call`` for an operation that answers raw bytes (a media download)."""
        payload, _ = _call_args(op_id, args)
        return cast(bytes, self._check_open().call_bytes(op_id, payload))

    # -- hand-written calls ----------------------------------------------------------------------

    def send_intent(self, payload: Union[Mapping[str, Any], "CreateIntentRequest"], *,
            correlation_id: Optional[str] = None, idempotency_key: Optional[str] = None,
            trace_id: Optional[str] = None, timeout_seconds: Optional[float] = None) -> str:
        """Create an intent and return its id; a ``correlation_id`` is minted when none is
        given (in the argument or the payload). ``timeout_seconds`` limits each attempt of this call
        instead of the client's."""
        body = _intent_body(payload, correlation_id)
        options = _options(idempotency_key=idempotency_key, trace_id=trace_id, timeout_seconds=timeout_seconds)
        return cast(str, self._check_open().send_intent(body, options))

    def observe(self, intent_id: str, *, since: int = 0, wait_seconds: int = 15,
            poll_interval_seconds: float = 1.0, timeout_seconds: Optional[float] = None,
            trace_id: Optional[str] = None) -> "EventIterator[IntentEvent]":
        """Iterate over the intent's events with ``seq > since``, in order and without
        duplicates, across stream drops and window ends (SSE, falling back to polling every
        ``poll_interval_seconds`` when the server has no stream). Ends after the terminal event;
        raises :class:`~axme.exceptions.AxmeTimeoutError` (a ``TimeoutError``) once
        ``timeout_seconds`` have passed. Every request of the stream (reconnects, polls)
        carries ``trace_id``, or one id minted for the whole call."""
        options = _stream_options(since, wait_seconds, poll_interval_seconds, timeout_seconds, trace_id)
        return EventIterator(self._check_open().observe(_intent_id(intent_id), options))

    def wait_for(self, intent_id: str, *, since: int = 0, wait_seconds: int = 15,
            poll_interval_seconds: float = 1.0, timeout_seconds: Optional[float] = None,
            trace_id: Optional[str] = None) -> "IntentEvent":
        """Wait until the intent reaches a terminal status and return that event; raise
        :class:`~axme.exceptions.AxmeTimeoutError` (a ``TimeoutError``) after
        ``timeout_seconds``."""
        options = _stream_options(since, wait_seconds, poll_interval_seconds, timeout_seconds, trace_id)
        return cast("IntentEvent", json.loads(self._check_open().wait_for(_intent_id(intent_id), options)))

    def listen(self, address: str, *, since: int = 0, wait_seconds: int = 15,
            timeout_seconds: Optional[float] = None,
            status: Optional[Union[str, Sequence[str]]] = None, trace_id: Optional[str] = None
            ) -> "EventIterator[AgentDelivery]":
        """Iterate over the intents delivered to an agent address (``agent://`` optional),
        reconnecting after every window, for ever or until ``timeout_seconds`` (then
        :class:`~axme.exceptions.AxmeTimeoutError`). ``status`` (comma-separated or a list)
        replaces the server's filter, which leaves finished intents out. A listener started
        again from ``since=0`` receives every unfinished intent again."""
        options = _stream_options(since, wait_seconds, 1.0, timeout_seconds, trace_id, status)
        address = _check("address", address, str, optional=False)
        return EventIterator(self._check_open().listen(address, options))

    def cancel_intent(self, intent_id: str, *, reason: Optional[str] = None,
            owner_agent: Optional[str] = None, x_owner_agent: Optional[str] = None,
            authorization: Optional[str] = None, idempotency_key: Optional[str] = None,
            trace_id: Optional[str] = None, timeout_seconds: Optional[float] = None) -> "ResolveIntentResponse":
        """Cancel the intent (``resolve_intent`` with status ``CANCELED``)."""
        options = _options(owner_agent=owner_agent, x_owner_agent=x_owner_agent,
                           authorization=authorization, idempotency_key=idempotency_key, trace_id=trace_id,
                           timeout_seconds=timeout_seconds)
        text = self._check_open().cancel_intent(_intent_id(intent_id), _check("reason", reason, str), options)
        return cast("ResolveIntentResponse", json.loads(text))

    @property
    def mesh(self) -> MeshClient:  # type: ignore[override]
        """Agent mesh calls: heartbeats, metrics, health, kill switch."""
        if self._mesh is None:
            self._mesh = MeshClient(self)
        return cast(MeshClient, self._mesh)

    def mcp_initialize(self, *, protocol_version: Optional[str] = None, trace_id: Optional[str] = None
            ) -> Dict[str, Any]:
        """MCP ``initialize`` (protocol version from the config unless given); returns the
        JSON-RPC result."""
        self._notify_mcp("initialize")
        version = _check("protocol_version", protocol_version, str)
        text = self._check_open().mcp_initialize(version, _options(trace_id=trace_id))
        return self._mcp_result("initialize", text)

    def mcp_list_tools(self, *, trace_id: Optional[str] = None) -> Dict[str, Any]:
        """MCP ``tools/list``; caches each tool's input schema for :meth:`mcp_call_tool`."""
        self._notify_mcp("tools/list")
        text = self._check_open().mcp_list_tools(_options(trace_id=trace_id))
        return self._mcp_result("tools/list", text)

    def mcp_call_tool(self, name: str, *, arguments: Optional[Dict[str, Any]] = None,
            owner_agent: Optional[str] = None, idempotency_key: Optional[str] = None,
            trace_id: Optional[str] = None, validate_input_schema: bool = True,
            retryable: Optional[bool] = None) -> Dict[str, Any]:
        """MCP ``tools/call``: ``owner_agent`` (or the config default) and ``idempotency_key``
        are put into the arguments when missing, the arguments are checked against the cached
        input schema (``ValueError``), and the call is retried only with an idempotency key or
        ``retryable=True``. JSON-RPC errors raise the 0.2.0 classes (-32001/-32003 auth, -32004
        rate limit, -32602 validation, other codes :class:`~axme.exceptions.AxmeMcpError`)."""
        name, args = _mcp_args(name, arguments)
        options = _options(owner_agent=owner_agent, idempotency_key=idempotency_key, trace_id=trace_id,
                           validate_input_schema=bool(validate_input_schema), retryable=retryable)
        self._notify_mcp("tools/call", retryable if retryable is not None else idempotency_key is not None)
        return self._mcp_result("tools/call", self._check_open().mcp_call_tool(name, args, options))


class AsyncAxmeClient(AsyncOperations, _ClientBase):
    """The asyncio client: every operation is awaitable; ``observe`` and ``listen`` return
    async iterators. Cancelling the task awaiting a call cancels the request in the engine.
    Use ``async with`` or call :meth:`aclose`."""

    async def aclose(self) -> None:
        """Close the client (see :meth:`AxmeClient.close`); later calls raise ``RuntimeError``."""
        self._native.close()

    def close(self) -> None:
        """Synchronous spelling of :meth:`aclose`."""
        self._native.close()

    async def __aenter__(self) -> "AsyncAxmeClient":
        return self

    async def __aexit__(self, exc_type: Optional[Type[BaseException]],
            exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self._native.close()

    # -- the hooks the generated operations call --------------------------------------------------

    async def _acall(self, op_id: str, args: Optional[Mapping[str, Any]] = None) -> Any:
        payload, content = _call_args(op_id, args)
        return json.loads(await self._check_open().call(op_id, payload, None, content, True))

    async def _acall_bytes(self, op_id: str, args: Optional[Mapping[str, Any]] = None) -> bytes:
        """``_acall`` for an operation that answers raw bytes (a media download)."""
        payload, _ = _call_args(op_id, args)
        return cast(bytes, await self._check_open().call_bytes(op_id, payload, None, True))

    # -- hand-written calls ----------------------------------------------------------------------

    async def send_intent(self, payload: Union[Mapping[str, Any], "CreateIntentRequest"], *,
            correlation_id: Optional[str] = None, idempotency_key: Optional[str] = None,
            trace_id: Optional[str] = None, timeout_seconds: Optional[float] = None) -> str:
        """See :meth:`AxmeClient.send_intent`."""
        body = _intent_body(payload, correlation_id)
        options = _options(idempotency_key=idempotency_key, trace_id=trace_id, timeout_seconds=timeout_seconds)
        return cast(str, await self._check_open().send_intent(body, options, True))

    def observe(self, intent_id: str, *, since: int = 0, wait_seconds: int = 15,
            poll_interval_seconds: float = 1.0, timeout_seconds: Optional[float] = None,
            trace_id: Optional[str] = None) -> "AsyncEventIterator[IntentEvent]":
        """See :meth:`AxmeClient.observe`; use with ``async for``."""
        options = _stream_options(since, wait_seconds, poll_interval_seconds, timeout_seconds, trace_id)
        return AsyncEventIterator(self._check_open().observe(_intent_id(intent_id), options))

    async def wait_for(self, intent_id: str, *, since: int = 0, wait_seconds: int = 15,
            poll_interval_seconds: float = 1.0, timeout_seconds: Optional[float] = None,
            trace_id: Optional[str] = None) -> "IntentEvent":
        """See :meth:`AxmeClient.wait_for`. Cancelling the awaiting task closes the stream."""
        options = _stream_options(since, wait_seconds, poll_interval_seconds, timeout_seconds, trace_id)
        text = await self._check_open().wait_for(_intent_id(intent_id), options, True)
        return cast("IntentEvent", json.loads(text))

    def listen(self, address: str, *, since: int = 0, wait_seconds: int = 15,
            timeout_seconds: Optional[float] = None,
            status: Optional[Union[str, Sequence[str]]] = None, trace_id: Optional[str] = None
            ) -> "AsyncEventIterator[AgentDelivery]":
        """See :meth:`AxmeClient.listen`; use with ``async for``."""
        options = _stream_options(since, wait_seconds, 1.0, timeout_seconds, trace_id, status)
        address = _check("address", address, str, optional=False)
        return AsyncEventIterator(self._check_open().listen(address, options))

    async def cancel_intent(self, intent_id: str, *, reason: Optional[str] = None,
            owner_agent: Optional[str] = None, x_owner_agent: Optional[str] = None,
            authorization: Optional[str] = None, idempotency_key: Optional[str] = None,
            trace_id: Optional[str] = None, timeout_seconds: Optional[float] = None) -> "ResolveIntentResponse":
        """See :meth:`AxmeClient.cancel_intent`."""
        options = _options(owner_agent=owner_agent, x_owner_agent=x_owner_agent,
                           authorization=authorization, idempotency_key=idempotency_key, trace_id=trace_id,
                           timeout_seconds=timeout_seconds)
        native = self._check_open()
        text = await native.cancel_intent(_intent_id(intent_id), _check("reason", reason, str), options, True)
        return cast("ResolveIntentResponse", json.loads(text))

    @property
    def mesh(self) -> AsyncMeshClient:  # type: ignore[override]
        """Agent mesh calls: heartbeats, metrics, health, kill switch."""
        if self._mesh is None:
            self._mesh = AsyncMeshClient(self)
        return cast(AsyncMeshClient, self._mesh)

    async def mcp_initialize(self, *, protocol_version: Optional[str] = None, trace_id: Optional[str] = None
            ) -> Dict[str, Any]:
        """See :meth:`AxmeClient.mcp_initialize`."""
        self._notify_mcp("initialize")
        version = _check("protocol_version", protocol_version, str)
        text = await self._check_open().mcp_initialize(version, _options(trace_id=trace_id), True)
        return self._mcp_result("initialize", text)

    async def mcp_list_tools(self, *, trace_id: Optional[str] = None) -> Dict[str, Any]:
        """See :meth:`AxmeClient.mcp_list_tools`."""
        self._notify_mcp("tools/list")
        text = await self._check_open().mcp_list_tools(_options(trace_id=trace_id), True)
        return self._mcp_result("tools/list", text)

    async def mcp_call_tool(self, name: str, *, arguments: Optional[Dict[str, Any]] = None,
            owner_agent: Optional[str] = None, idempotency_key: Optional[str] = None,
            trace_id: Optional[str] = None, validate_input_schema: bool = True,
            retryable: Optional[bool] = None) -> Dict[str, Any]:
        """See :meth:`AxmeClient.mcp_call_tool`."""
        name, args = _mcp_args(name, arguments)
        options = _options(owner_agent=owner_agent, idempotency_key=idempotency_key, trace_id=trace_id,
                           validate_input_schema=bool(validate_input_schema), retryable=retryable)
        self._notify_mcp("tools/call", retryable if retryable is not None else idempotency_key is not None)
        return self._mcp_result("tools/call", await self._check_open().mcp_call_tool(name, args, options, True))
