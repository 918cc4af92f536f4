"""Harness fixtures: postgres (being written)."""
