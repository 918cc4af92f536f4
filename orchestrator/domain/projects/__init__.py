"""The ResearchProject controller's pure domain: spec, names, desired objects, conditions.

Nothing here talks to Kubernetes, Vault or object storage; the operator's adapters
apply what these builders compute.
"""
