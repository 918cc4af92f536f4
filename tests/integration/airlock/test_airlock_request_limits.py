"""Per-request limits on the number of files and their total size, checked at upload."""

from __future__ import annotations

import io

import pytest

from orchestrator.domain.airlock.errors import RequestTooLarge
from orchestrator.services.airlock import AirlockService
from tests.integration.airlock.conftest import make_config
from tests.integration.airlock.flows import ALICE, draft


@pytest.fixture
def limited(airlock: AirlockService) -> AirlockService:
    return AirlockService(
        airlock.database,
        airlock.store,
        airlock.checker,
        airlock.signer,
        make_config(max_files_per_request=2, max_request_bytes=100),
    )


def add(airlock: AirlockService, request_id: str, name: str, data: bytes, length: int) -> None:
    airlock.add_file(ALICE, request_id, name, stream=io.BytesIO(data), length=length)


def test_a_file_past_the_request_file_count_is_refused(limited: AirlockService) -> None:
    request = draft(limited, {"a.csv": b"x,y\n", "b.csv": b"x,y\n"})
    add(limited, request.id, "b.csv", b"x,z\n", 4)  # replacing a file is not one more
    with pytest.raises(RequestTooLarge, match="already has 2 files, the most one request may hold"):
        add(limited, request.id, "c.csv", b"x,y\n", 4)
    files = limited.get_request(ALICE, request.id).request.files
    assert [f.name for f in files] == ["a.csv", "b.csv"]


@pytest.mark.parametrize("declared", [60, -1], ids=["declared-length", "streamed"])
def test_bytes_past_the_request_total_are_refused_at_upload(
    limited: AirlockService, declared: int
) -> None:
    request = draft(limited, {"a.csv": b"n\n" * 30})  # 60 of the 100 bytes
    with pytest.raises(RequestTooLarge, match="larger than 100 bytes together"):
        add(limited, request.id, "b.csv", b"n\n" * 30, declared)
    files = limited.get_request(ALICE, request.id).request.files
    assert [f.name for f in files] == ["a.csv"]
    add(limited, request.id, "b.csv", b"n\n" * 20, 40)  # exactly at the limit
