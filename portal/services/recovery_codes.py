"""Recovery codes: ten single-use stand-ins for a TOTP code, shown once, kept hashed.

80 random bits each, so a plain SHA-256 is enough to keep a copy of the database from
revealing them (a slow password hash would make each login try ten slow checks).
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from sqlalchemy import delete, func, select, update

from portal.extensions import db
from portal.models import RecoveryCode, User
from portal.models.base import utcnow

COUNT = 10


def replace(user: User) -> list[str]:
    """New codes for `user`, the old ones void; returns them to show once."""
    delete_all(user)
    codes = [_new_code() for _ in range(COUNT)]
    db.session.add_all(RecoveryCode(tenant_id=user.tenant_id, user_id=user.id,
                                    code_hash=_hash(code)) for code in codes)
    db.session.flush()
    return codes


def use(user: User, code: str) -> bool:
    """Whether `code` is an unused recovery code of `user`; it is used up if so."""
    normal = normalize(code)
    if normal is None:
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(normal),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return used.rowcount == 1


def remaining(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def delete_all(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def normalize(code: str) -> str | None:
    """The code as stored, whatever dashes, spaces and case it was typed with; None for
    what cannot be one."""
    text = "".join(code.split()).replace("-", "").lower()
    return text if len(text) == 16 and text.isascii() and text.isalnum() else None


def _new_code() -> str:
    text = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 16 characters
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").encode()).hexdigest()
