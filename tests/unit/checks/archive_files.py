"""Builders for archive test files: nested, bombs, traversal, encrypted, links."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_zip_bomb(expanded: int) -> bytes:
    """One member of ``expanded`` zero bytes: a tiny file that declares a huge expansion."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        info = zipfile.ZipInfo("zeros.csv")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(expanded // len(block)):
                member.write(block)
    return buffer.getvalue()


def make_encrypted_zip() -> bytes:
    """A zip whose member has the 'encrypted' flag set in both headers."""
    data = bytearray(make_zip({"secret.csv": b"a,b\n1,2\n"}))
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    for offset in (local + 6, central + 8):
        (flags,) = struct.unpack_from("<H", data, offset)
        struct.pack_into("<H", data, offset, flags | 0x1)
    return bytes(data)


def make_symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("link")
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def make_tar(
    members: dict[str, bytes], links: dict[str, str] | None = None, hard: bool = False
) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return buffer.getvalue()
