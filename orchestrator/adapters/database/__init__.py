"""The airlock database: SQLAlchemy 2 tables, a repository and shipped Alembic migrations."""

from orchestrator.adapters.database.engine import Database
from orchestrator.adapters.database.errors import ConcurrentUpdate, DatabaseError
from orchestrator.adapters.database.migrate import grant_runtime_rights, upgrade_head
from orchestrator.adapters.database.repository import AirlockRepository

__all__ = [
    "AirlockRepository",
    "ConcurrentUpdate",
    "Database",
    "DatabaseError",
    "grant_runtime_rights",
    "upgrade_head",
]
