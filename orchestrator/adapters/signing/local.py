"""A local Ed25519 signing key in a PEM file, for the embedded (single machine) mode."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from orchestrator.adapters.signing.errors import SigningError
from orchestrator.domain.airlock.signing import PublicKey, Signature

ALGORITHM = "ed25519"


class LocalEd25519Signer:
    """Signs with an Ed25519 private key held in memory (loaded from, or created in, a file)."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self._public: Ed25519PublicKey = private_key.public_key()
        raw = self._public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = "local-ed25519:" + hashlib.sha256(raw).hexdigest()[:16]

    @classmethod
    def generate(cls) -> LocalEd25519Signer:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_file(cls, path: Path, *, create: bool = False) -> LocalEd25519Signer:
        """Load the key in ``path``; with ``create``, write a new one (mode 0600) if absent."""
        if not path.exists():
            if not create:
                raise SigningError(
                    f"the airlock signing key {path} does not exist; create it or enable creation"
                )
            signer = cls.generate()
            pem = signer._private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            return signer
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise SigningError(f"cannot read the airlock signing key {path}: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningError(f"{path} is not an Ed25519 private key")
        return cls(key)

    def public_key_pem(self) -> str:
        return self._public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def public_key(self) -> PublicKey:
        return PublicKey(
            key_id=self.key_id, algorithm=ALGORITHM, versions={"1": self.public_key_pem()}
        )

    def sign(self, data: bytes) -> Signature:
        value = base64.b64encode(self._private.sign(data)).decode()
        return Signature(key_id=self.key_id, algorithm=ALGORITHM, value=value)

    def verify(self, data: bytes, signature: Signature) -> bool:
        if signature.key_id != self.key_id or signature.algorithm != ALGORITHM:
            return False
        try:
            self._public.verify(base64.b64decode(signature.value, validate=True), data)
        except (InvalidSignature, ValueError):
            return False
        return True
