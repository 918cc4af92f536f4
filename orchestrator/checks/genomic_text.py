"""Genomic content in text: long nucleotide runs, many read-length sequences, and dense
lists of rsIDs.

A few DNA-like words ("GATTACA", "CAT") or a handful of rsIDs cited in prose are not
data; a long run of bases (for review), many sequences of read length (individual-level
sequence data, blocked), or lines that are mostly variant identifiers, are.
"""

from __future__ import annotations

import re

from orchestrator.checks.identifiers import Hit

NUCLEOTIDES = "genomic.text.nucleotide_run"
SEQUENCES = "genomic.text.sequence_data"
GENOTYPES = "genomic.text.genotype_calls"
RSIDS = "genomic.text.rsid_density"

_RUN_RE = re.compile(r"[ACGTNacgtn]+")
_RSID_RE = re.compile(r"(?<![A-Za-z0-9_])rs[0-9]{3,10}(?![A-Za-z0-9_])")
_WORD_RE = re.compile(r"[^\s,;|]+")
_WORD_SPLIT_RE = re.compile(r"[^\s,;]+")  # "|" is part of a phased call here
# A diploid call as VCF writes it: 0/1, 1|1, ./., 0/2 (alleles up to 9).
_CALL_RE = re.compile(r"(?<![\w/|.])(?:[0-9]|\.)[/|](?:[0-9]|\.)(?![\w/|.])")


def find_nucleotide_runs(line: str, min_length: int) -> list[Hit]:
    """Runs of at least ``min_length`` bases using at least three of A, C, G, T."""
    hits = []
    for m in _RUN_RE.finditer(line):
        run = m.group(0)
        if len(run) >= min_length and len(set(run.upper()) & set("ACGT")) >= 3:
            message = f"nucleotide run of {len(run)} bases"
            hits.append(Hit(NUCLEOTIDES, m.start(), message, m.end()))
    return hits


def count_calls(line: str) -> tuple[int, int]:
    """(genotype calls, words) in one line."""
    calls = len(_CALL_RE.findall(line))
    return (calls, len(_WORD_SPLIT_RE.findall(line))) if calls else (0, 0)


def count_rsids(line: str) -> tuple[int, int, int]:
    """(rsIDs, words, offset of the first rsID or -1) in one line."""
    rsids = _RSID_RE.findall(line)
    if not rsids:
        return 0, 0, -1
    first = _RSID_RE.search(line)
    return len(rsids), len(_WORD_RE.findall(line)), first.start() if first else -1
