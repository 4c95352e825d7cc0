"""AXME: the Python SDK of the AXP Intent Protocol, on the Rust engine ``axme-core``.

A drop-in for the public ``axme`` 0.2.0 package (``AxmeClient``, ``AxmeClientConfig`` and the
exception classes keep their names, fields and behaviour), plus an asyncio client
(:class:`AsyncAxmeClient`), context managers and typed errors for every failure kind.

Log records (the engine's retries and stream reconnects included) go to the ``axme`` logger.
"""

import logging as _logging

from . import exceptions as _exceptions
from ._streams import AsyncEventIterator, EventIterator
from ._version import __version__
from .client import DEFAULT_BASE_URL, TERMINAL_STATUSES, AsyncAxmeClient, AxmeClient, AxmeClientConfig
from .exceptions import *  # noqa: F401,F403 - every exception class, listed in exceptions.__all__
from .mesh import AsyncMeshClient, MeshClient

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
    *_exceptions.__all__,
]
