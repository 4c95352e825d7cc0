"""Exceptions raised by the AXME SDK.

The classes and attributes of the public ``axme`` 0.2.0 package are kept, with the same mapping
of HTTP statuses (401/403 → :class:`AxmeAuthError`; 400, 409, 413, 422 → :class:`AxmeValidationError`;
429 → :class:`AxmeRateLimitError`; 5xx → :class:`AxmeServerError`; anything else →
:class:`AxmeHttpError`), so ``except`` clauses written for it keep working. The engine's finer
kinds are subclasses of those: :class:`AxmeConflictError` (409) is an :class:`AxmeValidationError`,
:class:`AxmeNotFoundError` (404) an :class:`AxmeHttpError`. Failures without an HTTP response have
their own classes that also derive from the matching built-in exception:
:class:`AxmeConnectionError` (``ConnectionError``), :class:`AxmeTimeoutError` (``TimeoutError``,
raised at ``observe``/``wait_for``/``listen`` deadlines and for request timeouts) and
:class:`AxmeInvalidArgumentError` (``ValueError``, raised before any request is sent), and
:class:`AxmeCanceledError` for a call cancelled by closing its client. The class of each engine
error kind is generated (``axme._waist``).

Every instance carries ``kind`` (the engine's stable error kind, e.g. ``"conflict"``), ``code``
(the server's machine-readable ``error.code``, or the JSON-RPC code for MCP errors) and
``retryable``.
"""

from __future__ import annotations

import json
import math
from typing import Any, Optional

__all__ = [
    "AxmeError",
    "AxmeHttpError",
    "AxmeAuthError",
    "AxmeValidationError",
    "AxmeConflictError",
    "AxmeNotFoundError",
    "AxmeRateLimitError",
    "AxmeServerError",
    "AxmeRequestTimeoutError",
    "AxmeConnectionError",
    "AxmeTimeoutError",
    "AxmeProtocolError",
    "AxmeInvalidArgumentError",
    "AxmeMcpError",
    "AxmeCanceledError",
    "AxmeInternalError",
]


class AxmeError(Exception):
    """Base class of every SDK exception."""

    #: The engine's error kind (``auth``, ``validation``, ``conflict``, ``not_found``,
    #: ``rate_limit``, ``server``, ``timeout``, ``connection``, ``protocol``, ``mcp``,
    #: ``invalid_argument``).
    kind: str = "error"
    #: Machine-readable code from the response body (``error.code``), if any.
    code: Optional[str] = None
    #: Whether repeating the same request could succeed.
    retryable: bool = False
    #: The ``X-Trace-Id`` the failed request was sent with, if any.
    trace_id: Optional[str] = None
    #: The HTTP status of the answer, if one came (also on a protocol error such as a redirect).
    status_code: Optional[int] = None


class AxmeHttpError(AxmeError):
    """The server answered with an error status."""

    kind = "http"

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        body: Any = None,
        request_id: Optional[str] = None,
        trace_id: Optional[str] = None,
        retry_after: Optional[int] = None,
    ) -> None:
        super().__init__(f"HTTP {status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.body = body
        self.request_id = request_id
        self.trace_id = trace_id
        self.retry_after = retry_after


class AxmeAuthError(AxmeHttpError):
    """401 or 403: missing, invalid or insufficient credentials."""

    kind = "auth"


class AxmeValidationError(AxmeHttpError):
    """400, 409, 413, 422 (and other 4xx): the server rejected the request."""

    kind = "validation"


class AxmeConflictError(AxmeValidationError):
    """409: idempotency key reused with another body, a second terminal transition, an invalid
    transition."""

    kind = "conflict"


class AxmeNotFoundError(AxmeHttpError):
    """404: unknown intent, agent or route."""

    kind = "not_found"


class AxmeRateLimitError(AxmeHttpError):
    """429: rate limited or over quota; see ``retry_after``."""

    kind = "rate_limit"


class AxmeServerError(AxmeHttpError):
    """5xx: the server failed."""

    kind = "server"


class AxmeTimeoutError(AxmeError, TimeoutError):
    """A deadline passed: a request timeout, or ``timeout_seconds`` of ``observe``,
    ``wait_for`` or ``listen``."""

    kind = "timeout"

    def __init__(self, message: str) -> None:
        # OSError's constructor would read a 2-tuple as (errno, strerror); keep one argument.
        super().__init__(message)
        self.message = message


class AxmeRequestTimeoutError(AxmeHttpError, AxmeTimeoutError):
    """408 from the server: both an :class:`AxmeHttpError` and a ``TimeoutError``."""

    kind = "timeout"


class AxmeConnectionError(AxmeError, ConnectionError):
    """The connection could not be made or broke before a full response arrived."""

    kind = "connection"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AxmeProtocolError(AxmeError, RuntimeError):
    """The server answered something the client cannot understand."""

    kind = "protocol"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AxmeInvalidArgumentError(AxmeError, ValueError):
    """An argument or configuration value is unusable; raised before any request is sent."""

    kind = "invalid_argument"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AxmeMcpError(AxmeServerError):
    """A JSON-RPC error of the MCP endpoint without an HTTP meaning of its own (the codes that
    have one raise :class:`AxmeAuthError`, :class:`AxmeRateLimitError` or
    :class:`AxmeValidationError`, as in 0.2.0); ``code`` is the JSON-RPC code."""

    kind = "mcp"


class AxmeCanceledError(AxmeError):
    """The call was cancelled: the client was closed (from any thread) while it ran."""

    kind = "canceled"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AxmeInternalError(AxmeError, RuntimeError):
    """A defect inside the engine (please report it); never the caller's or the server's fault."""

    kind = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _from_record(
    kind: str,
    message: str,
    status: Optional[int],
    code: Optional[str],
    body_json: Optional[str],
    request_id: Optional[str],
    trace_id: Optional[str],
    retry_after: Optional[float],
    retryable: bool,
) -> AxmeError:
    """The exception for an engine error record (called by the native module): its class comes
    from the generated table, by kind (HTTP or not)."""
    from ._waist import ERROR_CLASSES

    http, plain = ERROR_CLASSES.get(kind, (AxmeHttpError, AxmeError))
    exc: AxmeError
    if status is not None and issubclass(http, AxmeHttpError):
        body: Any = None
        if body_json is not None:
            try:
                body = json.loads(body_json)
            except ValueError:
                body = body_json
        seconds = None if retry_after is None else int(math.ceil(retry_after))
        exc = http(status, message, body=body, request_id=request_id, trace_id=trace_id, retry_after=seconds)
        exc.retry_after_seconds = retry_after  # type: ignore[attr-defined]
    else:
        exc = plain(message) if plain is not AxmeError else AxmeError(message)
        exc.trace_id = trace_id
        exc.status_code = status
    exc.kind = kind
    exc.code = code
    exc.retryable = retryable
    return exc
