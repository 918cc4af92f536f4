"""Harness fixtures: jupyterhub (being written)."""
