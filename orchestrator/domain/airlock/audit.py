"""The tamper-evident audit chain: records linked by the hash of their predecessor.

Each record's hash is the SHA-256 of the canonical JSON of its content, which
includes its sequence number and the previous record's hash. Editing a record
breaks its own hash; deleting one leaves a gap in the sequence; moving one breaks
the links around it. Signed checkpoints pin (sequence, hash) pairs so that cutting
records off the end is detected as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from orchestrator.domain.airlock.canonical import canonical_json, sha256_hex
from orchestrator.domain.airlock.signing import Signature

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    """One audited event. ``at`` is an ISO-8601 UTC timestamp string."""

    seq: int
    at: str
    actor: str
    action: str
    project: str | None
    request_id: str | None
    details: Mapping[str, Any]
    prev_hash: str
    hash: str

    def payload(self) -> dict[str, Any]:
        return record_payload(
            seq=self.seq,
            at=self.at,
            actor=self.actor,
            action=self.action,
            project=self.project,
            request_id=self.request_id,
            details=self.details,
            prev_hash=self.prev_hash,
        )

    def computed_hash(self) -> str:
        return sha256_hex(canonical_json(self.payload()))


def record_payload(
    *,
    seq: int,
    at: str,
    actor: str,
    action: str,
    project: str | None,
    request_id: str | None,
    details: Mapping[str, Any],
    prev_hash: str,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "project": project,
        "request_id": request_id,
        "details": dict(details),
        "prev_hash": prev_hash,
    }


def make_record(
    previous: AuditRecord | None,
    *,
    at: str,
    actor: str,
    action: str,
    project: str | None = None,
    request_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """The record that follows ``previous`` (or starts the chain when it is None)."""
    seq = 1 if previous is None else previous.seq + 1
    prev_hash = GENESIS_HASH if previous is None else previous.hash
    body = dict(details or {})
    payload = record_payload(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        project=project,
        request_id=request_id,
        details=body,
        prev_hash=prev_hash,
    )
    return AuditRecord(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        project=project,
        request_id=request_id,
        details=body,
        prev_hash=prev_hash,
        hash=sha256_hex(canonical_json(payload)),
    )


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the chain had ``hash`` at sequence ``seq`` at time ``at``."""

    seq: int
    hash: str
    at: str

    def payload(self) -> bytes:
        return canonical_json({"seq": self.seq, "hash": self.hash, "at": self.at})


def checkpoint_document(checkpoint: Checkpoint, signature: Signature) -> dict[str, Any]:
    """The self-contained form of a signed checkpoint, as copied outside the database."""
    return {
        "checkpoint": {"seq": checkpoint.seq, "hash": checkpoint.hash, "at": checkpoint.at},
        "signature": signature.as_dict(),
    }


def checkpoint_from_document(document: Mapping[str, Any]) -> tuple[Checkpoint, Signature]:
    body = document["checkpoint"]
    return (
        Checkpoint(seq=int(body["seq"]), hash=str(body["hash"]), at=str(body["at"])),
        Signature.from_dict(document["signature"]),
    )


@dataclass(frozen=True)
class ChainVerification:
    """The outcome of verifying a chain: ``ok``, or the first bad record and why."""

    ok: bool
    records_checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    problems: tuple[str, ...] = field(default=())


def _diagnose_link(
    record: AuditRecord, previous: AuditRecord | None, by_hash: set[str], seqs: set[int]
) -> str:
    expected_seq = 1 if previous is None else previous.seq + 1
    if record.seq > expected_seq and expected_seq in seqs:
        return (
            f"record {record.seq} is out of order: record {expected_seq} should come "
            "before it but is stored elsewhere"
        )
    if record.seq > expected_seq:
        first, last = expected_seq, record.seq - 1
        span = f"record {first}" if first == last else f"records {first} to {last}"
        return f"{span} deleted: the chain jumps from {expected_seq - 1} to {record.seq}"
    if record.seq < expected_seq or record.prev_hash in by_hash:
        after = "the start" if previous is None else f"record {previous.seq}"
        return f"record {record.seq} is out of order: it is stored after {after}"
    return (
        f"record {record.seq} does not follow record {expected_seq - 1}: its link to the "
        "previous record is broken (a record was replaced, deleted or inserted)"
    )


def verify_chain(
    records: Iterable[AuditRecord], checkpoints: Iterable[Checkpoint] = ()
) -> ChainVerification:
    """Check every record's own hash, every link, and every (already verified) checkpoint.

    ``records`` must be given in storage order. The result names the first bad
    record and why: edited (hash mismatch), deleted (sequence gap, or a checkpointed
    record missing) or reordered (a valid record in the wrong place).
    """
    items = list(records)
    hashes = {r.hash for r in items}
    seqs = {r.seq for r in items}
    previous: AuditRecord | None = None
    problems: list[tuple[int, str]] = []
    for record in items:
        if record.computed_hash() != record.hash:
            problems.append(
                (record.seq, f"record {record.seq} was edited: its content does not match its hash")
            )
        else:
            expected_prev = GENESIS_HASH if previous is None else previous.hash
            expected_seq = 1 if previous is None else previous.seq + 1
            if record.prev_hash != expected_prev or record.seq != expected_seq:
                problems.append((record.seq, _diagnose_link(record, previous, hashes, seqs)))
        previous = record
    by_seq = {r.seq: r for r in items}
    for checkpoint in checkpoints:
        found = by_seq.get(checkpoint.seq)
        if found is None:
            problems.append(
                (
                    checkpoint.seq,
                    f"record {checkpoint.seq} deleted: it is covered by the signed checkpoint "
                    f"of {checkpoint.at} but is no longer in the chain",
                )
            )
        elif found.hash != checkpoint.hash:
            problems.append(
                (
                    checkpoint.seq,
                    f"record {checkpoint.seq} differs from the signed checkpoint of "
                    f"{checkpoint.at}: the chain was rewritten",
                )
            )
    if not problems:
        return ChainVerification(ok=True, records_checked=len(items))
    first_seq, first_reason = problems[0]
    return ChainVerification(
        ok=False,
        records_checked=len(items),
        first_bad_seq=first_seq,
        reason=first_reason,
        problems=tuple(reason for _, reason in problems),
    )
