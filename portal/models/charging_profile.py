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
from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TenantOwned, str_enum, utcnow
from portal.models.station import Station


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

    @property
    def can_remote_start(self) -> bool:
        """A RemoteStartTransaction may carry it: only a TxProfile (OCPP 1.6, 5.11)."""
        return self.purpose is ChargingProfilePurposeType.tx_profile


class InstalledChargingProfile(TenantOwned, Base):
    """A charging profile a station accepted (SetChargingProfile) and has not cleared since.

    It names the profile by its OCPP chargingProfileId, stack level and purpose, as the
    station does, so that a profile sent through the API without a definition in the portal
    is recorded too (`profile` is then None).
    """

    __tablename__ = "installed_charging_profile"
    __table_args__ = (Index("ix_installed_charging_profile_station", "station_id", "connector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    connector_id: Mapped[int]  # 0: the whole station
    profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("charging_profile.id", ondelete="SET NULL")
    )
    charging_profile_id: Mapped[int]
    stack_level: Mapped[int]
    purpose: Mapped[ChargingProfilePurposeType] = mapped_column(
        str_enum(ChargingProfilePurposeType)
    )
    transaction_id: Mapped[int | None]  # a TxProfile's transaction
    # The SetChargingProfile the station accepted: who sent it, when it answered.
    command_id: Mapped[int | None] = mapped_column(ForeignKey("command.id", ondelete="SET NULL"))
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)

    station: Mapped[Station] = relationship()
    profile: Mapped[ChargingProfile | None] = relationship()
