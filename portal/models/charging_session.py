from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TenantOwned, str_enum, utcnow
from portal.models.station import Outlet, Station
from portal.models.tag import Tag
from portal.models.user import User


class AuthMethod(enum.StrEnum):
    """How a session was allowed to start: an OPEN outlet, a tag, or a remote start (page,
    API, payment service)."""

    OPEN = "open"
    RFID = "rfid"
    REMOTE = "remote"

    @property
    def label(self) -> str:
        """As a driver reads it in their sessions."""
        return {"open": "Open outlet", "rfid": "RFID tag", "remote": "Remote start"}[self.value]


# The sessions up for review (session_review.queue): a few in a thousand, kept apart in a
# partial index so that the queue does not walk a year of sessions to find them. SQLite uses
# it only when its condition reads as the query's does, and booleans there read "= 1".
UNDER_REVIEW = "reviewed_at IS NULL AND (needs_review OR anomaly IS NOT NULL)"
UNDER_REVIEW_SQLITE = "reviewed_at IS NULL AND (needs_review = 1 OR anomaly IS NOT NULL)"
# The tag filter's trigram index (migration 0019): PostgreSQL only, and only where pg_trgm
# could be created, so it is no part of the model (portal.database leaves it out of
# comparisons).
TAG_TRIGRAM_INDEX = "ix_charging_session_id_tag_trgm"


class ChargingSession(TenantOwned, Base):
    """One OCPP transaction: from StartTransaction to StopTransaction."""

    __tablename__ = "charging_session"
    __table_args__ = (
        UniqueConstraint("tenant_id", "transaction_id"),
        # A StartTransaction sent again because its answer was lost is the same session.
        UniqueConstraint("station_id", "outlet_id", "started_at", "id_tag", "meter_start",
                         name="uq_charging_session_start"),
        Index("ix_charging_session_tenant_started", "tenant_id", "started_at"),
        Index("ix_charging_session_tag_started", "tag_id", "started_at"),
        Index("ix_charging_session_station_started", "station_id", "started_at"),
        Index("ix_charging_session_user_started", "user_id", "started_at"),
        Index("ix_charging_session_open", "tenant_id", "stopped_at"),
        Index("ix_charging_session_under_review", "tenant_id", "started_at",
              postgresql_where=text(UNDER_REVIEW), sqlite_where=text(UNDER_REVIEW_SQLITE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The OCPP transactionId; the row's id once inserted (NULL only inside that insert).
    transaction_id: Mapped[int | None]
    # active_history: a change of the station, start or energy loads the value it replaces,
    # which the summary of sessions per day (session_days) takes out of its old day.
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"),
                                            active_history=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id", ondelete="SET NULL"))
    # The idTag exactly as the station sent it, and the tag it matched (if any).
    id_tag: Mapped[str] = mapped_column(String(20))
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tag.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # idTagInfo.status given at the start: anything but Accepted is a session not authorized.
    authorization_status: Mapped[str] = mapped_column(String(20), default="Accepted")
    auth_method: Mapped[AuthMethod] = mapped_column(
        str_enum(AuthMethod), default=AuthMethod.RFID, server_default=AuthMethod.RFID.value)
    started_at: Mapped[datetime] = mapped_column(active_history=True)
    # When Plugboard received the StartTransaction (the station's clock gives started_at).
    received_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    stopped_at: Mapped[datetime | None]
    meter_start: Mapped[int]  # Wh
    meter_stop: Mapped[int | None]  # Wh
    stop_reason: Mapped[str | None] = mapped_column(String(40))
    stop_id_tag: Mapped[str | None] = mapped_column(String(20))
    reservation_id: Mapped[int | None] = mapped_column(
        ForeignKey("reservation.id", ondelete="SET NULL")
    )
    # Set when the station never reported the end and the portal closed the session itself.
    needs_review: Mapped[bool] = mapped_column(default=False)
    review_note: Mapped[str] = mapped_column(Text, default="")
    # The energy as accounted (Wh), set when the session ends: meter stop - meter start, or
    # from the meter values where the meter reset (energy_from_samples). None while open.
    energy_wh: Mapped[int | None] = mapped_column(BigInteger, active_history=True)
    energy_from_samples: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Why its figures cannot be right (SessionAnomaly), if they cannot.
    anomaly: Mapped[str | None] = mapped_column(String(20))
    # A person's review of a session closed by the portal or with an anomaly: accepted as it
    # is, or corrected (the values before the correction are kept).
    reviewed_at: Mapped[datetime | None]
    # Who reviewed it, by e-mail: kept when their account is deleted.
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    review_action: Mapped[str | None] = mapped_column(String(10))
    original_stopped_at: Mapped[datetime | None]
    original_meter_stop: Mapped[int | None]

    station: Mapped[Station] = relationship()
    outlet: Mapped[Outlet | None] = relationship()
    tag: Mapped[Tag | None] = relationship()
    user: Mapped[User | None] = relationship()


# The meter's total energy reading: what a session's energy is measured by.
ENERGY_REGISTER = "Energy.Active.Import.Register"


class MeterValue(TenantOwned, Base):
    """One sampled value of a MeterValues or StopTransaction message."""

    __tablename__ = "meter_value"
    __table_args__ = (
        Index("ix_meter_value_session_sampled", "charging_session_id", "sampled_at"),
        Index("ix_meter_value_outlet_sampled", "outlet_id", "sampled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id", ondelete="SET NULL"))
    charging_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("charging_session.id", ondelete="CASCADE")
    )
    sampled_at: Mapped[datetime]
    # Kept as the station sent it: a signed value is an opaque string.
    value: Mapped[str] = mapped_column(Text)
    numeric_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    measurand: Mapped[str] = mapped_column(String(50), default=ENERGY_REGISTER)
    phase: Mapped[str | None] = mapped_column(String(10))
    unit: Mapped[str | None] = mapped_column(String(20))
    context: Mapped[str | None] = mapped_column(String(30))
    location: Mapped[str | None] = mapped_column(String(10))
    format: Mapped[str | None] = mapped_column(String(20))
