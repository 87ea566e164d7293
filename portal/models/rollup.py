"""Per local day sums of the status history, kept by the clock so that the Statistics page
adds up days instead of walking a year of events (portal.services.rollups says how they stay
exact)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TenantOwned


class OutletDay(TenantOwned, Base):
    """Seconds an outlet spent Charging and occupied on one local day (rows only for days
    with some)."""

    __tablename__ = "outlet_day"
    __table_args__ = (Index("ix_outlet_day_tenant_day", "tenant_id", "day"),)

    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id", ondelete="CASCADE"),
                                           primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    charging_seconds: Mapped[float]
    occupied_seconds: Mapped[float]


class StationDay(TenantOwned, Base):
    """Seconds a station was online, and online and not Faulted, on one local day (rows only
    for days it was online)."""

    __tablename__ = "station_day"
    __table_args__ = (Index("ix_station_day_tenant_day", "tenant_id", "day"),)

    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"),
                                            primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    online_seconds: Mapped[float]
    available_seconds: Mapped[float]


class OutletMonth(TenantOwned, Base):
    """The outlet's rolled-up days of one local month added up (`month` is its first day):
    a year of Statistics adds up twelve rows an outlet instead of 365."""

    __tablename__ = "outlet_month"
    __table_args__ = (Index("ix_outlet_month_tenant_month", "tenant_id", "month"),)

    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id", ondelete="CASCADE"),
                                           primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    charging_seconds: Mapped[float]
    occupied_seconds: Mapped[float]


class StationMonth(TenantOwned, Base):
    """The station's rolled-up days of one local month added up."""

    __tablename__ = "station_month"
    __table_args__ = (Index("ix_station_month_tenant_month", "tenant_id", "month"),)

    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"),
                                            primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    online_seconds: Mapped[float]
    available_seconds: Mapped[float]


class RollupProgress(TenantOwned, Base):
    """How far the company's days are rolled up: every day before `rolled_until`, in the
    zone the days were cut in."""

    __tablename__ = "rollup_progress"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    rolled_until: Mapped[date] = mapped_column(Date)


class StaleRollup(TenantOwned, Base):
    """A station whose rolled-up days from `since` on missed a late event; `version` grows
    with every late event, so the clock clears only what it has recomputed."""

    __tablename__ = "stale_rollup"

    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"),
                                            primary_key=True)
    since: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)
