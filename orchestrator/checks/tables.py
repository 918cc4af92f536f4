"""The table scanner: disclosure control on frequency tables, and identifiers in cells.

:func:`make_table_scanner` returns a :class:`~orchestrator.checks.model.TableScanner`
fed one row at a time, header first. It keeps only what it must:

- the first :data:`PROBE_ROWS` rows, to recognise the layout: extra header rows (as
  pandas writes for multi-level columns), the leading *label* columns (text, years,
  columns named like a dimension) and the *count* columns after them. One count column
  is the long layout (``region,sex,count``); several are the wide layout
  (``year,A,B,C``). Columns of means, rates or percentages are not counts.
- per count cell, nothing: each is judged as it arrives (minimum cell count, zeros,
  rounding), with its row and column in the finding.
- per column, the distinct values of the first :data:`MAX_TRACKED_ROWS` rows, to spot
  row-level data passed off as an aggregate.
- a batch of rows, joined into lines and handed to the text scanner's matchers, so
  identifiers and secrets in cells are found with the same code as in text; a
  DOB-like column makes every date in it a date of birth.

Rows are numbered as in a spreadsheet: the header is row 1.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from orchestrator.checks import identifiers
from orchestrator.checks.content_rules import DEFAULTS, param
from orchestrator.checks.model import Finding, Location, RuleSet, Severity, TableScanner
from orchestrator.checks.text import (
    ContentConfig,
    FindingSink,
    GenomicTally,
    genomic_findings,
    make_content_config,
    scan_block,
)

PROBE_ROWS = 200
MAX_HEADER_ROWS = 4
MAX_TRACKED_ROWS = 50_000
BATCH_ROWS = 2_000
SEPARATOR = "\x1f"

MIN_CELL = "tables.min_cell_count"
ZEROS = "tables.zeros"
ROUNDING = "tables.rounding"
ROW_LEVEL = "tables.row_level_data"
TABLE_RULES = (MIN_CELL, ZEROS, ROUNDING, ROW_LEVEL)

# Suppression markers: what statistical offices and researchers write in a cell they
# withheld (ONS ``[c]``, ``[x]``, ``[z]``; ``<5``, ``≤10``, ``*``, ``~``, ``-``, ``..``;
# words). They are suppressed cells, not text, so a column holding them is still a
# count column and the counts beside them are still checked.
_SUPPRESSED = frozenset(
    {
        "",
        "*",
        "**",
        "***",
        "-",
        "--",
        "—",
        "\u2013",  # en dash
        "~",
        "x",
        "c",
        "na",
        "n/a",
        "nan",
        "null",
        "none",
        "..",
        "...",
        ":",
        "redacted",
        "suppressed",
        "supp",
        "supp.",
        "masked",
        "withheld",
    }
)
_SUPPRESSION_MARKER = re.compile(
    r"(?i)^(?:[<≤]\s*=?\s*\d{1,4}|under\s*\d{1,4}|\[\s*[a-z]{1,12}\s*\]|\(\s*[a-z]\s*\)|\*+)$"
)


def _data_marker(text: str) -> bool:
    """A marker only data rows hold (case kept, so a header row of ``A, B, C`` is not one)."""
    value = text.strip()
    return value in _WRITTEN_MARKERS or _SUPPRESSION_MARKER.match(value) is not None


_WRITTEN_MARKERS = _SUPPRESSED - {"", "-", "na", "n/a", "nan", "null", "none"}


def _suppressed(text: str) -> bool:
    """True for a blank cell or a suppression marker (``<5``, ``[c]``, ``*``, ``NA``...)."""
    value = text.strip().lower()
    return value in _SUPPRESSED or _SUPPRESSION_MARKER.match(value) is not None


_COUNT_NAME = re.compile(
    r"(?i)^(?:n|count|counts|freq|frequency|number|num|no|total|totals|all|patients|people"
    r"|persons|cases|events|records|observations|obs|deaths|admissions|size)(?:[ _.-].*)?$"
    r"|(?:^|[ _.-])(?:count|n)$"
)
_STAT_NAME = re.compile(
    r"(?i)mean|average|avg|median|sd\b|std|stdev|variance|rate|ratio|percent|pct|%|proportion"
    r"|prop\b|share|odds|hazard|ci\b|lower|upper|p[ _-]?value|coef|estimate|se\b|min\b|max\b"
)
_DIMENSION_NAME = re.compile(
    r"(?i)year|age|band|group|sex|gender|region|area|code|id\b|category|type|class|level"
    r"|month|week|date|period|quarter|practice|site|ethnic|imd|decile|quintile|district"
)
_ID_NAME = re.compile(
    r"(?i)(?:^|[ _.-])(?:id|ids|identifier|patient|person|subject|participant|nhs|mrn|chi"
    r"|record|sample|pid|uid|uuid)(?:[ _.-]|$)|_id$|^id"
)
_QUASI_NAME = re.compile(
    r"(?i)(?:^|[ _.-])(?:age|sex|gender|postcode|post[ _]?code|district|lsoa|msoa|oa|ethnicity"
    r"|ethnic|dob|yob|birth|occupation|marital|religion|practice)(?:[ _.-]|$)|date[ _]of[ _]birth"
)
# Small-area geography by value: full or district postcodes, ONS output-area, LSOA,
# MSOA and data-zone codes.
_GEOGRAPHY = re.compile(
    r"^(?:[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]?(?: ?[0-9][ABD-HJLNP-UW-Z]{2})?"
    r"|[EWSN]0[0-9]{7})$",
    re.IGNORECASE,
)
_PHONE_COLUMN = re.compile(r"(?i)phone|tel\b|telephone|mobile|fax")
_ID_VALUE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9_/-]{3,}$")


def _number(cell: str) -> float | None:
    """The cell as a number, or None (text, blank or a suppression marker)."""
    text = cell.strip()
    if _suppressed(text):
        return None
    try:
        return float(text.replace(",", "")) if "," in text else float(text)
    except ValueError:
        return None


def _is_full_date(text: str) -> bool:
    return identifiers.find_dates(text) == [(0, len(text))]


def _is_int(value: float) -> bool:
    return math.isfinite(value) and value == int(value)


@dataclass(frozen=True)
class Layout:
    """What the probe found: header rows, label columns, count columns (indexes)."""

    header_rows: int
    labels: tuple[int, ...]
    counts: tuple[int, ...]
    names: tuple[str, ...]

    @property
    def is_frequency_table(self) -> bool:
        return bool(self.counts) and bool(self.labels)


def detect_layout(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Layout:
    """Recognise extra header rows, leading label columns and count columns."""
    width = len(header)
    # Extra header rows (pandas writes one per column level, then one naming the index):
    # leading rows with no number after the first cell, followed by rows that have numbers.
    extra = 0
    for row in rows[:MAX_HEADER_ROWS]:
        if not row or any(_number(c) is not None or _data_marker(c) for c in row[1:]):
            break
        extra += 1
    if extra == len(rows) or not any(_number(c) is not None for c in rows[extra][1:]):
        extra = 0
    names = [
        "/".join(x for x in [header[i], *(r[i] if i < len(r) else "" for r in rows[:extra])] if x)
        for i in range(width)
    ]
    body = rows[extra:]
    kinds = []
    for i in range(width):
        present = [r[i] for r in body if i < len(r) and not _suppressed(r[i])]
        values = [_number(cell) for cell in present]
        if not present or any(v is None for v in values):
            kinds.append("text" if present else "empty")
        elif all(v is not None and _is_int(v) for v in values):
            yearish = all(v is not None and 1800 <= v <= 2100 for v in values)
            kinds.append("year" if yearish else "int")
        else:
            kinds.append("float")
    labels: list[int] = []
    for i in range(width):
        dimension = bool(_DIMENSION_NAME.search(names[i])) and not _COUNT_NAME.search(names[i])
        if kinds[i] in ("text", "year") or (kinds[i] == "int" and dimension):
            labels.append(i)
            continue
        break
    if not labels:
        # A frequency table keyed by a number (``score,n``; ``value,frequency``): the
        # columns before the first count-named one are its labels.
        named_at = next(
            (
                i
                for i in range(1, width)
                if kinds[i] in ("int", "year")
                and _COUNT_NAME.search(names[i])
                and not _STAT_NAME.search(names[i])
            ),
            None,
        )
        if named_at is not None and all(
            kinds[j] in ("int", "year", "text") for j in range(named_at)
        ):
            labels = list(range(named_at))
    rest = [
        i
        for i in range(len(labels), width)
        if kinds[i] in ("int", "year", "empty") and not _STAT_NAME.search(names[i])
    ]
    named = [i for i in rest if _COUNT_NAME.search(names[i])]
    if named:
        # A count-named column is a count; so are the others unless named like a dimension.
        rest = [i for i in rest if i in named or not _DIMENSION_NAME.search(names[i])]
    counts = tuple(i for i in rest if kinds[i] != "empty")
    measured = [
        i
        for i in range(len(labels), width)
        if kinds[i] == "float" and not _STAT_NAME.search(names[i])
    ]
    if measured:
        # Unlabelled measurements beside the counts: a dataset, not a frequency table.
        counts = ()
    return Layout(extra, tuple(labels), counts, tuple(names))


_PERSON_ID_NAME = re.compile(
    r"(?i)(?:^|[ _.-])(?:patient|person|subject|participant|nhs|mrn|chi|pid|individual|member)"
    r"(?:[ _.-]?(?:id|no|number|num|key|ref))?(?:[ _.-]|$)"
)


@dataclass(frozen=True)
class TableConfig:
    """The table rules of one rule set, resolved once."""

    content: ContentConfig
    severities: dict[str, Severity]
    threshold: int
    base: int | None
    min_rows: int
    max_unique_fraction: float


def make_table_config(rules: RuleSet) -> TableConfig:
    severities: dict[str, Severity] = {}
    values: dict[tuple[str, str], object] = {}
    for rule_id in TABLE_RULES:
        rule = rules.get(rule_id)
        if rule is not None:
            severities[rule_id] = rule.severity
            for name in rule.params:
                values[(rule_id, name)] = param(rule, name)

    def get(rule_id: str, name: str) -> object:
        return values.get((rule_id, name), DEFAULTS[rule_id].params.get(name))

    base = get(ROUNDING, "base")
    if base is not None and (not isinstance(base, int) or base < 2):
        raise ValueError(
            f"{ROUNDING}: parameter `base` must be an integer of at least 2, got {base!r}"
        )
    threshold = get(MIN_CELL, "threshold")
    if not isinstance(threshold, int) or threshold < 1:
        raise ValueError(
            f"{MIN_CELL}: parameter `threshold` must be a positive integer, got {threshold!r}"
        )
    min_rows = get(ROW_LEVEL, "min_rows")
    fraction = get(ROW_LEVEL, "max_unique_fraction")
    if not isinstance(min_rows, int) or not isinstance(fraction, int | float):
        raise ValueError(
            f"{ROW_LEVEL}: `min_rows` must be an integer and `max_unique_fraction` a number"
        )
    return TableConfig(
        content=make_content_config(rules),
        severities=severities,
        threshold=threshold,
        base=base if ROUNDING in severities else None,
        min_rows=min_rows,
        max_unique_fraction=float(fraction),
    )


class _TableScanner:
    def __init__(self, cfg: TableConfig, name: str, *, scan_cells: bool = True) -> None:
        self._cfg = cfg
        self._name = name
        self._sink = FindingSink({**cfg.content.severities, **cfg.severities})
        self._seen: set[tuple[int, str, str]] = set()
        self._tally = GenomicTally()
        self._header: list[str] | None = None
        self._names: list[str] = []
        self._layout: Layout | None = None
        self._probe: list[list[str]] = []
        self._row = 0
        self._batch: list[str] = []
        self._batch_first = 1
        self._dob_cols: list[int] = []
        self._phone_cols: list[int] = []
        # Row-level evidence.
        self._data_rows = 0
        self._distinct: defaultdict[int, set[str]] = defaultdict(set)
        self._quasi: list[int] = []
        self._combos: set[tuple[str, ...]] = set()
        self._tracked: list[int] = []
        self._person: list[int] = []
        self._counts: tuple[int, ...] = ()
        self._scan_content = scan_cells and bool(cfg.content.severities)
        self._context = False
        self._tracking = 0  # rows whose distinct values are still being recorded
        self._count_cells = 0
        self._ones = 0
        self._id_shaped: list[int] = []
        # Row-level evidence from values, whatever the columns are called.
        self._keys: list[int] = []  # text or id-like columns: a near-unique one is a key
        self._date_cols: list[int] = []  # columns of full calendar dates
        self._geo_cols: list[int] = []  # postcodes, districts, LSOA/MSOA/OA codes

    # --- feeding ------------------------------------------------------------------------

    def feed_row(self, row: Sequence[str]) -> None:
        # The hot path: one join for the content batch, then the count cells, if any.
        cells = row if isinstance(row, list) else list(row)
        self._row += 1
        if self._scan_content:
            self._batch.append(SEPARATOR.join(cells))
            if len(self._batch) >= BATCH_ROWS:
                self._flush()
        if self._layout is None:
            if self._header is None:
                self._start(cells)
                return
            self._column_context(cells, self._row)
            self._probe.append(cells)
            if len(self._probe) >= PROBE_ROWS:
                self._decide()
            return
        if self._context:
            self._column_context(cells, self._row)
        if self._counts or self._data_rows < self._tracking:
            self._data_row(cells, self._row)
        else:
            self._data_rows += 1

    def _start(self, header: list[str]) -> None:
        self._header = header
        self._names = [h.strip() or f"column {i + 1}" for i, h in enumerate(header)]
        self._dob_cols = [i for i, h in enumerate(header) if identifiers.is_dob_column(h)]
        self._phone_cols = [i for i, h in enumerate(header) if _PHONE_COLUMN.search(h)]
        self._quasi = [i for i, h in enumerate(header) if _QUASI_NAME.search(h.strip())]
        content = self._cfg.content
        self._dob_cols = self._dob_cols if content.on(identifiers.DOB) else []
        self._phone_cols = self._phone_cols if content.on(identifiers.PHONE) else []
        self._context = bool(self._dob_cols or self._phone_cols)

    def _decide(self) -> None:
        assert self._header is not None
        layout = detect_layout(self._header, self._probe)
        self._layout = layout
        self._names = [n or f"column {i + 1}" for i, n in enumerate(layout.names)]
        body = self._probe[layout.header_rows :]
        self._id_shaped = [
            i
            for i in range(len(self._names))
            if i not in layout.counts and self._mostly_id_shaped(i, body)
        ]
        self._person = [i for i, n in enumerate(self._names) if _PERSON_ID_NAME.search(n)]
        self._classify_values(body, layout)
        self._tracked = sorted(
            set(self._id_shaped) | set(self._person) | set(self._keys) | set(self._date_cols)
        )
        self._counts = layout.counts if layout.is_frequency_table else ()
        if self._tracked or len(self._quasi) >= 2:
            self._tracking = MAX_TRACKED_ROWS
        first = 2 + layout.header_rows  # the header is row 1
        for offset, cells in enumerate(body):
            self._data_row(cells, first + offset)
        self._probe = []

    def _classify_values(self, body: list[list[str]], layout: Layout) -> None:
        """Find date, small-area geography and key-candidate columns from their values."""
        for i in range(len(self._names)):
            if i in layout.counts:
                continue
            values = [r[i].strip() for r in body if i < len(r) and r[i].strip()]
            if not values:
                continue
            enough = 0.8 * len(values)
            if sum(_is_full_date(v) for v in values) >= enough:
                self._date_cols.append(i)
            elif sum(_GEOGRAPHY.match(v) is not None for v in values) >= enough:
                self._geo_cols.append(i)
            elif any(_number(v) is None for v in values) or self._mostly_id_shaped(i, body):
                self._keys.append(i)

    @staticmethod
    def _mostly_id_shaped(col: int, rows: list[list[str]]) -> bool:
        values = [r[col].strip() for r in rows if col < len(r) and r[col].strip()]
        return bool(values) and sum(bool(_ID_VALUE.match(v)) for v in values) >= 0.9 * len(values)

    # --- disclosure control ------------------------------------------------------------

    def _data_row(self, cells: list[str], row: int) -> None:
        self._data_rows += 1
        if self._data_rows <= MAX_TRACKED_ROWS:
            width = len(cells)
            for i in self._tracked:
                if i < width:
                    self._distinct[i].add(cells[i])
            if len(self._quasi) >= 2:
                self._combos.add(tuple(cells[i] if i < width else "" for i in self._quasi))
        if not self._counts:
            return
        cfg = self._cfg
        single = len(self._counts) == 1
        for i in self._counts:
            if i >= len(cells):
                continue
            text = cells[i]
            try:
                n = int(text)
            except ValueError:
                value = _number(text)
                if value is None or not _is_int(value):
                    continue
                n = int(value)
            if n < 0:
                continue
            if single:
                self._count_cells += 1
                self._ones += n == 1
            if n >= cfg.threshold and (cfg.base is None or n % cfg.base == 0):
                continue
            where = Location(row=row, column=self._names[i])
            if n == 0:
                if ZEROS in cfg.severities:
                    self._sink.add(ZEROS, "zero count (a structural or disclosive zero)", where)
            elif n < cfg.threshold and MIN_CELL in cfg.severities:
                self._sink.add(MIN_CELL, f"count below the minimum of {cfg.threshold}", where)
            if cfg.base is not None and n % cfg.base:
                self._sink.add(ROUNDING, f"count is not a multiple of {cfg.base}", where)

    def _row_level(self) -> Finding | None:
        cfg = self._cfg
        rows = min(self._data_rows, MAX_TRACKED_ROWS)
        if ROW_LEVEL not in cfg.severities or rows < cfg.min_rows or self._layout is None:
            return None
        layout = self._layout
        reason = ""

        def unique(col: int) -> float:
            return len(self._distinct.get(col, ())) / rows

        person = [i for i in self._person if unique(i) >= 0.9]
        keys = [i for i in self._keys if unique(i) >= 0.9]
        dates = [i for i in self._date_cols if unique(i) >= 0.5]
        if keys and dates:
            reason = (
                f"column {self._names[keys[0]]!r} is distinct on each row, beside the"
                f" individual dates in {self._names[dates[0]]!r}"
            )
        elif dates and self._geo_cols:
            reason = (
                f"individual dates in {self._names[dates[0]]!r} beside small-area"
                f" geography in {self._names[self._geo_cols[0]]!r}"
            )
        elif keys and self._geo_cols and not layout.counts:
            reason = (
                f"column {self._names[keys[0]]!r} is distinct on each row, beside small-area"
                f" geography in {self._names[self._geo_cols[0]]!r}"
            )
        elif person:
            reason = (
                f"column {self._names[person[0]]!r} holds a distinct person identifier on each row"
            )
        elif layout.is_frequency_table:
            if self._count_cells and self._ones / self._count_cells > cfg.max_unique_fraction:
                reason = f"{self._ones} of {self._count_cells} counts are 1: one row per person"
        else:
            shaped = [i for i in self._id_shaped if unique(i) >= 0.9]
            if shaped:
                reason = f"column {self._names[shaped[0]]!r} holds a distinct identifier-like value on each row"
            elif len(self._quasi) >= 2 and len(self._combos) / rows > cfg.max_unique_fraction:
                cols = ", ".join(self._names[i] for i in self._quasi)
                share = len(self._combos) / rows
                reason = f"{share:.0%} of rows have a distinct combination of {cols}"
        if not reason:
            return None
        return Finding(
            ROW_LEVEL,
            cfg.severities[ROW_LEVEL],
            f"row-level data, not an aggregate: {reason} ({rows} rows)",
            Location(row=2),
        )

    # --- identifiers in cells ----------------------------------------------------------

    def _add_cell_hit(self, row: int, col: int, rule: str, message: str) -> None:
        name = self._names[col] if col < len(self._names) else f"column {col + 1}"
        key = (row, name, rule)
        if key not in self._seen:
            self._seen.add(key)
            self._sink.add(rule, message, Location(row=row, column=name))

    def _column_context(self, cells: list[str], row: int) -> None:
        content = self._cfg.content
        if self._dob_cols and content.on(identifiers.DOB):
            for i in self._dob_cols:
                if i < len(cells) and cells[i].strip():
                    for hit in identifiers.find_birth_dates(cells[i], dob_column=True):
                        self._add_cell_hit(row, i, hit.rule, f"{hit.message} in a DOB column")
        if self._phone_cols and content.on(identifiers.PHONE):
            for i in self._phone_cols:
                if i < len(cells) and cells[i].strip():
                    for hit in identifiers.find_phones(cells[i], phone_context=True):
                        self._add_cell_hit(row, i, hit.rule, hit.message)

    def _flush(self) -> None:
        if not self._batch:
            return
        lines, first = self._batch, self._batch_first
        self._batch, self._batch_first = [], first + len(lines)
        block = "\n".join(lines) + "\n"
        if block.count("\n") != len(lines) or "\r" in block:
            # A cell spans lines: flatten it so each row stays one line of the block.
            lines = [line.replace("\r", " ").replace("\n", " ") for line in lines]
            block = "\n".join(lines) + "\n"
        for index, hit in scan_block(block, self._cfg.content, self._tally, lambda i: i + first):
            line = lines[index - first]
            col = line.count(SEPARATOR, 0, hit.offset)
            self._add_cell_hit(index, col, hit.rule, hit.message)

    # --- result ------------------------------------------------------------------------

    def finish(self) -> list[Finding]:
        if self._header is not None and self._layout is None:
            self._decide()
        self._flush()
        findings = self._sink.finish()
        row_level = self._row_level()
        genomic = genomic_findings(self._tally, self._cfg.content)
        return findings + ([row_level] if row_level is not None else []) + genomic


def make_table_scanner(rules: RuleSet, name: str, *, scan_cells: bool = True) -> TableScanner:
    """A scanner for one table (``name`` is its file or sheet).

    With ``scan_cells=False`` the cells are not passed through the text matchers: use it
    when the same bytes also go through a text scanner, so each identifier is reported
    once. Column context (DOB-like and phone columns) is checked either way.
    """
    return _TableScanner(make_table_config(rules), name, scan_cells=scan_cells)
