from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus, RegistrationStatus
from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    select,
    true,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from portal.models.base import Base, TenantOwned, new_uuid, str_enum, utcnow
from portal.models.site import Floor, Site
from portal.models.tenant import Tenant


class Availability(enum.StrEnum):
    """Whether drivers outside the company may see and use a station."""

    PUBLIC = "public"
    PRIVATE = "private"


class OutletMode(enum.StrEnum):
    """OPEN outlets start charging on plug-in; RFID outlets need an authorized tag."""

    OPEN = "OPEN"
    RFID = "RFID"


class Station(TenantOwned, Base):
    """A charge point (OCPP chargeBoxId) with its outlets (OCPP connectors)."""

    __tablename__ = "station"
    __table_args__ = (UniqueConstraint("tenant_id", "charge_box_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    charge_box_id: Mapped[str] = mapped_column(String(255))
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("site.id", ondelete="SET NULL"), index=True
    )
    floor_id: Mapped[int | None] = mapped_column(ForeignKey("floor.id", ondelete="SET NULL"))
    protocol: Mapped[str] = mapped_column(String(20), default="ocpp1.6j")
    auth_key_hash: Mapped[str | None] = mapped_column(String(255))
    # HMAC of the hash and the key last presented with success (stations.key_verifier).
    auth_key_verifier: Mapped[str | None] = mapped_column(String(64))
    registration_status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus), default=RegistrationStatus.accepted
    )
    # False while decommissioned or under repair: it raises no alarm and is left out of
    # digests and availability figures.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The station's own heartbeat interval (seconds); None: the company's default.
    heartbeat_interval: Mapped[int | None] = mapped_column()
    availability: Mapped[Availability] = mapped_column(
        str_enum(Availability), default=Availability.PRIVATE
    )
    vendor: Mapped[str] = mapped_column(String(50), default="")
    model: Mapped[str] = mapped_column(String(50), default="")
    charge_point_serial_number: Mapped[str] = mapped_column(String(50), default="")
    charge_box_serial_number: Mapped[str] = mapped_column(String(50), default="")
    firmware_version: Mapped[str] = mapped_column(String(50), default="")
    iccid: Mapped[str] = mapped_column(String(50), default="")
    imsi: Mapped[str] = mapped_column(String(50), default="")
    meter_type: Mapped[str] = mapped_column(String(50), default="")
    meter_serial_number: Mapped[str] = mapped_column(String(50), default="")
    last_boot_at: Mapped[datetime | None]
    last_heartbeat_at: Mapped[datetime | None]
    # The live connection: set while a socket is open (connection_id names which one).
    connected_at: Mapped[datetime | None]
    connection_id: Mapped[str | None] = mapped_column(String(36))
    last_seen_at: Mapped[datetime | None]
    # StatusNotification for connectorId 0: the station as a whole.
    status: Mapped[ChargePointStatus | None] = mapped_column(str_enum(ChargePointStatus))
    error_code: Mapped[ChargePointErrorCode | None] = mapped_column(
        str_enum(ChargePointErrorCode)
    )
    status_info: Mapped[str] = mapped_column(String(50), default="", server_default="")
    status_at: Mapped[datetime | None]
    firmware_status: Mapped[str | None] = mapped_column(String(40))
    firmware_status_at: Mapped[datetime | None]
    diagnostics_status: Mapped[str | None] = mapped_column(String(40))
    diagnostics_status_at: Mapped[datetime | None]
    address: Mapped[str] = mapped_column(Text, default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    note: Mapped[str] = mapped_column(Text, default="")
    # Position on the floor map, as fractions (0..1) of the image's width and height.
    floor_x: Mapped[float | None]
    floor_y: Mapped[float | None]
    # What the station can deliver at most (W); None: not known (no energy check).
    rated_power_w: Mapped[int | None]
    # When the company's default configuration was sent, at the first accepted boot.
    defaults_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site | None] = relationship()
    floor: Mapped[Floor | None] = relationship()
    outlets: Mapped[list[Outlet]] = relationship(
        back_populates="station", order_by="Outlet.connector_id", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        return self.name or self.charge_box_id

    @property
    def online(self) -> bool:
        return self.connected_at is not None


class Outlet(TenantOwned, Base):
    """A connector of a station (OCPP connectorId 1..n)."""

    __tablename__ = "outlet"
    __table_args__ = (
        UniqueConstraint("station_id", "connector_id"),
        Index("ix_outlet_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    connector_id: Mapped[int]
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    connector_type: Mapped[str] = mapped_column(String(40), default="")
    parking_label: Mapped[str] = mapped_column(String(100), default="")
    mode: Mapped[OutletMode] = mapped_column(str_enum(OutletMode), default=OutletMode.RFID)
    status: Mapped[ChargePointStatus | None] = mapped_column(str_enum(ChargePointStatus))
    error_code: Mapped[ChargePointErrorCode | None] = mapped_column(
        str_enum(ChargePointErrorCode)
    )
    info: Mapped[str] = mapped_column(String(50), default="")
    vendor_id: Mapped[str] = mapped_column(String(255), default="")
    vendor_error_code: Mapped[str] = mapped_column(String(50), default="")
    status_at: Mapped[datetime | None]
    # Identifiers this outlet has at connected third-party services (map, payment).
    external_ids: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    station: Mapped[Station] = relationship(back_populates="outlets")


class StationConfigurationKey(TenantOwned, Base):
    """An OCPP configuration key as the station last reported it."""

    __tablename__ = "station_configuration_key"
    __table_args__ = (UniqueConstraint("station_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(50))
    value: Mapped[str | None] = mapped_column(String(500))
    readonly: Mapped[bool] = mapped_column(default=False)
    # The station answered this key in unknownKey of GetConfiguration.
    unknown: Mapped[bool] = mapped_column(default=False)
    # The station accepted this value with RebootRequired: it applies from its next boot.
    reboot_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# The interval answered to the station's BootNotification: its own, or else the company's.
Station.heartbeat_period = column_property(func.coalesce(
    Station.heartbeat_interval,
    select(Tenant.heartbeat_interval).where(Tenant.id == Station.tenant_id).scalar_subquery()))
