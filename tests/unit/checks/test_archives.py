"""Archives: recursive checks within limits; bombs, traversal, links and encryption refused fast."""

from __future__ import annotations

import bz2
import gzip
import lzma
import time
from pathlib import Path

import pytest

from orchestrator.checks.archives import inner_name, unsafe_member_path
from orchestrator.checks.engine import check_file
from orchestrator.checks.model import RuleSet, Verdict
from orchestrator.checks.rulesets import apply_override
from tests.unit.checks.archive_files import (
    make_encrypted_zip,
    make_symlink_zip,
    make_tar,
    make_zip,
    make_zip_bomb,
)
from tests.unit.checks.conftest import CheckBytes, rules_of
from tests.unit.checks.doubles import Recorder


def tightened(rules: RuleSet, **params: int) -> RuleSet:
    doc = {"id": "t", "version": "1", "rules": {"archive.limits": {"params": params}}}
    return apply_override(rules, doc, "t", tighten_only=True)


def test_members_are_checked_like_files_and_located_by_member(check_bytes: CheckBytes) -> None:
    data = make_zip(
        {"out/table.csv": b"g,n\na,3\n", "out/notes.txt": b"SECRET\n", "out/.hidden": b"x\n"}
    )
    report = check_bytes("out.zip", data)
    found = {(f.rule, f.location.member) for f in report.findings}
    assert ("tables.min_cell_count", "out/table.csv") in found
    assert ("secrets.tokens", "out/notes.txt") in found
    assert ("names.hidden", "out/.hidden") in found
    assert report.type == "zip"


def test_a_clean_zip_passes(check_bytes: CheckBytes) -> None:
    assert (
        check_bytes("ok.zip", make_zip({"a.csv": b"g,n\na,30\n", "b.txt": b"fine\n"})).verdict
        == Verdict.PASS
    )


def test_nested_archives_are_checked_recursively(check_bytes: CheckBytes) -> None:
    inner = make_zip({"deep.txt": b"SECRET\n"})
    tar = make_tar({"inner.zip": inner})
    report = check_bytes("outer.tar.gz", gzip.compress(tar))
    assert [(f.rule, f.location.member) for f in report.findings] == [
        ("secrets.tokens", "outer.tar!inner.zip!deep.txt")
    ]


def test_members_of_forbidden_types_are_blocked(check_bytes: CheckBytes) -> None:
    report = check_bytes("x.zip", make_zip({"model.pkl": b"\x80\x04\x95\x00"}))
    assert {(f.rule, f.location.member) for f in report.findings} >= {
        ("serialized.objects", "model.pkl")
    }


def test_a_zip_bomb_is_blocked_within_a_second_without_expanding(
    tmp_path: Path, default_rules: RuleSet, recorder: Recorder
) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(make_zip_bomb(300 * 1024 * 1024))
    start = time.monotonic()
    report = check_file(path, default_rules, content=recorder.scanners())
    assert time.monotonic() - start < 1.0
    assert report.verdict == Verdict.BLOCK
    assert rules_of(report) == {"archive.limits"}
    assert any("compression bomb" in f.message for f in report.findings)
    assert recorder.texts == []  # nothing was expanded


@pytest.mark.parametrize(
    "name", ["../escape.txt", "/etc/cron.d/x", "a/../../b", "C:\\windows\\x", "a\\..\\..\\b"]
)
def test_path_traversal_is_blocked_within_a_second_without_expanding(
    check_bytes: CheckBytes, recorder: Recorder, name: str
) -> None:
    start = time.monotonic()
    report = check_bytes("t.zip", make_zip({"fine.txt": b"SECRET\n", name: b"x"}))
    assert time.monotonic() - start < 1.0
    assert "archive.path_traversal" in rules_of(report)
    assert report.verdict == Verdict.BLOCK
    assert recorder.texts == []


def test_an_encrypted_zip_is_blocked_within_a_second(
    check_bytes: CheckBytes, recorder: Recorder
) -> None:
    start = time.monotonic()
    report = check_bytes("e.zip", make_encrypted_zip())
    assert time.monotonic() - start < 1.0
    assert rules_of(report) == {"archive.encrypted"}
    assert recorder.texts == []


def test_symlinks_in_zips_and_tars_are_blocked(check_bytes: CheckBytes) -> None:
    assert "archive.links" in rules_of(check_bytes("l.zip", make_symlink_zip()))
    assert "archive.links" in rules_of(check_bytes("l.tar", make_tar({}, {"link": "/etc/passwd"})))
    assert "archive.links" in rules_of(
        check_bytes("h.tar", make_tar({"a": b"x"}, {"b": "a"}, hard=True))
    )


def test_tar_traversal_is_blocked(check_bytes: CheckBytes) -> None:
    assert "archive.path_traversal" in rules_of(check_bytes("t.tar", make_tar({"../../x": b"x"})))


def test_member_count_limit_is_judged_from_the_directory(
    check_bytes: CheckBytes, default_rules: RuleSet
) -> None:
    rules = tightened(default_rules, max_members=3)
    report = check_bytes("many.zip", make_zip({f"f{i}.txt": b"x\n" for i in range(5)}), rules)
    assert rules_of(report) == {"archive.limits"}
    assert "5 members" in report.findings[0].message


def test_depth_limit_stops_nesting(check_bytes: CheckBytes, default_rules: RuleSet) -> None:
    rules = tightened(default_rules, max_depth=1)
    nested = make_zip({"level1.zip": make_zip({"level2.txt": b"SECRET\n"})})
    report = check_bytes("n.zip", nested, rules)
    assert rules_of(report) == {"archive.limits"}
    assert report.findings[0].location.member == "level1.zip"


def test_expansion_budget_stops_gzip_bombs_while_expanding(
    check_bytes: CheckBytes, default_rules: RuleSet
) -> None:
    rules = tightened(default_rules, max_expanded_bytes=1024 * 1024)
    start = time.monotonic()
    report = check_bytes("z.txt.gz", gzip.compress(b"a" * (8 * 1024 * 1024)), rules)
    assert time.monotonic() - start < 1.0
    assert "archive.limits" in rules_of(report)
    assert report.verdict == Verdict.BLOCK


@pytest.mark.parametrize(
    ("compress", "suffix"), [(gzip.compress, ".gz"), (bz2.compress, ".bz2"), (lzma.compress, ".xz")]
)
def test_compressed_files_are_checked_inside(
    check_bytes: CheckBytes, compress, suffix: str
) -> None:  # type: ignore[no-untyped-def]
    report = check_bytes(f"notes.txt{suffix}", compress(b"hello\nSECRET\n"))
    assert [(f.rule, f.location.member, f.location.line) for f in report.findings] == [
        ("secrets.tokens", "notes.txt", 2)
    ]


def test_truncated_archives_are_malformed_not_crashes(check_bytes: CheckBytes) -> None:
    data = make_zip({"a.txt": b"hello " * 1000})
    assert check_bytes("cut.zip", data[: len(data) // 2]).verdict == Verdict.BLOCK
    gz = gzip.compress(b"hello " * 10000)
    report = check_bytes("cut.txt.gz", gz[: len(gz) // 2])
    assert "engine.malformed" in rules_of(report)
    tar = make_tar({"a.txt": b"x" * 5000})
    assert check_bytes("cut.tar", tar[:1000]).verdict == Verdict.BLOCK


def test_unsafe_member_paths() -> None:
    assert unsafe_member_path("a/b.csv") is None
    assert unsafe_member_path("a/..b/c") is None
    assert unsafe_member_path("../x") == "climbs out of the archive with `..`"
    assert unsafe_member_path("/x") == "is an absolute path"


def test_inner_names() -> None:
    assert inner_name("data.csv.gz", "gzip") == "data.csv"
    assert inner_name("dir/data.tgz", "gzip") == "data.tar"
    assert inner_name("blob", "xz") == "blob.content"


def _with_comments(data: bytes, archive_comment: bytes, member_comment: bytes) -> bytes:
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            info.comment = member_comment
            archive.writestr(info, source.read(info))
        archive.comment = archive_comment
    return buffer.getvalue()


def test_zip_comments_are_read(check_bytes: CheckBytes) -> None:
    clean = make_zip({"a.csv": b"g,n\na,30\n"})
    found = {
        (f.rule, f.location.member)
        for f in check_bytes("c.zip", _with_comments(clean, b"SECRET", b"")).findings
    }
    assert ("secrets.tokens", "zip comment") in found
    found = {
        (f.rule, f.location.member)
        for f in check_bytes("m.zip", _with_comments(clean, b"", b"SECRET")).findings
    }
    assert ("secrets.tokens", "a.csv comment") in found


def test_bytes_outside_every_member_are_reported_as_not_read(check_bytes: CheckBytes) -> None:
    data = make_zip({"a.csv": b"g,n\na,30\n", "b.txt": b"fine\n"})
    second = data.index(b"PK\x03\x04", 4)
    hidden = b"SECRET row-level data hidden between members\n"
    smuggled = data[:second] + hidden + data[second:]
    # Shift the offsets the central directory records for the second member and itself.
    import struct

    central = smuggled.index(b"PK\x01\x02")
    central = smuggled.index(b"PK\x01\x02", central + 4)
    (offset,) = struct.unpack_from("<I", smuggled, central + 42)
    patched = bytearray(smuggled)
    struct.pack_into("<I", patched, central + 42, offset + len(hidden))
    end = patched.rindex(b"PK\x05\x06")
    (start,) = struct.unpack_from("<I", patched, end + 16)
    struct.pack_into("<I", patched, end + 16, start + len(hidden))
    report = check_bytes("gap.zip", bytes(patched))
    assert [(f.rule, f.location.offset) for f in report.findings] == [("engine.unread", second)]
    assert report.verdict == Verdict.REVIEW


def test_gzip_header_fields_are_read(check_bytes: CheckBytes) -> None:
    import struct

    body = zlib_deflate(b"fine\n")
    extra = b"SECRET-extra"
    header = b"\x1f\x8b\x08" + bytes([0x04 | 0x08 | 0x10]) + b"\x00" * 4 + b"\x00\xff"
    header += struct.pack("<H", len(extra)) + extra + b"SECRET-name\x00SECRET-comment\x00"
    trailer = struct.pack("<II", zlib_crc(b"fine\n"), 5)
    report = check_bytes("notes.txt.gz", header + body + trailer)
    found = {(f.rule, f.location.member) for f in report.findings}
    assert found == {
        ("secrets.tokens", "gzip extra field"),
        ("secrets.tokens", "gzip file name"),
        ("secrets.tokens", "gzip comment"),
    }


def zlib_deflate(data: bytes) -> bytes:
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def zlib_crc(data: bytes) -> int:
    import zlib

    return zlib.crc32(data)


def test_tar_pax_records_are_read(check_bytes: CheckBytes) -> None:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(
        fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"note": "SECRET global"}
    ) as archive:
        info = tarfile.TarInfo("a.txt")
        info.size = 5
        info.pax_headers = {"comment": "SECRET member"}
        archive.addfile(info, io.BytesIO(b"fine\n"))
    report = check_bytes("out.tar", buffer.getvalue())
    found = {(f.rule, f.location.member) for f in report.findings}
    assert found == {
        ("secrets.tokens", "a.txt records"),
        ("secrets.tokens", "tar global records"),
    }
