from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TenantOwned, str_enum, utcnow


class ServiceKind(enum.StrEnum):
    MAP = "map"
    PAYMENT = "payment"
    WEBHOOK = "webhook"


class ThirdPartyService(TenantOwned, Base):
    """A map, payment or webhook service a tenant has connected."""

    __tablename__ = "third_party_service"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ServiceKind] = mapped_column(str_enum(ServiceKind))
    provider: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
