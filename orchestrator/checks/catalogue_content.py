"""Content rules: direct identifiers, genomic text, secrets, tables, ACRO evidence.

The one list of the rules the content scanners (:mod:`.text`, :mod:`.tables`,
:mod:`.acro`) understand: ids, summaries, default severities, and each parameter's
type, valid range, which way is tighter and default value. The scanners' defaults
(:mod:`orchestrator.checks.content_rules`), ``policies/content-rules.yaml``, the
rule-set schema and the export-rules reference are all derived from it.
"""

from __future__ import annotations

from orchestrator.checks.model import Severity
from orchestrator.checks.rulespecs import ParamSpec, RuleSpec

_B = Severity.BLOCK
_R = Severity.REVIEW


def _allowlist(what: str) -> ParamSpec:
    return ParamSpec(
        "allowlist",
        "string_list",
        f"{what} that may be released (compared ignoring case, spaces, dashes, dots and brackets).",
        "subset",
        default=[],
    )


CONTENT_RULES: tuple[RuleSpec, ...] = (
    # --- direct identifiers ------------------------------------------------------------
    RuleSpec(
        "identifiers.nhs_number",
        "NHS numbers with a valid modulus-11 check digit, plain or 3-3-4 spaced or dashed,"
        " in text or in any table cell (a ten-digit number failing the check is not one).",
        _B,
        (_allowlist("Known identifiers of institutions shaped like NHS numbers"),),
    ),
    RuleSpec(
        "identifiers.uk_postcode",
        "Full UK postcodes (outward and inward code), in capitals or small letters.",
        _B,
        (_allowlist("Public postcodes, such as an institution's address in a methods note,"),),
    ),
    RuleSpec(
        "identifiers.email",
        "E-mail addresses.",
        _R,
        (_allowlist("Institutional e-mail addresses"),),
    ),
    RuleSpec(
        "identifiers.phone",
        "UK and international phone numbers, with or without a bracketed prefix; unformatted"
        " digit strings only next to a phone word or in a phone column.",
        _R,
        (_allowlist("Public phone numbers, such as an institution's switchboard,"),),
    ),
    RuleSpec(
        "identifiers.ni_number",
        "National Insurance numbers with a valid prefix, in capitals or small letters.",
        _B,
    ),
    RuleSpec(
        "identifiers.date_of_birth",
        "Full dates (including YYYYMMDD and ISO dates with a time) introduced by a birth word"
        " (DOB, born on, date of birth) or in a DOB-like table column; a year alone is not one.",
        _B,
        (
            ParamSpec(
                "context_chars",
                "integer",
                "How far (in characters) from a birth word a date is looked for.",
                "higher",
                minimum=1,
                default=40,
            ),
        ),
    ),
    RuleSpec(
        "identifiers.project_pattern",
        "Participant or sample identifiers matching the project's declared regular expressions.",
        _B,
        (
            ParamSpec(
                "patterns",
                "string_list",
                "Regular expressions for the project's participant or sample identifiers.",
                "superset",
                regex=True,
                default=[],
            ),
        ),
    ),
    # --- genomic content in text ----------------------------------------------------
    RuleSpec(
        "genomic.text.nucleotide_run",
        "Long runs of nucleotide letters (A, C, G, T, N): a sequence a reviewer must judge.",
        _R,
        (
            ParamSpec(
                "min_length",
                "integer",
                "Shortest run that is flagged.",
                "lower",
                minimum=8,
                default=30,
            ),
        ),
    ),
    RuleSpec(
        "genomic.text.sequence_data",
        "Many sequences of read length in one file: individual-level sequence data (reads"
        " pasted into a table or report), not a primer or a motif quoted in prose.",
        _B,
        (
            ParamSpec(
                "min_length",
                "integer",
                "Shortest run of bases counted as a read.",
                "lower",
                minimum=8,
                default=50,
            ),
            ParamSpec(
                "min_count",
                "integer",
                "Fewest reads in one file that are flagged.",
                "lower",
                minimum=1,
                default=10,
            ),
        ),
    ),
    RuleSpec(
        "genomic.text.genotype_calls",
        "Per-sample genotype calls (0/1, 1|1, ./.): lines that are mostly calls, in a table or"
        " text, are individual-level genotype data.",
        _B,
        (
            ParamSpec(
                "min_calls_per_line",
                "integer",
                "Fewest calls on a line (making up at least half its fields) that count it.",
                "lower",
                minimum=1,
                default=10,
            ),
            ParamSpec(
                "min_lines",
                "integer",
                "Fewest such lines in one file that are flagged.",
                "lower",
                minimum=1,
                default=5,
            ),
        ),
    ),
    RuleSpec(
        "genomic.text.rsid_density",
        "Dense lists of variant identifiers (rsIDs): genotype or variant-level data.",
        _R,
        (
            ParamSpec(
                "min_count",
                "integer",
                "Fewest rsIDs that are flagged.",
                "lower",
                minimum=1,
                default=20,
            ),
            ParamSpec(
                "min_fraction",
                "number",
                "Smallest share of lines mentioning an rsID that is flagged.",
                "lower",
                minimum=0,
                maximum=1,
                default=0.5,
            ),
        ),
    ),
    # --- secrets -------------------------------------------------------------------
    RuleSpec(
        "secrets.cloud_keys",
        "Cloud credentials: AWS access key ids, Azure storage connection strings and SAS signatures.",
        _B,
    ),
    RuleSpec("secrets.tokens", "API tokens: GitHub, Slack, JSON Web Tokens and bearer tokens.", _B),
    RuleSpec(
        "secrets.private_keys",
        "PEM private keys, including the private_key of a GCP service-account file.",
        _B,
    ),
    RuleSpec(
        "secrets.high_entropy",
        "Long base64 or hex strings with high Shannon entropy: encoded keys or smuggled data.",
        _R,
        (
            ParamSpec(
                "min_length",
                "integer",
                "Shortest string that is judged.",
                "lower",
                minimum=8,
                default=32,
            ),
            ParamSpec(
                "min_entropy",
                "number",
                "Entropy (bits per character) from which a base64-like string is flagged.",
                "lower",
                minimum=0,
                maximum=8,
                default=4.5,
            ),
            ParamSpec(
                "min_entropy_hex",
                "number",
                "Entropy (bits per character) from which a hex string is flagged.",
                "lower",
                minimum=0,
                maximum=4,
                default=3.0,
            ),
        ),
    ),
    # --- tables: statistical disclosure control -------------------------------------
    RuleSpec(
        "tables.min_cell_count",
        "Counts in a frequency table from 1 to threshold-1 (minimum cell count); suppression"
        " markers such as <5, * or [c] are understood as suppressed cells.",
        _B,
        (
            ParamSpec(
                "threshold",
                "integer",
                "Smallest count that may be released; counts 1 to threshold-1 are flagged.",
                "higher",
                minimum=1,
                default=10,
            ),
        ),
    ),
    RuleSpec("tables.zeros", "Zero counts in a frequency table (structural or disclosive).", _R),
    RuleSpec(
        "tables.rounding",
        "Counts that are not multiples of the rounding base the profile requires (no base: off).",
        _B,
        (
            ParamSpec(
                "base",
                "integer",
                "Counts must be multiples of this; null turns the check off.",
                "fixed",
                minimum=2,
                nullable=True,
            ),
        ),
    ),
    RuleSpec(
        "tables.row_level_data",
        "Row-level data passed off as an aggregate, whatever its column names: unique"
        " identifier-like values, or a near-unique key beside dates of birth or small-area"
        " geography, or unique quasi-identifier combinations on most rows.",
        _B,
        (
            ParamSpec(
                "min_rows",
                "integer",
                "Tables with fewer rows than this are not judged as row-level data.",
                "lower",
                minimum=1,
                default=20,
            ),
            ParamSpec(
                "max_unique_fraction",
                "number",
                "Largest share of rows that may be unique.",
                "lower",
                minimum=0,
                maximum=1,
                default=0.5,
            ),
        ),
    ),
    RuleSpec(
        "tables.dominance",
        "Cells dominated by their largest contributors (N,K rule): the n largest make up more"
        " than k of a cell (needs contributor-level evidence).",
        _B,
        (
            ParamSpec(
                "n", "integer", "Number of largest contributors.", "higher", minimum=1, default=2
            ),
            ParamSpec(
                "k",
                "number",
                "Share of the cell they may not exceed.",
                "lower",
                minimum=0,
                maximum=1,
                default=0.9,
            ),
        ),
    ),
    RuleSpec(
        "tables.p_percent",
        "p% rule: a contributor can be estimated within p of its value (needs contributor-level"
        " evidence).",
        _B,
        (
            ParamSpec(
                "p",
                "number",
                "The p of the p% rule, as a fraction.",
                "higher",
                minimum=0,
                maximum=1,
                default=0.1,
            ),
        ),
    ),
    RuleSpec(
        "tables.acro_evidence",
        "ACRO results.json: output checksums verified and each output's status recomputed,"
        " never trusted.",
        _B,
    ),
)
