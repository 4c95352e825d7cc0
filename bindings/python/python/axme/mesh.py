"""``client.mesh``: agent mesh heartbeats, buffered metrics, health listing and the kill switch.

The listing calls, ``heartbeat``, ``kill`` and ``resume`` (never retried) come from the generated
mixins; the background heartbeat and the metrics buffer are the engine's. The heartbeat runs on
the engine's runtime (not a Python thread), sends one heartbeat at once and then one every
``interval_seconds``, swallows failures, and stops with :meth:`MeshClient.stop_heartbeat`, with
``client.close()`` or when the client is garbage-collected.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, Optional

from ._operations import AsyncMeshOperations, SyncMeshOperations

if TYPE_CHECKING:
    from .client import AsyncAxmeClient, AxmeClient

__all__ = ["MeshClient", "AsyncMeshClient"]


class _MeshBase:
    _client: Any

    def start_heartbeat(
        self, *, interval_seconds: float = 30.0, include_metrics: bool = True
    ) -> None:
        """Start the background heartbeat (a second call while it runs does nothing)."""
        from .client import _check, _dumps

        options = {"interval_seconds": _check("interval_seconds", interval_seconds, (int, float)),
                   "include_metrics": bool(include_metrics)}
        self._client._check_open().mesh_start_heartbeat(_dumps(options))

    def stop_heartbeat(self) -> None:
        """Stop the background heartbeat, waiting at most 5 s for a heartbeat in flight."""
        self._client._native.mesh_stop_heartbeat()

    def report_metric(
        self,
        *,
        success: bool = True,
        latency_ms: Optional[float] = None,
        cost_usd: Optional[float] = None,
    ) -> None:
        """Buffer one observation (counts, average latency, summed cost) for the next
        heartbeat."""
        from .client import _check, _dumps

        metric = {"success": bool(success), "latency_ms": _check("latency_ms", latency_ms, (int, float)),
                  "cost_usd": _check("cost_usd", cost_usd, (int, float))}
        self._client._native.mesh_report_metric(_dumps(metric))

    @property
    def buffered_metrics(self) -> Optional[Dict[str, Any]]:
        """The metrics the next heartbeat would carry, or ``None``."""
        text = self._client._native.mesh_buffered_metrics()
        return None if text is None else dict(json.loads(text))

    @property
    def heartbeat_running(self) -> bool:
        """Whether the background heartbeat runs."""
        return bool(self._client._native.mesh_heartbeat_running)

    def _flush_options(self, trace_id: Optional[str]) -> Optional[str]:
        from .client import _options

        return _options(trace_id=trace_id)


class MeshClient(_MeshBase, SyncMeshOperations):
    """``client.mesh`` of :class:`~axme.AxmeClient`."""

    def __init__(self, client: "AxmeClient") -> None:
        self._client = client

    def _call(self, operation_id: str, args: Dict[str, Any]) -> Any:
        return self._client._call(operation_id, args)

    def flush_metrics(self, *, trace_id: Optional[str] = None) -> Any:
        """Send one heartbeat now with the buffered metrics (none when nothing was reported);
        if it fails they stay buffered for the next one."""
        native = self._client._check_open()
        return json.loads(native.mesh_flush_metrics(self._flush_options(trace_id)))


class AsyncMeshClient(_MeshBase, AsyncMeshOperations):
    """``client.mesh`` of :class:`~axme.AsyncAxmeClient`."""

    def __init__(self, client: "AsyncAxmeClient") -> None:
        self._client = client

    async def _acall(self, operation_id: str, args: Dict[str, Any]) -> Any:
        return await self._client._acall(operation_id, args)

    async def flush_metrics(self, *, trace_id: Optional[str] = None) -> Any:
        """See :meth:`MeshClient.flush_metrics`."""
        native = self._client._check_open()
        return json.loads(await native.mesh_flush_metrics(self._flush_options(trace_id), True))
