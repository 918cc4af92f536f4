"""Type from content, the allowlist, extension mismatch, names, size limits."""

from __future__ import annotations

import gzip
import io
import pickle
import zlib

import numpy as np
import pytest

from orchestrator.checks.filetypes import detect_type
from orchestrator.checks.model import Verdict
from orchestrator.checks.names import hidden_parts, unsafe_characters
from orchestrator.checks.rulesets import apply_override
from tests.unit.checks.conftest import CheckBytes, rules_of


def npy(array: np.ndarray) -> bytes:  # type: ignore[type-arg]
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("head", "name", "kind"),
    [
        (b"", "x.csv", "empty"),
        (b"a,b\n1,2\n", "x.csv", "csv"),
        (b"a\tb\n1\t2\n3\t4\n", "x.txt", "tsv"),
        (b"a,b\n1,2\n3,4\n", "noext", "csv"),
        (b"hello world\n", "x.txt", "text"),
        (b"#!/bin/sh\necho hi\n", "run", "script"),
        (b'{"a": 1}', "x.json", "json"),
        (b'{"cells": [], "metadata": {}, "nbformat": 4}', "x.ipynb", "notebook"),
        (b"\x89PNG\r\n\x1a\n....", "x.png", "png"),
        (b"\xff\xd8\xff\xe0", "x.jpg", "jpeg"),
        (b"GIF89a", "x.gif", "gif"),
        (b"%PDF-1.7\n", "x.pdf", "pdf"),
        (b"PK\x03\x04", "x.zip", "zip"),
        (b"\x7fELF\x02\x01", "x.csv", "elf"),
        (b"\xcf\xfa\xed\xfe", "x", "macho"),
        (b"\x00asm\x01", "x", "wasm"),
        (b"\x89HDF\r\n\x1a\n", "x.h5", "hdf5"),
        (b"PAR1\x15\x04", "x.parquet", "parquet"),
        (b"SQLite format 3\x00", "x.db", "sqlite"),
        (b"RDX3\nX\n", "x.RData", "rdata"),
        (gzip.compress(b"X\n\x00\x00\x00\x03"), "x.rds", "rds"),
        (gzip.compress(b"RDX3\nX\n"), "x.RData", "rdata"),
        (pickle.dumps({"a": 1}, protocol=4), "x.pkl", "pickle"),
        (zlib.compress(pickle.dumps([1, 2], protocol=4)), "x.joblib", "pickle"),
        (b"##fileformat=VCFv4.2\n", "x.txt", "vcf"),
        (gzip.compress(b"##fileformat=VCFv4.2\n"), "x.vcf.gz", "vcf"),
        (gzip.compress(b"BAM\x01rest"), "x.bam", "bam"),
        (b"CRAM\x03\x00", "x.cram", "cram"),
        (b">chr1\nACGTACGTACGTACGT\n", "x.txt", "fasta"),
        (b"@r1\nACGTACGTACGT\n+\nIIIIIIIIIIII\n", "x.txt", "fastq"),
        (b"@HD\tVN:1.6\n", "x.sam", "sam"),
        (b"\x6c\x1b\x01\x00", "x.bed", "plink_bed"),
        (b"1 rs123 0 1000 A G\n1 rs124 0 2000 C T\n1 rs125 0 3000 G A\n", "x.txt", "plink_bim"),
        (b"\x14\x00\x00\x00" + b"\x00" * 12 + b"bgen", "x.bgen", "bgen"),
        (b"7z\xbc\xaf\x27\x1c", "x.7z", "7z"),
        (b"\x00\x01\x02\x03binary", "x.bin", "binary"),
    ],
)
def test_type_is_detected_from_content(head: bytes, name: str, kind: str) -> None:
    assert detect_type(head, name) == kind


def test_numpy_object_arrays_are_serialized_objects() -> None:
    assert detect_type(npy(np.array([{"a": 1}], dtype=object)), "x.npy") == "npy_object"
    assert detect_type(npy(np.arange(3)), "x.npy") == "npy"


def test_prose_with_commas_is_not_a_table() -> None:
    assert detect_type(b"Hello, world. This is prose.\nIt has, commas, here.\n", "notes") == "text"


def test_a_clean_csv_passes(check_bytes: CheckBytes) -> None:
    report = check_bytes("table.csv", b"group,count\na,10\nb,20\n")
    assert report.verdict == Verdict.PASS, report.findings
    assert report.type == "csv"
    assert report.size == 22
    assert len(report.sha256) == 64


def test_an_executable_named_csv_is_blocked_with_a_mismatch(check_bytes: CheckBytes) -> None:
    report = check_bytes("table.csv", b"\x7fELF\x02\x01\x01" + b"\x00" * 100)
    assert report.verdict == Verdict.BLOCK
    assert {"executable.binary", "type.allowlist", "type.extension_mismatch"} <= rules_of(report)


@pytest.mark.parametrize(
    ("name", "data", "rule"),
    [
        ("m.pkl", pickle.dumps({"a": 1}, protocol=4), "serialized.objects"),
        ("m.npy", npy(np.array([{"a": 1}], dtype=object)), "serialized.objects"),
        ("x.vcf", b"##fileformat=VCFv4.2\n#CHROM\tPOS\n", "genomic.format"),
        ("x.fa", b">chr1\nACGTACGTACGTACGTACGT\n", "genomic.format"),
        (
            "x.exe",
            b"MZ" + b"\x00" * 58 + b"\x40\x00\x00\x00" + b"PE\x00\x00" + b"\x00" * 20,
            "executable.binary",
        ),
        ("x.7z", b"7z\xbc\xaf\x27\x1c" + b"\x00" * 20, "archive.unsupported"),
    ],
)
def test_opaque_and_dangerous_types_are_blocked(
    check_bytes: CheckBytes, name: str, data: bytes, rule: str
) -> None:
    report = check_bytes(name, data)
    assert report.verdict == Verdict.BLOCK
    assert rule in rules_of(report)


def test_a_script_goes_to_review(check_bytes: CheckBytes) -> None:
    report = check_bytes("run.sh", b"#!/bin/sh\necho done\n")
    assert report.verdict == Verdict.REVIEW
    assert rules_of(report) == {"executable.script"}


def test_hidden_files_go_to_review(check_bytes: CheckBytes) -> None:
    report = check_bytes(".notes.txt", b"nothing here\n")
    assert rules_of(report) == {"names.hidden"}
    assert report.verdict == Verdict.REVIEW


def test_names_with_bidi_overrides_are_blocked(check_bytes: CheckBytes) -> None:
    report = check_bytes("report\u202etxt.csv", b"a,b\n1,2\n")
    assert "names.unsafe_characters" in rules_of(report)
    assert report.verdict == Verdict.BLOCK
    assert "U+202E" in report.findings[0].message


def test_name_helpers() -> None:
    assert unsafe_characters("a\x1b[2Jb\u2066") == ["U+001B", "U+2066"]
    assert unsafe_characters("résumé été.csv") == []
    assert hidden_parts("a/.git/config") == [".git"]
    assert hidden_parts("../a/b.csv") == []


def test_files_over_the_size_limit_are_blocked(check_bytes: CheckBytes, default_rules) -> None:  # type: ignore[no-untyped-def]
    rules = apply_override(
        default_rules,
        {"id": "t", "version": "1", "rules": {"limits.file_size": {"params": {"max_bytes": 100}}}},
        "t",
        tighten_only=True,
    )
    report = check_bytes("big.txt", b"x" * 101, rules)
    assert rules_of(report) == {"limits.file_size"}
    assert check_bytes("small.txt", b"x" * 100, rules).verdict == Verdict.PASS


def test_invalid_utf8_text_goes_to_review_with_its_offset(check_bytes: CheckBytes) -> None:
    report = check_bytes("notes.txt", b"caf\xe9 latin-1 text\nmore\n")
    assert rules_of(report) == {"type.encoding"}
    assert report.findings[0].location.offset == 3


def test_a_missing_file_is_an_error_not_a_crash(tmp_path, default_rules) -> None:  # type: ignore[no-untyped-def]
    from orchestrator.checks.engine import check_file

    report = check_file(tmp_path / "absent.csv", default_rules)
    assert report.verdict == Verdict.BLOCK
    assert rules_of(report) == {"engine.error"}


def test_a_symlink_is_blocked(tmp_path, default_rules) -> None:  # type: ignore[no-untyped-def]
    from orchestrator.checks.engine import check_file

    (tmp_path / "real.csv").write_text("a\n")
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    report = check_file(tmp_path / "link.csv", default_rules)
    assert rules_of(report) == {"archive.links"}
