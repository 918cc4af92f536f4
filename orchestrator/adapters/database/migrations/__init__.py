"""Alembic migration scripts of the airlock database."""
