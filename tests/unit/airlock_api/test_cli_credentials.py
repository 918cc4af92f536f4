"""The CLI finds the caller's credentials in a terminal, in the login cache, or in a workspace."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
import pytest

from orchestrator.cli import token_cache
from orchestrator.cli.airlock import credentials_from
from orchestrator.cli.token_cache import CachedToken


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"TRE_TOKEN_CACHE": str(tmp_path / "tre" / "token.json")}


def cache(env: dict[str, str], expires_at: float) -> Path:
    path = Path(env["TRE_TOKEN_CACHE"])
    token_cache.save(path, CachedToken("https://idp.test/realms/tre", "cached", expires_at, "rita"))
    return path


def test_explicit_token_wins_and_is_a_bearer_token(env: dict[str, str]) -> None:
    cache(env, time.time() + 300)
    creds = credentials_from(
        "abc", None, {**env, "TRE_TOKEN": "env", "JUPYTERHUB_API_TOKEN": "hub"}
    )
    assert creds.headers() == {"Authorization": "Bearer abc"}


def test_inside_a_workspace_the_hub_token_and_project_are_used(env: dict[str, str]) -> None:
    creds = credentials_from(
        None, None, {**env, "JUPYTERHUB_API_TOKEN": "hub", "TRE_PROJECT": "genomics"}
    )
    assert creds.headers() == {"Authorization": "token hub", "X-TRE-Project": "genomics"}


def test_workspace_token_without_project_is_a_clear_error(env: dict[str, str]) -> None:
    with pytest.raises(click.UsageError, match="set TRE_PROJECT"):
        credentials_from(None, None, {**env, "JUPYTERHUB_API_TOKEN": "hub"})


def test_no_credentials_at_all_says_what_to_do(env: dict[str, str]) -> None:
    with pytest.raises(click.UsageError, match="run `tre login`, pass --token or set TRE_TOKEN"):
        credentials_from(None, None, env)


def test_the_token_tre_login_cached_is_used_while_it_is_valid(env: dict[str, str]) -> None:
    cache(env, time.time() + 300)
    assert credentials_from(None, None, env).headers() == {"Authorization": "Bearer cached"}


def test_an_expired_cached_token_is_refused_with_what_to_do(env: dict[str, str]) -> None:
    cache(env, 1_700_000_000.0)
    with pytest.raises(
        click.UsageError,
        match=r"your sign-in expired at 2023-11-14 22:13:20 UTC; run `tre login` again",
    ):
        credentials_from(None, None, env)


def test_the_cache_is_readable_by_its_owner_only(env: dict[str, str]) -> None:
    path = cache(env, time.time() + 300)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"


def test_a_cache_others_can_read_is_refused(env: dict[str, str]) -> None:
    path = cache(env, time.time() + 300)
    os.chmod(path, 0o644)
    with pytest.raises(click.UsageError, match=r"can be read by other users \(mode 0644\)"):
        credentials_from(None, None, env)


def test_a_damaged_cache_is_refused(env: dict[str, str]) -> None:
    path = cache(env, time.time() + 300)
    path.write_text("{not json")
    with pytest.raises(click.UsageError, match="is damaged; delete it and run `tre login` again"):
        credentials_from(None, None, env)


def test_logout_forgets_the_token(env: dict[str, str]) -> None:
    path = cache(env, time.time() + 300)
    assert token_cache.remove(path)
    assert not token_cache.remove(path)
    with pytest.raises(click.UsageError, match="no credentials"):
        credentials_from(None, None, env)
