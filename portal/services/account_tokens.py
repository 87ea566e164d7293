"""Single-use links sent by e-mail: a random token in the link, only its hash kept.

A link is used by one UPDATE that also checks it is unused and unexpired, so of two
tabs (or two workers) posting the same link at once exactly one wins.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import AccountToken, TokenPurpose, User
from portal.models.base import utcnow

LIFETIME = {
    TokenPurpose.PASSWORD_RESET: timedelta(hours=1),
    # The new mailbox may be one its owner reads the next day.
    TokenPurpose.EMAIL_CHANGE: timedelta(hours=24),
}


def issue(user: User, purpose: TokenPurpose, *, new_email: str | None = None) -> str:
    """A new link token for `user`; returns the token, which only the e-mail holds."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(AccountToken(tenant_id=user.tenant_id, user_id=user.id, purpose=purpose,
                                token_hash=_hash(token), new_email=new_email,
                                created_at=now, expires_at=now + LIFETIME[purpose]))
    db.session.flush()
    return token


def find(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The unused, unexpired link of the scoped tenant this token names, or None."""
    return db.session.scalar(select(AccountToken).where(*_usable(token, purpose)))


def use(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """Mark the link used and return it; None if it is unknown, expired or already used."""
    used = db.session.execute(
        update(AccountToken).where(*_usable(token, purpose)).values(used_at=utcnow())
        .execution_options(synchronize_session=False))
    if used.rowcount != 1:
        return None
    return db.session.scalar(select(AccountToken).where(AccountToken.token_hash == _hash(token)))


def revoke_all(user: User, purpose: TokenPurpose) -> None:
    """Every unused link of `user` for `purpose` stops working."""
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
               AccountToken.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))


def _usable(token: str, purpose: TokenPurpose) -> tuple:
    return (AccountToken.token_hash == _hash(token), AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow())


def _hash(token: str) -> str:
    # NUL and lone surrogates from a forged link must not reach the database's text.
    return hashlib.sha256(token.encode(errors="surrogatepass")).hexdigest()
