"""Airlock use cases: the service the HTTP API and the CLI call.

Typical wiring (see ``AirlockService``)::

    database = Database("sqlite:///airlock.db")
    service = AirlockService(database, S3ObjectStore(settings), checker, signer, AirlockConfig())
    service.setup()      # migrations + buckets, idempotent
    service.recover()    # finish submissions/releases a crash interrupted

Every method takes the authenticated :class:`~orchestrator.domain.access.Actor`
and raises :class:`~orchestrator.domain.airlock.errors.AirlockError` subclasses
whose message is meant for that person.
"""

from orchestrator.services.airlock.ports import AirlockConfig, Checker, ObjectStore, OutboxRef
from orchestrator.services.airlock.service import AirlockService
from orchestrator.services.airlock.views import (
    AuditVerification,
    RecoveryReport,
    ReleasedDownload,
    RequestDetail,
)

__all__ = [
    "AirlockConfig",
    "AirlockService",
    "AuditVerification",
    "Checker",
    "ObjectStore",
    "OutboxRef",
    "RecoveryReport",
    "ReleasedDownload",
    "RequestDetail",
]
