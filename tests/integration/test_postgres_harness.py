"""PostgreSQL from the harness answers real SQL through SQLAlchemy and psycopg."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orchestrator.embedded.postgres import PostgresServer


def test_fresh_database_stores_and_returns_rows(postgres: PostgresServer) -> None:
    url = postgres.create_database("smoke_rows")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("CREATE TABLE requests (id serial PRIMARY KEY, title text NOT NULL)")
            )
            conn.execute(sa.text("INSERT INTO requests (title) VALUES ('a'), ('b')"))
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT title FROM requests ORDER BY id")).scalars().all()
            version = conn.execute(sa.text("SHOW server_version")).scalar_one()
    finally:
        engine.dispose()
    assert rows == ["a", "b"]
    assert str(version).startswith("15.")


def test_databases_are_separate(postgres: PostgresServer) -> None:
    first = sa.create_engine(postgres.create_database("smoke_first"))
    second = sa.create_engine(postgres.create_database("smoke_second"))
    try:
        with first.begin() as conn:
            conn.execute(sa.text("CREATE TABLE only_here (x int)"))
        with second.connect() as conn:
            found = conn.execute(sa.text("SELECT to_regclass('only_here')")).scalar_one()
    finally:
        first.dispose()
        second.dispose()
    assert found is None


def test_wrong_password_is_refused(postgres: PostgresServer) -> None:
    engine = sa.create_engine(postgres.url.replace(postgres.password, "wrong"))
    try:
        with pytest.raises(sa.exc.OperationalError, match="password authentication failed"):
            engine.connect()
    finally:
        engine.dispose()


def test_bad_database_name_is_rejected_before_any_sql(postgres: PostgresServer) -> None:
    with pytest.raises(ValueError, match="must start with a letter"):
        postgres.create_database('x"; DROP DATABASE postgres; --')
