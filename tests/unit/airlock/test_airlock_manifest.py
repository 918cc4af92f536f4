"""Release manifests list files, hashes, findings, rule set and reviewers, and are signed."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from orchestrator.adapters.signing import LocalEd25519Signer
from orchestrator.domain.airlock.manifest import (
    make_release_manifest,
    sign_manifest,
    verify_signed_manifest,
)
from orchestrator.domain.airlock.model import Decision, Vote
from orchestrator.domain.airlock.states import State
from tests.unit.airlock.factories import REVIEW_FINDING, make_request, with_findings

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def released_manifest() -> dict[str, object]:
    request = with_findings(
        make_request(State.RELEASING, ruleset_id="basic", ruleset_version="1", created_at=AT),
        REVIEW_FINDING,
    )
    votes = [
        Vote("ravi", 1, Decision.APPROVE, acknowledged=frozenset({"k1"}), at=AT),
        Vote("rita", 1, Decision.APPROVE, acknowledged=frozenset({"k1"}), at=AT),
        Vote("rosa", 0, Decision.REQUEST_CHANGES, comment="old version", at=AT),
    ]
    return make_release_manifest(
        request,
        votes,
        released_keys={"table.csv": "genomics/r1/v1/table.csv"},
        submitted_at="s",
        checked_at="c",
        released_at="r",
    )


def test_manifest_lists_files_hashes_findings_ruleset_and_reviewers() -> None:
    manifest = released_manifest()
    assert manifest["files"] == [
        {
            "name": "table.csv",
            "sha256": "a" * 64,
            "size": 10,
            "context": "",
            "controls": "",
            "verdict": "review",
            "findings": [REVIEW_FINDING.as_dict()],
            "object_key": "genomics/r1/v1/table.csv",
        }
    ]
    assert manifest["checks"] == {"ruleset_id": "basic", "ruleset_version": "1", "checked_at": "c"}
    assert [r["reviewer"] for r in manifest["reviewers"]] == ["ravi", "rita"]  # type: ignore[index, union-attr]
    assert manifest["timestamps"] == {
        "created_at": AT.isoformat(),
        "submitted_at": "s",
        "released_at": "r",
    }


def test_signed_manifest_verifies_and_any_change_breaks_it() -> None:
    signer = LocalEd25519Signer.generate()
    document = sign_manifest(released_manifest(), signer)
    assert verify_signed_manifest(document, signer)
    tampered = copy.deepcopy(document)
    tampered["manifest"]["files"][0]["sha256"] = "b" * 64
    assert not verify_signed_manifest(tampered, signer)
    assert not verify_signed_manifest(document, LocalEd25519Signer.generate())
