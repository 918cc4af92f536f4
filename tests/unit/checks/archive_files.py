"""Builders for archive test files: nested, bombs, traversal, encrypted, links."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
import zlib


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_zip_bomb(expanded: int) -> bytes:
    """One member of ``expanded`` zero bytes (a multiple of 1 MiB), built without compressing it.

    A 1 MiB block of zeros is deflated once and ended with a full flush, so the same
    bytes can be repeated: each copy is a run of non-final blocks with no references
    across copies. An empty final block ends the stream.
    """
    block = 1024 * 1024
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(b"\x00" * block) + compressor.flush(zlib.Z_FULL_FLUSH)
    copies = expanded // block
    data = piece * copies + b"\x03\x00"
    crc = 0
    zeros = b"\x00" * block
    for _ in range(copies):
        crc = zlib.crc32(zeros, crc)
    name = b"zeros.csv"
    fields = struct.pack("<HHHHIII", 0, 8, 0, 0x21, crc, len(data), copies * block)
    local = b"PK\x03\x04" + struct.pack("<H", 20) + fields + struct.pack("<HH", len(name), 0) + name
    central = (
        b"PK\x01\x02"
        + struct.pack("<HH", 20, 20)
        + fields
        + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, 0)
        + name
    )
    offset = len(local) + len(data)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), offset, 0)
    return local + data + central + end


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
