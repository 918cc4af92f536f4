"""Harness fixtures: kubernetes (being written)."""
