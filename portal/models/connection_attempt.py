from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TenantOwned, str_enum, utcnow


class RefusalReason(enum.StrEnum):
    UNKNOWN_STATION = "unknown station"
    MISSING_KEY = "missing authorization key"
    WRONG_KEY = "wrong authorization key"
    NO_SUBPROTOCOL = "no ocpp1.6 subprotocol"


class ConnectionAttempt(TenantOwned, Base):
    """Refused handshakes of one chargeBoxId for one reason, counted: "why does it not connect"."""

    __tablename__ = "connection_attempt"
    __table_args__ = (UniqueConstraint("tenant_id", "charge_box_id", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    charge_box_id: Mapped[str] = mapped_column(String(255))
    reason: Mapped[RefusalReason] = mapped_column(str_enum(RefusalReason))
    remote_address: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(default=1)
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
