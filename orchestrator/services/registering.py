"""The transparency register's sources: projects from the cluster, releases from the airlock."""

from __future__ import annotations

from orchestrator.adapters.database import AirlockRepository, Database
from orchestrator.adapters.kubernetes_objects import KubernetesObjects
from orchestrator.domain.airlock.model import Direction
from orchestrator.domain.airlock.states import State
from orchestrator.domain.projects.spec import KIND
from orchestrator.domain.register.entries import ProjectSource, ReleaseSource
from orchestrator.domain.register.sources import projects_from_list

MOST_RELEASES = 100_000
"""The most released requests one register lists; more is refused rather than cut short."""


class TooManyReleases(ValueError):
    """The database holds more released requests than one register lists."""


def released_exports(database: Database) -> tuple[ReleaseSource, ...]:
    """Every released export with its votes, read in one read-only transaction."""
    with database.session(readonly=True) as session:
        repository = AirlockRepository(session)
        requests = repository.list_requests(states=[State.RELEASED], limit=MOST_RELEASES + 1)
        if len(requests) > MOST_RELEASES:
            raise TooManyReleases(
                f"the airlock holds more than {MOST_RELEASES} released requests; "
                "export them to a file and pass --requests instead"
            )
        return tuple(
            ReleaseSource(request=r, votes=tuple(repository.votes(r.id)))
            for r in requests
            if r.direction is Direction.EXPORT
        )


def projects_in_cluster(objects: KubernetesObjects) -> tuple[ProjectSource, ...]:
    """Every ResearchProject in the cluster, each checked as the operator checks it.

    A project deleted between listing and reading is left out.
    """
    live = (objects.get(KIND, name) for name in objects.list_names(KIND, None, ""))
    return projects_from_list({"items": [item for item in live if item is not None]})
