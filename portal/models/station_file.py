"""Files stations exchange with the portal: firmware images they download and diagnostics
files they upload. The bytes live in the database, in chunks, so that every worker on
every machine can serve them and a download streams without holding the whole file."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TenantOwned, str_enum, utcnow
from portal.models.station import Station
from portal.models.user import User


class StationFileKind(enum.StrEnum):
    FIRMWARE = "firmware"  # uploaded by staff, downloaded by stations (UpdateFirmware)
    DIAGNOSTICS = "diagnostics"  # requested from a station (GetDiagnostics), uploaded by it


class StationFile(TenantOwned, Base):
    """One file and the unguessable token in the URL stations use to reach it."""

    __tablename__ = "station_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[StationFileKind] = mapped_column(str_enum(StationFileKind))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    # Diagnostics: the station asked, and the fileName it answered GetDiagnostics with.
    station_id: Mapped[int | None] = mapped_column(
        ForeignKey("station.id", ondelete="CASCADE"), index=True
    )
    reported_file_name: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the bytes arrived; None for a diagnostics request the station has not answered yet.
    stored_at: Mapped[datetime | None]

    station: Mapped[Station | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class StationFileChunk(TenantOwned, Base):
    """A piece of a file's bytes, read one at a time when a file is served."""

    __tablename__ = "station_file_chunk"

    file_id: Mapped[int] = mapped_column(
        ForeignKey("station_file.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
