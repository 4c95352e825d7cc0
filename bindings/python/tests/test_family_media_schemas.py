"""Media uploads (create, read, finalize, the download routes) and the schema registry."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any, Dict

import pytest

from axme import AxmeClient, AxmeConflictError, AxmeNotFoundError, AxmeValidationError
from conftest import Credential

OWNER = "agent://acme/prod/owner"


def upload_body(size: int) -> Dict[str, Any]:
    return {"owner_agent": OWNER, "filename": "report.txt", "mime_type": "text/plain", "size_bytes": size}


def test_create_read_and_finalize_an_upload(client: AxmeClient) -> None:
    created = client.create_media_upload(upload_body(12345))
    upload_id = created["upload_id"]
    meta = client.get_media_upload(upload_id)["upload"]
    assert meta["status"] == "pending"
    assert meta["upload_url"].endswith(f"/v1/media/upload/{upload_id}")
    # Not finalized yet: nothing to download.
    with pytest.raises(AxmeConflictError):
        client.download_media(upload_id)
    with pytest.raises(AxmeValidationError) as info:
        client.finalize_media_upload({"upload_id": upload_id, "size_bytes": 12})
    assert info.value.code == "size_mismatch"
    ready = client.finalize_media_upload({"upload_id": upload_id, "size_bytes": 12345})
    assert ready["status"] == "ready" and ready["finalized_at"]
    again = client.finalize_media_upload({"upload_id": upload_id, "size_bytes": 12345})
    assert again["finalized_at"] == ready["finalized_at"]
    assert client.get_media_upload(upload_id)["upload"]["status"] == "ready"
    # Finalized without content: both download routes say the bytes are missing.
    with pytest.raises(AxmeNotFoundError) as missing:
        client.download_media(upload_id)
    assert missing.value.code == "media_content_missing"
    with pytest.raises(AxmeNotFoundError) as no_preview:
        client.preview_media(upload_id)
    assert no_preview.value.code == "media_content_missing"


def test_bad_uploads_are_refused(client: AxmeClient) -> None:
    bad_name = upload_body(10)
    bad_name["filename"] = "../../etc/passwd"
    with pytest.raises(AxmeValidationError):
        client.create_media_upload(bad_name)
    with pytest.raises(AxmeNotFoundError):
        client.get_media_upload("00000000-0000-4000-8000-000000000000")


def test_uploaded_bytes_are_stored_and_finalized(client: AxmeClient) -> None:
    content = b"hello, media" * 100
    upload_id = client.create_media_upload(upload_body(len(content)))["upload_id"]
    stored = client.upload_media_content(upload_id, content)
    assert stored["sha256"] == hashlib.sha256(content).hexdigest()
    ready = client.finalize_media_upload({"upload_id": upload_id, "size_bytes": len(content)})
    assert ready["status"] == "ready"


def test_uploaded_bytes_come_back_from_download(client: AxmeClient) -> None:
    content = bytes(range(256)) * 8  # every byte value, not valid UTF-8 or JSON
    upload_id = client.create_media_upload(upload_body(len(content)))["upload_id"]
    client.upload_media_content(upload_id, content)
    client.finalize_media_upload({"upload_id": upload_id, "size_bytes": len(content)})
    downloaded = client.download_media(upload_id)
    assert isinstance(downloaded, bytes) and downloaded == content
    assert client.preview_media(upload_id) == content


def schema(semantic_type: str, mode: str, body: Dict[str, Any]) -> Dict[str, Any]:
    return {"semantic_type": semantic_type, "schema_json": body, "compatibility_mode": mode}


DATE: Dict[str, Any] = {"type": "object", "required": ["date"], "properties": {"date": {"type": "string"}}}


def test_schemas_are_versioned_and_checked_for_compatibility(client: AxmeClient) -> None:
    stored = client.upsert_schema(schema("acme.calendar.schedule.v1", "strict", DATE))
    assert (stored["changed"], stored["schema"]["version"]) == (True, 1)
    digest = stored["schema"]["schema_hash"]
    assert len(digest) == 64
    same = client.upsert_schema(schema("acme.calendar.schedule.v1", "strict", DATE))
    assert (same["changed"], same["schema"]["version"]) == (False, 1)
    read = client.get_schema("acme.calendar.schedule.v1")["schema"]
    assert (read["schema_json"], read["schema_hash"]) == (DATE, digest)
    with pytest.raises(AxmeConflictError) as info:
        client.upsert_schema(schema("acme.calendar.schedule.v1", "strict", {"type": "object"}))
    assert info.value.code == "schema_incompatible"
    # backward: adding an optional field is a new version.
    widened = {**DATE, "properties": {**DATE["properties"], "note": {"type": "string"}}}
    client.upsert_schema(schema("acme.order.v1", "backward", DATE))
    assert client.upsert_schema(schema("acme.order.v1", "backward", widened))["schema"]["version"] == 2
    with pytest.raises(AxmeNotFoundError) as missing:
        client.get_schema("acme.nothing.v1")
    assert missing.value.code == "schema_not_found"


def test_async_media_and_schemas_subset(cred: Credential) -> None:
    async def main() -> None:
        async with cred.async_client() as c:
            upload_id = (await c.create_media_upload(upload_body(3)))["upload_id"]
            assert (await c.get_media_upload(upload_id))["upload"]["status"] == "pending"
            await c.upload_media_content(upload_id, b"\x00\xff\n")
            done = await c.finalize_media_upload({"upload_id": upload_id, "size_bytes": 3})
            assert done["status"] == "ready"
            assert await c.download_media(upload_id) == b"\x00\xff\n"
            with pytest.raises(AxmeNotFoundError):
                await c.preview_media("00000000-0000-4000-8000-000000000000")
            await c.upsert_schema(schema("acme.async.v1", "warn", DATE))
            assert (await c.get_schema("acme.async.v1"))["schema"]["version"] == 1

    asyncio.run(main())
