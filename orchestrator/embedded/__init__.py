"""Supervision of the real services that make up the embedded enclave (and the test harness)."""
