from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import JSON, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, utcnow


class Tenant(Base):
    """A company that runs charging stations; its portal is <slug>.<PORTAL_DOMAIN>."""

    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Unknown chargeBoxIds that connect are registered as Pending instead of refused.
    auto_register_stations: Mapped[bool] = mapped_column(default=False)
    # Stations may connect without an authorization key (OCPP security profile 0).
    allow_stations_without_key: Mapped[bool] = mapped_column(default=False)
    # EV drivers may link an unowned, unblocked card to themselves by its number.
    drivers_add_cards: Mapped[bool] = mapped_column(default=False, server_default=false())
    # DataTransfer vendorIds this company's stations use; others get UnknownVendorId.
    data_transfer_vendor_ids: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Answered to a BootNotification of a station that has no interval of its own (seconds).
    heartbeat_interval: Mapped[int] = mapped_column(default=300, server_default="300")
    # Alarms: no network contact after this many heartbeat intervals (at least 15 minutes);
    # a connector's fault raises an alarm only once it has lasted this many seconds.
    no_contact_intervals: Mapped[int] = mapped_column(default=3, server_default="3")
    fault_grace_seconds: Mapped[int] = mapped_column(default=120, server_default="120")
    # The daily alarm digest goes at this local time.
    digest_time: Mapped[time] = mapped_column(default=time(7, 0), server_default="07:00:00")
    # OCPP configuration sent to each station at its first accepted boot, as
    # [{"key": ..., "value": ...}] in order (portal.services.default_configuration).
    default_configuration: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Staff (administrators, site administrators, support) must log in with a TOTP code.
    require_two_factor: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"
