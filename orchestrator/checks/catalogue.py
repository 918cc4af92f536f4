"""Every rule the engine knows: the pipeline rules here, plus the content rules.

Pipeline rules judge a file's type, name, size and structure (containers, notebooks,
images, PDFs, office files, serialized objects, executables, genomic formats, malware).
Content rules (:mod:`orchestrator.checks.catalogue_content`) judge what the text and
tables say.
"""

from __future__ import annotations

from orchestrator.checks.catalogue_content import CONTENT_RULES
from orchestrator.checks.filetypes import ALL_TYPES
from orchestrator.checks.model import Severity
from orchestrator.checks.rulespecs import ParamSpec, RuleSpec

_B = Severity.BLOCK
_R = Severity.REVIEW

PIPELINE_RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "type.allowlist",
        "The file type, detected from its content, is not on the list of exportable types.",
        _B,
        (
            ParamSpec(
                "allowed",
                "string_list",
                "Detected types that may be exported.",
                "subset",
                choices=ALL_TYPES,
            ),
        ),
    ),
    RuleSpec(
        "type.extension_mismatch",
        "The file name's extension does not match the type detected from its content.",
        _R,
    ),
    RuleSpec(
        "type.encoding",
        "Text that is not valid UTF-8 (it is checked with undecodable bytes replaced).",
        _R,
    ),
    RuleSpec(
        "type.empty", "Empty files and members (an empty output is almost always a mistake).", _R
    ),
    RuleSpec("names.hidden", "Hidden files and folders (names starting with a dot).", _R),
    RuleSpec(
        "names.unsafe_characters",
        "Names with control characters or bidirectional-override characters, which make a name display as something else.",
        _B,
    ),
    RuleSpec(
        "limits.file_size",
        "Files larger than the limit.",
        _B,
        (ParamSpec("max_bytes", "integer", "Largest file size in bytes.", "lower", minimum=1),),
    ),
    RuleSpec(
        "limits.table_rows",
        "Tables with more data rows than the limit (rows are counted while streaming).",
        _B,
        (
            ParamSpec(
                "max_rows",
                "integer",
                "Most data rows (after the header) a table may have.",
                "lower",
                minimum=1,
            ),
        ),
    ),
    RuleSpec(
        "archive.limits",
        "Archives beyond the limits on nesting depth, member count, expanded size or compression ratio, judged from headers before expanding and with a running budget while expanding.",
        _B,
        (
            ParamSpec("max_depth", "integer", "Deepest nesting of archives.", "lower", minimum=0),
            ParamSpec("max_members", "integer", "Most members in total.", "lower", minimum=1),
            ParamSpec(
                "max_expanded_bytes",
                "integer",
                "Most bytes expanded in total, over all members and nesting levels.",
                "lower",
                minimum=1,
            ),
            ParamSpec(
                "max_ratio",
                "integer",
                "Largest compression ratio of a member.",
                "lower",
                minimum=1,
            ),
        ),
    ),
    RuleSpec(
        "archive.path_traversal",
        "Archive members with absolute paths or `..` components.",
        _B,
    ),
    RuleSpec(
        "archive.links",
        "Symbolic or hard links and devices, inside archives or among the files requested.",
        _B,
    ),
    RuleSpec(
        "archive.encrypted",
        "Encrypted archive members and encrypted PDFs, whose content cannot be checked.",
        _B,
    ),
    RuleSpec(
        "archive.unsupported",
        "Archive formats the engine cannot open (7-Zip, RAR), so their content cannot be checked.",
        _B,
    ),
    RuleSpec(
        "notebook.outputs",
        "Notebooks carrying outputs (the outputs themselves are checked like any other content).",
        _R,
    ),
    RuleSpec("image.trailing_data", "Data appended after an image's end marker.", _B),
    RuleSpec(
        "image.pixels",
        "Images whose declared dimensions exceed the pixel budget, judged from the header before any pixel is read.",
        _B,
        (
            ParamSpec(
                "max_pixels",
                "integer",
                "Most pixels (width times height) an image may have.",
                "lower",
                minimum=1,
            ),
        ),
    ),
    RuleSpec(
        "pdf.active_content",
        "PDFs with JavaScript, automatic actions (OpenAction, AA) or Launch actions.",
        _B,
    ),
    RuleSpec("pdf.attachments", "PDFs with embedded files or file attachments.", _B),
    RuleSpec(
        "pdf.unscanned_streams",
        "PDF streams in an encoding the engine cannot read, so their text was not checked.",
        _R,
    ),
    RuleSpec("office.macros", "Office files carrying macros (vbaProject.bin).", _B),
    RuleSpec("office.hidden_sheets", "Workbooks with hidden or very hidden sheets.", _R),
    RuleSpec(
        "office.embedded_objects",
        "Office files with embedded objects, OLE packages or external links.",
        _B,
    ),
    RuleSpec(
        "serialized.objects",
        "Serialized objects (pickle, joblib, R data, NumPy object arrays) and opaque data stores (HDF5, Parquet, Arrow, SQLite, Stata, SAS, SPSS).",
        _B,
    ),
    RuleSpec(
        "executable.binary",
        "Executables and libraries (ELF, PE, Mach-O, WebAssembly, Java class).",
        _B,
    ),
    RuleSpec("executable.script", "Scripts with an interpreter line (`#!`).", _R),
    RuleSpec(
        "genomic.format",
        "Genomic data files recognised by content (VCF, BCF, SAM, BAM, CRAM, FASTA, FASTQ, PLINK, BGEN).",
        _B,
    ),
    RuleSpec(
        "malware.clamav",
        "Files ClamAV recognises as malware; with `required`, failing closed when no signature database is available.",
        _B,
        (
            ParamSpec(
                "required",
                "boolean",
                "Block every file when no malware scanner with a signature database is available.",
                "true",
            ),
        ),
    ),
    RuleSpec(
        "engine.unread",
        "Content inside a container that the engine does not know how to read (an unknown part, stream, chunk or output type): it was not checked.",
        _R,
    ),
    RuleSpec(
        "engine.malformed",
        "Files whose structure is broken, so they could not be fully checked.",
        _B,
    ),
    RuleSpec(
        "engine.error",
        "Files the engine failed on; nothing that could not be checked is passed.",
        _B,
    ),
)

CATALOGUE: dict[str, RuleSpec] = {spec.id: spec for spec in (*PIPELINE_RULES, *CONTENT_RULES)}


def rule_spec(rule_id: str) -> RuleSpec | None:
    """The catalogue entry for ``rule_id``, if the engine knows it."""
    return CATALOGUE.get(rule_id)
