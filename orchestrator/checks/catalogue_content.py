"""Content rules: tables, direct identifiers, genomic text, secrets, ACRO evidence.

The content scanners (:mod:`orchestrator.checks.text`, :mod:`orchestrator.checks.tables`,
:mod:`orchestrator.checks.acro`) read these rules' parameters from the loaded rule set.
"""

from __future__ import annotations

from orchestrator.checks.model import Severity
from orchestrator.checks.rulespecs import ParamSpec, RuleSpec

_B = Severity.BLOCK
_R = Severity.REVIEW

CONTENT_RULES: tuple[RuleSpec, ...] = (
    # --- tables: statistical disclosure control -------------------------------------
    RuleSpec(
        "tables.min_cell_count",
        "Counts in a frequency table below the threshold (zero is judged by tables.zeros).",
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
        "Counts that are not multiples of the rounding base the profile requires.",
        _B,
        (ParamSpec("base", "integer", "Counts must be multiples of this.", "fixed", minimum=2),),
    ),
    RuleSpec(
        "tables.row_level",
        "Row-level data passed off as an aggregate: many rows of unique identifier-like or quasi-identifier combinations.",
        _B,
        (
            ParamSpec(
                "max_unique_fraction",
                "number",
                "Largest share of rows whose quasi-identifier combination may be unique.",
                "lower",
                minimum=0,
                maximum=1,
            ),
            ParamSpec(
                "min_rows",
                "integer",
                "Tables with fewer rows than this are not judged as row-level data.",
                "lower",
                minimum=1,
            ),
        ),
    ),
    RuleSpec(
        "tables.dominance",
        "(n, k) dominance: the n largest contributors make up more than k of a cell total (needs contributor-level evidence).",
        _B,
        (
            ParamSpec("n", "integer", "Number of largest contributors.", "higher", minimum=1),
            ParamSpec(
                "k",
                "number",
                "Share of the total they may not exceed.",
                "lower",
                minimum=0,
                maximum=1,
            ),
        ),
    ),
    RuleSpec(
        "tables.p_percent",
        "p% rule: the total minus the two largest contributors is within p of the largest (needs contributor-level evidence).",
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
    # --- direct identifiers ------------------------------------------------------------
    RuleSpec(
        "identifiers.nhs_number", "NHS numbers (ten digits passing the modulus-11 check).", _B
    ),
    RuleSpec("identifiers.postcode", "Full UK postcodes.", _B),
    RuleSpec("identifiers.email", "E-mail addresses.", _B),
    RuleSpec("identifiers.phone", "UK and international phone numbers.", _B),
    RuleSpec("identifiers.ni_number", "National Insurance numbers.", _B),
    RuleSpec(
        "identifiers.date_of_birth",
        "Dates in a birth context or in a date-of-birth-like column.",
        _B,
    ),
    RuleSpec(
        "identifiers.project_ids",
        "Participant or sample identifiers matching the project's declared patterns.",
        _B,
        (
            ParamSpec(
                "patterns",
                "string_list",
                "Regular expressions for the project's participant or sample identifiers.",
                "superset",
            ),
        ),
    ),
    # --- genomic content in text ----------------------------------------------------
    RuleSpec(
        "genomic.text.nucleotide_runs",
        "Long runs of nucleotide letters (sequence data) in text.",
        _B,
        (ParamSpec("min_length", "integer", "Shortest run that is flagged.", "lower", minimum=8),),
    ),
    RuleSpec(
        "genomic.text.rsid_density",
        "Dense lists of rsIDs (variant identifiers) in text.",
        _R,
        (
            ParamSpec(
                "max_per_file",
                "integer",
                "Most rsIDs a file may mention before it is flagged.",
                "lower",
                minimum=0,
            ),
        ),
    ),
    # --- secrets -------------------------------------------------------------------
    RuleSpec("secrets.keys", "Cloud keys, tokens and private keys.", _B),
    RuleSpec(
        "secrets.high_entropy",
        "High-entropy blobs (encoded keys or smuggled data).",
        _R,
        (
            ParamSpec("min_length", "integer", "Shortest blob that is judged.", "lower", minimum=8),
            ParamSpec(
                "min_entropy",
                "number",
                "Shannon entropy in bits per character from which a blob is flagged.",
                "lower",
                minimum=0,
                maximum=8,
            ),
        ),
    ),
    # --- ACRO evidence -------------------------------------------------------------
    RuleSpec(
        "acro.results",
        "ACRO results.json: checksums verified and each output's status recomputed, never trusted.",
        _B,
    ),
)
