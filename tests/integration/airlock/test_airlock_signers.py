"""Signers against real key stores: OpenBao's transit engine and a local Ed25519 key file."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hvac
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from orchestrator.adapters.database import Database
from orchestrator.adapters.signing import LocalEd25519Signer, SigningError, TransitSigner
from orchestrator.domain.airlock.manifest import verify_signed_manifest
from orchestrator.domain.airlock.signing import Signature
from orchestrator.services.airlock import AirlockService
from tests.doubles.basic_checker import BasicChecker
from tests.integration.airlock.conftest import make_config
from tests.integration.airlock.flows import ALICE, released


@pytest.fixture
def transit(openbao: Any) -> TransitSigner:
    signer = TransitSigner(openbao.client(), f"airlock-{uuid.uuid4().hex[:8]}")
    signer.ensure_key(enable_engine=True)
    return signer


def test_transit_signature_verifies_and_detects_changes(transit: TransitSigner) -> None:
    signature = transit.sign(b'{"seq":1}')
    assert signature.value.startswith("vault:v1:")
    assert transit.verify(b'{"seq":1}', signature)
    assert not transit.verify(b'{"seq":2}', signature)
    forged = Signature(signature.key_id, signature.algorithm, "vault:v1:" + "A" * 88)
    assert not transit.verify(b'{"seq":1}', forged)


def test_ensure_key_is_idempotent(transit: TransitSigner) -> None:
    transit.ensure_key(enable_engine=True)
    assert transit.verify(b"x", transit.sign(b"x"))


def test_transit_errors_are_ours_with_the_reason(openbao: Any) -> None:
    client = hvac.Client(url=openbao.url, token="not-a-token")
    with pytest.raises(SigningError, match="Vault could not sign"):
        TransitSigner(client, "airlock").sign(b"x")


@pytest.fixture
def transit_airlock(tmp_path: Path, s3: Any, transit: TransitSigner) -> Iterator[AirlockService]:
    from tests.integration.airlock.conftest import make_store

    database = Database(f"sqlite:///{tmp_path / 'airlock.db'}")
    service = AirlockService(database, make_store(s3), BasicChecker(), transit, make_config())
    service.setup()
    yield service
    database.dispose()


def test_release_manifest_and_checkpoints_signed_in_openbao(
    transit_airlock: AirlockService, transit: TransitSigner
) -> None:
    request = released(transit_airlock)
    document = transit_airlock.release_manifest(ALICE, request.id)
    assert document["signature"]["key_id"] == transit.key_id  # type: ignore[index]
    assert verify_signed_manifest(document, transit)
    assert transit_airlock.write_checkpoint() is not None
    result = transit_airlock.verify_audit_chain()
    assert result.ok, result.reason
    assert result.checkpoints_checked == 1


def test_local_key_is_created_once_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "airlock-ed25519.pem"
    with pytest.raises(SigningError, match="does not exist"):
        LocalEd25519Signer.from_file(path)
    created = LocalEd25519Signer.from_file(path, create=True)
    assert path.stat().st_mode & 0o777 == 0o600
    reloaded = LocalEd25519Signer.from_file(path)
    assert reloaded.key_id == created.key_id
    assert reloaded.verify(b"data", created.sign(b"data"))
    path.write_text("not a key")
    with pytest.raises(SigningError, match="cannot read"):
        LocalEd25519Signer.from_file(path)


def test_the_published_transit_key_verifies_a_transit_signature(transit: TransitSigner) -> None:
    signature = transit.sign(b"checkpoint bytes")
    version, _, value = signature.value.removeprefix("vault:v").partition(":")
    published = transit.public_key()
    assert published.algorithm == "transit-ed25519"
    public = load_pem_public_key(published.versions[version].encode())
    assert isinstance(public, Ed25519PublicKey)
    public.verify(base64.b64decode(value), b"checkpoint bytes")
    with pytest.raises(InvalidSignature):
        public.verify(base64.b64decode(value), b"other bytes")
