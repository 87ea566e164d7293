from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TenantOwned, utcnow
from portal.models.station import Outlet, Station
from portal.models.user import User


class Alarm(TenantOwned, Base):
    """Something staff must look at (a faulted outlet, a station that does not connect)."""

    __tablename__ = "alarm"
    __table_args__ = (Index("ix_alarm_tenant_open", "tenant_id", "cleared_at", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alarm_type: Mapped[str] = mapped_column(String(50))
    # The topology node it concerns, by reference where it exists and by name always.
    node: Mapped[str] = mapped_column(String(255), default="")
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text, default="")
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None]
    cleared_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    station: Mapped[Station | None] = relationship()
    outlet: Mapped[Outlet | None] = relationship()
    cleared_by: Mapped[User | None] = relationship()
