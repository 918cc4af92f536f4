"""The text scanner: direct identifiers, genomic text and secrets in any text, streamed.

:func:`make_text_scanner` builds a :class:`~orchestrator.checks.model.TextScanner`
from a rule set. Each chunk is cut into cache-sized blocks; :mod:`.prefilter` picks the
few candidate lines of a block in C-speed passes, and only those lines meet the precise
matchers. :func:`scan_block` is shared with the table scanner, which feeds it rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from orchestrator.checks import credentials, genomic_text, identifiers
from orchestrator.checks.content_rules import DEFAULTS, param
from orchestrator.checks.identifiers import Hit
from orchestrator.checks.model import Finding, Location, RuleSet, Severity, TextScanner
from orchestrator.checks.prefilter import Family, candidate_lines

BLOCK_CHARS = 256 * 1024
MAX_FINDINGS_PER_RULE = 50

_FAMILIES: dict[str, int] = {
    identifiers.NHS: Family.NUMBERS,
    identifiers.PHONE: Family.NUMBERS,
    identifiers.NI: Family.NI,
    identifiers.POSTCODE: Family.POSTCODE,
    identifiers.EMAIL: Family.EMAIL,
    identifiers.DOB: Family.BIRTH,
    identifiers.PROJECT: Family.PROJECT,
    credentials.CLOUD: Family.KEYS | Family.TOKENS,
    credentials.TOKENS: Family.KEYS | Family.TOKENS,
    credentials.PRIVATE: Family.KEYS,
    credentials.ENTROPY: Family.TOKENS,
    genomic_text.NUCLEOTIDES: Family.TOKENS,
    genomic_text.SEQUENCES: Family.TOKENS,
    genomic_text.GENOTYPES: Family.GENOTYPES,
    genomic_text.RSIDS: Family.RSIDS,
}
_KEY_RULES = (credentials.CLOUD, credentials.TOKENS, credentials.PRIVATE)
_ALLOWLISTED = (identifiers.NHS, identifiers.POSTCODE, identifiers.EMAIL, identifiers.PHONE)


@dataclass(frozen=True)
class ContentConfig:
    """What the content rules of one rule set ask for, resolved once."""

    severities: dict[str, Severity]
    families: int
    token_length: int
    dob_context: int
    nucleotide_min: int
    read_min: int
    read_min_count: int
    calls_min_per_line: int
    calls_min_lines: int
    entropy_min_length: int
    entropy_min: float
    entropy_min_hex: float
    rsid_min_count: int
    rsid_min_fraction: float
    project: list[tuple[str, re.Pattern[str]]]
    project_bytes: list[re.Pattern[bytes]]
    allowlists: dict[str, frozenset[str]] = field(default_factory=dict)
    """Per identifier rule, the normalised values the operator allows (public postcodes...)."""

    def on(self, rule_id: str) -> bool:
        return rule_id in self.severities


def make_content_config(rules: RuleSet) -> ContentConfig:
    """Resolve the rule set's content rules; a bad project pattern raises ValueError."""
    severities = {}
    families = Family.NONE
    for rule_id, family in _FAMILIES.items():
        rule = rules.get(rule_id)
        if rule is not None:
            severities[rule_id] = rule.severity
            families |= family

    def num(rule_id: str, name: str) -> float:
        rule = rules.get(rule_id)
        value = param(rule, name) if rule is not None else DEFAULTS[rule_id].params[name]
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"{rule_id}: parameter `{name}` must be a number, got {value!r}")
        return float(value)

    project_rule = rules.get(identifiers.PROJECT)
    project = (
        identifiers.compile_project_patterns(param(project_rule, "patterns"))
        if project_rule is not None
        else []
    )
    allowlists: dict[str, frozenset[str]] = {}
    for rule_id in _ALLOWLISTED:
        rule = rules.get(rule_id)
        listed = param(rule, "allowlist") if rule is not None else None
        if listed is None:
            continue
        if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
            raise ValueError(f"{rule_id}: parameter `allowlist` must be a list of strings")
        if listed:
            allowlists[rule_id] = frozenset(identifiers.normalise(v) for v in listed)
    nucleotide_min = int(num(genomic_text.NUCLEOTIDES, "min_length"))
    read_min = int(num(genomic_text.SEQUENCES, "min_length"))
    entropy_min_length = int(num(credentials.ENTROPY, "min_length"))
    token_length = min(
        nucleotide_min if genomic_text.NUCLEOTIDES in severities else 10**6,
        read_min if genomic_text.SEQUENCES in severities else 10**6,
        entropy_min_length if credentials.ENTROPY in severities else 10**6,
        30,  # GitHub, Slack and Azure tokens are longer than this
    )
    return ContentConfig(
        severities=severities,
        families=families,
        token_length=token_length,
        dob_context=int(num(identifiers.DOB, "context_chars")),
        nucleotide_min=nucleotide_min,
        read_min=read_min,
        read_min_count=int(num(genomic_text.SEQUENCES, "min_count")),
        calls_min_per_line=int(num(genomic_text.GENOTYPES, "min_calls_per_line")),
        calls_min_lines=int(num(genomic_text.GENOTYPES, "min_lines")),
        entropy_min_length=entropy_min_length,
        entropy_min=num(credentials.ENTROPY, "min_entropy"),
        entropy_min_hex=num(credentials.ENTROPY, "min_entropy_hex"),
        rsid_min_count=int(num(genomic_text.RSIDS, "min_count")),
        rsid_min_fraction=num(genomic_text.RSIDS, "min_fraction"),
        project=project,
        project_bytes=[re.compile(rx.pattern.encode("utf-8")) for _, rx in project],
        allowlists=allowlists,
    )


@dataclass
class GenomicTally:
    """Genomic evidence counted over a whole file: rsIDs (how many, among how many
    words, where the first was) and read-length sequences (how many, where the first was)."""

    rsids: int = 0
    words: int = 0
    first: Location | None = None
    reads: int = 0
    first_read: Location | None = None
    call_lines: int = 0  # lines that are mostly genotype calls
    first_calls: Location | None = None


def check_line(line: str, fams: int, cfg: ContentConfig) -> list[Hit]:
    """The precise matchers for the families a line was picked out for."""
    hits: list[Hit] = []
    on = cfg.on
    if fams & Family.NUMBERS:
        if on(identifiers.NHS):
            hits += identifiers.find_nhs_numbers(line)
        if on(identifiers.PHONE):
            hits += identifiers.find_phones(line)
    if fams & Family.NI and on(identifiers.NI):
        hits += identifiers.find_ni_numbers(line)
    if fams & Family.POSTCODE and on(identifiers.POSTCODE):
        hits += identifiers.find_postcodes(line)
    if fams & Family.EMAIL and on(identifiers.EMAIL):
        hits += identifiers.find_emails(line)
    if fams & Family.BIRTH and on(identifiers.DOB):
        hits += identifiers.find_birth_dates(line, cfg.dob_context)
    keys: list[Hit] = []
    if fams & (Family.KEYS | Family.TOKENS):
        keys = [h for h in credentials.find_keys(line) if on(h.rule)]
        hits += keys
    if fams & Family.TOKENS:
        if on(genomic_text.NUCLEOTIDES) or on(genomic_text.SEQUENCES):
            shortest = min(
                cfg.nucleotide_min if on(genomic_text.NUCLEOTIDES) else 10**6,
                cfg.read_min if on(genomic_text.SEQUENCES) else 10**6,
            )
            for run in genomic_text.find_nucleotide_runs(line, shortest):
                length = run.end - run.offset
                if length >= cfg.nucleotide_min and on(genomic_text.NUCLEOTIDES):
                    hits.append(run)
                if length >= cfg.read_min and on(genomic_text.SEQUENCES):
                    hits.append(run._replace(rule=genomic_text.SEQUENCES))
        if on(credentials.ENTROPY):
            hits += credentials.find_high_entropy(
                line, cfg.entropy_min_length, cfg.entropy_min, cfg.entropy_min_hex, keys
            )
    if fams & Family.PROJECT and cfg.project:
        hits += identifiers.find_project_ids(line, cfg.project)
    if cfg.allowlists:
        hits = [h for h in hits if not _allowed(line, h, cfg.allowlists)]
    return hits


def _allowed(line: str, hit: Hit, allowlists: dict[str, frozenset[str]]) -> bool:
    listed = allowlists.get(hit.rule)
    return listed is not None and identifiers.normalise(line[hit.offset : hit.end]) in listed


def scan_block(
    block: str, cfg: ContentConfig, tally: GenomicTally, locate: Callable[[int], int] = int
) -> Iterator[tuple[int, Hit]]:
    """``(line, hit)`` for every match in ``block`` of whole lines; ``locate`` turns the
    0-based index of a line within the block into the line number reported."""
    data = block.encode("utf-8", "surrogatepass")
    spans = candidate_lines(data, cfg.families, cfg.token_length, cfg.project_bytes)
    line_no, counted = 0, 0
    line_start, chars_before = 0, 0  # where the current line starts; characters up to `counted`
    for start, end, fams in spans:
        newlines = data.count(b"\n", counted, start)
        if newlines:
            line_no += newlines
            line_start = data.rfind(b"\n", counted, start) + 1
            chars_before = 0
            counted = line_start
        if start > counted:  # a window inside a long line: count the characters before it
            chars_before += len(data[counted:start].decode("utf-8", "replace"))
            counted = start
        line = data[start:end].decode("utf-8", "replace")
        for hit in check_line(line, fams, cfg):
            if hit.rule == genomic_text.SEQUENCES:  # counted over the file, judged at the end
                tally.reads += 1
                if tally.first_read is None:
                    column = hit.offset + chars_before + 1
                    tally.first_read = Location(line=locate(line_no), column=column)
                continue
            yield locate(line_no), hit._replace(offset=hit.offset + chars_before)
        if fams & Family.GENOTYPES and cfg.on(genomic_text.GENOTYPES):
            calls, words = genomic_text.count_calls(line)
            if calls >= cfg.calls_min_per_line and 2 * calls >= words:
                tally.call_lines += 1
                if tally.first_calls is None:
                    tally.first_calls = Location(line=locate(line_no))
        if fams & Family.RSIDS and cfg.on(genomic_text.RSIDS):
            n, words, offset = genomic_text.count_rsids(line)
            if n:
                tally.rsids += n
                tally.words += words
                if tally.first is None:
                    tally.first = Location(line=locate(line_no), column=offset + 1)


def genomic_findings(tally: GenomicTally, cfg: ContentConfig) -> list[Finding]:
    """The file-level genomic findings: a dense rsID list, many read-length sequences."""
    found = (rsid_finding(tally, cfg), _reads_finding(tally, cfg), _calls_finding(tally, cfg))
    return [f for f in found if f is not None]


def _calls_finding(tally: GenomicTally, cfg: ContentConfig) -> Finding | None:
    if not cfg.on(genomic_text.GENOTYPES) or tally.call_lines < cfg.calls_min_lines:
        return None
    return Finding(
        genomic_text.GENOTYPES,
        cfg.severities[genomic_text.GENOTYPES],
        f"{tally.call_lines} lines of genotype calls (at least {cfg.calls_min_per_line} each):"
        " individual-level genotype data",
        tally.first_calls or Location(),
    )


def _reads_finding(tally: GenomicTally, cfg: ContentConfig) -> Finding | None:
    if not cfg.on(genomic_text.SEQUENCES) or tally.reads < cfg.read_min_count:
        return None
    return Finding(
        genomic_text.SEQUENCES,
        cfg.severities[genomic_text.SEQUENCES],
        f"{tally.reads} sequences of at least {cfg.read_min} bases: individual-level sequence data",
        tally.first_read or Location(),
    )


def rsid_finding(tally: GenomicTally, cfg: ContentConfig) -> Finding | None:
    """One finding when the rsIDs seen are many and make up most of their lines."""
    if not cfg.on(genomic_text.RSIDS) or tally.rsids < cfg.rsid_min_count:
        return None
    fraction = tally.rsids / max(tally.words, 1)
    if fraction < cfg.rsid_min_fraction:
        return None
    return Finding(
        genomic_text.RSIDS,
        cfg.severities[genomic_text.RSIDS],
        f"dense list of {tally.rsids} rsIDs ({fraction:.0%} of the words on their lines)",
        tally.first or Location(),
    )


@dataclass
class FindingSink:
    """Collects findings, listing at most ``cap`` per rule and counting the rest."""

    severities: dict[str, Severity]
    cap: int = MAX_FINDINGS_PER_RULE
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, rule: str, message: str, location: Location) -> None:
        n = self.counts.get(rule, 0) + 1
        self.counts[rule] = n
        if n <= self.cap:
            self.findings.append(Finding(rule, self.severities[rule], message, location))

    def finish(self) -> list[Finding]:
        out = list(self.findings)
        for rule, n in self.counts.items():
            if n > self.cap:
                out.append(
                    Finding(
                        rule,
                        self.severities[rule],
                        f"{n - self.cap} further matches of this rule not listed ({n} in all)",
                    )
                )
        return out


class _TextScanner:
    def __init__(self, cfg: ContentConfig) -> None:
        self._cfg = cfg
        self._sink = FindingSink(cfg.severities)
        self._tally = GenomicTally()

    def feed(self, text: str, first_line: int) -> None:
        if not self._cfg.severities:
            return
        # Lines are counted only up to blocks that have a hit: clean text is never counted.
        start, counted, line = 0, 0, first_line

        def locate(index: int) -> int:
            nonlocal counted, line
            if counted < start:
                line += text.count("\n", counted, start)
                counted = start
            return line + index

        while start < len(text):
            end = text.find("\n", start + BLOCK_CHARS)
            end = len(text) if end < 0 else end + 1
            for line_no, hit in scan_block(text[start:end], self._cfg, self._tally, locate):
                self._sink.add(hit.rule, hit.message, Location(line=line_no, column=hit.offset + 1))
            start = end

    def finish(self) -> list[Finding]:
        return self._sink.finish() + genomic_findings(self._tally, self._cfg)


def make_text_scanner(rules: RuleSet) -> TextScanner:
    """A text scanner for the content rules enabled in ``rules``."""
    return _TextScanner(make_content_config(rules))
