"""Harness fixtures: keycloak (being written)."""
