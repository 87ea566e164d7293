from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ocpp.v16.enums import (
    ChargingProfileKindType,
    ChargingProfilePurposeType,
    ChargingRateUnitType,
    RecurrencyKind,
)
from sqlalchemy import JSON, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TenantOwned, str_enum


class ChargingProfile(TenantOwned, Base):
    """A charging profile the tenant defines and installs on stations (SetChargingProfile)."""

    __tablename__ = "charging_profile"
    __table_args__ = (UniqueConstraint("tenant_id", "charging_profile_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    charging_profile_id: Mapped[int]
    description: Mapped[str] = mapped_column(String(200), default="")
    stack_level: Mapped[int] = mapped_column(default=0)
    purpose: Mapped[ChargingProfilePurposeType] = mapped_column(
        str_enum(ChargingProfilePurposeType)
    )
    kind: Mapped[ChargingProfileKindType] = mapped_column(str_enum(ChargingProfileKindType))
    recurrency: Mapped[RecurrencyKind | None] = mapped_column(str_enum(RecurrencyKind))
    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]
    duration: Mapped[int | None]  # seconds
    start_schedule: Mapped[datetime | None]
    rate_unit: Mapped[ChargingRateUnitType] = mapped_column(str_enum(ChargingRateUnitType))
    min_charging_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    # [{"startPeriod": 0, "limit": 16.0, "numberPhases": 3}, ...] as OCPP's chargingSchedulePeriod
    periods: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
