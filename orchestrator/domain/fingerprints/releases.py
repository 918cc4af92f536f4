"""Robust fingerprints of released tables: shape, column names and a MinHash of rows.

A SHA-256 names one exact file; a copy re-sorted, trimmed, converted to another format
or lightly edited has another. The release fingerprint keeps, besides the SHA-256, the
table's shape, its normalised column names and a bottom-k MinHash sketch of its
normalised row digests (the ``k`` smallest digests). Two sketches estimate the Jaccard
similarity of the two row sets and how much of one is contained in the other, whatever
the row order or file format.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from orchestrator.domain.fingerprints.normalising import RowDigester

#: Size of the bottom-k sketch kept for every release.
SKETCH_SIZE = 256


@dataclass(frozen=True)
class ReleaseFingerprint:
    """What the trace store keeps about one released table."""

    project: str
    release: str
    file: str
    sha256: str
    rows: int
    columns: tuple[str, ...]
    sketch: tuple[int, ...]
    """The ``SKETCH_SIZE`` smallest row digests (all of them for a smaller table), sorted."""


def bottom_k(digests: Iterable[int], k: int = SKETCH_SIZE) -> tuple[tuple[int, ...], int]:
    """The ``k`` smallest distinct digests, sorted, and how many rows were seen."""
    heap: list[int] = []  # max-heap of the k smallest, as negatives
    members: set[int] = set()
    count = 0
    for digest in digests:
        count += 1
        if digest in members:
            continue
        if len(heap) < k:
            heapq.heappush(heap, -digest)
            members.add(digest)
        elif digest < -heap[0]:
            members.discard(-heapq.heappushpop(heap, -digest))
            members.add(digest)
    return tuple(sorted(members)), count


def fingerprint_release(
    *,
    project: str,
    release: str,
    file: str,
    sha256: str,
    columns: Sequence[object],
    rows: Iterable[Sequence[object]],
    salt: bytes,
) -> ReleaseFingerprint:
    """The fingerprint of one released table, from its rows streamed once."""
    digester = RowDigester(columns, salt)
    sketch, count = bottom_k(digester.digest(row) for row in rows)
    return ReleaseFingerprint(
        project=project,
        release=release,
        file=file,
        sha256=sha256,
        rows=count,
        columns=digester.columns,
        sketch=sketch,
    )


@dataclass(frozen=True)
class Similarity:
    """Estimated overlap of two row sets from their sketches."""

    jaccard: float
    containment: float
    """Estimated share of the first table's rows that are also in the second."""
    shared: int
    """Digests found in both sketches' union sample."""


def compare(
    sketch_a: Sequence[int], rows_a: int, sketch_b: Sequence[int], rows_b: int
) -> Similarity:
    """Jaccard and containment of A in B, estimated from bottom-k sketches.

    Only digests below both sketches' cut-off are comparable: a full sketch (``k``
    digests) has seen nothing above its largest digest; a sketch of a smaller table is
    the whole table, so two small tables are compared exactly.
    """
    if not sketch_a or not sketch_b:
        return Similarity(0.0, 0.0, 0)
    cutoffs = [max(s) for s in (sketch_a, sketch_b) if len(s) >= SKETCH_SIZE]
    cutoff = min(cutoffs) if cutoffs else None
    a, b = set(sketch_a), set(sketch_b)
    union = [d for d in a | b if cutoff is None or d <= cutoff]
    shared = sum(1 for d in union if d in a and d in b)
    jaccard = shared / len(union)
    containment = min(1.0, jaccard * (rows_a + rows_b) / ((1 + jaccard) * max(rows_a, 1)))
    return Similarity(jaccard, containment, shared)
