"""Connecting to the airlock database (SQLite embedded, PostgreSQL in production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy.exc
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from orchestrator.adapters.database.errors import ConcurrentUpdate, DatabaseError


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The pysqlite driver starts transactions lazily and never takes the write lock
    # up front; we begin them ourselves (see _sqlite_begin*) so concurrent writers
    # queue instead of failing half-way with "database is locked".
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_write(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_read(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")  # a snapshot; in WAL mode readers never wait for the writer


def make_engine(url: str, *, readonly: bool = False) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``)."""
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin_read if readonly else _sqlite_begin_write)
            return engine
        return create_engine(url, pool_pre_ping=True)
    except sqlalchemy.exc.ArgumentError as exc:
        raise DatabaseError(
            f"the database URL is not valid ({exc}); use sqlite:///PATH or "
            "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB"
        ) from exc


class Database:
    """An engine plus transactions that map driver errors to ours."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite: reads use their own engine so they do not queue behind writers.
        self._read_engine = make_engine(url, readonly=True) if url.startswith("sqlite") else None
        self._read_sessions = (
            sessionmaker(self._read_engine, expire_on_commit=False)
            if self._read_engine is not None
            else self._sessions
        )

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        ``readonly`` transactions must not write; on SQLite they run concurrently
        with each other and with the one writer.
        """
        sessions = self._read_sessions if readonly else self._sessions
        try:
            with sessions.begin() as session:
                yield session
        except sqlalchemy.exc.IntegrityError as exc:
            raise ConcurrentUpdate(
                "another change to the same request was saved first; try again"
            ) from exc
        except sqlalchemy.exc.OperationalError as exc:
            raise DatabaseError(f"the airlock database is unavailable: {exc.orig}") from exc

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine is not None:
            self._read_engine.dispose()
