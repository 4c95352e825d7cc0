"""Users (nicks and profiles) and invites (create, read by token, accept with a nick)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from axme import AxmeConflictError, AxmeNotFoundError, AxmeValidationError
from conftest import Credential

OWNER = "agent://acme/prod/owner"


def nick() -> str:
    return f"user_{uuid.uuid4().hex[:8]}"


def test_a_nick_lifecycle(cred: Credential) -> None:
    name = nick()
    with cred.client() as c:
        check = c.check_nick("@" + name.upper())
        assert (check["normalized_nick"], check["available"]) == ("@" + name, True)
        registered = c.register_nick({"nick": "@" + name, "display_name": "Ann", "email": "ann@example.com"})
        owner = registered["owner_agent"]
        assert owner.endswith("/" + registered["user_id"])
        assert c.check_nick(name)["available"] is False
        resolved = c.resolve_nick(nick=name.upper())
        assert (resolved["resolved"], resolved["owner_agent"]) == (True, owner)
        assert c.resolve_nick(nick=nick())["resolved"] is False
        with pytest.raises(AxmeConflictError) as info:
            c.register_nick({"nick": name})
        assert info.value.code == "nick_taken"

        renamed = c.rename_nick({"owner_agent": owner, "nick": "@" + name + "_2"})
        assert (renamed["previous_nick"], renamed["nick"]) == ("@" + name, "@" + name + "_2")
        assert c.check_nick(name)["available"] is True

        profile = c.get_user_profile(owner)
        assert (profile["normalized_nick"], profile["email"]) == ("@" + name + "_2", "ann@example.com")
        updated = c.update_user_profile({"owner_agent": owner, "display_name": "Ann B", "phone": "+1 555 0100"})
        assert (updated["display_name"], updated["email"]) == ("Ann B", "ann@example.com")
        assert c.get_user_profile(owner)["display_name"] == "Ann B"
        with pytest.raises(AxmeNotFoundError):
            c.get_user_profile("agent://acme/users/nobody")
        with pytest.raises(AxmeValidationError):
            c.update_user_profile({"owner_agent": owner, "phone": "call me"})
    # check_nick sends the nick as a query parameter, escaped.
    first = cred.requests("/v1/users/check-nick")[0]
    assert first["query"] == f"nick=%40{name.upper()}"


def test_an_invite_is_read_by_token_and_accepted_once(cred: Credential) -> None:
    name = nick()
    with cred.client() as c:
        created = c.create_invite({"owner_agent": OWNER, "recipient_hint": "Receiver", "ttl_seconds": 3600})
        token = created["token"]
        assert created["status"] == "pending"
        assert created["invite_url"].endswith(f"/v1/invites/{token}")
        read = c.get_invite(token)
        assert (read["token"], read["owner_agent"], read["status"]) == (token, OWNER, "pending")
        accepted = c.accept_invite(token, {"nick": "@" + name.title(), "display_name": "Invited"})
        assert (accepted["status"], accepted["normalized_nick"]) == ("accepted", "@" + name)
        profile = c.get_user_profile(accepted["user"]["owner_agent"])
        assert profile["display_name"] == "Invited"
        with pytest.raises(AxmeConflictError) as info:
            c.accept_invite(token, {"nick": "@" + nick()})
        assert info.value.code == "invite_already_accepted"
        assert c.get_invite(token)["user_id"] == accepted["user_id"]
        with pytest.raises(AxmeValidationError):
            c.create_invite({"owner_agent": OWNER, "ttl_seconds": 5})


def test_async_users_and_invites_subset(cred: Credential) -> None:
    name = nick()

    async def main() -> None:
        async with cred.async_client() as c:
            assert (await c.check_nick(name))["available"] is True
            registered = await c.register_nick({"nick": name})
            assert (await c.resolve_nick(nick=name))["owner_agent"] == registered["owner_agent"]
            invite = await c.create_invite({"owner_agent": OWNER})
            assert (await c.get_invite(invite["token"]))["status"] == "pending"
            accepted = await c.accept_invite(invite["token"], {"nick": name})
            assert accepted["user_id"] == registered["user_id"]  # the registered nick is bound

    asyncio.run(main())
