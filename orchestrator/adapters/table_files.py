"""Tables on disk (CSV, XLSX, Parquet) and the trace store directory.

The trace store is a directory: ``salt`` (random, written once, keys the row digests),
``projects/<project>--<dataset>.json`` (one project copy's marks) and
``releases/<project>--<release>--<file>.json`` (one released table's fingerprint).
Records are written to a temporary file and renamed, so a failed write leaves nothing
half-written. The store holds digests of rows, not rows, but it is an operator's
record: keep it where the airlock's audit records are kept.
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.domain.fingerprints.copies import ProjectMarks
from orchestrator.domain.fingerprints.records import (
    StoreRecordError,
    marks_from_record,
    marks_to_record,
    release_from_record,
    release_to_record,
)
from orchestrator.domain.fingerprints.releases import ReleaseFingerprint

FORMATS = ("csv", "xlsx", "parquet")


class TableFileError(Exception):
    """A file could not be read as a table; the message says why."""


@dataclass(frozen=True)
class TableFile:
    """A table on disk: its header, read once, and a way to stream its rows."""

    path: Path
    format: str
    columns: tuple[str, ...]

    def rows(self) -> Iterator[Sequence[object]]:
        """Stream the data rows (after the header)."""
        try:
            if self.format == "csv":
                yield from _csv_rows(self.path, skip_header=True)
            elif self.format == "xlsx":
                yield from _xlsx_rows(self.path, skip_header=True)
            else:
                yield from _parquet_rows(self.path)
        except (OSError, ValueError, csv.Error, zipfile.BadZipFile) as exc:
            raise TableFileError(f"{self.path}: cannot read the rows: {exc}") from exc


def _format_of(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == b"PAR1":
        return "parquet"
    if head.startswith(b"PK"):
        return "xlsx"
    return "csv"


def _csv_rows(path: Path, *, skip_header: bool) -> Iterator[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        if skip_header:
            next(reader, None)
        yield from reader


def _xlsx_rows(path: Path, *, skip_header: bool) -> Iterator[tuple[object, ...]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        if skip_header:
            next(rows, None)
        for row in rows:
            if any(cell is not None for cell in row):
                yield tuple(row)
    finally:
        book.close()


def _parquet_rows(path: Path) -> Iterator[tuple[object, ...]]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(batch_size=65536):
        columns = [column.to_pylist() for column in batch.columns]
        yield from zip(*columns, strict=True)


def open_table(path: Path) -> TableFile:
    """Open a CSV, XLSX or Parquet file (recognised by content) and read its header."""
    if not path.is_file():
        raise TableFileError(f"{path}: no such file")
    try:
        kind = _format_of(path)
        if kind == "parquet":
            import pyarrow.parquet as pq

            header: Sequence[object] = pq.ParquetFile(path).schema_arrow.names
        elif kind == "xlsx":
            header = next(_xlsx_rows(path, skip_header=False), ())
        else:
            header = next(_csv_rows(path, skip_header=False), [])
    except UnicodeDecodeError as exc:
        raise TableFileError(f"{path}: not a CSV (UTF-8), XLSX or Parquet table: {exc}") from exc
    except Exception as exc:  # the readers raise many kinds for damaged files
        raise TableFileError(f"{path}: cannot read it as {kind}: {exc}") from exc
    columns = tuple("" if c is None else str(c) for c in header)
    if not columns or not any(columns):
        raise TableFileError(f"{path}: the table has no header row")
    return TableFile(path, kind, columns)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


class TraceStore:
    """The directory of project marks and release fingerprints that ``tre trace`` reads."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def salt(self, *, create: bool = False) -> bytes:
        """The store's digest salt; made on first write."""
        path = self.root / "salt"
        if path.is_file():
            return bytes.fromhex(path.read_text().strip())
        if not create:
            raise TableFileError(
                f"{self.root}: not a trace store (no salt file); register a copy first"
            )
        self._write(path, secrets.token_hex(32) + "\n")
        return bytes.fromhex(path.read_text().strip())

    def _write(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def add_marks(self, marks: ProjectMarks) -> Path:
        """Record one project copy's marks (replacing an earlier record of the same copy)."""
        path = self.root / "projects" / f"{_safe(marks.project)}--{_safe(marks.dataset)}.json"
        self._write(path, json.dumps(marks_to_record(marks), indent=1) + "\n")
        return path

    def add_release(self, release: ReleaseFingerprint) -> Path:
        """Record one released table's fingerprint."""
        name = f"{_safe(release.project)}--{_safe(release.release)}--{_safe(release.file)}.json"
        path = self.root / "releases" / name
        self._write(path, json.dumps(release_to_record(release), indent=1) + "\n")
        return path

    def _records(self, folder: str) -> Iterator[tuple[Path, dict[str, Any]]]:
        for path in sorted((self.root / folder).glob("*.json")):
            try:
                yield path, json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise TableFileError(f"{path}: unreadable store record: {exc}") from exc

    def count_marks(self) -> int:
        """How many project copies are recorded."""
        return len(list((self.root / "projects").glob("*.json")))

    def marks(self) -> Iterator[ProjectMarks]:
        """Every project copy's marks, one at a time (the store may be large)."""
        for path, record in self._records("projects"):
            try:
                yield marks_from_record(record)
            except StoreRecordError as exc:
                raise TableFileError(f"{path}: {exc}") from exc

    def releases(self) -> Iterator[ReleaseFingerprint]:
        """Every release fingerprint, one at a time."""
        for path, record in self._records("releases"):
            try:
                yield release_from_record(record)
            except StoreRecordError as exc:
                raise TableFileError(f"{path}: {exc}") from exc
