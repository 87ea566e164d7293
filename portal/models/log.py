"""Append-only records: station events, the OCPP message log and the audit log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TenantOwned, str_enum, utcnow

if TYPE_CHECKING:
    from portal.models.station import Outlet, Station


STATION_CONNECTION = "kind IN ('connected', 'disconnected')"
STATION_WIDE_STATUS = "kind = 'status' AND outlet_id IS NULL"


class Event(TenantOwned, Base):
    """Something that happened at a station: boot, status change, refused connection."""

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_station_occurred", "station_id", "occurred_at"),
        Index("ix_event_tenant_kind_occurred", "tenant_id", "kind", "occurred_at"),
        Index("ix_event_tenant_occurred", "tenant_id", "occurred_at"),  # the event log
        # A station's connections and station-wide statuses (availability), among the many
        # statuses of its outlets: the state before a range is one index step back.
        Index("ix_event_station_connection", "station_id", "occurred_at",
              postgresql_where=text(STATION_CONNECTION), sqlite_where=text(STATION_CONNECTION)),
        Index("ix_event_station_wide_status", "station_id", "occurred_at",
              postgresql_where=text(STATION_WIDE_STATUS),
              sqlite_where=text(STATION_WIDE_STATUS)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))
    message: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)

    station: Mapped[Station | None] = relationship(viewonly=True)
    outlet: Mapped[Outlet | None] = relationship(viewonly=True)


class Direction(enum.StrEnum):
    FROM_STATION = "in"
    TO_STATION = "out"


class OcppMessage(TenantOwned, Base):
    """One OCPP-J frame, as sent or received, kept for the station's message log."""

    __tablename__ = "ocpp_message"
    __table_args__ = (
        Index("ix_ocpp_message_station_logged", "station_id", "logged_at"),
        Index("ix_ocpp_message_tenant_logged", "tenant_id", "logged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    charge_box_id: Mapped[str] = mapped_column(String(255))
    direction: Mapped[Direction] = mapped_column(str_enum(Direction))
    message_type: Mapped[int]  # 2 CALL, 3 CALLRESULT, 4 CALLERROR
    unique_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(50))
    frame: Mapped[str] = mapped_column(Text)
    logged_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(TenantOwned, Base):
    """Who changed what in the portal, through the API or on the command line; written by
    portal.services.audit, never changed or deleted."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_tenant_at", "tenant_id", "at"),
        # Support users read the entries about stations only.
        Index("ix_audit_entry_tenant_kind_at", "tenant_id", "target_kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_token.id", ondelete="SET NULL")
    )
    # Who, in words that outlive the user or token: an e-mail, "API token <name>", ...
    actor: Mapped[str] = mapped_column(String(255), default="", server_default="")
    address: Mapped[str | None] = mapped_column(String(64))  # the client's, after the proxy
    action: Mapped[str] = mapped_column(String(100))
    target_kind: Mapped[str] = mapped_column(String(30), default="", server_default="")
    target_id: Mapped[int | None]
    target: Mapped[str] = mapped_column(String(255), default="")  # the target's name
    # Field -> value before and after the change (secrets masked); None for none.
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for every field the entry names, in order."""
        before, after = self.before or {}, self.after or {}
        fields = list(before) + [name for name in after if name not in before]
        return [(name, before.get(name), after.get(name)) for name in fields]
