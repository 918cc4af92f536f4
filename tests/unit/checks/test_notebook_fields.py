"""Notebooks: attachments, metadata and unknown fields are read, not only sources and outputs."""

from __future__ import annotations

import base64
import json

import pytest

from tests.unit.checks.archive_files import make_zip
from tests.unit.checks.conftest import CheckBytes
from tests.unit.checks.test_formats import png


def notebook_with(
    cell_extra: dict[str, object], top_extra: dict[str, object] | None = None
) -> bytes:
    cell = {"cell_type": "markdown", "source": "![x](attachment:x)", "metadata": {}, **cell_extra}
    doc = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **(top_extra or {})}
    return json.dumps(doc).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


CASES = {
    "cell metadata": (notebook_with({"metadata": {"note": "SECRET"}}), "cell 1 metadata"),
    "unknown cell field": (notebook_with({"stash": ["SECRET"]}), "cell 1 stash"),
    "image attachment": (
        notebook_with({"attachments": {"fig.png": {"image/png": b64(png({"Comment": "SECRET"}))}}}),
        "fig.png!png tEXt",
    ),
    "zip attachment": (
        notebook_with(
            {
                "attachments": {
                    "data.zip": {"application/zip": b64(make_zip({"t.txt": b"SECRET\n"}))}
                }
            }
        ),
        "data.zip!t.txt",
    ),
    "text attachment": (
        notebook_with({"attachments": {"n.txt": {"text/plain": "SECRET"}}}),
        "cell 1 attachment n.txt text/plain",
    ),
    "output metadata": (
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "source": "1",
                        "metadata": {},
                        "execution_count": 1,
                        "outputs": [
                            {
                                "output_type": "execute_result",
                                "data": {"text/plain": "1"},
                                "metadata": {"x": "SECRET"},
                                "execution_count": 1,
                            }
                        ],
                    }
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        ).encode(),
        "cell 1 output 1 metadata",
    ),
    "unknown notebook field": (
        notebook_with({}, {"extra": {"rows": ["SECRET"]}}),
        "notebook extra",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_field_of_a_notebook_is_read(check_bytes: CheckBytes, case: str) -> None:
    data, member = CASES[case]
    report = check_bytes("analysis.ipynb", data)
    assert ("secrets.tokens", member) in {(f.rule, f.location.member) for f in report.findings}, (
        report.findings
    )
