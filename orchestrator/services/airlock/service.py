"""The airlock service: the one object entry points use (see the package docstring)."""

from __future__ import annotations

from orchestrator.services.airlock.auditing import AuditingMixin
from orchestrator.services.airlock.drafting import DraftingMixin
from orchestrator.services.airlock.releasing import ReleasingMixin
from orchestrator.services.airlock.reviewing import ReviewingMixin
from orchestrator.services.airlock.submitting import SubmittingMixin


class AirlockService(SubmittingMixin, ReleasingMixin, ReviewingMixin, DraftingMixin, AuditingMixin):
    """Every airlock use case. Construct once per process; methods are thread-safe.

    ``AirlockService(database, store, checker, signer, config)``; call ``setup()``
    (migrations, buckets) and then ``recover()`` at startup.
    """
