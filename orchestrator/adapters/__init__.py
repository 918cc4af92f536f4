"""Adapters: the only code that talks to Kubernetes, Vault, object storage, databases and HTTP peers."""
