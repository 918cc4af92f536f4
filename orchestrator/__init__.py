"""TRE Orchestrator: Kubernetes-native trusted research environments.

Layers, outermost first (checked by import-linter, see pyproject.toml):

- entry points: ``cli``, ``api``, ``operator``, ``embedded``
- use cases: ``services``
- adapters to the outside world: ``adapters``
- pure domain code: ``domain`` and the export-check engine ``checks``
"""

__version__ = "0.1.0"
