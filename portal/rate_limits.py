"""Limits on how often something may happen per key, held where every worker sees them.

The counts live in Flask-Limiter's storage, as the login form's do: Redis with REDIS_URL,
so that a limit holds across workers and machines; otherwise this process's memory, which
on one worker is the same thing. Windows move (the last hour, not the clock hour), so a
burst across the turn of an hour gets no second allowance.
"""

from __future__ import annotations

from limits import parse_many
from limits.strategies import MovingWindowRateLimiter

from portal.extensions import limiter


def allow(limit: str, *key: str) -> bool:
    """Count one more for `key` and say whether it is within `limit` ("10 per hour", or
    several separated by ;); past it nothing is counted and the answer is False."""
    window = MovingWindowRateLimiter(limiter.storage)
    items = parse_many(limit)
    if not all(window.test(item, *key) for item in items):
        return False
    return all([window.hit(item, *key) for item in items])  # a list: count in every window
