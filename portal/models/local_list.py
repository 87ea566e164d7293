"""The local authorization list of a station: the version it confirmed and what it holds."""

from __future__ import annotations

from datetime import datetime

from ocpp.v16.enums import UpdateStatus
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, TenantOwned

NOT_SUPPORTED_VERSION = -1  # GetLocalListVersion.conf: -1 = no local list support, 0 = empty


class LocalList(TenantOwned, Base):
    """Per station: the last list version it accepted, and what it last said about its list."""

    __tablename__ = "local_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(
        ForeignKey("station.id", ondelete="CASCADE"), unique=True
    )
    # The listVersion of the last SendLocalList the station answered Accepted (0 = none yet).
    version: Mapped[int] = mapped_column(default=0)
    # The station's last SendLocalList status (Accepted, Failed, NotSupported, VersionMismatch).
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_sent_at: Mapped[datetime | None]
    # Its last GetLocalListVersion answer: 0 = no list, -1 = lists not supported (OCPP 1.6).
    reported_version: Mapped[int | None]
    reported_at: Mapped[datetime | None]

    @property
    def reported_unsupported(self) -> bool:
        """Its last GetLocalListVersion answered -1."""
        return self.reported_version == NOT_SUPPORTED_VERSION

    @property
    def unsupported(self) -> bool:
        """The station said it has no local list: SendLocalList NotSupported, or version -1."""
        return self.last_status == UpdateStatus.not_supported or self.reported_unsupported


class LocalListEntry(TenantOwned, Base):
    """One idTag as the station holds it, after its last accepted SendLocalList."""

    __tablename__ = "local_list_entry"
    __table_args__ = (UniqueConstraint("station_id", "id_tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    id_tag: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # idTagInfo.status
    expiry_at: Mapped[datetime | None]
    parent_id_tag: Mapped[str | None] = mapped_column(String(20))
