"""Signing with a key that never leaves Vault/OpenBao: the transit secrets engine."""

from __future__ import annotations

import base64
from typing import Any

import hvac
import hvac.exceptions
import requests.exceptions
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from orchestrator.adapters.signing.errors import SigningError
from orchestrator.domain.airlock.signing import PublicKey, Signature

ALGORITHM = "transit-ed25519"
_ERRORS: tuple[type[Exception], ...] = (
    hvac.exceptions.VaultError,
    requests.exceptions.RequestException,
)


class TransitSigner:
    """Signs through ``<mount>/sign/<key>``; the private key stays in the transit engine."""

    def __init__(self, client: hvac.Client, key_name: str, mount_point: str = "transit") -> None:
        self._client = client
        self.key_name = key_name
        self.mount_point = mount_point
        self.key_id = f"{mount_point}/{key_name}"

    def ensure_key(self, *, enable_engine: bool = False) -> None:
        """Create the Ed25519 key if missing (and the transit engine, when allowed)."""
        try:
            if enable_engine:
                mounts: dict[str, Any] = self._client.sys.list_mounted_secrets_engines()
                data = mounts.get("data", mounts)
                if f"{self.mount_point}/" not in data:
                    self._client.sys.enable_secrets_engine("transit", path=self.mount_point)
            self._client.secrets.transit.create_key(
                name=self.key_name, key_type="ed25519", mount_point=self.mount_point
            )
        except _ERRORS as exc:
            raise SigningError(
                f"cannot create the transit key {self.key_id} in Vault: {exc}"
            ) from exc

    def public_key(self) -> PublicKey:
        """Every version's public key, read from the transit engine (never the private key)."""
        try:
            response = self._client.secrets.transit.read_key(
                name=self.key_name, mount_point=self.mount_point
            )
        except _ERRORS as exc:
            raise SigningError(f"Vault could not read the key {self.key_id}: {exc}") from exc
        versions: dict[str, str] = {}
        for version, key in response["data"]["keys"].items():
            raw = base64.b64decode(key["public_key"])
            versions[str(version)] = (
                Ed25519PublicKey.from_public_bytes(raw)
                .public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                .decode()
            )
        return PublicKey(key_id=self.key_id, algorithm=ALGORITHM, versions=versions)

    def sign(self, data: bytes) -> Signature:
        try:
            response = self._client.secrets.transit.sign_data(
                name=self.key_name,
                hash_input=base64.b64encode(data).decode(),
                mount_point=self.mount_point,
            )
        except _ERRORS as exc:
            raise SigningError(f"Vault could not sign with {self.key_id}: {exc}") from exc
        return Signature(
            key_id=self.key_id, algorithm=ALGORITHM, value=str(response["data"]["signature"])
        )

    def verify(self, data: bytes, signature: Signature) -> bool:
        if signature.key_id != self.key_id or signature.algorithm != ALGORITHM:
            return False
        try:
            response = self._client.secrets.transit.verify_signed_data(
                name=self.key_name,
                hash_input=base64.b64encode(data).decode(),
                signature=signature.value,
                mount_point=self.mount_point,
            )
        except hvac.exceptions.InvalidRequest:
            return False
        except _ERRORS as exc:
            raise SigningError(f"Vault could not verify with {self.key_id}: {exc}") from exc
        return bool(response["data"]["valid"])
