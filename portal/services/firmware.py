"""Firmware images staff upload for stations, and UpdateFirmware pointing stations at one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import select

from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.models import Command, Event, Station, StationFile, StationFileKind, Tenant, User
from portal.models.base import utcnow
from portal.services import alarms, events, remote_operations, station_files
from portal.services.remote_operations import Sender
from portal.timestamps import format_timestamp

# Events of the station's firmware and diagnostics progress (record_status here and
# diagnostics.record_status).
PROGRESS_EVENTS = ("firmware_status", "diagnostics_status", "diagnostics_file")


def images() -> list[StationFile]:
    """The company's firmware images, newest first."""
    return list(db.session.scalars(
        select(StationFile).where(StationFile.kind == StationFileKind.FIRMWARE)
        .order_by(StationFile.created_at.desc(), StationFile.id.desc())))


def get_image(image_id: int) -> StationFile:
    image = db.session.scalar(select(StationFile).where(
        StationFile.id == image_id, StationFile.kind == StationFileKind.FIRMWARE))
    if image is None:
        raise NotFound("There is no such firmware image.")
    return image


def upload(tenant: Tenant, actor: User, name: str, stream: BinaryIO,
           max_bytes: int) -> StationFile:
    """Store a firmware image under a new token; TooLarge past `max_bytes`."""
    name = name.strip()
    if not name:
        raise Invalid("Choose a file to upload.", field="file")
    image = StationFile(tenant_id=tenant.id, kind=StationFileKind.FIRMWARE,
                        token=station_files.new_token(), name=name[:255], created_by=actor)
    db.session.add(image)
    station_files.write(image, stream, max_bytes)
    return image


def delete(image: StationFile) -> None:
    """Forget the image; stations given its address get 404 from now on."""
    db.session.delete(image)
    db.session.flush()


def update_payload(location: str, retrieve_date: datetime, retries: int | None,
                   retry_interval: int | None) -> dict[str, Any]:
    """The UpdateFirmware request: where to download from, from when, how to retry."""
    for field, value in (("retries", retries), ("retry_interval", retry_interval)):
        if value is not None and value < 0:
            raise Invalid("Give a whole number of 0 or more.", field=field)
    payload: dict[str, Any] = {"location": location,
                               "retrieveDate": format_timestamp(retrieve_date)}
    if retries is not None:
        payload["retries"] = retries
    if retry_interval is not None:
        payload["retryInterval"] = retry_interval
    return payload


def update(station: Station, payload: dict[str, Any], *, sender: Sender) -> Command:
    """Ask one station to download and install firmware (UpdateFirmware)."""
    return remote_operations.send(station, "UpdateFirmware", payload, sender=sender)


def update_many(stations: list[Station], payload: dict[str, Any], *, sender: Sender) -> str:
    """Ask many stations at once; returns the operation's id."""
    return remote_operations.start(stations, "UpdateFirmware", payload, sender=sender)


def progress(station: Station, limit: int = 20) -> list[Event]:
    """The station's latest firmware and diagnostics steps, newest first."""
    return list(db.session.scalars(
        select(Event).where(Event.station_id == station.id, Event.kind.in_(PROGRESS_EVENTS))
        .order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit)))


def record_status(station: Station, status: str) -> None:
    """A FirmwareStatusNotification: the station's firmware progress, and the step as an
    event."""
    station.firmware_status, station.firmware_status_at = status, utcnow()
    events.record(station, "firmware_status", f"Firmware: {status}")
    alarms.firmware_status(station, status)


def record_signed_status(station: Station, status: str, request_id: int | None) -> None:
    """A SignedFirmwareStatusNotification (security extension): the same progress, for the
    SignedUpdateFirmware request `request_id`."""
    station.firmware_status, station.firmware_status_at = status, utcnow()
    events.record(station, "firmware_status", f"Signed firmware: {status}",
                  details={"requestId": request_id})
    alarms.firmware_status(station, status)
