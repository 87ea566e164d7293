"""Logins: each one a UserSession that logging out, a password change or its age ends.

The session and remember cookies name a login by a random token, not the user, so the
server decides whether a copy of a cookie still logs anyone in. A login lasts at most
REMEMBER_COOKIE_DAYS, the lifetime of the remember cookie, whether remembered or not.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import User, UserSession
from portal.models.base import utcnow


def start(user: User) -> str:
    """A new login of `user`; returns its token, which only the cookies hold."""
    now = utcnow()
    # Logins that ran out are forgotten here, so the table needs no clean-up job.
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(days=current_app.config["REMEMBER_COOKIE_DAYS"])
    db.session.add(UserSession(tenant_id=user.tenant_id, user_id=user.id,
                               token_hash=_hash(token), created_at=now,
                               expires_at=now + lifetime))
    db.session.flush()
    return token


def user_of(token: str) -> User | None:
    """The active user of the scoped tenant whose running login `token` names, or None."""
    return db.session.scalar(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _hash(token), UserSession.expires_at > utcnow(),
               User.active))


def end(token: str) -> None:
    """End one login (logging out): copies of its cookies stop working."""
    db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))


def end_all(user: User) -> None:
    """End every login of `user`, in every browser."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
