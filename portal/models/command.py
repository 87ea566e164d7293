"""A remote operation sent to a station (a CS -> CP call): who asked, what came back."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.api_token import ApiToken
from portal.models.base import Base, TenantOwned, str_enum, utcnow
from portal.models.station import Station
from portal.models.user import User


class CommandOutcome(enum.StrEnum):
    PENDING = "pending"  # sent, no answer yet
    ANSWERED = "answered"  # a CALLRESULT (its own status may still say Rejected)
    CALL_ERROR = "call error"
    OFFLINE = "offline"
    TIMED_OUT = "timed out"


class CommandSender(enum.StrEnum):
    """Which door a command came through."""

    USER = "user"  # a page, as the signed-in user
    API_TOKEN = "api token"  # the JSON API
    CLOCK = "clock"  # the portal itself: a job, or a station's first boot
    SERVICE = "service"  # a third-party service (payment)


class Command(TenantOwned, Base):
    __tablename__ = "command"
    __table_args__ = (
        Index("ix_command_tenant_issued", "tenant_id", "issued_at"),
        Index("ix_command_station_issued", "station_id", "issued_at"),
        Index("ix_command_operation", "operation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    charge_box_id: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(50))
    # Commands sent together from one form (an operation on many stations) share this id.
    operation_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unique_id: Mapped[str | None] = mapped_column(String(36))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_token.id", ondelete="SET NULL")
    )
    sender: Mapped[CommandSender] = mapped_column(
        str_enum(CommandSender), default=CommandSender.CLOCK, server_default="clock"
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[CommandOutcome] = mapped_column(
        str_enum(CommandOutcome), default=CommandOutcome.PENDING
    )
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(50))
    error_description: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]

    station: Mapped[Station] = relationship()
    user: Mapped[User | None] = relationship()
    api_token: Mapped[ApiToken | None] = relationship()

    @property
    def issued_by(self) -> str:
        if self.user is not None:
            return self.user.email
        if self.api_token is not None:
            return f"API token {self.api_token.name}"
        return {CommandSender.CLOCK: "Plugboard",  # the portal itself, e.g. at a first boot
                CommandSender.SERVICE: "a connected service"}.get(self.sender, "Plugboard")
