from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TenantOwned, str_enum, utcnow
from portal.models.station import Outlet, Station
from portal.models.tag import Tag


class ReservationStatus(enum.StrEnum):
    """Lifecycle of a reservation: the station's answer, then cancellation, use or expiry."""

    REQUESTED = "Requested"  # sent, no answer yet
    ACCEPTED = "Accepted"
    FAULTED = "Faulted"
    OCCUPIED = "Occupied"
    REJECTED = "Rejected"
    UNAVAILABLE = "Unavailable"
    # No answer (offline, timed out) or a CALLERROR: `failure` says which.
    FAILED = "Failed"
    CANCELLED = "Cancelled"
    USED = "Used"
    EXPIRED = "Expired"


class Reservation(TenantOwned, Base):
    """A ReserveNow for a tag on an outlet (or the whole station, connector 0).

    The primary key is the reservationId sent to the station.
    """

    __tablename__ = "reservation"
    __table_args__ = (Index("ix_reservation_tenant_status", "tenant_id", "status", "expiry_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id", ondelete="SET NULL"))
    connector_id: Mapped[int]
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tag.id", ondelete="SET NULL"))
    id_tag: Mapped[str] = mapped_column(String(20))
    parent_id_tag: Mapped[str | None] = mapped_column(String(20))
    expiry_at: Mapped[datetime]
    status: Mapped[ReservationStatus] = mapped_column(
        str_enum(ReservationStatus), default=ReservationStatus.REQUESTED
    )
    failure: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    station: Mapped[Station] = relationship()
    outlet: Mapped[Outlet | None] = relationship()
    tag: Mapped[Tag | None] = relationship()
