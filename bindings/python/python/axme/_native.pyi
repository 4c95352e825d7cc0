"""Type stub of the native module ``axme._native`` (checked with ``mypy.stubtest``)."""

from typing import Awaitable, List, Optional, final

__all__ = ["NativeClient", "NativeStream", "CORE_VERSION"]

CORE_VERSION: str

@final
class NativeClient:
    def __new__(cls, config_json: str) -> "NativeClient": ...
    @property
    def base_url(self) -> str: ...
    @property
    def client_identity(self) -> str: ...
    @property
    def mcp_session_id(self) -> Optional[str]: ...
    def call(self, op_id: str, args_json: str, content: Optional[bytes] = None) -> str: ...
    def call_bytes(self, op_id: str, args_json: str, content: Optional[bytes] = None) -> bytes: ...
    def acall_bytes(
        self, op_id: str, args_json: str, content: Optional[bytes] = None
    ) -> Awaitable[bytes]: ...
    def acall(
        self, op_id: str, args_json: str, content: Optional[bytes] = None
    ) -> Awaitable[str]: ...
    def create_intent(
        self,
        intent_json: str,
        *,
        idempotency_key: Optional[str] = None,
        trace_id: Optional[str] = None,
    ) -> str: ...
    def acreate_intent(
        self,
        intent_json: str,
        *,
        idempotency_key: Optional[str] = None,
        trace_id: Optional[str] = None,
    ) -> Awaitable[str]: ...
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
    ) -> str: ...
    def acancel_intent(
        self,
        intent_id: str,
        *,
        reason: Optional[str] = None,
        owner_agent: Optional[str] = None,
        x_owner_agent: Optional[str] = None,
        authorization: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        trace_id: Optional[str] = None,
    ) -> Awaitable[str]: ...
    def mcp_initialize(
        self, *, protocol_version: Optional[str] = None, trace_id: Optional[str] = None
    ) -> str: ...
    def amcp_initialize(
        self, *, protocol_version: Optional[str] = None, trace_id: Optional[str] = None
    ) -> Awaitable[str]: ...
    def mcp_list_tools(self, *, trace_id: Optional[str] = None) -> str: ...
    def amcp_list_tools(self, *, trace_id: Optional[str] = None) -> Awaitable[str]: ...
    def mcp_call_tool(
        self,
        name: str,
        arguments_json: str,
        *,
        owner_agent: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        trace_id: Optional[str] = None,
        validate_input_schema: bool = True,
        retryable: Optional[bool] = None,
    ) -> str: ...
    def amcp_call_tool(
        self,
        name: str,
        arguments_json: str,
        *,
        owner_agent: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        trace_id: Optional[str] = None,
        validate_input_schema: bool = True,
        retryable: Optional[bool] = None,
    ) -> Awaitable[str]: ...
    def mesh_report_metric(
        self,
        *,
        success: bool = True,
        latency_ms: Optional[float] = None,
        cost_usd: Optional[float] = None,
    ) -> None: ...
    def mesh_buffered_metrics(self) -> Optional[str]: ...
    def mesh_start_heartbeat(
        self, *, interval_seconds: float = 30.0, include_metrics: bool = True
    ) -> None: ...
    @property
    def mesh_heartbeat_running(self) -> bool: ...
    def mesh_stop_heartbeat(self) -> None: ...
    def mesh_flush_metrics(self, *, trace_id: Optional[str] = None) -> str: ...
    def amesh_flush_metrics(self, *, trace_id: Optional[str] = None) -> Awaitable[str]: ...
    def mesh_kill(self, address_id: str, *, trace_id: Optional[str] = None) -> str: ...
    def amesh_kill(self, address_id: str, *, trace_id: Optional[str] = None) -> Awaitable[str]: ...
    def mesh_resume(self, address_id: str, *, trace_id: Optional[str] = None) -> str: ...
    def amesh_resume(
        self, address_id: str, *, trace_id: Optional[str] = None
    ) -> Awaitable[str]: ...
    def observe(
        self,
        intent_id: str,
        *,
        since: int = 0,
        wait_seconds: int = 15,
        poll_interval_seconds: float = 1.0,
        timeout_seconds: Optional[float] = None,
        trace_id: Optional[str] = None,
    ) -> "NativeStream": ...
    def listen(
        self,
        address: str,
        *,
        since: int = 0,
        wait_seconds: int = 15,
        timeout_seconds: Optional[float] = None,
        status: Optional[List[str]] = None,
        trace_id: Optional[str] = None,
    ) -> "NativeStream": ...

@final
class NativeStream:
    def next(self) -> Optional[str]: ...
    def anext(self) -> Awaitable[Optional[str]]: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
