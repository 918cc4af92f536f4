"""Bring the airlock schema up to date with the Alembic scripts shipped in this package."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from orchestrator.adapters.database.errors import DatabaseError

SCRIPT_LOCATION = "orchestrator.adapters.database:migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["engine"] = engine
    return config


def upgrade_head(engine: Engine) -> None:
    """Apply every pending migration (safe to call at every start)."""
    command.upgrade(alembic_config(engine), "head")


APPEND_ONLY_TABLES = ("audit_records", "audit_checkpoints")


def grant_runtime_rights(engine: Engine, role: str) -> None:
    """Give the service's own login only what it needs on a schema another role owns.

    PostgreSQL only. ``engine`` connects as the owner (the role that ran the
    migrations). The runtime ``role`` may read and write the request tables, only
    read and append to the audit tables, and owns nothing: it cannot alter or drop
    a table or a trigger, nor update, delete or truncate an audit record.
    """
    if engine.dialect.name != "postgresql":
        raise DatabaseError("separate migration and runtime roles need PostgreSQL")
    from orchestrator.adapters.database.tables import Base

    quoted = engine.dialect.identifier_preparer.quote(role)
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in APPEND_ONLY_TABLES]
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(tables)} TO {quoted}",
        f"GRANT SELECT, INSERT ON {', '.join(APPEND_ONLY_TABLES)} TO {quoted}",
        f"GRANT SELECT ON alembic_version TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
