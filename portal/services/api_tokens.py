"""API tokens: bearer secrets for /api/v1, shown once and stored as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.models import ApiToken, Role, Tenant, User
from portal.models.base import utcnow

# The roles a token may act as; monitor is for tokens only (see portal.services.users).
TOKEN_ROLES = (Role.ADMIN, Role.SUPPORT, Role.MONITOR)
SECRET_PREFIX = "pb_"
# "Last used" is written at most once a minute per token, not on every request.
LAST_USE_PRECISION = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(tenant: Tenant, name: str, role: Role,
           created_by: User | None = None) -> tuple[str, ApiToken]:
    """A new token; return its secret (never stored, so shown only now) and its row."""
    name = name.strip()
    if not 0 < len(name) <= 100:
        raise Invalid("A token's name has 1 to 100 characters.", field="name")
    if role not in TOKEN_ROLES:
        raise Invalid("A token acts as an administrator, as support or as a monitor.",
                      field="role")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(tenant_id=tenant.id, name=name, token_hash=_digest(secret),
                     prefix=secret[:10], role=role,
                     created_by_id=created_by.id if created_by else None)
    db.session.add(token)
    db.session.flush()
    return secret, token


def find_by_secret(secret: str) -> ApiToken | None:
    """The company's live token with this secret (tenant scope: others' tokens are unknown)."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret),
                                                     ApiToken.revoked_at.is_(None)))
    if token is not None and (token.last_used_at is None
                              or utcnow() - token.last_used_at >= LAST_USE_PRECISION):
        token.last_used_at = utcnow()  # the caller commits
    return token


def listed() -> list[ApiToken]:
    """The company's tokens, newest first."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(),
                                                             ApiToken.id.desc())))


def revoke(token_id: int) -> ApiToken:
    """Revoke one of the company's tokens; requests with it get 401 from now on."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No API token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token
