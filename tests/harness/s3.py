"""Harness fixtures: s3 (being written)."""
