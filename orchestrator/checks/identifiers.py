"""Direct identifiers in one line of text: precise matchers and validators.

These run only on lines a cheap prefilter (:mod:`.prefilter`) picked out, so they can
afford validation: the NHS modulus-11 check digit, National Insurance prefixes,
postcode letter rules, real calendar dates. Every message redacts the evidence.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import NamedTuple


class Hit(NamedTuple):
    """One match in a line: the rule it belongs to, its 0-based offset, a redacted message."""

    rule: str
    offset: int
    message: str
    end: int = -1  # where the match ends, when a later check must not report it again


NHS = "identifiers.nhs_number"
POSTCODE = "identifiers.uk_postcode"
EMAIL = "identifiers.email"
PHONE = "identifiers.phone"
NI = "identifiers.ni_number"
DOB = "identifiers.date_of_birth"
PROJECT = "identifiers.project_pattern"

# --- NHS numbers ------------------------------------------------------------------------

# A comma before or after is a field separator (``A,4690067929,20.0``), not a thousands
# separator: grouped thousands never leave ten digits in a row or in 3-3-4 groups.
_NHS_RE = re.compile(r"(?<![\w.])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w]|\.\d)")


def nhs_check_digit_ok(digits: str) -> bool:
    """True when ten digits carry a valid NHS modulus-11 check digit (and are not all alike)."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def find_nhs_numbers(line: str) -> list[Hit]:
    hits = []
    for m in _NHS_RE.finditer(line):
        digits = m.group(1) + m.group(3) + m.group(4)
        if nhs_check_digit_ok(digits):
            message = f"NHS number {digits[:3]} *** **** (valid check digit)"
            hits.append(Hit(NHS, m.start(), message, m.end()))
    return hits


# --- postcodes --------------------------------------------------------------------------


# Outward: area (1-2 letters; first not Q, V, X; second not I, J, Z) + district; inward:
# digit + two letters that are never C, I, K, M, O or V. Either case, but not mixed
# within the code (``sw1a 1aa`` is one; ``Ab1 2cd`` in prose is not).
def _both_cases(letters: str) -> str:
    """A character class body matching ``letters`` (ranges like ``A-H``) in either case:
    explicit classes keep the regex engine's fast paths, which IGNORECASE loses."""
    return letters + letters.lower()


_POSTCODE_RE = re.compile(
    rf"(?<![A-Za-z0-9])([{_both_cases('A-PR-UWYZ')}](?:[{_both_cases('A-HK-Y')}]?[0-9]"
    rf"[0-9{_both_cases('A-HJKMNPR-Y')}]?)) ?([0-9][{_both_cases('ABD-HJLNP-UW-Z')}]{{2}})"
    r"(?![A-Za-z0-9])"
)


def normalise(text: str) -> str:
    """``sw1a 1aa`` -> ``SW1A1AA``, ``(020) 7946-0958`` -> ``02079460958``: how matches are
    compared with a rule set's allowlist (case, spaces and punctuation inside ignored)."""
    return _NOISE.sub("", text).upper()


_NOISE = re.compile(r"[\s()\-.]")


def _one_case(text: str) -> bool:
    return text == text.upper() or text == text.lower()


def find_postcodes(line: str) -> list[Hit]:
    hits = []
    for m in _POSTCODE_RE.finditer(line):
        if not _one_case(m.group(0)):
            continue
        area = re.match(r"[A-Za-z]+", m.group(1))
        shown = area.group(0).upper() if area else ""
        message = f"full UK postcode {shown}** *** (district redacted)"
        hits.append(Hit(POSTCODE, m.start(), message, m.end()))
    return hits


# --- e-mail -----------------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63})@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+)"
    r"([A-Za-z]{2,24})(?![\w-])"
)


def find_emails(line: str) -> list[Hit]:
    return [
        Hit(EMAIL, m.start(), f"e-mail address {m.group(1)[0]}***@***.{m.group(3)}", m.end())
        for m in _EMAIL_RE.finditer(line)
    ]


# --- phone numbers ----------------------------------------------------------------------

_PHONE_WORDS = re.compile(r"(?i)\b(?:tel|telephone|phone|mobile|mob|cell|fax|contact|call|ring)\b")
_NOT_PHONE_WORDS = re.compile(
    r"(?i)\b(?:order|invoice|ref|reference|account|acct|id|no|number|batch|lot|serial|total|sum)\b"
    r"[\s.:#-]*$"
)
# International: +CC then groups; E.164 allows at most 15 digits.
_INTL_RE = re.compile(
    r"(?<![\w+])\+[1-9][0-9]{0,2}(?:[ .-]?\(0\))?(?:[ .-]?[0-9]{1,5}){2,6}(?![\w])"
)
# UK national: 0 then 9 or 10 more digits, bare or in groups ((020) 7946 0958, 07700 900123).
_UK_RE = re.compile(r"(?<![\w.+/-])\(?0[1-9][0-9]{1,4}\)?(?:[ -]?[0-9]{2,6}){1,3}(?![\w/]|\.\d)")


def _digit_count(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def find_phones(line: str, *, phone_context: bool = False) -> list[Hit]:
    """Phone numbers; a bare digit string counts only with a phone word nearby (or column)."""
    hits = []
    for m in _INTL_RE.finditer(line):
        digits = _digit_count(m.group(0))
        if 8 <= digits <= 15:
            hits.append(Hit(PHONE, m.start(), f"phone number {m.group(0)[:3]}** *** ****", m.end()))
    for m in _UK_RE.finditer(line):
        text = m.group(0)
        digits = _digit_count(text)
        if digits not in (10, 11):
            continue
        before = line[max(0, m.start() - 30) : m.start()]
        if _NOT_PHONE_WORDS.search(before):
            continue
        formatted = not text.isdigit()
        mobile = text.startswith("07") and digits == 11
        if not (formatted or mobile or phone_context or _PHONE_WORDS.search(before)):
            continue
        hits.append(Hit(PHONE, m.start(), f"phone number {text[:2]}*** ******", m.end()))
    return hits


# --- National Insurance numbers -----------------------------------------------------------

# Found from the digits (rarer than letters in prose), then the two letters before them.
_NI_TAIL = re.compile(r"[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d](?![A-Za-z0-9])")
_NI_HEAD = re.compile(rf"[{_both_cases('A-CEGHJ-PR-TW-Z')}][{_both_cases('A-CEGHJ-NPR-TW-Z')}]")
_NI_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def find_ni_numbers(line: str) -> list[Hit]:
    hits = []
    for m in _NI_TAIL.finditer(line):
        tail = m.start()
        head = tail - 3 if tail >= 3 and line[tail - 1] == " " else tail - 2
        if head < 0 or (head > 0 and line[head - 1].isalnum()):
            continue
        prefix = line[head : head + 2]
        text = line[head : m.end()]
        if _NI_HEAD.fullmatch(prefix) is None or prefix.upper() in _NI_BAD_PREFIXES:
            continue
        if not _one_case(text):
            continue
        message = f"National Insurance number {prefix.upper()} ** ** ** *"
        hits.append(Hit(NI, head, message, m.end()))
    return hits


# --- dates and dates of birth ---------------------------------------------------------------

_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE_RE = re.compile(
    r"(?<![\w/.-])(?:"
    r"(?P<d1>\d{1,2})[/.-](?P<m1>\d{1,2})[/.-](?P<y1>\d{4}|\d{2})"
    # ISO 8601, with a time of day if any (as databases and pandas write datetimes).
    r"|(?P<y2>\d{4})[/.-](?P<m2>\d{1,2})[/.-](?P<d2>\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    rf"|(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?(?: of)?[ -](?P<m3>(?:{_MONTHS})[a-z]*)\.?[ -,]+(?P<y3>\d{{4}})"
    rf"|(?P<m4>(?:{_MONTHS})[a-z]*)\.? (?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y4>\d{{4}})"
    # Compact YYYYMMDD: only with a plausible century, so ids and counts are not dates.
    r"|(?P<y5>(?:18|19|20)\d{2})(?P<m5>0[1-9]|1[0-2])(?P<d5>0[1-9]|[12]\d|3[01])"
    r")(?![\w/-]|\.\d)",
    re.IGNORECASE,
)
_BIRTH_WORDS = re.compile(r"(?i)\bd\.?o\.?b\b|\bborn\b|birth")
# What may stand between a birth word and the date it introduces ("born on", "DOB:",
# "date of birth (dd/mm/yyyy):", "born in Leeds on"): no digits, at most three words.
_GAP_AFTER = re.compile(r"[^\d\n]*")
_WORD = re.compile(r"[A-Za-z]{2,}")
# And between a date and a birth word after it ("1980-02-01 (DOB)", "01/02/1980, date of birth").
_GAP_BEFORE = re.compile(r"(?i)(?:[\s:=,;.(\[_-]|\b(?:date|of|is|was|the|as)\b)*")
# Words that split a column name: snake_case, kebab-case, spaces and camelCase.
_NAME_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_DOB_WORDS = frozenset(
    {"dob", "dobs", "bday", "birthdate", "birthday", "dateofbirth", "birthdt", "dobdt", "born"}
)
_DATE_WORDS = frozenset(
    {"date", "dt", "dte", "day", "d", "ymd", "dmy", "mdy", "datetime", "dttm", "ts", "time"}
)
_PERSON_WORDS = frozenset(
    {"patient", "pt", "pat", "person", "subject", "participant", "child", "mother", "baby"}
)


def _valid_date(day: int, month: int, year: int) -> bool:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return False
    return not (month == 2 and day > 29) and not (month in (4, 6, 9, 11) and day > 30)


def _month_number(name: str) -> int:
    return [m[:3] for m in _MONTHS.split("|")].index(name[:3].lower()) + 1


def find_dates(line: str) -> list[tuple[int, int]]:
    """(start, end) spans of real calendar dates in the line."""
    spans = []
    for m in _DATE_RE.finditer(line):
        g = m.groupdict()
        try:
            if g["d1"]:
                ok = _valid_date(int(g["d1"]), int(g["m1"]), int(g["y1"])) or _valid_date(
                    int(g["m1"]), int(g["d1"]), int(g["y1"])
                )
            elif g["y2"]:
                ok = _valid_date(int(g["d2"]), int(g["m2"]), int(g["y2"]))
            elif g["y5"]:
                ok = _valid_date(int(g["d5"]), int(g["m5"]), int(g["y5"]))
            elif g["d3"]:
                ok = _valid_date(int(g["d3"]), _month_number(g["m3"]), int(g["y3"]))
            else:
                ok = _valid_date(int(g["d4"]), _month_number(g["m4"]), int(g["y4"]))
        except ValueError:
            ok = False
        if ok:
            spans.append((m.start(), m.end()))
    return spans


def is_dob_column(name: str) -> bool:
    """True for column names such as ``dob``, ``date_of_birth``, ``BirthDate``,
    ``patient_dob`` or ``birth_dt`` (not ``birth_weight_kg`` or ``born_in_uk``)."""
    words = [w.lower() for w in _NAME_WORDS.findall(name)]
    if not words:
        return False
    if _DOB_WORDS.intersection(words) - {"born"} or words == ["born"]:
        return True
    if "birth" not in words:
        return False
    rest = set(words) - {"birth", "of"}
    return bool(rest & _DATE_WORDS) or rest <= _PERSON_WORDS


def _introduces(line: str, word_end: int, date_start: int) -> bool:
    gap = line[word_end:date_start]
    return _GAP_AFTER.fullmatch(gap) is not None and len(_WORD.findall(gap)) <= 3


def find_birth_dates(line: str, context_chars: int = 40, *, dob_column: bool = False) -> list[Hit]:
    """Dates of birth: in a DOB column every date; in text, for each birth word, the
    date it introduces within ``context_chars`` ("born on 3 May 1980", "DOB: 1980-05-03"),
    or failing that the date just before it ("1980-05-03 (DOB)"). A year alone ("born in
    1958") is not a date, and a date further on in the sentence is not claimed.
    """
    spans = find_dates(line)
    if not spans:
        return []
    if dob_column:
        chosen = {start for start, _ in spans}
    else:
        # Spans are in order and do not overlap: bisect for the dates around each word.
        starts = [s for s, _ in spans]
        ends = [e for _, e in spans]
        chosen = set()
        for word in _BIRTH_WORDS.finditer(line):
            i = bisect_left(starts, word.end())
            if (
                i < len(starts)
                and starts[i] <= word.end() + context_chars
                and _introduces(line, word.end(), starts[i])
            ):
                chosen.add(starts[i])
                continue
            j = bisect_right(ends, word.start()) - 1
            if (
                j >= 0
                and ends[j] >= word.start() - context_chars
                and _GAP_BEFORE.fullmatch(line[ends[j] : word.start()]) is not None
            ):
                chosen.add(starts[j])
    return [
        Hit(DOB, start, "date of birth **/**/**** (date in a birth context)")
        for start in sorted(chosen)
    ]


def has_birth_word(line: str) -> bool:
    return _BIRTH_WORDS.search(line) is not None


# --- project-declared patterns ---------------------------------------------------------------


def compile_project_patterns(patterns: object) -> list[tuple[str, re.Pattern[str]]]:
    """``patterns`` is a list of regexes, or of ``{name, regex}`` mappings; bad ones raise ValueError."""
    if patterns is None:
        return []
    if not isinstance(patterns, list):
        raise ValueError("identifiers.project_pattern: `patterns` must be a list")
    compiled = []
    for i, entry in enumerate(patterns):
        if isinstance(entry, str):
            name, regex = f"pattern {i + 1}", entry
        elif isinstance(entry, dict) and isinstance(entry.get("regex"), str):
            name, regex = str(entry.get("name", f"pattern {i + 1}")), entry["regex"]
        else:
            raise ValueError(
                f"identifiers.project_pattern: pattern {i + 1} must be a regex string or"
                " a mapping with `name` and `regex`"
            )
        try:
            compiled.append((name, re.compile(regex)))
        except re.error as exc:
            raise ValueError(
                f"identifiers.project_pattern: pattern {name!r} is not a valid regex: {exc}"
            ) from exc
    return compiled


def find_project_ids(line: str, patterns: list[tuple[str, re.Pattern[str]]]) -> list[Hit]:
    hits = []
    for name, rx in patterns:
        for m in rx.finditer(line):
            if m.end() > m.start():
                shown = m.group(0)[:2]
                hits.append(Hit(PROJECT, m.start(), f"project identifier ({name}) {shown}***"))
    return hits
