"""Signing errors in our own words."""

from __future__ import annotations


class SigningError(Exception):
    """The signing key could not be used (key service unreachable, key missing, bad key file)."""
