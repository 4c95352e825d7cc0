"""One exception class per engine error kind, with the fields the public SDK puts on them."""

from __future__ import annotations

import uuid

import pytest

from axme import (
    AxmeAuthError,
    AxmeClient,
    AxmeClientConfig,
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
from conftest import Credential, Server, new_intent

GET_INTENT = "/v1/intents/{intent_id}"


def respond(status: int, route: str = GET_INTENT, **extra: object) -> dict:
    return {"match": {"method": "GET", "route": route}, "action": {"type": "respond", "status": status, **extra}}


def test_auth(server: Server) -> None:
    with AxmeClient(AxmeClientConfig(base_url=server.url, api_key="axme_sa_nobody_secret")) as c:
        with pytest.raises(AxmeAuthError) as info:
            c.get_intent(str(uuid.uuid4()))
    e = info.value
    assert (e.status_code, e.kind) == (401, "auth")
    assert e.code and e.request_id and e.trace_id
    assert str(e).startswith("HTTP 401: ")


def test_validation_422(client: AxmeClient) -> None:
    with pytest.raises(AxmeValidationError) as info:
        client.send_intent({"intent_type": "test.work.v1", "payload": {}})  # no to_agent
    assert info.value.status_code == 422
    assert info.value.kind == "validation"
    assert isinstance(info.value.body, dict)


def test_conflict_409(client: AxmeClient) -> None:
    intent_id = client.send_intent(new_intent())
    client.resolve_intent(intent_id, {"status": "COMPLETED"})
    with pytest.raises(AxmeConflictError) as info:
        client.resolve_intent(intent_id, {"status": "FAILED"})
    assert info.value.status_code == 409
    assert info.value.code == "intent_already_terminal"
    assert isinstance(info.value, AxmeValidationError)


def test_idempotency_key_reuse_is_a_conflict(client: AxmeClient) -> None:
    client.send_intent(new_intent(), idempotency_key="same-key")
    with pytest.raises(AxmeConflictError) as info:
        client.send_intent(new_intent(payload={"other": True}), idempotency_key="same-key")
    assert info.value.code == "idempotency_key_reused"


def test_not_found_404(client: AxmeClient) -> None:
    with pytest.raises(AxmeNotFoundError) as info:
        client.get_intent(str(uuid.uuid4()))
    assert info.value.status_code == 404
    assert not isinstance(info.value, AxmeValidationError)


def test_rate_limit_429_carries_retry_after(cred: Credential) -> None:
    cred.add_rules(respond(429, headers={"Retry-After": "7"}))
    with cred.client(max_retries=0) as c, pytest.raises(AxmeRateLimitError) as info:
        c.get_intent("i")
    assert info.value.retry_after == 7
    assert info.value.retryable is True


def test_server_5xx(cred: Credential) -> None:
    cred.add_rules(respond(503))
    with cred.client(max_retries=0) as c, pytest.raises(AxmeServerError) as info:
        c.get_intent("i")
    assert info.value.status_code == 503


def test_request_timeout_408_is_an_http_error_and_a_timeout(cred: Credential) -> None:
    cred.add_rules(respond(408))
    with cred.client(max_retries=0) as c, pytest.raises(AxmeRequestTimeoutError) as info:
        c.get_intent("i")
    assert isinstance(info.value, AxmeHttpError) and isinstance(info.value, TimeoutError)


def test_request_timeout(cred: Credential) -> None:
    cred.add_rules({"match": {"route": GET_INTENT}, "action": {"type": "delay", "ms": 3000}})
    with cred.client(max_retries=0, timeout_seconds=0.3) as c, pytest.raises(AxmeTimeoutError) as info:
        c.get_intent("i")
    assert isinstance(info.value, TimeoutError)
    assert not isinstance(info.value, AxmeHttpError)
    assert info.value.kind == "timeout"


def test_connection_refused() -> None:
    cfg = AxmeClientConfig(base_url="http://127.0.0.1:9", api_key="k", max_retries=0)
    with AxmeClient(cfg) as c, pytest.raises(AxmeConnectionError) as info:
        c.get_intent("i")
    assert isinstance(info.value, ConnectionError)
    assert info.value.retryable is True


def test_connection_reset(cred: Credential) -> None:
    cred.add_rules({"match": {"route": GET_INTENT}, "action": {"type": "reset"}})
    with cred.client(max_retries=0) as c, pytest.raises(AxmeConnectionError):
        c.get_intent("i")


def test_protocol_error_when_the_stream_is_not_sse(cred: Credential) -> None:
    route = "/v1/intents/{intent_id}/events/stream"
    with cred.client() as c:
        intent_id = c.send_intent(new_intent())
        cred.add_rules(respond(200, route=route, body={"ok": True}))
        with pytest.raises(AxmeProtocolError) as info:
            c.wait_for(intent_id, timeout_seconds=10)
    assert info.value.kind == "protocol"


def test_invalid_argument_is_a_value_error(client: AxmeClient) -> None:
    with pytest.raises(AxmeInvalidArgumentError) as info:
        client.get_intent("")
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, AxmeError)
    with pytest.raises(TypeError):
        client.send_intent(["not", "a", "dict"])  # type: ignore[arg-type]
