"""Operations of the public surface the reference server does not serve yet (sessions, auth,
billing, quotas, usage, members, access requests, principals, aliases, routing, transports,
deliveries, tool macros, agent and organisation policies).

The server answers them 501 ``not_implemented`` and names the operation it matched in
``error.details.operation_id``, so each method is checked for what it can be checked for today:
the method, path, query and body it puts on the wire (the fault journal), that the server
recognised it as the operation of the same name, and that 501 raises ``AxmeServerError`` without
retrying. When the server starts serving one of them, move it to its family module.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import urllib.parse
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

from axme import AxmeClient, AxmeHttpError, AxmeServerError
from conftest import Credential

BODY = {"note": "sdk-test", "n": 1}

# (method name, call, HTTP method, path, query, body)
Case = Tuple[str, Callable[[AxmeClient], Any], str, str, Optional[Dict[str, List[str]]], Optional[Dict[str, Any]]]

CASES: List[Case] = [
    ("get_agent_policy", lambda c: c.get_agent_policy("bot"), "GET", "/v1/agents/bot/policy", None, None),
    ("set_agent_policy", lambda c: c.set_agent_policy("bot", BODY), "PUT", "/v1/agents/bot/policy", None, BODY),
    ("add_agent_policy_entry", lambda c: c.add_agent_policy_entry("bot", BODY),
     "POST", "/v1/agents/bot/policy/entries", None, BODY),
    ("remove_agent_policy_entry", lambda c: c.remove_agent_policy_entry("bot", "e1"),
     "DELETE", "/v1/agents/bot/policy/entries/e1", None, None),
    ("get_agent_receive_override", lambda c: c.get_agent_receive_override("bot"),
     "GET", "/v1/agents/bot/receive-override", None, None),
    ("set_agent_receive_override", lambda c: c.set_agent_receive_override("bot", BODY),
     "PUT", "/v1/agents/bot/receive-override", None, BODY),
    ("add_agent_receive_override_entry", lambda c: c.add_agent_receive_override_entry("bot", BODY),
     "POST", "/v1/agents/bot/receive-override/entries", None, BODY),
    ("remove_agent_receive_override_entry", lambda c: c.remove_agent_receive_override_entry("bot", "e2"),
     "DELETE", "/v1/agents/bot/receive-override/entries/e2", None, None),
    ("list_tool_macros", lambda c: c.list_tool_macros(), "GET", "/v1/tool-registry/macros", None, None),
    ("get_tool_macro", lambda c: c.get_tool_macro("m1"), "GET", "/v1/tool-registry/macros/m1", None, None),
    ("list_sessions", lambda c: c.list_sessions(status="open", limit=5),
     "GET", "/v1/sessions", {"status": ["open"], "limit": ["5"]}, None),
    ("create_session", lambda c: c.create_session(BODY), "POST", "/v1/sessions", None, BODY),
    ("get_session", lambda c: c.get_session("s1"), "GET", "/v1/sessions/s1", None, None),
    ("list_session_messages", lambda c: c.list_session_messages("s1", since=3, limit=2),
     "GET", "/v1/sessions/s1/messages", {"since": ["3"], "limit": ["2"]}, None),
    ("send_session_message", lambda c: c.send_session_message("s1", BODY),
     "POST", "/v1/sessions/s1/messages", None, BODY),
    ("get_session_feed", lambda c: c.get_session_feed("s1", since=4),
     "GET", "/v1/sessions/s1/feed", {"since": ["4"]}, None),
    ("complete_session", lambda c: c.complete_session("s1", BODY), "POST", "/v1/sessions/s1/complete", None, BODY),
    ("auth_register_password", lambda c: c.auth_register_password(BODY),
     "POST", "/v1/auth/register-password", None, BODY),
    ("auth_login", lambda c: c.auth_login(BODY), "POST", "/v1/auth/login", None, BODY),
    ("auth_refresh", lambda c: c.auth_refresh(BODY), "POST", "/v1/auth/refresh", None, BODY),
    ("auth_logout", lambda c: c.auth_logout(BODY), "POST", "/v1/auth/logout", None, BODY),
    ("auth_logout_all", lambda c: c.auth_logout_all(BODY), "POST", "/v1/auth/logout-all", None, BODY),
    ("auth_list_sessions", lambda c: c.auth_list_sessions(include_revoked=True),
     "GET", "/v1/auth/sessions", {"include_revoked": ["true"]}, None),
    ("auth_revoke_session", lambda c: c.auth_revoke_session(BODY), "POST", "/v1/auth/sessions/revoke", None, BODY),
    ("auth_list_assistant_links", lambda c: c.auth_list_assistant_links(include_revoked=False),
     "GET", "/v1/auth/assistant-links", {"include_revoked": ["false"]}, None),
    ("auth_create_login_intent", lambda c: c.auth_create_login_intent(BODY),
     "POST", "/v1/auth/login-intent", None, BODY),
    ("auth_verify_login_intent", lambda c: c.auth_verify_login_intent("li1", BODY),
     "POST", "/v1/auth/login-intent/li1/verify", None, BODY),
    ("auth_create_cli_grant", lambda c: c.auth_create_cli_grant(BODY), "POST", "/v1/auth/cli-grants", None, BODY),
    ("auth_get_cli_grant", lambda c: c.auth_get_cli_grant("g1"), "GET", "/v1/auth/cli-grants/g1", None, None),
    ("create_dashboard_token", lambda c: c.create_dashboard_token(BODY),
     "POST", "/v1/auth/dashboard-token", None, BODY),
    ("update_organization", lambda c: c.update_organization("o1", BODY), "PATCH", "/v1/organizations/o1", None, BODY),
    ("get_org_receive_policy", lambda c: c.get_org_receive_policy("o1"),
     "GET", "/v1/organizations/o1/receive-policy", None, None),
    ("set_org_receive_policy", lambda c: c.set_org_receive_policy("o1", BODY),
     "PUT", "/v1/organizations/o1/receive-policy", None, BODY),
    ("add_org_receive_policy_entry", lambda c: c.add_org_receive_policy_entry("o1", BODY),
     "POST", "/v1/organizations/o1/receive-policy/entries", None, BODY),
    ("remove_org_receive_policy_entry", lambda c: c.remove_org_receive_policy_entry("o1", "e3"),
     "DELETE", "/v1/organizations/o1/receive-policy/entries/e3", None, None),
    ("update_workspace", lambda c: c.update_workspace("o1", "w1", BODY),
     "PATCH", "/v1/organizations/o1/workspaces/w1", None, BODY),
    ("list_organization_members", lambda c: c.list_organization_members("o1", workspace_id="w1"),
     "GET", "/v1/organizations/o1/members", {"workspace_id": ["w1"]}, None),
    ("add_organization_member", lambda c: c.add_organization_member("o1", BODY),
     "POST", "/v1/organizations/o1/members", None, BODY),
    ("update_organization_member", lambda c: c.update_organization_member("o1", "m1", BODY),
     "PATCH", "/v1/organizations/o1/members/m1", None, BODY),
    ("remove_organization_member", lambda c: c.remove_organization_member("o1", "m1"),
     "DELETE", "/v1/organizations/o1/members/m1", None, None),
    ("include_workspace_member", lambda c: c.include_workspace_member("w1", BODY),
     "POST", "/v1/workspaces/w1/members/include", None, BODY),
    ("exclude_workspace_member", lambda c: c.exclude_workspace_member("w1", "m1"),
     "POST", "/v1/workspaces/w1/members/m1/exclude", None, None),
    ("list_access_requests", lambda c: c.list_access_requests(org_id="o1", workspace_id="w1", state="pending"),
     "GET", "/v1/access-requests", {"org_id": ["o1"], "workspace_id": ["w1"], "state": ["pending"]}, None),
    ("create_access_request", lambda c: c.create_access_request(BODY), "POST", "/v1/access-requests", None, BODY),
    ("get_access_request", lambda c: c.get_access_request("ar1"), "GET", "/v1/access-requests/ar1", None, None),
    ("review_access_request", lambda c: c.review_access_request("ar1", BODY),
     "POST", "/v1/access-requests/ar1/review", None, BODY),
    ("get_quota", lambda c: c.get_quota(org_id="o1", workspace_id="w1"),
     "GET", "/v1/quotas", {"org_id": ["o1"], "workspace_id": ["w1"]}, None),
    ("update_quota", lambda c: c.update_quota(BODY), "PATCH", "/v1/quotas", None, BODY),
    ("get_usage_summary", lambda c: c.get_usage_summary(org_id="o1", workspace_id="w1", window="7d"),
     "GET", "/v1/usage/summary", {"org_id": ["o1"], "workspace_id": ["w1"], "window": ["7d"]}, None),
    ("get_usage_timeseries", lambda c: c.get_usage_timeseries(org_id="o1", workspace_id="w1", window_days=7),
     "GET", "/v1/usage/timeseries", {"org_id": ["o1"], "workspace_id": ["w1"], "window_days": ["7"]}, None),
    ("list_usage_rollups", lambda c: c.list_usage_rollups(org_id="o1", workspace_id="w1"),
     "GET", "/v1/usage/rollups", {"org_id": ["o1"], "workspace_id": ["w1"]}, None),
    ("get_billing_plan", lambda c: c.get_billing_plan(org_id="o1", workspace_id="w1"),
     "GET", "/v1/billing/plan", {"org_id": ["o1"], "workspace_id": ["w1"]}, None),
    ("update_billing_plan", lambda c: c.update_billing_plan(BODY), "PATCH", "/v1/billing/plan", None, BODY),
    ("list_billing_invoices", lambda c: c.list_billing_invoices(org_id="o1", workspace_id="w1", status="open"),
     "GET", "/v1/billing/invoices", {"org_id": ["o1"], "workspace_id": ["w1"], "status": ["open"]}, None),
    ("get_billing_invoice", lambda c: c.get_billing_invoice("inv1"), "GET", "/v1/billing/invoices/inv1", None, None),
    ("create_principal", lambda c: c.create_principal(BODY), "POST", "/v1/principals", None, BODY),
    ("get_principal", lambda c: c.get_principal("p1"), "GET", "/v1/principals/p1", None, None),
    ("list_aliases", lambda c: c.list_aliases(org_id="o1", workspace_id="w1"),
     "GET", "/v1/aliases", {"org_id": ["o1"], "workspace_id": ["w1"]}, None),
    ("bind_alias", lambda c: c.bind_alias(BODY), "POST", "/v1/aliases", None, BODY),
    ("revoke_alias", lambda c: c.revoke_alias("al1"), "POST", "/v1/aliases/al1/revoke", None, None),
    ("resolve_alias", lambda c: c.resolve_alias(org_id="o1", workspace_id="w1", alias="ops"),
     "GET", "/v1/aliases/resolve", {"org_id": ["o1"], "workspace_id": ["w1"], "alias": ["ops"]}, None),
    ("list_routing_endpoints", lambda c: c.list_routing_endpoints(org_id="o1", workspace_id="w1"),
     "GET", "/v1/routing/endpoints", {"org_id": ["o1"], "workspace_id": ["w1"]}, None),
    ("register_routing_endpoint", lambda c: c.register_routing_endpoint(BODY),
     "POST", "/v1/routing/endpoints", None, BODY),
    ("update_routing_endpoint", lambda c: c.update_routing_endpoint("r1", BODY),
     "PATCH", "/v1/routing/endpoints/r1", None, BODY),
    ("remove_routing_endpoint", lambda c: c.remove_routing_endpoint("r1"),
     "DELETE", "/v1/routing/endpoints/r1", None, None),
    ("resolve_routing", lambda c: c.resolve_routing(BODY), "POST", "/v1/routing/resolve", None, BODY),
    ("list_transport_bindings", lambda c: c.list_transport_bindings(org_id="o1", workspace_id="w1"),
     "GET", "/v1/transports/bindings", {"org_id": ["o1"], "workspace_id": ["w1"]}, None),
    ("upsert_transport_binding", lambda c: c.upsert_transport_binding(BODY),
     "POST", "/v1/transports/bindings", None, BODY),
    ("remove_transport_binding", lambda c: c.remove_transport_binding("b1"),
     "DELETE", "/v1/transports/bindings/b1", None, None),
    ("list_deliveries", lambda c: c.list_deliveries(org_id="o1", workspace_id="w1", principal_id="p1", status="failed"),
     "GET", "/v1/deliveries",
     {"org_id": ["o1"], "workspace_id": ["w1"], "principal_id": ["p1"], "status": ["failed"]}, None),
    ("submit_delivery", lambda c: c.submit_delivery(BODY), "POST", "/v1/deliveries", None, BODY),
    ("get_delivery", lambda c: c.get_delivery("d1"), "GET", "/v1/deliveries/d1", None, None),
    ("replay_delivery", lambda c: c.replay_delivery("d1"), "POST", "/v1/deliveries/d1/replay", None, None),
    ("reconcile_deliveries", lambda c: c.reconcile_deliveries(BODY), "POST", "/v1/deliveries/reconcile", None, BODY),
    ("get_delivery_operations", lambda c: c.get_delivery_operations(org_id="o1", workspace_id="w1", window_hours=6),
     "GET", "/v1/deliveries-operations", {"org_id": ["o1"], "workspace_id": ["w1"], "window_hours": ["6"]}, None),
]


def _sha256_of(body: Dict[str, Any]) -> str:
    # The engine sends compact JSON with the object keys in sorted order.
    return hashlib.sha256(json.dumps(body, separators=(",", ":"), sort_keys=True).encode()).hexdigest()


# A literal path that a served route's template (/v1/intents/{intent_id}) also matches.
BULK_CANCEL = (
    "bulk_cancel_intents", lambda c: c.bulk_cancel_intents(BODY), "POST", "/v1/intents/bulk-cancel", None, BODY,
)


@pytest.mark.parametrize(
    "name,call,method,path,query,body", [*CASES, BULK_CANCEL], ids=[c[0] for c in [*CASES, BULK_CANCEL]]
)
def test_the_request_reaches_the_operation_of_the_same_name(
    cred: Credential,
    name: str,
    call: Callable[[AxmeClient], Any],
    method: str,
    path: str,
    query: Optional[Dict[str, List[str]]],
    body: Optional[Dict[str, Any]],
) -> None:
    with cred.client() as c, pytest.raises(AxmeServerError) as info:
        call(c)
    error = info.value
    assert (error.status_code, error.code, error.retryable) == (501, "not_implemented", False)
    assert error.body["error"]["details"]["operation_id"] == name
    (sent,) = cred.requests()  # not retried
    assert (sent["method"], sent["path"]) == (method, path)
    assert urllib.parse.parse_qs(sent["query"] or "") == (query or {})
    if body is None:
        assert sent["body_sha256"] is None
    else:
        assert sent["body_sha256"] == _sha256_of(body)
    if method in ("POST", "PUT", "PATCH"):
        assert sent["headers"].get("idempotency-key"), "writes carry a minted key"


def test_async_not_served_subset(cred: Credential) -> None:
    async def main() -> None:
        async with cred.async_client() as c:
            for pending in (
                c.get_quota(org_id="o1", workspace_id="w1"),
                c.create_session(BODY),
                c.auth_login(BODY),
                c.list_deliveries(org_id="o1", workspace_id="w1"),
            ):
                with pytest.raises(AxmeServerError) as info:
                    await pending
                assert info.value.status_code == 501

    asyncio.run(main())
    assert [r["status"] for r in cred.requests()] == [501, 501, 501, 501]
