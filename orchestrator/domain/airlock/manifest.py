"""The release manifest: what left the airlock, checked how, approved by whom, and when.

Built as a plain dict, encoded as canonical JSON and signed; the signed document is
stored next to the released files and in the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from orchestrator.domain.airlock.canonical import canonical_json
from orchestrator.domain.airlock.model import Decision, Request, Vote
from orchestrator.domain.airlock.signing import Signature, Signer

MANIFEST_SCHEMA = "tre.airlock.release-manifest/v1"


def make_release_manifest(
    request: Request,
    votes: Iterable[Vote],
    *,
    released_keys: Mapping[str, str],
    submitted_at: str | None,
    checked_at: str | None,
    released_at: str,
) -> dict[str, Any]:
    """The manifest of a release of ``request``'s current version (a pure function)."""
    approvals = sorted(
        (v for v in votes if v.version == request.version and v.decision is Decision.APPROVE),
        key=lambda v: v.reviewer,
    )
    return {
        "schema": MANIFEST_SCHEMA,
        "request": {
            "id": request.id,
            "project": request.project,
            "direction": str(request.direction),
            "title": request.title,
            "purpose": request.purpose,
            "requester": request.requester,
            "version": request.version,
        },
        "checks": {
            "ruleset_id": request.ruleset_id,
            "ruleset_version": request.ruleset_version,
            "checked_at": checked_at,
        },
        "files": [
            {
                "name": f.name,
                "sha256": f.sha256,
                "size": f.size,
                "context": f.context,
                "controls": f.controls,
                "verdict": None if f.verdict is None else str(f.verdict),
                "findings": [finding.as_dict() for finding in f.findings],
                "object_key": released_keys.get(f.name),
            }
            for f in sorted(request.files, key=lambda f: f.name)
        ],
        "reviewers": [
            {
                "reviewer": v.reviewer,
                "decision": str(v.decision),
                "acknowledged": sorted(v.acknowledged),
                "at": None if v.at is None else v.at.isoformat(),
            }
            for v in approvals
        ],
        "required_approvals": request.required_approvals,
        "timestamps": {
            "created_at": None if request.created_at is None else request.created_at.isoformat(),
            "submitted_at": submitted_at,
            "released_at": released_at,
        },
    }


def sign_manifest(manifest: Mapping[str, Any], signer: Signer) -> dict[str, Any]:
    """The signed document: the manifest plus a signature over its canonical JSON."""
    signature = signer.sign(canonical_json(manifest))
    return {"manifest": dict(manifest), "signature": signature.as_dict()}


def verify_signed_manifest(document: Mapping[str, Any], signer: Signer) -> bool:
    """Whether a signed manifest document is intact and signed by ``signer``'s key."""
    try:
        manifest = document["manifest"]
        signature = Signature.from_dict(document["signature"])
    except (KeyError, TypeError):
        return False
    return signer.verify(canonical_json(manifest), signature)
