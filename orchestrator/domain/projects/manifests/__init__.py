"""Pure builders of a project's Kubernetes objects, one module per kind group.

Each ``make_*`` takes one :class:`~orchestrator.domain.projects.enclave.Enclave` and
returns plain manifests (dicts), tested by value.
"""
