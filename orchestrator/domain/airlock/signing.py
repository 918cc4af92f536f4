"""Signatures over canonical bytes, independent of where the key lives.

Adapters implement :class:`Signer` with a key in Vault/OpenBao transit or a local
Ed25519 key; domain and service code only see this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Signature:
    """A detached signature: which key, which algorithm, and the signature text."""

    key_id: str
    algorithm: str
    value: str

    def as_dict(self) -> dict[str, str]:
        return {"key_id": self.key_id, "algorithm": self.algorithm, "value": self.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Signature:
        return cls(
            key_id=str(data["key_id"]), algorithm=str(data["algorithm"]), value=str(data["value"])
        )


@dataclass(frozen=True)
class PublicKey:
    """What anyone needs to check a signature: the key's id, algorithm and public halves.

    ``versions`` maps each key version (``"1"`` for a local key) to its PEM public key;
    a transit signature ``vault:v<N>:...`` is checked with version ``N``.
    """

    key_id: str
    algorithm: str
    versions: dict[str, str]


class Signer(Protocol):
    """Signs and verifies byte strings with one named key."""

    def sign(self, data: bytes) -> Signature:
        """Sign ``data``; raises an adapter error if the key service is unavailable."""
        ...

    def verify(self, data: bytes, signature: Signature) -> bool:
        """Whether ``signature`` is a valid signature of ``data`` by this signer's key."""
        ...

    def public_key(self) -> PublicKey:
        """The verification key, safe to publish."""
        ...
