"""Exported files the register is built from: two projects and their requests (plain data).

The requests carry identifiers in every free-text place a researcher or reviewer can
write (file names, titles, purposes, comments), so tests can show none reaches the
public register.
"""

from __future__ import annotations

from typing import Any

IDENTIFIERS = (
    "943-476-5919",  # an NHS number
    "john_smith",
    "Jane Doe",
    "dob-1961-02-17",
    "postcode-EX4-4QJ",
    "alice",  # the requester
    "rita",  # the reviewers
    "ravi",
    "nhs-cohort",  # the dataset bucket
    "req-released",  # request ids
    "4f1c",  # a hash
)


def _project(name: str, spec: dict[str, Any], created: str) -> dict[str, Any]:
    return {
        "apiVersion": "research.tre-orchestrator.io/v1alpha1",
        "kind": "ResearchProject",
        "metadata": {"name": name, "creationTimestamp": created, "uid": "u-1"},
        "spec": spec,
        "status": {"phase": "Ready"},
    }


_BASE: dict[str, Any] = {
    "computeProfiles": [{"name": "small", "displayName": "Small", "cpu": "1", "memory": "2Gi"}],
    "storageQuota": "100Gi",
    "images": ["ghcr.io/tre-orchestrator/workspace:0.1.0"],
}

PROJECTS: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "List",
    "items": [
        _project(
            "stroke",
            {
                **_BASE,
                "displayName": "Blood pressure and stroke",
                "tier": 3,
                "members": [
                    {"username": "alice", "roles": ["researcher"]},
                    {"username": "rita", "roles": ["reviewer"]},
                    {"username": "ravi", "roles": ["reviewer"]},
                ],
                "datasets": [
                    {"name": "hes", "bucket": "nhs-cohort", "prefix": "2024/"},
                    {"name": "cohort", "bucket": "nhs-cohort"},
                ],
                "expiresAt": "2027-03-31T00:00:00Z",
                "transparency": {
                    "purpose": "How blood pressure treatment affects stroke risk.",
                    "institutions": ["University of Exeter", "NHS South West"],
                    "publicContacts": ["Prof. A. Example"],
                },
            },
            "2026-01-05T09:30:00Z",
        ),
        _project(
            "asthma",
            {**_BASE, "displayName": "Asthma <pilot>", "tier": 1},
            "2026-02-01T00:00:00Z",
        ),
    ],
}


def _request(
    request_id: str,
    *,
    state: str = "released",
    direction: str = "export",
    files: tuple[str, ...] = (),
    votes: tuple[tuple[str, int, str], ...] = (),
    updated: str = "2026-03-10T16:45:00Z",
    project: str = "stroke",
) -> dict[str, Any]:
    return {
        "id": request_id,
        "project": project,
        "requester": "alice",
        "direction": direction,
        "title": "Table 2 for john_smith 943-476-5919",
        "state": state,
        "version": 2,
        "created_at": "2026-03-01T10:00:00Z",
        "updated_at": updated,
        "purpose": "Counts for Jane Doe, dob-1961-02-17, postcode-EX4-4QJ",
        "submitted_version": 2,
        "required_approvals": 2,
        "files": [
            {
                "name": name,
                "context": "rows of john_smith",
                "controls": "",
                "sha256": "4f1c" + "0" * 60,
                "size": 1234,
                "source": None,
                "verdict": "pass",
                "findings": [],
            }
            for name in files
        ],
        "votes": [
            {
                "reviewer": reviewer,
                "version": version,
                "decision": decision,
                "comment": "fine for Jane Doe",
                "acknowledged": [],
                "at": updated,
            }
            for reviewer, version, decision in votes
        ],
        "actions": [],
        "failure_reason": None,
        "released": list(files),
        "ruleset_id": "default",
        "ruleset_version": "2026.1",
    }


REQUESTS: list[dict[str, Any]] = [
    _request(
        "req-released",
        files=(
            "out/john_smith_943-476-5919.csv",
            "out/dob-1961-02-17.xlsx",
            "figures/postcode-EX4-4QJ.png",
            "analysis.R",
        ),
        votes=(
            ("rita", 1, "request_changes"),
            ("rita", 2, "approve"),
            ("ravi", 2, "approve"),
        ),
    ),
    _request(
        "req-released-asthma",
        project="asthma",
        files=("README",),
        votes=(("rita", 2, "approve"),),
        updated="2026-04-02T08:00:00Z",
    ),
    _request("req-draft", state="draft", files=("Jane Doe.csv",)),
    _request("req-rejected", state="rejected", files=("Jane Doe.csv",)),
    _request("req-revoked", state="revoked", files=("Jane Doe.csv",)),
    _request("req-import", direction="import", files=("Jane Doe.csv",)),
]
