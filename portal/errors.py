"""Domain errors raised by services; each door (web, API, OCPP) maps them once."""

from __future__ import annotations

import random

import redis
from sqlalchemy.exc import TimeoutError as PoolTimeout

# How long a client refused for being busy is told to wait (Retry-After), at random in this
# range: stations refused together must not all come back together.
RETRY_AFTER_SECONDS = (10, 30)


# No database (or Redis) connection came free in time: the system is busy, not broken.
# Doors answer 503 with Retry-After; background work logs a warning, not a traceback.
BUSY: tuple[type[Exception], ...] = (PoolTimeout, redis.ConnectionError)


def retry_after() -> int:
    return random.randint(*RETRY_AFTER_SECONDS)


class DomainError(Exception):
    """A business rule refused the request; the message is safe to show."""

    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field  # the form or payload field at fault, when there is one


class Unauthorized(DomainError):
    """The request does not prove who sent it (a service's signature)."""

    status = 401


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Invalid(DomainError):
    status = 422


class TooMany(DomainError):
    """Tried too often: wait before trying again."""

    status = 429


class TooLarge(DomainError):
    status = 413
