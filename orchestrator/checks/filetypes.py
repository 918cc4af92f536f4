"""File types detected from content: magic bytes first, then structure, the name only as a hint.

:func:`detect_type` looks at the first bytes of a file (``HEAD_BYTES``) and its name and
returns a type name from :data:`ALL_TYPES`. The name is used only to tell apart text
layouts that content alone cannot (a ``.tsv`` from a ``.txt``); a file whose content is
an executable is an executable whatever it is called. Zip-based formats (workbooks,
documents, NumPy archives) are refined by the zip reader from their member names.
"""

from __future__ import annotations

import re
import zlib
from pathlib import PurePosixPath

HEAD_BYTES = 64 * 1024

TEXT_TYPES = ("csv", "tsv", "text", "json", "notebook", "html", "xml", "svg", "script")
TABLE_TYPES = ("csv", "tsv")
IMAGE_TYPES = ("png", "jpeg", "gif", "tiff", "bmp", "webp")
OFFICE_TYPES = ("xlsx", "docx", "pptx")
ARCHIVE_TYPES = ("zip", "tar", "gzip", "bzip2", "xz")
UNSUPPORTED_ARCHIVE_TYPES = ("7z", "rar", "zstd")
SERIALIZED_TYPES = (
    "pickle",
    "rds",
    "rdata",
    "npy_object",
    "hdf5",
    "parquet",
    "arrow",
    "sqlite",
    "stata",
    "sas7bdat",
    "spss",
)
EXECUTABLE_TYPES = ("elf", "pe", "macho", "wasm", "java_class")
GENOMIC_TYPES = (
    "vcf",
    "bcf",
    "sam",
    "bam",
    "cram",
    "fasta",
    "fastq",
    "plink_bed",
    "plink_bim",
    "plink_fam",
    "bgen",
)
OTHER_TYPES = ("pdf", "npy", "npz", "ole", "empty", "binary")

ALL_TYPES: tuple[str, ...] = (
    *TEXT_TYPES,
    *IMAGE_TYPES,
    *OFFICE_TYPES,
    *ARCHIVE_TYPES,
    *UNSUPPORTED_ARCHIVE_TYPES,
    *SERIALIZED_TYPES,
    *EXECUTABLE_TYPES,
    *GENOMIC_TYPES,
    *OTHER_TYPES,
)

# The types a name's extension promises; a file whose content is none of them is a mismatch.
EXTENSION_TYPES: dict[str, frozenset[str]] = {
    ".csv": frozenset({"csv", "text", "empty"}),
    ".tsv": frozenset({"tsv", "text", "empty"}),
    ".tab": frozenset({"tsv", "text", "empty"}),
    ".txt": frozenset({"text", "csv", "tsv", "empty"}),
    ".md": frozenset({"text", "csv", "tsv", "empty"}),
    ".log": frozenset({"text", "csv", "tsv", "empty"}),
    ".json": frozenset({"json", "empty"}),
    ".ipynb": frozenset({"notebook"}),
    ".html": frozenset({"html", "xml", "text"}),
    ".htm": frozenset({"html", "xml", "text"}),
    ".xml": frozenset({"xml", "svg"}),
    ".svg": frozenset({"svg", "xml"}),
    ".png": frozenset({"png"}),
    ".jpg": frozenset({"jpeg"}),
    ".jpeg": frozenset({"jpeg"}),
    ".gif": frozenset({"gif"}),
    ".tif": frozenset({"tiff"}),
    ".tiff": frozenset({"tiff"}),
    ".pdf": frozenset({"pdf"}),
    ".zip": frozenset({"zip"}),
    ".tar": frozenset({"tar"}),
    ".gz": frozenset({"gzip", "rds", "rdata", "bam", "bcf"}),
    ".tgz": frozenset({"gzip"}),
    ".bz2": frozenset({"bzip2"}),
    ".tbz2": frozenset({"bzip2"}),
    ".xz": frozenset({"xz"}),
    ".txz": frozenset({"xz"}),
    ".xlsx": frozenset({"xlsx"}),
    ".docx": frozenset({"docx"}),
    ".pptx": frozenset({"pptx"}),
    ".py": frozenset({"text", "script"}),
    ".r": frozenset({"text", "script"}),
    ".sh": frozenset({"text", "script"}),
}

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"PK\x07\x08", "zip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x93NUMPY", "npy"),
    (b"\x89HDF\r\n\x1a\n", "hdf5"),
    (b"PAR1", "parquet"),
    (b"ARROW1", "arrow"),
    (b"FEA1", "arrow"),
    (b"SQLite format 3\x00", "sqlite"),
    (b"<stata_dta>", "stata"),
    (b"$FL2", "spss"),
    (b"$FL3", "spss"),
    (b"RDX2\n", "rdata"),
    (b"RDX3\n", "rdata"),
    (b"RDA2\n", "rdata"),
    (b"RDA3\n", "rdata"),
    (b"X\n\x00\x00\x00", "rds"),
    (b"\x7fELF", "elf"),
    (b"\xfe\xed\xfa\xce", "macho"),
    (b"\xfe\xed\xfa\xcf", "macho"),
    (b"\xce\xfa\xed\xfe", "macho"),
    (b"\xcf\xfa\xed\xfe", "macho"),
    (b"\xca\xfe\xba\xbe", "java_class"),
    (b"\x00asm", "wasm"),
    (b"CRAM", "cram"),
    (b"BCF\x02", "bcf"),
    (b"BAM\x01", "bam"),
    (b"\x6c\x1b\x01", "plink_bed"),
)
_SAS_MAGIC = bytes.fromhex("000000000000000000000000c2ea8160b31411cfbd92080009c7318c181f1011")
_NUCLEOTIDES = re.compile(rb"[ACGTNacgtn]+")
_BIM_LINE = re.compile(rb"^\S+\s+\S+\s+[-\d.eE]+\s+\d+\s+[ACGTN0.-]+\s+[ACGTN0.-]+\s*$")


def extension(name: str) -> str:
    """The lower-case extension of the last path component, with its dot, or ''."""
    return PurePosixPath(name).suffix.lower()


def detect_type(head: bytes, name: str) -> str:
    """The type of a file from its first bytes (up to ``HEAD_BYTES``) and its name."""
    if not head:
        return "empty"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return _refine_numpy(head) if kind == "npy" else kind
    if head[:32] == _SAS_MAGIC:
        return "sas7bdat"
    if len(head) >= 20 and head[16:20] == b"bgen":
        return "bgen"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if head.startswith(b"\x1f\x8b"):
        return _inside_gzip(head)
    if _is_pickle(head):
        return "pickle"
    if _is_zlib(head):
        inner = _peek_zlib(head)
        if inner and _is_pickle(inner):
            return "pickle"
    if head.startswith(b"MZ") and _is_pe(head):
        return "pe"
    if not _looks_like_text(head):
        return "binary"
    return _text_type(head, name)


def _refine_numpy(head: bytes) -> str:
    header = head[10:1024]
    return "npy_object" if b"'|O'" in header or b'"|O"' in header else "npy"


def _is_pickle(head: bytes) -> bool:
    # Protocol 2+ pickles open with PROTO <n>; protocol 4+ then FRAME.
    return len(head) >= 3 and head[0] == 0x80 and 2 <= head[1] <= 5


def _is_zlib(head: bytes) -> bool:
    return len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0


def _peek_zlib(head: bytes) -> bytes:
    try:
        return zlib.decompressobj().decompress(head, 4096)
    except zlib.error:
        return b""


def _is_pe(head: bytes) -> bool:
    if len(head) < 0x40:
        return False
    offset = int.from_bytes(head[0x3C:0x40], "little")
    return head[offset : offset + 4] == b"PE\x00\x00" if offset + 4 <= len(head) else True


def _inside_gzip(head: bytes) -> str:
    """gzip wraps many formats: BGZF (BAM, BCF, bgzipped VCF), R data, tarballs."""
    try:
        inner = zlib.decompressobj(wbits=31).decompress(head, 4096)
    except zlib.error:
        return "gzip"
    if inner.startswith(b"BAM\x01"):
        return "bam"
    if inner.startswith(b"BCF\x02"):
        return "bcf"
    if inner.startswith(b"##fileformat=VCF"):
        return "vcf"
    if inner.startswith((b"RDX2\n", b"RDX3\n", b"RDA2\n", b"RDA3\n")):
        return "rdata"
    if inner.startswith((b"X\n\x00\x00", b"A\n", b"B\n")):
        return "rds"
    return "gzip"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    sample = head[:8192]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(sample) - 4:
            return _mostly_printable(sample)
    return True


def _mostly_printable(sample: bytes) -> bool:
    printable = sum(1 for b in sample if b >= 0x20 or b in (9, 10, 13))
    return printable >= 0.95 * len(sample)


def _text_type(head: bytes, name: str) -> str:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    genomic = _genomic_text(stripped)
    if genomic:
        return genomic
    if stripped.startswith(b"#!"):
        return "script"
    if stripped.startswith((b"{", b"[")):
        if b'"cells"' in head and (b'"nbformat"' in head or extension(name) == ".ipynb"):
            return "notebook"
        return "json"
    lowered = stripped[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "html"
    if lowered.startswith(b"<svg") or (lowered.startswith(b"<?xml") and b"<svg" in head.lower()):
        return "svg"
    if lowered.startswith(b"<?xml"):
        return "xml"
    ext = extension(name)
    if ext == ".fam" and _is_fam(head):
        return "plink_fam"
    if ext == ".csv":
        return "csv"
    if ext in (".tsv", ".tab"):
        return "tsv"
    return _sniff_delimited(head)


def _genomic_text(head: bytes) -> str | None:
    if head.startswith(b"##fileformat=VCF"):
        return "vcf"
    if head.startswith((b"@HD\t", b"@SQ\t")):
        return "sam"
    lines = head.split(b"\n", 8)[:8]
    if len(lines) >= 2 and lines[0].startswith(b">") and _is_sequence(lines[1]):
        return "fasta"
    if (
        len(lines) >= 4
        and lines[0].startswith(b"@")
        and lines[2].startswith(b"+")
        and _is_sequence(lines[1])
    ):
        return "fastq"
    complete = lines[:-1] if len(lines) > 1 else lines
    if len(complete) >= 3 and all(_BIM_LINE.match(line.rstrip(b"\r")) for line in complete):
        return "plink_bim"
    return None


def _is_fam(head: bytes) -> bool:
    lines = [line.split() for line in head.split(b"\n")[:5] if line.strip()]
    return bool(lines) and all(len(fields) == 6 for fields in lines)


def _is_sequence(line: bytes) -> bool:
    line = line.rstrip(b"\r")
    return len(line) >= 10 and _NUCLEOTIDES.fullmatch(line) is not None


def _sniff_delimited(head: bytes) -> str:
    lines = [line for line in head.split(b"\n")[:6] if line.strip()]
    if len(head.split(b"\n")) > 6:
        lines = lines[:5]
    if len(lines) < 2:
        return "text"
    for delimiter, kind in ((b"\t", "tsv"), (b",", "csv")):
        counts = {line.count(delimiter) for line in lines}
        if len(counts) == 1 and counts.pop() >= 1:
            return kind
    return "text"
