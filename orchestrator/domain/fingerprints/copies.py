"""A project's own copy of a granted table: keyed canary rows and keyed perturbations.

Every project that is granted a table gets a copy that differs from every other
project's copy in two invisible ways, both derived from a secret key with HMAC:

* **Canary rows.** ``canaries`` synthetic rows, inserted at keyed positions. Each cell
  is drawn from the column's own values (a keyed pick from a sample of the table);
  a column whose sampled values are all distinct (an identifier) gets a new value of
  the same shape with keyed digits, so a canary never repeats a real participant.
* **Perturbed numbers.** In every numeric column (all sampled values are numbers)
  except the ``keep`` columns (numeric identifiers and join keys must be kept), each cell moves by a keyed whole number of the column's
  unit (the coarsest decimal place in the sample), between 1 and ``max_steps`` units,
  up or down. Cells are perturbed in pairs down the column: the next value in the
  column gets the opposite move, so the column's sum over the real rows changes by at
  most ``max_steps`` units in all (the last, unpaired value), whatever the row count.

**Tolerance.** Every real cell differs from the original by at most
``max_steps x unit``; the sum of each numeric column over the real rows differs by at
most ``max_steps x unit``; the column's mean over the whole copy (canaries included)
differs from the original mean by at most
``(canaries x (max - min) + max_steps x unit) / (rows + canaries)``, because canary
values are drawn from values already in the column.

The marks (digests of the canary rows, and a deterministic sample of the digests of
perturbed rows) are what the trace store keeps; the key and the copy are not stored.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from orchestrator.domain.fingerprints.normalising import RowDigester, parse_number

#: Perturbed-row digests kept per project copy: every row's below ``2 x MARKS_KEPT``
#: rows, otherwise those with ``digest % (rows // MARKS_KEPT) == 0`` (about 1,024-2,048).
MARKS_KEPT = 1024


@dataclass(frozen=True)
class CopySettings:
    """How strongly a project copy is marked."""

    canaries: int = 12
    """Synthetic canary rows inserted into the copy."""
    max_steps: int = 3
    """Largest move of a perturbed cell, in units of its column's last decimal place."""
    keep: frozenset[str] = frozenset()
    """Columns never perturbed (identifiers, join keys), by name as in the file."""


@dataclass(frozen=True)
class ProjectMarks:
    """What the trace store keeps about one project's copy of one table."""

    project: str
    dataset: str
    key_id: str
    columns: tuple[str, ...]
    rows: int
    canary_digests: frozenset[int]
    perturbed_columns: tuple[str, ...]
    max_steps: int
    modulus: int
    """A perturbed row's digest is kept when ``digest % modulus == 0``."""
    perturbed_digests: frozenset[int]


def key_id(key: bytes) -> str:
    """A short public name for a secret key (names it in evidence, reveals nothing)."""
    return hmac.new(key, b"tre-trace key id", hashlib.sha256).hexdigest()[:16]


def _draw(key: bytes, *parts: object) -> int:
    message = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big")


def _row_draws(key: bytes, project: str, index: int, columns: int) -> bytes:
    """``8 x columns`` keyed bytes for one row (SHA-256 blocks, counter-extended)."""
    blocks = []
    for block in range((8 * columns + 31) // 32):
        message = f"{project}\x1fstep\x1f{index}\x1f{block}".encode()
        blocks.append(hmac.new(key, message, hashlib.sha256).digest())
    return b"".join(blocks)


@dataclass
class _Column:
    name: str
    values: list[str] = field(default_factory=list)
    numeric: bool = False
    unit: Decimal = Decimal(1)
    unique: bool = False


@dataclass(frozen=True)
class CopyPlan:
    """Everything decided before the rows stream through: columns, canaries, positions."""

    project: str
    dataset: str
    key: bytes
    columns: tuple[str, ...]
    rows: int
    settings: CopySettings
    perturbed: tuple[int, ...]
    units: tuple[Decimal, ...]
    canary_rows: tuple[tuple[str, ...], ...]
    canary_positions: tuple[int, ...]


def _describe(
    columns: Sequence[str], sample: Sequence[Sequence[str]], keep: frozenset[str]
) -> list[_Column]:
    described = [_Column(name) for name in columns]
    for row in sample:
        for index, column in enumerate(described):
            column.values.append(row[index] if index < len(row) else "")
    for column in described:
        present = [v for v in column.values if v.strip()]
        numbers = [parse_number(v) for v in present]
        column.unique = len(present) >= 10 and len(set(present)) == len(present)
        if present and all(n is not None for n in numbers) and column.name not in keep:
            exponents = [int(n.as_tuple().exponent) for n in numbers if n is not None]
            column.numeric = True
            column.unit = Decimal(1).scaleb(max(exponents))
    return described


def _synthetic_like(value: str, key: bytes, *parts: object) -> str:
    """``value`` with every digit replaced by a keyed digit (``P000123`` -> ``P740261``)."""
    out = []
    for index, char in enumerate(value):
        out.append(str(_draw(key, *parts, index) % 10) if char.isdigit() else char)
    if not any(c.isdigit() for c in value):
        out.append(f"-{_draw(key, *parts) % 10**6:06d}")
    return "".join(out)


def plan_copy(
    *,
    project: str,
    dataset: str,
    key: bytes,
    columns: Sequence[str],
    sample: Sequence[Sequence[str]],
    rows: int,
    settings: CopySettings = CopySettings(),
) -> CopyPlan:
    """Decide the copy from the header, a sample of rows and the row count."""
    if not key:
        raise ValueError("the fingerprint key is empty; give a secret key")
    if not columns:
        raise ValueError("the table has no columns")
    if not sample:
        raise ValueError("the table has no rows to draw canary values from")
    if settings.max_steps < 1 or settings.canaries < 0:
        raise ValueError("max_steps must be at least 1 and canaries not negative")
    described = _describe(columns, sample, settings.keep)
    canaries = []
    for number in range(settings.canaries):
        cells = []
        for index, column in enumerate(described):
            if column.unique:
                base = column.values[
                    _draw(key, project, "base", number, index) % len(column.values)
                ]
                candidate = _synthetic_like(base, key, project, "canary", number, index)
                cells.append(candidate)
            else:
                cells.append(
                    column.values[_draw(key, project, "cell", number, index) % len(column.values)]
                )
        canaries.append(tuple(cells))
    positions = sorted(
        _draw(key, project, "position", n) % (rows + 1) for n in range(settings.canaries)
    )
    perturbed = tuple(i for i, c in enumerate(described) if c.numeric)
    return CopyPlan(
        project=project,
        dataset=dataset,
        key=key,
        columns=tuple(columns),
        rows=rows,
        settings=settings,
        perturbed=perturbed,
        units=tuple(c.unit for c in described),
        canary_rows=tuple(canaries),
        canary_positions=tuple(positions),
    )


class CopyMarker:
    """Streams a table's rows into the project copy and collects the marks on the way."""

    def __init__(self, plan: CopyPlan, salt: bytes) -> None:
        self.plan = plan
        self._digester = RowDigester(plan.columns, salt)
        self._modulus = max(1, plan.rows // MARKS_KEPT)
        self._pending: dict[int, Decimal] = {}
        self._canary_digests: set[int] = set()
        self._perturbed_digests: set[int] = set()

    def _perturb(self, index: int, row: Sequence[str]) -> tuple[list[str], bool]:
        cells = list(row)
        changed = False
        plan = self.plan
        draws = b""
        for slot, column in enumerate(plan.perturbed):
            if column >= len(cells):
                continue
            number = parse_number(cells[column])
            if number is None:
                continue
            step = self._pending.pop(column, None)
            if step is None:
                if not draws:  # one HMAC per row: 8 bytes for each perturbed column
                    draws = _row_draws(plan.key, plan.project, index, len(plan.perturbed))
                draw = int.from_bytes(draws[8 * slot : 8 * slot + 8], "big")
                size = 1 + draw % plan.settings.max_steps
                step = plan.units[column] * (size if (draw >> 32) & 1 else -size)
                self._pending[column] = -step
            cells[column] = format(number + step, "f")
            changed = True
        return cells, changed

    def mark(self, rows: Iterable[Sequence[str]]) -> Iterator[list[str]]:
        """The copy's rows, canaries inserted at their keyed positions."""
        positions = list(self.plan.canary_positions)
        canaries = list(self.plan.canary_rows)
        index = 0
        for index, row in enumerate(rows):
            while positions and positions[0] <= index:
                positions.pop(0)
                yield self._canary(canaries.pop(0))
            cells, changed = self._perturb(index, row)
            if changed:
                digest = self._digester.digest(cells)
                if digest % self._modulus == 0:
                    self._perturbed_digests.add(digest)
            yield cells
        for canary in canaries:
            yield self._canary(canary)

    def _canary(self, canary: Sequence[str]) -> list[str]:
        self._canary_digests.add(self._digester.digest(canary))
        return list(canary)

    def marks(self) -> ProjectMarks:
        """The marks of the rows streamed so far (call after ``mark`` is exhausted)."""
        plan = self.plan
        return ProjectMarks(
            project=plan.project,
            dataset=plan.dataset,
            key_id=key_id(plan.key),
            columns=self._digester.columns,
            rows=plan.rows,
            canary_digests=frozenset(self._canary_digests),
            perturbed_columns=tuple(plan.columns[i] for i in plan.perturbed),
            max_steps=plan.settings.max_steps,
            modulus=self._modulus,
            perturbed_digests=frozenset(self._perturbed_digests),
        )


def make_project_copy(
    *,
    project: str,
    dataset: str,
    key: bytes,
    salt: bytes,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    settings: CopySettings = CopySettings(),
) -> tuple[list[list[str]], ProjectMarks]:
    """The project's copy of a table held in memory, and its marks."""
    plan = plan_copy(
        project=project,
        dataset=dataset,
        key=key,
        columns=columns,
        sample=rows[:1000],
        rows=len(rows),
        settings=settings,
    )
    marker = CopyMarker(plan, salt)
    copy = list(marker.mark(rows))
    return copy, marker.marks()
