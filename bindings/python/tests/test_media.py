"""Raw-byte request bodies: ``upload_media_content`` sends the bytes as they are (not JSON),
with the operation's media type, and a retry repeats them under the same Idempotency-Key."""

from __future__ import annotations

import hashlib

from conftest import AGENT, Credential

UPLOAD = "/v1/media/upload/{upload_id}"
CONTENT = b"\x00\x01axme raw bytes \xff\n"


def test_upload_media_content_sends_raw_bytes_through_the_core(cred: Credential) -> None:
    digest = hashlib.sha256(CONTENT).hexdigest()
    with cred.client() as c:
        upload = c.create_media_upload(
            {
                "owner_agent": AGENT,
                "filename": "raw.bin",
                "mime_type": "application/octet-stream",
                "size_bytes": len(CONTENT),
                "sha256": digest,
            }
        )
        cred.add_rules(
            {
                "match": {"method": "PUT", "route": UPLOAD, "attempt": 1},
                "action": {"type": "respond", "status": 503},
            }
        )
        # The server refuses content whose SHA-256 differs from the declared one.
        done = c.upload_media_content(upload["upload_id"], CONTENT)
    assert done["upload_id"] == upload["upload_id"]
    attempts = cred.requests(UPLOAD)
    assert [r["status"] for r in attempts] == [503, 200]
    assert [r["body_sha256"] for r in attempts] == [digest, digest]
    assert {r["headers"]["content-type"][0] for r in attempts} == {"application/octet-stream"}
    keys = {r["headers"]["idempotency-key"][0] for r in attempts}
    assert len(keys) == 1
