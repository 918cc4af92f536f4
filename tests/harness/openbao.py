"""Harness fixtures: openbao (being written)."""
