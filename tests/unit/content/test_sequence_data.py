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


CALLS = "genomic.text.genotype_calls"


def calls(n: int, seed: int, phased: bool = False) -> list[str]:
    rng = random.Random(seed)
    sep = "|" if phased else "/"
    return [f"{rng.choice('01.')}{sep}{rng.choice('01.')}" for _ in range(n)]


@pytest.mark.parametrize(
    "text",
    [
        "".join(f"rs{100 + i}\t" + "\t".join(calls(20, i)) + "\n" for i in range(6)),  # VCF-like
        "".join(f"S{i}," + ",".join(calls(12, i, phased=True)) + "\n" for i in range(5)),
        "".join(f"chr1 {1000 + i} " + " ".join(calls(30, i)) + "\n" for i in range(9)),
    ],
)
def test_per_sample_genotype_calls_block(text: str) -> None:
    found = of_rule(scan_text(text), CALLS)
    assert [f.severity for f in found] == [Severity.BLOCK]
    assert found[0].message.endswith("individual-level genotype data")


def test_genotype_calls_in_table_cells_block() -> None:
    rows = [["sample", *(f"snp{j}" for j in range(10))]]
    rows += [[f"P{i}", *calls(10, i)] for i in range(6)]
    assert [f.severity for f in of_rule(scan_table(rows), CALLS)] == [Severity.BLOCK]


@pytest.mark.parametrize(
    "text",
    [
        "visit 01/02/2020, 3/4 of patients, a 0/1 outcome in 1/2 of sites\n" * 30,
        "Genotype 0/1 carriers (n=120) and 1/1 carriers (n=45) were compared.\n" * 10,
    ],
)
def test_fractions_dates_and_a_few_calls_in_prose_are_not_genotype_data(text: str) -> None:
    assert of_rule(scan_text(text), CALLS) == []
