"""A project's copy carries canaries and keyed perturbations within the stated tolerance."""

from __future__ import annotations

import random
from decimal import Decimal

from orchestrator.domain.fingerprints.copies import make_project_copy
from orchestrator.domain.fingerprints.manifests import make_file_manifest, records_found
from orchestrator.domain.fingerprints.normalising import normalise_cell
from orchestrator.domain.fingerprints.tracing import digest_table, find_canaries

COLUMNS = ["participant_id", "age", "region", "bmi"]
SALT = b"s" * 32


def _dataset(rows: int = 1000) -> list[list[str]]:
    rng = random.Random(11)
    regions = ["north", "south", "east", "west", "london"]
    return [
        [f"P{n:06d}", str(rng.randint(18, 90)), rng.choice(regions), f"{rng.uniform(17, 40):.1f}"]
        for n in range(rows)
    ]


def _column(rows: list[list[str]], index: int) -> list[Decimal]:
    return [Decimal(r[index]) for r in rows]


def test_copy_adds_the_stated_number_of_canaries_that_repeat_no_participant() -> None:
    original = _dataset()
    copy, marks = make_project_copy(
        project="p1", dataset="cohort", key=b"k1", salt=SALT, columns=COLUMNS, rows=original
    )
    ids = {r[0] for r in original}
    canaries = [r for r in copy if r[0] not in ids]
    assert len(copy) == 1012
    assert len(canaries) == 12
    assert len(marks.canary_digests) == 12
    assert all(c[0].startswith("P") and len(c[0]) == 7 for c in canaries)
    assert {c[2] for c in canaries} <= {"north", "south", "east", "west", "london"}
    assert marks.perturbed_columns == ("age", "bmi")


def test_perturbations_keep_every_cell_and_mean_within_the_tolerance() -> None:
    original = _dataset()
    copy, _ = make_project_copy(
        project="p1", dataset="cohort", key=b"k1", salt=SALT, columns=COLUMNS, rows=original
    )
    ids = {r[0]: r for r in original}
    real = [r for r in copy if r[0] in ids]
    assert len(real) == 1000
    for row in real:
        before = ids[row[0]]
        assert row[0] == before[0]
        assert row[2] == before[2]
        assert 1 <= abs(Decimal(row[1]) - Decimal(before[1])) <= 3
        assert Decimal("0.1") <= abs(Decimal(row[3]) - Decimal(before[3])) <= Decimal("0.3")
    # Sums over the real rows move by at most max_steps units (3 years, 0.3 kg/m2).
    assert abs(sum(_column(real, 1)) - sum(_column(original, 1))) <= 3
    assert abs(sum(_column(real, 3)) - sum(_column(original, 3))) <= Decimal("0.3")
    # Means over the whole copy: (12 x range + 3 units) / 1012 rows; ages range 18-90.
    mean_before = sum(_column(original, 1)) / 1000
    mean_after = sum(_column(copy, 1)) / 1012
    assert abs(mean_after - mean_before) <= Decimal("0.857")


def test_two_projects_copies_differ_in_almost_every_row() -> None:
    original = _dataset(200)
    one, _ = make_project_copy(
        project="p1", dataset="d", key=b"k1", salt=SALT, columns=COLUMNS, rows=original
    )
    two, _ = make_project_copy(
        project="p2", dataset="d", key=b"k2", salt=SALT, columns=COLUMNS, rows=original
    )
    shared = {tuple(r) for r in one} & {tuple(r) for r in two}
    assert len(shared) < 10


def test_the_same_key_gives_the_same_copy() -> None:
    original = _dataset(100)
    one, m1 = make_project_copy(
        project="p1", dataset="d", key=b"k1", salt=SALT, columns=COLUMNS, rows=original
    )
    two, m2 = make_project_copy(
        project="p1", dataset="d", key=b"k1", salt=SALT, columns=COLUMNS, rows=original
    )
    assert one == two
    assert m1 == m2


def test_a_file_with_a_canary_row_is_named_for_export_blocking() -> None:
    original = _dataset(300)
    copy, marks = make_project_copy(
        project="p7", dataset="cohort", key=b"k7", salt=SALT, columns=COLUMNS, rows=original
    )
    ids = {r[0] for r in original}
    canary = next(r for r in copy if r[0] not in ids)
    innocent = digest_table(COLUMNS, original[:50], SALT)
    smuggled = digest_table(
        list(reversed(COLUMNS)), [list(reversed(r)) for r in [*original[:50], canary]], SALT
    )
    assert find_canaries(innocent, [marks]) == []
    assert find_canaries(smuggled, [marks]) == [
        "the file holds 1 canary row(s) of project p7's copy of cohort: "
        "rows planted to trace leaks cannot leave the enclave"
    ]


def test_cells_normalise_alike_across_formats() -> None:
    assert normalise_cell("72.50") == normalise_cell(72.5) == "72.5"
    assert normalise_cell(" 70.0 ") == normalise_cell(70) == "70"
    assert normalise_cell("  North  East ") == "north east"
    assert normalise_cell(None) == ""


def test_file_manifest_finds_records_of_a_copy() -> None:
    files = {"notes.txt": b"alpha\nbeta\ngamma\n", "other.txt": b"delta\n"}
    manifest = make_file_manifest(files, b"key")
    assert set(manifest) == {"notes.txt", "other.txt"}
    assert len(manifest["notes.txt"].records) == 3
    assert records_found(manifest, b"gamma\nunrelated\nalpha\n", b"key") == {"notes.txt": 2}
    assert records_found(manifest, b"gamma\n", b"another key") == {}
