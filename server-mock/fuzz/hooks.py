"""Schemathesis hooks for `./dev fuzz-api`: the check for spec-valid requests the server refuses.

A spec-valid request counts as refused only when answered 400, 415 or 422, and not when the error
code is one of the rules OpenAPI 3.0 cannot express (listed in docs/reliability.md and in
`exceptions.txt` beside this file): those answer their documented 400, 404 or 409.
"""

from __future__ import annotations

import json
from pathlib import Path

import os

import jsonschema_rs
import schemathesis
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import (
    _openapi_negative_data_rejection,
    _openapi_positive_data_acceptance,
)

EXCEPTIONS = {
    line.split("#", 1)[0].strip()
    for line in (Path(__file__).parent / "exceptions.txt").read_text().splitlines()
} - {""}


def _error_code(response):
    try:
        return json.loads(response.content)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def _bundle_rules_only(response):
    """An `invalid_bundle` refusal whose every problem is one of the listed rules."""
    try:
        error = json.loads(response.content)["error"]
        problems = error["details"]["errors"]
    except (ValueError, KeyError, TypeError):
        return False
    return (
        error.get("code") == "invalid_bundle"
        and bool(problems)
        and all(isinstance(p, dict) and p.get("code") in EXCEPTIONS for p in problems)
    )


SPEC = json.loads(Path(os.environ["AXME_FUZZ_SPEC"]).read_text()) if "AXME_FUZZ_SPEC" in os.environ else {}


def _resolve(node):
    ref = node.get("$ref") if isinstance(node, dict) else None
    if not ref:
        return node
    target = SPEC
    for part in ref.lstrip("#/").split("/"):
        target = target[part]
    return target


def _param_schema(case, location, name):
    item = SPEC.get("paths", {}).get(case.operation.path, {})
    declared = list(item.get("parameters", [])) + list(item.get(case.operation.method.lower(), {}).get("parameters", []))
    for param in map(_resolve, declared):
        if param.get("in") == location and param.get("name", "").lower() == name.lower():
            return _resolve(param.get("schema", {}))
    return None


def _sent(case, location, name):
    values = {"header": case.headers, "query": case.query, "path": case.path_parameters}.get(location) or {}
    for key, value in values.items():
        if key.lower() == name.lower():
            return value
    return None


def _typed(text, schema):
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except (TypeError, ValueError):
        return text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _mislabelled(case, response):
    """Whether every parameter the server named is in fact invalid by the spec. schemathesis'
    coverage phase sends only letters and digits in headers, so for a header whose pattern needs
    other characters it sends a value outside the pattern and still calls the case positive."""
    try:
        error = json.loads(response.content)["error"]
        # The JSON error body keeps them in `details`; a JSON-RPC error (POST /mcp) in `data`.
        violations = (error.get("details") or error.get("data") or {})["violations"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
    if not violations:
        return False
    for violation in violations:
        location, name = violation.get("location"), violation.get("name")
        if location not in ("header", "query", "path"):
            return False
        schema = _param_schema(case, location, name)
        value = _sent(case, location, name)
        if schema is None or value is None:
            return False
        schema = {k: v for k, v in schema.items() if not k.startswith("x-")}
        if jsonschema_rs.Draft4Validator(schema).is_valid(_typed(str(value), schema)):
            return False
    return True


def _mcp_session_rule(case, response):
    """MCP 2025-11-25 requires the Mcp-Session-Id of its initialize: one header requiring another,
    which OpenAPI 3.0 cannot state (docs/reliability.md)."""
    headers = {k.lower(): v for k, v in (case.headers or {}).items()}
    return (
        case.operation.path == "/mcp"
        and headers.get("mcp-protocol-version") == "2025-11-25"
        and not headers.get("mcp-session-id")
        and b"Mcp-Session-Id" in response.content
    )


@schemathesis.check
def spec_valid_request_refused(ctx, response, case):
    """schemathesis' own positive_data_acceptance (its expected statuses are set in
    schemathesis.toml), with the listed rules set aside."""
    try:
        return _openapi_positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if (
            _error_code(response) in EXCEPTIONS
            or _bundle_rules_only(response)
            or _mislabelled(case, response)
            or _mcp_session_rule(case, response)
        ):
            return None
        raise


def _json_rpc_errors_only(response):
    """JSON-RPC (POST /mcp) refuses a message inside a 200: an error object per message."""
    try:
        answer = json.loads(response.content)
    except ValueError:
        return False
    answers = answer if isinstance(answer, list) else [answer]
    return bool(answers) and all(
        isinstance(a, dict) and a.get("jsonrpc") == "2.0" and "error" in a for a in answers
    )


@schemathesis.check
def spec_invalid_request_accepted(ctx, response, case):
    """schemathesis' own negative_data_rejection (expected statuses in schemathesis.toml), where a
    JSON-RPC error answer counts as the refusal it is."""
    try:
        return _openapi_negative_data_rejection(ctx, response, case)
    except AcceptedNegativeData:
        if _json_rpc_errors_only(response):
            return None
        raise
