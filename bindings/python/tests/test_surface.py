"""The package is a drop-in for the public axme 0.2.0 API: names, signatures, config, errors."""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path
from typing import Any, Dict

import pytest

import axme
import axme_sdk
import axme_sdk.client
import axme_sdk.exceptions
from axme import AsyncAxmeClient, AxmeClient, AxmeClientConfig
from axme import exceptions as exc

SURFACE: Dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "axme_0_2_0_surface.json").read_text()
)

# 0.2.0 members not offered (none).
NOT_YET: set = set()


# Keyword-only parameters with defaults this SDK adds to 0.2.0 methods: a call written for 0.2.0
# never passes them, so it still works unchanged.
ADDED_KEYWORDS = {"timeout_seconds"}


def _fmt(fn: Any, expected: str = "") -> str:
    out = []
    star = False
    for p in list(inspect.signature(fn).parameters.values())[1:]:
        if p.name in ADDED_KEYWORDS and p.name not in expected:
            assert p.kind is p.KEYWORD_ONLY and p.default is None, (fn, p)
            continue
        if p.kind is p.KEYWORD_ONLY and not star:
            out.append("*")
            star = True
        out.append(p.name if p.default is p.empty else f"{p.name}={p.default!r}")
    return ", ".join(out)


def test_every_public_0_2_0_method_exists_with_the_same_signature() -> None:
    missing = []
    differing = {}
    for name, expected in SURFACE["AxmeClient"].items():
        member = getattr(AxmeClient, name, None)
        if member is None:
            missing.append(name)
            continue
        if expected == "property":
            assert isinstance(member, property), name
            continue
        got = _fmt(member, expected)
        if got != expected:
            differing[name] = (got, expected)
    assert set(missing) <= NOT_YET, f"missing beyond the known gaps: {set(missing) - NOT_YET}"
    assert not differing, differing


def test_async_client_has_the_same_methods_awaitable() -> None:
    for name, expected in SURFACE["AxmeClient"].items():
        if name in NOT_YET or expected == "property":
            continue
        member = getattr(AsyncAxmeClient, name)
        assert _fmt(member, expected) == expected, name
        if name in ("observe", "listen", "close"):
            # async iterators; close() stays synchronous beside the awaitable aclose()
            assert not inspect.iscoroutinefunction(member), name
        else:
            assert inspect.iscoroutinefunction(member), name


def test_mesh_client_matches_0_2_0() -> None:
    from axme.mesh import AsyncMeshClient, MeshClient

    for name, expected in SURFACE["MeshClient"].items():
        assert _fmt(getattr(MeshClient, name)) == expected, name
        assert _fmt(getattr(AsyncMeshClient, name)) == expected, name
    assert isinstance(AxmeClient.mesh, property)
    assert isinstance(AsyncAxmeClient.mesh, property)


def test_async_client_closes_both_ways() -> None:
    assert inspect.iscoroutinefunction(AsyncAxmeClient.aclose)
    assert inspect.iscoroutinefunction(AsyncAxmeClient.__aexit__)


def test_config_fields_and_defaults_match_0_2_0() -> None:
    fields = {f.name: f.default for f in dataclasses.fields(AxmeClientConfig)}
    expected = {
        "base_url": "https://api.cloud.axme.ai",
        "api_key": "",
        "actor_token": None,
        "bearer_token": None,
        "timeout_seconds": 15.0,
        "max_retries": 2,
        "retry_backoff_seconds": 0.2,
        "auto_trace_id": True,
        "default_owner_agent": None,
        "mcp_endpoint_path": "/mcp",
        "mcp_protocol_version": "2024-11-05",
        "mcp_observer": None,
    }
    assert list(fields)[: len(expected)] == list(expected)
    for name, default in expected.items():
        assert fields[name] == default, name
    # Positional construction in 0.2.0 order keeps working.
    cfg = AxmeClientConfig("http://127.0.0.1:1", "key")
    assert (cfg.base_url, cfg.api_key) == ("http://127.0.0.1:1", "key")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.api_key = "other"  # type: ignore[misc]


def test_config_validation_matches_0_2_0() -> None:
    with pytest.raises(ValueError, match="api_key"):
        AxmeClientConfig(api_key="")
    with pytest.raises(ValueError, match="api_key"):
        AxmeClientConfig(api_key="   ")
    with pytest.raises(ValueError, match="base_url"):
        AxmeClientConfig(base_url=" ", api_key="k")
    with pytest.raises(ValueError, match="must match"):
        AxmeClientConfig(api_key="k", actor_token="a", bearer_token="b")
    cfg = AxmeClientConfig(api_key="k", bearer_token="tok")
    assert cfg.actor_token == "tok"


def test_the_engine_checks_the_whole_config_when_it_is_created() -> None:
    for bad in (
        {"base_url": "ftp://example.com"},
        {"base_url": "http://user:pw@example.com"},
        {"timeout_seconds": 0},
        {"max_retries": -1},
        {"api_key": "has space"},
    ):
        with pytest.raises(ValueError) as info:
            AxmeClientConfig(**{"api_key": "k", **bad})  # type: ignore[arg-type]
        assert isinstance(info.value, exc.AxmeInvalidArgumentError)
        assert info.value.kind == "invalid_argument"
    with pytest.raises(TypeError):
        AxmeClient({"api_key": "k"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="http_client"):
        AxmeClient(AxmeClientConfig(api_key="k"), http_client=object())


def test_exception_hierarchy_keeps_the_0_2_0_mapping() -> None:
    assert issubclass(exc.AxmeHttpError, exc.AxmeError)
    for cls in (
        exc.AxmeAuthError,
        exc.AxmeValidationError,
        exc.AxmeRateLimitError,
        exc.AxmeServerError,
        exc.AxmeNotFoundError,
    ):
        assert issubclass(cls, exc.AxmeHttpError)
    # 0.2.0 raised AxmeValidationError for 409 and plain AxmeHttpError for 404.
    assert issubclass(exc.AxmeConflictError, exc.AxmeValidationError)
    assert not issubclass(exc.AxmeNotFoundError, exc.AxmeValidationError)
    assert issubclass(exc.AxmeConnectionError, exc.AxmeError)
    assert not issubclass(exc.AxmeConnectionError, exc.AxmeHttpError)
    assert issubclass(exc.AxmeConnectionError, ConnectionError)
    assert issubclass(exc.AxmeTimeoutError, TimeoutError)
    assert issubclass(exc.AxmeRequestTimeoutError, exc.AxmeHttpError)
    assert issubclass(exc.AxmeRequestTimeoutError, TimeoutError)
    assert issubclass(exc.AxmeInvalidArgumentError, ValueError)
    e = exc.AxmeHttpError(418, "teapot", body={"a": 1}, request_id="r", trace_id="t", retry_after=3)
    assert str(e) == "HTTP 418: teapot"
    assert (e.status_code, e.message, e.body, e.request_id, e.trace_id, e.retry_after) == (
        418,
        "teapot",
        {"a": 1},
        "r",
        "t",
        3,
    )


def test_axme_sdk_alias_package() -> None:
    assert axme_sdk.AxmeClient is AxmeClient
    assert axme_sdk.client.AxmeClientConfig is AxmeClientConfig
    assert axme_sdk.exceptions.AxmeHttpError is exc.AxmeHttpError
    for name in (
        "AxmeClient",
        "AxmeClientConfig",
        "AxmeAuthError",
        "AxmeError",
        "AxmeHttpError",
        "AxmeRateLimitError",
        "AxmeServerError",
        "AxmeValidationError",
    ):
        assert getattr(axme, name) is getattr(axme_sdk, name)
    assert axme.__version__ == "0.3.0"


def test_package_is_typed() -> None:
    root = Path(axme.__file__).parent
    assert (root / "py.typed").exists()
    assert (root / "_native.pyi").exists()
