"""Content rules: direct identifiers, genomic text, secrets, tables, ACRO evidence.

The ids, default severities and parameters mirror the content scanners' own list
(:mod:`orchestrator.checks.content_rules`, which :mod:`orchestrator.checks.text`,
:mod:`orchestrator.checks.tables` and :mod:`orchestrator.checks.acro` read); this module
adds what the rule-set loader needs on top: each parameter's type, valid range and
which way is tighter.
"""

from __future__ import annotations

from orchestrator.checks.model import Severity
from orchestrator.checks.rulespecs import ParamSpec, RuleSpec

_B = Severity.BLOCK
_R = Severity.REVIEW

CONTENT_RULES: tuple[RuleSpec, ...] = (
    # --- direct identifiers ------------------------------------------------------------
    RuleSpec(
        "identifiers.nhs_number",
        "NHS numbers with a valid modulus-11 check digit (a ten-digit number failing it is not one).",
        _B,
    ),
    RuleSpec("identifiers.uk_postcode", "Full UK postcodes (outward and inward code).", _B),
    RuleSpec("identifiers.email", "E-mail addresses.", _R),
    RuleSpec("identifiers.phone", "UK and international phone numbers.", _R),
    RuleSpec("identifiers.ni_number", "National Insurance numbers with a valid prefix.", _B),
    RuleSpec(
        "identifiers.date_of_birth",
        "Dates in a birth context (DOB, born, date of birth nearby) or in a DOB-like table column.",
        _B,
        (
            ParamSpec(
                "context_chars",
                "integer",
                "How far (in characters) before a date a birth word is looked for.",
                "higher",
                minimum=1,
            ),
        ),
    ),
    RuleSpec(
        "identifiers.project_pattern",
        "Participant or sample identifiers matching the project's declared patterns.",
        _B,
        (
            ParamSpec(
                "patterns",
                "string_list",
                "Regular expressions for the project's participant or sample identifiers.",
                "superset",
                regex=True,
            ),
        ),
    ),
    # --- genomic content in text ----------------------------------------------------
    RuleSpec(
        "genomic.text.nucleotide_run",
        "Long runs of nucleotide letters (A, C, G, T, N): sequence data.",
        _R,
        (ParamSpec("min_length", "integer", "Shortest run that is flagged.", "lower", minimum=8),),
    ),
    RuleSpec(
        "genomic.text.rsid_density",
        "Dense lists of variant identifiers (rsIDs): genotype or variant-level data.",
        _R,
        (
            ParamSpec("min_count", "integer", "Fewest rsIDs that are flagged.", "lower", minimum=1),
            ParamSpec(
                "min_fraction",
                "number",
                "Smallest share of lines mentioning an rsID that is flagged.",
                "lower",
                minimum=0,
                maximum=1,
            ),
        ),
    ),
    # --- secrets -------------------------------------------------------------------
    RuleSpec(
        "secrets.cloud_keys",
        "Cloud credentials: AWS access key ids, Azure connection strings and SAS signatures.",
        _B,
    ),
    RuleSpec("secrets.tokens", "API tokens: GitHub, Slack, JSON Web Tokens, bearer tokens.", _B),
    RuleSpec("secrets.private_keys", "PEM private keys, including in service-account files.", _B),
    RuleSpec(
        "secrets.high_entropy",
        "Long base64 or hex strings with high Shannon entropy: encoded keys or smuggled data.",
        _R,
        (
            ParamSpec(
                "min_length", "integer", "Shortest string that is judged.", "lower", minimum=8
            ),
            ParamSpec(
                "min_entropy",
                "number",
                "Entropy (bits per character) from which a base64-like string is flagged.",
                "lower",
                minimum=0,
                maximum=8,
            ),
            ParamSpec(
                "min_entropy_hex",
                "number",
                "Entropy (bits per character) from which a hex string is flagged.",
                "lower",
                minimum=0,
                maximum=4,
            ),
        ),
    ),
    # --- tables: statistical disclosure control -------------------------------------
    RuleSpec(
        "tables.min_cell_count",
        "Counts in a frequency table from 1 to threshold-1 (minimum cell count).",
        _B,
        (
            ParamSpec(
                "threshold",
                "integer",
                "Smallest count that may be released; counts 1 to threshold-1 are flagged.",
                "higher",
                minimum=1,
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
        "Row-level data passed off as an aggregate: unique identifier-like values or unique quasi-identifier combinations on most rows.",
        _B,
        (
            ParamSpec(
                "min_rows",
                "integer",
                "Tables with fewer rows than this are not judged as row-level data.",
                "lower",
                minimum=1,
            ),
            ParamSpec(
                "max_unique_fraction",
                "number",
                "Largest share of rows that may be unique.",
                "lower",
                minimum=0,
                maximum=1,
            ),
        ),
    ),
    RuleSpec(
        "tables.dominance",
        "(n, k) dominance: the n largest contributors make up more than k of a cell (needs contributor-level evidence).",
        _B,
        (
            ParamSpec("n", "integer", "Number of largest contributors.", "higher", minimum=1),
            ParamSpec(
                "k",
                "number",
                "Share of the cell they may not exceed.",
                "lower",
                minimum=0,
                maximum=1,
            ),
        ),
    ),
    RuleSpec(
        "tables.p_percent",
        "p% rule: a contributor can be estimated within p of its value (needs contributor-level evidence).",
        _B,
        (
            ParamSpec(
                "p",
                "number",
                "The p of the p% rule, as a fraction.",
                "higher",
                minimum=0,
                maximum=1,
            ),
        ),
    ),
    RuleSpec(
        "tables.acro_evidence",
        "ACRO results.json: output checksums verified and each output's status recomputed, never trusted.",
        _B,
    ),
)
