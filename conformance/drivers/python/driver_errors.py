"""The ``error`` object of a failed driver request (conformance/docs/driver-protocol.md).

The kind comes from the exception class the Python SDK raised, never from the message text.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Optional, Tuple, Type

from axme.exceptions import (
    AxmeAuthError,
    AxmeConflictError,
    AxmeConnectionError,
    AxmeError,
    AxmeHttpError,
    AxmeInvalidArgumentError,
    AxmeNotFoundError,
    AxmeProtocolError,
    AxmeRateLimitError,
    AxmeRequestTimeoutError,
    AxmeServerError,
    AxmeTimeoutError,
    AxmeValidationError,
)

__all__ = ["Unsupported", "DriverMisuse", "error_json", "canceled_json"]

#: The core's error kinds (axme_core::ErrorKind::as_str).
CORE_KINDS = frozenset(
    {
        "invalid_argument",
        "auth",
        "validation",
        "conflict",
        "not_found",
        "rate_limit",
        "server",
        "timeout",
        "connection",
        "protocol",
        "mcp",
    }
)

# Most specific class first: AxmeConflictError is an AxmeValidationError, AxmeRequestTimeoutError
# both an AxmeHttpError and an AxmeTimeoutError, and the SDK classes derive from the built-ins
# (TimeoutError, ValueError, ...) that follow.
_CLASS_KINDS: Tuple[Tuple[Type[BaseException], str], ...] = (
    (AxmeConflictError, "conflict"),
    (AxmeRequestTimeoutError, "timeout"),
    (AxmeValidationError, "validation"),
    (AxmeAuthError, "auth"),
    (AxmeNotFoundError, "not_found"),
    (AxmeRateLimitError, "rate_limit"),
    (AxmeServerError, "server"),
    (AxmeTimeoutError, "timeout"),
    (AxmeConnectionError, "connection"),
    (AxmeProtocolError, "protocol"),
    (AxmeInvalidArgumentError, "invalid_argument"),
    (TimeoutError, "timeout"),
    (ValueError, "invalid_argument"),
    (TypeError, "invalid_argument"),
)


class Unsupported(Exception):
    """The request needs something the Python SDK does not offer (an op, an option, a keyword)."""


class DriverMisuse(Exception):
    """The request itself is malformed (unknown client, missing argument): a runner-side mistake."""


def _kind_of(exc: BaseException) -> Optional[str]:
    if isinstance(exc, AxmeError) and exc.kind == "mcp":
        # JSON-RPC errors are raised as the 0.2.0 class of the status their code maps to (an
        # AxmeAuthError for -32001, ...); the class cannot say "mcp", the documented `kind`
        # attribute every AxmeError carries does.
        return "mcp"
    for cls, kind in _CLASS_KINDS:
        if isinstance(exc, cls):
            return kind
    if isinstance(exc, AxmeError) and exc.kind in CORE_KINDS:
        # A bare AxmeHttpError/AxmeError: the class is too general, its `kind` is the core's.
        return exc.kind
    return None


def _retry_after_ms(exc: BaseException) -> Optional[int]:
    # `retry_after` is the 0.2.0 whole-second value; the engine's exact delay is kept beside it.
    seconds = getattr(exc, "retry_after_seconds", None)
    if isinstance(seconds, (int, float)) and math.isfinite(seconds):
        return int(round(seconds * 1000))
    return None


def error_json(exc: BaseException) -> Dict[str, Any]:
    """The protocol's error object for an exception raised while serving a request."""
    if isinstance(exc, Unsupported):
        return {"kind": "unsupported", "message": str(exc)}
    if isinstance(exc, DriverMisuse):
        return {"kind": "driver_error", "message": str(exc)}
    kind = _kind_of(exc)
    if kind is None:
        return {"kind": "driver_error", "message": f"{type(exc).__name__}: {exc}"}
    status: Optional[int] = getattr(exc, "status_code", None)
    request_id: Optional[str] = None
    message = str(exc)
    if isinstance(exc, AxmeHttpError):
        # str() of an AxmeHttpError adds "HTTP <status>: " to the server's message.
        status, request_id, message = exc.status_code, exc.request_id, exc.message
    return {
        "kind": kind,
        "status": status,
        "code": getattr(exc, "code", None),
        "message": message,
        "request_id": request_id,
        "trace_id": getattr(exc, "trace_id", None),
        "retry_after_ms": _retry_after_ms(exc),
    }


def canceled_json() -> Dict[str, Any]:
    """The error of a request stopped by a ``cancel`` request."""
    return {
        "kind": "canceled",
        "status": None,
        "code": None,
        "message": "canceled by a cancel request",
        "request_id": None,
        "trace_id": None,
        "retry_after_ms": None,
    }
