"""Bad arguments raise clear errors before any request: the server's journal stays empty."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import pytest

from axme import AxmeClient, AxmeInvalidArgumentError, AxmeValidationError
from conftest import Credential, new_intent

BAD_CALLS = [
    ("send_intent non-dict", TypeError, lambda c: c.send_intent("payload")),
    ("send_intent empty correlation", ValueError, lambda c: c.send_intent(new_intent(), correlation_id=" ")),
    ("send_intent correlation mismatch", ValueError,
     lambda c: c.send_intent(new_intent(correlation_id="a"), correlation_id="b")),
    ("send_intent not JSON", TypeError, lambda c: c.send_intent(new_intent(payload={"x": object()}))),
    ("send_intent NaN", ValueError, lambda c: c.send_intent(new_intent(payload={"x": float("nan")}))),
    ("send_intent empty key", ValueError, lambda c: c.send_intent(new_intent(), idempotency_key="")),
    ("create_intent mismatch", ValueError,
     lambda c: c.create_intent(new_intent(correlation_id="a"), correlation_id="b")),
    ("get_intent empty", ValueError, lambda c: c.get_intent("")),
    ("get_intent dot segment", ValueError, lambda c: c.get_intent("..")),
    ("header with newline", ValueError, lambda c: c.get_intent("i", trace_id="a\nb")),
    pytest.param(
        "list_intent_events negative since", ValueError, lambda c: c.list_intent_events("i", since=-1),
    ),
    ("resolve_intent non-dict payload", TypeError, lambda c: c.resolve_intent("i", 5)),
    ("check_nick missing required query", ValueError, lambda c: c.check_nick(None)),
    # The engine checks parameters against the spec: a wrong type is an invalid argument too.
    ("list_inbox_changes limit type", ValueError, lambda c: c.list_inbox_changes(limit="5")),
    ("get_agent empty address", ValueError, lambda c: c.get_agent("")),
    ("mcp_end_session empty", ValueError, lambda c: c.mcp_end_session("")),
    ("upsert_schema non-dict payload", TypeError, lambda c: c.upsert_schema("schema")),
    ("mesh kill empty", ValueError, lambda c: c.mesh.kill("")),
    ("mesh heartbeat interval", ValueError, lambda c: c.mesh.start_heartbeat(interval_seconds=0)),
    ("mcp tool name", ValueError, lambda c: c.mcp_call_tool(" ")),
    ("mcp arguments type", TypeError, lambda c: c.mcp_call_tool("axme.check_nick", arguments=["x"])),
    ("observe empty id", ValueError, lambda c: c.observe(""),),
    ("observe id type", TypeError, lambda c: c.observe(42)),
    ("observe since", ValueError, lambda c: c.observe("i", since=-1)),
    ("observe since type", TypeError, lambda c: c.observe("i", since="0")),
    ("observe wait 0", ValueError, lambda c: c.observe("i", wait_seconds=0)),
    ("observe wait 61", ValueError, lambda c: c.observe("i", wait_seconds=61)),
    ("observe poll", ValueError, lambda c: c.observe("i", poll_interval_seconds=-1)),
    ("observe timeout", ValueError, lambda c: c.observe("i", timeout_seconds=0)),
    ("wait_for timeout", ValueError, lambda c: c.wait_for("i", timeout_seconds=-1)),
    ("wait_for since type", TypeError, lambda c: c.wait_for("i", since=True)),
    ("listen empty", ValueError, lambda c: c.listen("")),
    ("listen status type", TypeError, lambda c: c.listen("agent://a/b/c", status=5)),
    ("listen empty status", ValueError, lambda c: c.listen("agent://a/b/c", status=" , ")),
    ("listen timeout", ValueError, lambda c: c.listen("agent://a/b/c", timeout_seconds=0)),
    ("listen bad address", ValueError, lambda c: next(c.listen("agent://a//c"))),
    ("cancel empty", ValueError, lambda c: c.cancel_intent("")),
    ("cancel reason type", TypeError, lambda c: c.cancel_intent("i", reason=5)),
    ("unknown operation", ValueError, lambda c: c._call("no_such_operation", {})),
]


@pytest.mark.parametrize(
    "name,error,call", BAD_CALLS, ids=[b.values[0] if hasattr(b, "values") else b[0] for b in BAD_CALLS]
)
def test_bad_argument_raises_before_any_request(
    cred: Credential, name: str, error: Any, call: Callable[[AxmeClient], Any]
) -> None:
    with cred.client() as c:
        with pytest.raises(error) as info:
            call(c)
    if isinstance(info.value, ValueError) and not isinstance(info.value, AxmeInvalidArgumentError):
        # Plain ValueErrors only where the 0.2.0 package raised them (payload checks).
        assert "correlation_id" in str(info.value) or "payload" in str(info.value), info.value
    assert cred.requests() == [], f"{name} sent a request"


def test_request_body_fields_are_left_to_the_server(cred: Credential) -> None:
    """Parameters are checked before any request; the fields inside a JSON body are the server's
    to judge, as with 0.2.0: a bad field is a 422 ``AxmeValidationError`` naming it (so code that
    catches it keeps working, and ``validate_scenario`` can report every problem of a draft)."""
    with cred.client() as c:
        with pytest.raises(AxmeValidationError) as info:
            c.decide_approval("a", decision="maybe")  # type: ignore[arg-type]
    assert info.value.status_code == 422 and "decision" in str(info.value), info.value
    assert [r["status"] for r in cred.requests()] == [422]


def test_async_bad_arguments_raise_before_any_request(cred: Credential) -> None:
    async def main() -> None:
        async with cred.async_client() as c:
            with pytest.raises(TypeError):
                await c.send_intent(["x"])  # type: ignore[arg-type]
            with pytest.raises(ValueError):
                await c.get_intent("")
            with pytest.raises(ValueError):
                c.observe("i", wait_seconds=0)
            with pytest.raises(ValueError):
                await c.wait_for("i", timeout_seconds=0)
            with pytest.raises(ValueError):
                c.listen("")
            with pytest.raises(ValueError):
                await c.cancel_intent("")

    asyncio.run(main())
    assert cred.requests() == []
