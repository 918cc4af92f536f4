"""Signers for release manifests and audit checkpoints: Vault/OpenBao transit or a local key."""

from orchestrator.adapters.signing.errors import SigningError
from orchestrator.adapters.signing.local import LocalEd25519Signer
from orchestrator.adapters.signing.transit import TransitSigner

__all__ = ["LocalEd25519Signer", "SigningError", "TransitSigner"]
