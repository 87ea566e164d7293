"""Failed password checks are limited per client address and per account (LOGIN_RATE_LIMIT).

Every attempt is counted *before* its password is checked, by one atomic increment of a
fixed-window counter in the rate limiter's storage: Redis INCR when REDIS_URL is set, a
locked in-process counter otherwise. Counted afterwards, as Flask-Limiter's `deduct_when`
does, 25 parallel guesses all passed the check before the first was counted (18 of them
were checked). A right password gives its attempt back, so only failures use up the limit,
and an attempt that was refused gives back what it took, so refusals do not extend a lock.
The login form and the password form share the same counters: they guess the same password.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, g
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from portal import rate_limits
from portal.errors import DomainError
from portal.extensions import limiter


class TooManyAttempts(TooManyRequests):
    """A limit of failed password checks is used up; the password was not checked."""


@dataclass
class Attempt:
    """One password check, counted against each of its limits."""

    counted: list[tuple[RateLimitItem, tuple[str, ...]]] = field(default_factory=list)

    def give_back(self) -> None:
        """The password was right: only failures count."""
        # A fixed window is a plain counter, so giving back is incrementing by -1. Were the
        # window to end in between, the new one starts at -1: one more try, once.
        storage = limiter.storage
        while self.counted:
            item, key = self.counted.pop()
            storage.incr(item.key_for(*key), item.get_expiry(), amount=-1)


def count_attempt(email: str) -> Attempt:
    """Count a check of `email`'s password from this client; TooManyAttempts if a limit of
    this client address or of this account is used up (nothing stays counted then)."""
    strategy = FixedWindowRateLimiter(limiter.storage)
    attempt = Attempt()
    for key in _keys(email):
        for item in parse_many(current_app.config["LOGIN_RATE_LIMIT"]):
            attempt.counted.append((item, key))
            if not strategy.hit(item, *key):
                attempt.give_back()
                raise TooManyAttempts(str(item))
    return attempt


def _keys(email: str) -> tuple[tuple[str, ...], ...]:
    tenant = g.tenant.slug
    return (("password", tenant, "client", get_remote_address()),
            ("password", tenant, "account", email.strip().lower()))


class TooManyMails(DomainError):
    """ACCOUNT_MAIL_RATE_LIMIT is used up for this client address or for the e-mail address."""

    status = 429


def count_mail_request(address: str, field: str = "email") -> None:
    """Count an e-mail asked for to `address` (a reset link, an address to confirm) from this
    client; TooManyMails past ACCOUNT_MAIL_RATE_LIMIT, whether or not anyone has it."""
    limit = current_app.config["ACCOUNT_MAIL_RATE_LIMIT"]
    tenant = g.tenant.slug
    for key in (("client", get_remote_address()), ("address", address.strip().lower())):
        if not rate_limits.allow(limit, "account-mail", tenant, *key):
            raise TooManyMails("Too many e-mails were asked for. Wait an hour and try again.",
                               field=field)
