from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TenantOwned, utcnow


class TwoFactor(TenantOwned, Base):
    """A user's TOTP second factor (RFC 6238), once they confirmed it with a code."""

    __tablename__ = "two_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    # The base32 key authenticator apps take, encrypted (portal.services.encryption).
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    # The last 30-second time step a code was accepted for: a code works once.
    last_step: Mapped[int | None]
    enabled_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecoveryCode(TenantOwned, Base):
    """One single-use code that stands in for a TOTP code; only its SHA-256 is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None]
