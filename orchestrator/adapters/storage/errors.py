"""Object storage errors in our own words."""

from __future__ import annotations


class StorageError(Exception):
    """The object store could not be reached or refused an operation."""


class ObjectMissing(StorageError):
    """The object (or its bucket) does not exist."""
