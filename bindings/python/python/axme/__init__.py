"""AXME: the Python SDK of the AXP Intent Protocol, on the Rust engine ``axme-core``.

A drop-in for the public ``axme`` 0.2.0 package (``AxmeClient``, ``AxmeClientConfig`` and the
exception classes keep their names, fields and behaviour), plus an asyncio client
(:class:`AsyncAxmeClient`), context managers and typed errors for every failure kind.

Log records (the engine's retries and stream reconnects included) go to the ``axme`` logger.
"""

import logging as _logging

from ._version import __version__
from .client import (
    DEFAULT_BASE_URL,
    TERMINAL_STATUSES,
    AsyncAxmeClient,
    AxmeClient,
    AxmeClientConfig,
)
from ._streams import AsyncEventIterator, EventIterator
from .mesh import AsyncMeshClient, MeshClient
from .exceptions import (
    AxmeAuthError,
    AxmeConflictError,
    AxmeConnectionError,
    AxmeError,
    AxmeHttpError,
    AxmeCanceledError,
    AxmeInternalError,
    AxmeInvalidArgumentError,
    AxmeMcpError,
    AxmeNotFoundError,
    AxmeProtocolError,
    AxmeRateLimitError,
    AxmeRequestTimeoutError,
    AxmeServerError,
    AxmeTimeoutError,
    AxmeValidationError,
)

_logging.getLogger("axme").addHandler(_logging.NullHandler())

__all__ = [
    "__version__",
    "DEFAULT_BASE_URL",
    "TERMINAL_STATUSES",
    "AxmeClient",
    "AxmeClientConfig",
    "AsyncAxmeClient",
    "EventIterator",
    "MeshClient",
    "AsyncMeshClient",
    "AsyncEventIterator",
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
