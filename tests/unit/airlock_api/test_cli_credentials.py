"""The CLI finds the caller's credentials in a terminal or inside a workspace."""

from __future__ import annotations

import click
import pytest

from orchestrator.cli.airlock import credentials_from


def test_explicit_token_wins_and_is_a_bearer_token() -> None:
    creds = credentials_from("abc", None, {"TRE_TOKEN": "env", "JUPYTERHUB_API_TOKEN": "hub"})
    assert creds.headers() == {"Authorization": "Bearer abc"}


def test_inside_a_workspace_the_hub_token_and_project_are_used() -> None:
    creds = credentials_from(None, None, {"JUPYTERHUB_API_TOKEN": "hub", "TRE_PROJECT": "genomics"})
    assert creds.headers() == {"Authorization": "token hub", "X-TRE-Project": "genomics"}


def test_workspace_token_without_project_is_a_clear_error() -> None:
    with pytest.raises(click.UsageError, match="set TRE_PROJECT"):
        credentials_from(None, None, {"JUPYTERHUB_API_TOKEN": "hub"})


def test_no_credentials_at_all_says_what_to_do() -> None:
    with pytest.raises(click.UsageError, match="pass --token or set TRE_TOKEN"):
        credentials_from(None, None, {})
