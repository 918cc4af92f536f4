"""Harness fixtures: browser (being written)."""
