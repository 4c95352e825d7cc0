"""Administration: organisations, workspaces, service accounts and their keys, with an admin key
of a fresh organisation (made by the admin command line) and a plain key beside it."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from axme import AxmeAuthError, AxmeConflictError, AxmeNotFoundError
from conftest import AdminOrg, Credential


def test_organisations_and_workspaces(admin_org: AdminOrg) -> None:
    name = f"acme-{uuid.uuid4().hex[:8]}"
    with admin_org.client() as admin:
        created = admin.create_organization(
            {"name": name, "legal_name": "Acme Inc.", "metadata": {"tier": "gold"}}
        )["organization"]
        assert (created["name"], created["legal_name"]) == (name, "Acme Inc.")
        assert [w["name"] for w in created["workspaces"]] == ["default"]
        org_id = created["org_id"]
        assert admin.get_organization(name)["organization"]["org_id"] == org_id
        ws = admin.create_workspace(org_id, {"name": "prod", "environment": "production"})
        assert (ws["workspace"]["name"], ws["workspace"]["environment"]) == ("prod", "production")
        names = [w["name"] for w in admin.list_workspaces(name)["workspaces"]]
        assert names == ["default", "prod"]
        with pytest.raises(AxmeConflictError) as info:
            admin.create_organization({"name": name})
        assert info.value.code == "organization_exists"
        with pytest.raises(AxmeNotFoundError):
            admin.get_organization(f"nobody-{uuid.uuid4().hex[:8]}")


def test_a_plain_key_may_not_administer(cred: Credential) -> None:
    with cred.client() as plain:
        with pytest.raises(AxmeAuthError) as info:
            plain.create_organization({"name": f"mine-{uuid.uuid4().hex[:8]}"})
        assert (info.value.status_code, info.value.code) == (403, "admin_required")
        with pytest.raises(AxmeAuthError):
            plain.create_service_account(
                {"org_id": cred.org_id, "workspace_id": cred.workspace_id, "name": "x"}
            )
        # Its own organisation it may read.
        assert plain.get_organization(cred.org_id)["organization"]["org_id"] == cred.org_id


def test_service_accounts_and_keys_rotate_and_revoke(admin_org: AdminOrg) -> None:
    with admin_org.client() as admin:
        made = admin.create_service_account(
            {"org_id": admin_org.name, "workspace_id": "default", "name": "worker"}
        )["service_account"]
        account_id = made["service_account_id"]
        assert made["agent_address"] == f"agent://{admin_org.name}/default/worker"
        got = admin.get_service_account(account_id)["service_account"]
        assert (got["name"], got["admin"]) == ("worker", False)
        listed = admin.list_service_accounts(org_id=admin_org.name, workspace_id="default")
        assert sorted(s["name"] for s in listed["service_accounts"]) == ["ops", "worker"]
        assert admin.list_service_accounts(org_id=admin_org.name) == listed

        first = admin.create_service_account_key(account_id, {"name": "first"})
        second = admin.create_service_account_key(account_id, {"name": "ci"})
        with admin_org.client(api_key=first["api_key"]) as worker:
            assert worker.list_intents()["intents"] == []
            # A service account manages its own keys: rotating the first key replaces it.
            rotated = worker.rotate_service_account_key(account_id, first["key_id"])
            assert rotated["revoked_key_id"] == first["key_id"]
            with pytest.raises(AxmeAuthError):
                worker.list_intents()  # the rotated key is refused at once
        with admin_org.client(api_key=rotated["api_key"]) as fresh:
            assert fresh.list_intents()["intents"] == []
            revoked = fresh.revoke_service_account_key(account_id, second["key_id"])
            assert revoked["revoked"] is True
            with pytest.raises(AxmeConflictError) as info:
                fresh.rotate_service_account_key(account_id, first["key_id"])
            assert info.value.code == "key_already_revoked"
        with admin_org.client(api_key=second["api_key"]) as ci, pytest.raises(AxmeAuthError):
            ci.list_intents()
        states = [k["status"] for k in admin.list_service_account_keys(account_id)["keys"]]
        assert states == ["revoked", "revoked", "active"]


def test_async_admin_subset(admin_org: AdminOrg) -> None:
    async def main() -> None:
        async with admin_org.async_client() as admin:
            org = (await admin.get_organization(admin_org.name))["organization"]
            assert org["name"] == admin_org.name
            ws = await admin.create_workspace(org["org_id"], {"name": "staging"})
            assert ws["workspace"]["name"] == "staging"
            assert "staging" in [w["name"] for w in (await admin.list_workspaces(org["org_id"]))["workspaces"]]
            made = await admin.create_service_account(
                {"org_id": admin_org.name, "workspace_id": "staging", "name": "bot"}
            )
            account_id = made["service_account"]["service_account_id"]
            key = await admin.create_service_account_key(account_id, {})
            keys = (await admin.list_service_account_keys(account_id))["keys"]
            assert [k["key_id"] for k in keys] == [key["key_id"]]

    asyncio.run(main())
