from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TenantOwned, utcnow


class SsoProvider(TenantOwned, Base):
    """The company's OpenID Connect provider: staff (and drivers) log in through it."""

    __tablename__ = "sso_provider"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Shown on the login page: "Log in with <name>".
    name: Mapped[str] = mapped_column(String(100))
    # Exactly as the discovery document names it; ID tokens must carry it in `iss`.
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    # Encrypted by portal.services.encryption; never shown, only replaced.
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=False)
    # Only EV users: staff are never created by a login.
    create_ev_users: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
