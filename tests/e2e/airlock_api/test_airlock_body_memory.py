"""A huge body without credentials is refused before it is read (a real uvicorn process).

The attack: send a 300 MiB JSON body with no token. The service must answer 401 from
the headers alone, so its peak memory (``VmHWM``) barely moves.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import pytest

from tests.e2e.airlock_api.service_process import AirlockProcess

MIB = 1024 * 1024
BODY_SIZE = 300 * MIB


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """One backend is enough: the body is refused before any database work."""
    return f"sqlite:///{tmp_path / 'airlock.db'}"


def peak_rss(pid: int) -> int:
    """The process's peak resident memory so far, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for process {pid}")


def send_without_token(port: int) -> bytes:
    """POST a 300 MiB JSON body with no Authorization header; return the status line."""
    head = (
        "POST /api/v1/projects/genomics/requests HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {BODY_SIZE}\r\n\r\n"
    ).encode()
    opening = b'{"title": "t", "purpose": "'
    filler = b"p" * MIB
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + opening)
        sent = len(opening)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
            while sent < BODY_SIZE - 2:
                piece = filler[: BODY_SIZE - 2 - sent]
                sock.sendall(piece)
                sent += len(piece)
            sock.sendall(b'"}')
        answer = b""
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            while b"\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
    return answer.split(b"\r\n", 1)[0]


def test_a_300_mib_body_without_a_token_is_refused_unread(service: AirlockProcess) -> None:
    before = peak_rss(service.pid)
    status = send_without_token(service.port)
    grown = peak_rss(service.pid) - before
    assert status == b"HTTP/1.1 401 Unauthorized"
    assert grown < 32 * MIB, f"the service grew by {grown // MIB} MiB"
