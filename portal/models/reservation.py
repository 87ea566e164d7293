from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Index, String, and_, case, literal
from sqlalchemy.ext.hybrid import hybrid_method
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


# Waiting for the station or held by it: such a reservation may still expire or be cancelled.
OPEN = (ReservationStatus.REQUESTED, ReservationStatus.ACCEPTED)


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

    # Past its expiry an open reservation is Expired, also before the clock's next round
    # stores it (portal.jobs): reads take `now`, in Python and in SQL alike.

    @hybrid_method
    def overdue_at(self, now: datetime) -> bool:
        """Still open at or after its expiry."""
        return self.status in OPEN and self.expiry_at <= now

    @overdue_at.inplace.expression
    @classmethod
    def _overdue_at(cls, now: datetime) -> ColumnElement[bool]:
        return and_(cls.status.in_(OPEN), cls.expiry_at <= now)

    @hybrid_method
    def status_at(self, now: datetime) -> ReservationStatus:
        """The status as of `now`: Expired once an open reservation is overdue."""
        return ReservationStatus.EXPIRED if self.overdue_at(now) else self.status

    @status_at.inplace.expression
    @classmethod
    def _status_at(cls, now: datetime) -> ColumnElement[ReservationStatus]:
        expired = literal(ReservationStatus.EXPIRED, cls.__table__.c.status.type)
        return case((cls.overdue_at(now), expired), else_=cls.status)

    @hybrid_method
    def is_active_at(self, now: datetime) -> bool:
        """Accepted and not expired: the station holds the connector, staff may cancel it."""
        return self.status is ReservationStatus.ACCEPTED and self.expiry_at > now

    @is_active_at.inplace.expression
    @classmethod
    def _is_active_at(cls, now: datetime) -> ColumnElement[bool]:
        return and_(cls.status == ReservationStatus.ACCEPTED, cls.expiry_at > now)
