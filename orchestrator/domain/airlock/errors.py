"""The airlock's error vocabulary: every refusal carries a reason a person can read."""

from __future__ import annotations


class AirlockError(Exception):
    """Base class for every airlock error; ``str(error)`` is meant for the person who caused it."""


class NotPermitted(AirlockError):
    """The actor may not do this (wrong role, own request, hidden votes...)."""


class InvalidTransition(AirlockError):
    """The request is not in a state from which this move is possible."""


class InvalidInput(AirlockError):
    """The request, file or decision supplied is malformed; the message says what to fix."""


class NotFound(AirlockError):
    """No such request, file or link (or the actor may not know it exists)."""


class IntegrityError(AirlockError):
    """Stored bytes no longer match their recorded SHA-256: the request cannot proceed."""


class LimitReached(AirlockError):
    """A download or size limit has been used up."""


class RequestTooLarge(AirlockError):
    """A request would hold more files, or more bytes in total, than one request may."""
