"""Database errors in our own words."""

from __future__ import annotations


class DatabaseError(Exception):
    """The database could not be reached or refused an operation."""


class ConcurrentUpdate(DatabaseError):
    """Another transaction changed the same rows first; retry the operation."""
