"""Streaming text and tables: whole lines to the text scanner, rows to the table scanner, row limits."""

from __future__ import annotations

from pathlib import Path

from orchestrator.checks.content import default_content_scanners
from orchestrator.checks.engine import check_file
from orchestrator.checks.model import RuleSet, Verdict
from orchestrator.checks.rulesets import apply_override
from orchestrator.checks.streams import CHUNK
from tests.unit.checks.conftest import CheckBytes, rules_of
from tests.unit.checks.doubles import Recorder


def test_text_scanner_findings_keep_their_line(check_bytes: CheckBytes) -> None:
    report = check_bytes("notes.txt", b"one\ntwo\nthe SECRET is out\nfour\n")
    assert [(f.rule, f.location.line) for f in report.findings] == [("secrets.tokens", 3)]


def test_chunks_hold_whole_lines_and_line_numbers_run_on(
    check_bytes: CheckBytes, recorder: Recorder
) -> None:
    line = b"x" * 99 + b"\n"
    data = line * (3 * CHUNK // 100) + b"SECRET\n"
    report = check_bytes("big.txt", data)
    fed = recorder.texts[0].fed
    assert len(fed) > 1
    assert all(text.endswith("\n") for text, _ in fed)
    assert [f.location.line for f in report.findings] == [3 * CHUNK // 100 + 1]
    first_lines = [first for _, first in fed]
    assert first_lines == sorted(first_lines)


def test_csv_rows_go_to_the_table_scanner_with_header_first(
    check_bytes: CheckBytes, recorder: Recorder
) -> None:
    report = check_bytes("t.csv", b'group,count\n"a, b",12\nc,3\n')
    assert recorder.tables[0].rows == [["group", "count"], ["a, b", "12"], ["c", "3"]]
    assert [(f.rule, f.location.row, f.location.column) for f in report.findings] == [
        ("tables.min_cell_count", 3, 2)
    ]


def test_quoted_fields_spanning_chunk_boundaries_stay_whole(
    check_bytes: CheckBytes, recorder: Recorder
) -> None:
    long_text = "word " * (CHUNK // 4)
    data = f'name,notes\na,"{long_text}\nsecond line"\nb,x\n'.encode()
    check_bytes("t.csv", data)
    rows = recorder.tables[0].rows
    assert len(rows) == 3
    assert rows[1][1].endswith("second line")


def test_tsv_is_split_on_tabs(check_bytes: CheckBytes, recorder: Recorder) -> None:
    check_bytes("t.tsv", b"a\tb\n1\t20\n")
    assert recorder.tables[0].rows == [["a", "b"], ["1", "20"]]


def test_row_limit_counts_every_row_but_scans_cells_only_up_to_the_limit(
    check_bytes: CheckBytes, recorder: Recorder, default_rules
) -> None:  # type: ignore[no-untyped-def]
    rules = apply_override(
        default_rules,
        {"id": "t", "version": "1", "rules": {"limits.table_rows": {"params": {"max_rows": 10}}}},
        "t",
        tighten_only=True,
    )
    data = b"id,count\n" + b"".join(b"r%d,50\n" % i for i in range(25))
    report = check_bytes("t.csv", data, rules)
    finding = next(f for f in report.findings if f.rule == "limits.table_rows")
    assert "25 data rows" in finding.message
    assert len(recorder.tables[0].rows) == 11  # the header and the first 10 data rows
    assert report.verdict == Verdict.BLOCK
    within = check_bytes("u.csv", b"id,count\n" + b"r,50\n" * 10, rules)
    assert "limits.table_rows" not in rules_of(within)
    no_final_newline = check_bytes("v.csv", b"id,count\n" + b"r,50\n" * 10 + b"r,50", rules)
    assert "11 data rows" in next(f.message for f in no_final_newline.findings)


def test_a_very_long_line_is_fed_in_pieces_not_held_whole(
    check_bytes: CheckBytes, recorder: Recorder
) -> None:
    check_bytes("one-line.txt", b"y" * (9 * CHUNK))
    pieces = recorder.texts[0].fed
    assert len(pieces) >= 2
    assert max(len(text) for text, _ in pieces) <= 5 * CHUNK


def test_acro_results_are_handed_to_the_acro_check(
    check_bytes: CheckBytes, recorder: Recorder
) -> None:
    report = check_bytes("results.json", b'{"version": "1.0.2", "results": {}}')
    assert "tables.acro_evidence" in rules_of(report)
    assert len(recorder.acro_checked) == 1


def test_a_scanner_that_raises_becomes_an_engine_error_finding(tmp_path, default_rules) -> None:  # type: ignore[no-untyped-def]
    from orchestrator.checks.content import ContentScanners
    from tests.unit.checks.doubles import ExplodingTextScanner

    recorder = Recorder()
    scanners = ContentScanners(
        lambda rules: ExplodingTextScanner(),
        recorder.table,
        recorder.looks_like_acro,
        recorder.check_acro,
    )
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    report = check_file(path, default_rules, content=scanners)
    assert rules_of(report) == {"engine.error"}
    assert "RuntimeError: scanner bug" in report.findings[0].message
    assert report.sha256 == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    assert report.size == 6


def test_a_csv_with_absurdly_many_columns_is_not_fed_as_a_table(
    check_bytes: CheckBytes, recorder: Recorder
) -> None:
    report = check_bytes("wide.csv", b"a,b\n" + b"1," * 20_000 + b"\n3,4\n")
    assert "engine.malformed" in rules_of(report)
    assert recorder.tables[0].rows == [["a", "b"]]


def test_a_csv_line_longer_than_the_line_limit_stops_table_parsing(
    check_bytes: CheckBytes, recorder: Recorder
) -> None:
    report = check_bytes("long.csv", b"a,b\n" + b"x" * (5 * CHUNK) + b"\n")
    assert "engine.malformed" in rules_of(report)
    assert recorder.tables[0].rows == [["a", "b"]]


def test_eight_megabytes_of_one_base_are_not_a_nucleotide_run(
    tmp_path: Path, default_rules: RuleSet
) -> None:
    # A run must use at least three of A, C, G and T: a homopolymer is padding or a
    # placeholder, not sequence data. The same length of mixed bases, on one line or
    # on many, is found, so the long-line windows are not what hides the first.
    size = 8 * 1024 * 1024
    path = tmp_path / "seq.txt"

    def finds_a_run(data: bytes) -> bool:
        path.write_bytes(data)
        report = check_file(path, default_rules, content=default_content_scanners())
        return "genomic.text.nucleotide_run" in rules_of(report)

    assert not finds_a_run(b"A" * size)
    assert not finds_a_run((b"A" * 60 + b"\n") * (size // 61))
    bases = b"ACGTTGCAAGGCTTAACCGGTTAACGTAGCTA" * (size // 32)
    assert finds_a_run(bases)
    assert finds_a_run(b"\n".join(bases[i : i + 60] for i in range(0, size, 60)))
