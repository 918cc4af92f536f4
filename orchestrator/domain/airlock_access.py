"""The airlock's cluster-wide permissions: read the ResearchProjects, nothing else.

The airlock learns each project's members from its ResearchProject
(:mod:`orchestrator.adapters.project_members`), which needs exactly these rules in a
ClusterRole bound to the airlock's ServiceAccount. It never writes to the cluster.
"""

from __future__ import annotations

from typing import Any

from orchestrator.domain.projects.spec import API_GROUP, PLURAL

AIRLOCK_RULES: tuple[dict[str, Any], ...] = (
    {"apiGroups": [API_GROUP], "resources": [PLURAL], "verbs": ["get", "list", "watch"]},
)
"""ClusterRole rules: read and watch ResearchProjects."""
