"""The running service signs checkpoints, copies them outside the database, publishes its key."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from minio import Minio

from orchestrator.api.app import create_app
from orchestrator.domain.airlock.canonical import canonical_json
from orchestrator.embedded.seaweedfs import REGION
from tests.doubles.basic_checker import BasicChecker
from tests.integration.airlock_api.conftest import Airlock, make_settings

API = "/api/v1"


def checkpoint_copies(s3: Any, airlock: Airlock) -> list[dict[str, Any]]:
    client = Minio(s3.endpoint, s3.access_key, s3.secret_key, secure=False, region=REGION)
    audit = airlock.settings.audit
    copies = []
    for item in client.list_objects(audit.bucket, prefix=audit.prefix, recursive=True):
        response = client.get_object(audit.bucket, str(item.object_name))
        try:
            copies.append(json.loads(response.read()))
        finally:
            response.close()
            response.release_conn()
    return copies


async def test_the_service_checkpoints_at_start_and_shutdown_and_anyone_can_check_them(
    database_url: str, s3: Any, keycloak: Any, tokens: Callable[[str], str], tmp_path: Path
) -> None:
    settings = make_settings(database_url=database_url, s3=s3, keycloak=keycloak, tmp_path=tmp_path)
    app = create_app(settings, checker=BasicChecker())
    airlock = Airlock(app=app, settings=settings, tokens=tokens)
    async with app.router.lifespan_context(app):
        async with airlock.client("alice") as alice:
            created = await alice.post(
                f"{API}/projects/genomics/requests", json={"title": "t", "purpose": "p"}
            )
            assert created.status_code == 201, created.text
        async with airlock.client() as anonymous:
            published = (await anonymous.get(f"{API}/audit/key")).json()
    # the last checkpoint was signed at shutdown and pins the last record before it
    copies = checkpoint_copies(s3, airlock)
    assert copies, "no checkpoint was copied outside the database"
    seqs = sorted(c["checkpoint"]["seq"] for c in copies)
    assert len(seqs) == 2, seqs  # one when the service started, one when it stopped
    assert seqs[1] > seqs[0]  # the shutdown checkpoint pins the request made meanwhile
    newest = max(copies, key=lambda c: c["checkpoint"]["seq"])
    assert newest["signature"]["key_id"] == published["key_id"]
    assert published["algorithm"] == "ed25519"
    public = load_pem_public_key(published["versions"]["1"].encode())
    assert isinstance(public, Ed25519PublicKey)
    public.verify(  # raises InvalidSignature if the copy was not signed by the published key
        base64.b64decode(newest["signature"]["value"]), canonical_json(newest["checkpoint"])
    )
