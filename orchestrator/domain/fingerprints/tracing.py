"""Name the project copy or release a table found outside came from, with the evidence.

A project is named when the table holds one of its canary rows, or when enough of the
table's rows carry that project's perturbations that chance cannot explain it. The
chance is bounded: another project's copy of a perturbed row equals this project's
only if every perturbed cell took the same keyed move, probability
``q = (1 / (2 x max_steps)) ^ perturbed_columns`` per row; ``m`` of ``n`` sampled
rows matching by chance has probability at most ``C(n, m) x q^m``, multiplied by the
number of projects searched (a Bonferroni bound). Confidence is one minus that bound,
and a project is named only when it is at least ``MIN_CONFIDENCE`` and most sampled
rows match (``MIN_SHARE``). A release is named when its row sketch and the table's
overlap by ``MIN_CONTAINMENT`` or more.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from orchestrator.domain.fingerprints.copies import ProjectMarks
from orchestrator.domain.fingerprints.normalising import RowDigester
from orchestrator.domain.fingerprints.releases import ReleaseFingerprint, bottom_k, compare

MIN_CONFIDENCE = 0.999
MIN_SHARE = 0.5
MIN_CONTAINMENT = 0.5


@dataclass(frozen=True)
class FoundTable:
    """A table found outside, reduced to its row digests."""

    columns: tuple[str, ...]
    rows: int
    digests: frozenset[int]
    sketch: tuple[int, ...]


def digest_table(
    columns: Sequence[object], rows: Iterable[Sequence[object]], salt: bytes
) -> FoundTable:
    """Digest every row of a found table once."""
    digester = RowDigester(columns, salt)
    digests = [digester.digest(row) for row in rows]
    sketch, count = bottom_k(digests)
    return FoundTable(digester.columns, count, frozenset(digests), sketch)


@dataclass(frozen=True)
class ProjectMatch:
    """A project whose copy the table came from."""

    project: str
    dataset: str
    key_id: str
    confidence: float
    canaries: int
    """Canary rows of this project found in the table."""
    sampled: int
    """Rows of the table in this project's deterministic sample."""
    perturbed: int
    """Of those, rows carrying this project's keyed perturbations."""


@dataclass(frozen=True)
class ReleaseMatch:
    """A release the table is a (possibly modified) copy of."""

    project: str
    release: str
    file: str
    jaccard: float
    containment: float


def _chance_bound(sampled: int, matched: int, marks: ProjectMarks) -> float:
    """Upper bound on the probability that ``matched`` of ``sampled`` rows match by chance."""
    if matched == 0:
        return 1.0
    per_row = (1 / (2 * marks.max_steps)) ** max(1, len(marks.perturbed_columns))
    log_bound = (
        math.lgamma(sampled + 1)
        - math.lgamma(matched + 1)
        - math.lgamma(sampled - matched + 1)
        + matched * math.log(per_row)
    )
    return math.exp(min(0.0, log_bound))


def match_project(
    found: FoundTable,
    marks: ProjectMarks,
    searched: int,
    samples: dict[int, frozenset[int]] | None = None,
) -> ProjectMatch | None:
    """This project's match with the table, or None when the evidence does not name it.

    ``samples`` caches the table's sampled digests by modulus across projects.
    """
    canaries = len(found.digests & marks.canary_digests)
    cache = {} if samples is None else samples
    if marks.modulus not in cache:
        cache[marks.modulus] = frozenset(d for d in found.digests if d % marks.modulus == 0)
    sampled_rows = cache[marks.modulus]
    perturbed = len(sampled_rows & marks.perturbed_digests)
    chance = _chance_bound(len(sampled_rows), perturbed, marks) * max(1, searched)
    confidence = 1.0 if canaries else max(0.0, 1.0 - chance)
    named = canaries > 0 or (
        confidence >= MIN_CONFIDENCE and perturbed >= MIN_SHARE * max(1, len(sampled_rows))
    )
    if not named:
        return None
    return ProjectMatch(
        project=marks.project,
        dataset=marks.dataset,
        key_id=marks.key_id,
        confidence=confidence,
        canaries=canaries,
        sampled=len(sampled_rows),
        perturbed=perturbed,
    )


def match_release(found: FoundTable, release: ReleaseFingerprint) -> ReleaseMatch | None:
    """This release's match with the table, or None below ``MIN_CONTAINMENT``."""
    similarity = compare(found.sketch, found.rows, release.sketch, release.rows)
    if similarity.containment < MIN_CONTAINMENT:
        return None
    return ReleaseMatch(
        project=release.project,
        release=release.release,
        file=release.file,
        jaccard=similarity.jaccard,
        containment=similarity.containment,
    )


@dataclass(frozen=True)
class Trace:
    """Everything a found table matched, best first."""

    projects: tuple[ProjectMatch, ...]
    releases: tuple[ReleaseMatch, ...]


def trace_table(
    found: FoundTable,
    marks: Iterable[ProjectMarks],
    releases: Iterable[ReleaseFingerprint],
    *,
    projects_searched: int,
) -> Trace:
    """Match a found table against every project copy and release in the store."""
    samples: dict[int, frozenset[int]] = {}
    projects = [m for mk in marks if (m := match_project(found, mk, projects_searched, samples))]
    matched = [rm for r in releases if (rm := match_release(found, r))]
    projects.sort(key=lambda m: (-m.confidence, -m.canaries, -m.perturbed))
    matched.sort(key=lambda m: -m.containment)
    return Trace(tuple(projects), tuple(matched))


def find_canaries(found: FoundTable, marks: Iterable[ProjectMarks]) -> list[str]:
    """One message per project whose canary rows are in the table (for the export check)."""
    messages = []
    for mk in marks:
        hits = len(found.digests & mk.canary_digests)
        if hits:
            messages.append(
                f"the file holds {hits} canary row(s) of project {mk.project}'s copy of "
                f"{mk.dataset}: rows planted to trace leaks cannot leave the enclave"
            )
    return messages
