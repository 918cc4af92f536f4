"""Individual-level sequence data blocks; a single sequence quoted in prose goes to review."""

from __future__ import annotations

import random

import pytest

from orchestrator.checks.model import Severity

from .helpers import of_rule, scan_table, scan_text

SEQUENCES = "genomic.text.sequence_data"
RUN = "genomic.text.nucleotide_run"


def bases(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("ACGT") for _ in range(n))


@pytest.mark.parametrize(
    "text",
    [
        "".join(f"read_{i}\t{bases(100, i)}\n" for i in range(12)),  # a table of reads
        "".join(f">{i}\n{bases(150, i)}\n" for i in range(10)),  # FASTA pasted into a report
        "Reads: " + ", ".join(bases(76, i).lower() for i in range(15)) + "\n",  # one line
        "".join(f"sample {i}: {bases(60, i)} (quality ok)\n" for i in range(20)),
    ],
)
def test_many_read_length_sequences_block(text: str) -> None:
    found = of_rule(scan_text(text), SEQUENCES)
    assert len(found) == 1
    assert found[0].severity == Severity.BLOCK
    assert found[0].message.endswith("individual-level sequence data")


def test_reads_in_table_cells_block() -> None:
    rows = [["sample", "read"]] + [[f"S{i}", bases(120, i)] for i in range(11)]
    assert [f.severity for f in of_rule(scan_table(rows), SEQUENCES)] == [Severity.BLOCK]


@pytest.mark.parametrize(
    "text",
    [
        f"We amplified the region with the primer {bases(60, 1)} as described.\n",
        f"Probe {bases(35, 2)} and probe {bases(40, 3)} were used.\n",
    ],
)
def test_a_sequence_quoted_in_prose_goes_to_review(text: str) -> None:
    found = scan_text(text)
    assert of_rule(found, SEQUENCES) == []
    assert {f.severity for f in of_rule(found, RUN)} == {Severity.REVIEW}
