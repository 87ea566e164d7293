from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TenantOwned


class SessionDay(TenantOwned, Base):
    """The sessions of one station that started on one local day of the company (its time
    zone), and their accounted energy: the sessions page's totals and the Statistics' days,
    weeks and months add these up instead of reading a year of sessions.

    Kept exact by portal.services.session_days in the transaction of every change."""

    __tablename__ = "session_day"
    # Covering the sums of a company's days: a year is 180,000 rows for 500 stations, read
    # from the index alone (SQLite looked each one up in the table: 0.7 s a year).
    __table_args__ = (Index("ix_session_day_tenant_day", "tenant_id", "day", "station_id",
                            "sessions", "energy_wh"),)

    station_id: Mapped[int] = mapped_column(
        ForeignKey("station.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    # Every session started that day, open ones included, and the sum of their energy_wh
    # (NULL, while open or unknown, counts 0).
    sessions: Mapped[int] = mapped_column(default=0)
    energy_wh: Mapped[int] = mapped_column(BigInteger, default=0)


class SessionMonth(TenantOwned, Base):
    """A station's days of one local month added up (`month` is its first day): a year of
    top stations, or of bars a month, adds up twelve rows a station instead of 365.

    Kept with the days by portal.services.session_days, in the same transaction."""

    __tablename__ = "session_month"
    # Covering, as the days' index is.
    __table_args__ = (Index("ix_session_month_tenant_month", "tenant_id", "month", "station_id",
                            "sessions", "energy_wh"),)

    station_id: Mapped[int] = mapped_column(
        ForeignKey("station.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    sessions: Mapped[int] = mapped_column(default=0)
    energy_wh: Mapped[int] = mapped_column(BigInteger, default=0)
