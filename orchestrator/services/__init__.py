"""Use cases that combine domain code and adapters."""
