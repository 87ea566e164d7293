"""A login half done: the password was right, the second step (a TOTP code, or enrolling
one when the company requires it) is still to come. It lives in the signed session cookie
for a few minutes; no login exists (log_in is not called) until the step is passed."""

from __future__ import annotations

import time

from flask import g, session

from portal.extensions import db
from portal.models import User
from portal.services import two_factor

KEY = "pending_login"
LIFETIME_SECONDS = 300


def second_step(user: User) -> str | None:
    """The endpoint of the step `user` must pass after the password, or None."""
    if two_factor.of(user) is not None:
        return "account.login_code"
    if two_factor.required(g.tenant, user):
        return "account.login_enrol"
    return None


def begin(user: User, *, remember: bool, next_path: str | None) -> None:
    session[KEY] = {"tenant": g.tenant.id, "user": user.id, "remember": remember,
                    "next": next_path, "at": int(time.time())}


def user() -> User | None:
    """The user whose password was right in this browser a moment ago, or None."""
    pending = session.get(KEY)
    if not isinstance(pending, dict) or pending.get("tenant") != g.tenant.id:
        return None
    if time.time() - pending.get("at", 0) > LIFETIME_SECONDS:
        return None
    found = db.session.get(User, pending.get("user"))
    return found if found is not None and found.active else None


def remember() -> bool:
    return bool(session.get(KEY, {}).get("remember"))


def end() -> str | None:
    """Forget the half-done login; returns where the browser was going."""
    return (session.pop(KEY, None) or {}).get("next")
