"""Released exports for the transparency register, read from the airlock database."""

from __future__ import annotations

from orchestrator.adapters.database import AirlockRepository, Database
from orchestrator.domain.airlock.model import Direction
from orchestrator.domain.airlock.states import State
from orchestrator.domain.register.entries import ReleaseSource

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
