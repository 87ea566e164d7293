"""Diagnostics files: GetDiagnostics points a station at an upload address of its own,
the station uploads there, staff download what arrived."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import select

from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.models import Command, CommandOutcome, Station, StationFile, StationFileKind, User
from portal.models.base import utcnow
from portal.services import alarms, events, remote_operations, station_files
from portal.services.remote_operations import Sender
from portal.timestamps import format_timestamp

# The token in an upload address (/uploads/<token>[/<name>]), whoever sent the request.
UPLOAD_TOKEN = re.compile(r"/uploads/([A-Za-z0-9_-]{43})(?:/|$)")


def new_upload(station: Station, actor: User) -> StationFile:
    """A place for one diagnostics upload from this station, with its own token."""
    upload = StationFile(tenant_id=station.tenant_id, kind=StationFileKind.DIAGNOSTICS,
                         token=station_files.new_token(), station=station, created_by=actor)
    db.session.add(upload)
    db.session.flush()
    return upload


def request_payload(location: str, start_time: datetime | None, stop_time: datetime | None,
                    retries: int | None, retry_interval: int | None) -> dict[str, Any]:
    """The GetDiagnostics request; Invalid (naming the field) for values no station takes."""
    for field, value in (("retries", retries), ("retry_interval", retry_interval)):
        if value is not None and value < 0:
            raise Invalid("Give a whole number of 0 or more.", field=field)
    if start_time and stop_time and stop_time < start_time:
        raise Invalid("The stop time must come after the start time.", field="stop_time")
    payload: dict[str, Any] = {"location": location}
    optional = {"retries": retries, "retryInterval": retry_interval,
                "startTime": start_time and format_timestamp(start_time),
                "stopTime": stop_time and format_timestamp(stop_time)}
    payload.update({key: value for key, value in optional.items() if value is not None})
    return payload


def request(station: Station, payload: dict[str, Any], *, sender: Sender) -> Command:
    """Ask the station for its diagnostics (GetDiagnostics)."""
    return remote_operations.send(station, "GetDiagnostics", payload, sender=sender)


def remember_file_name(command: Command, sent: dict[str, Any]) -> None:
    """Keep the fileName the station will upload on the upload its location names; forget
    an upload the station never heard of (it was offline)."""
    match = UPLOAD_TOKEN.search(str(sent.get("location", "")))
    upload = match and db.session.scalar(select(StationFile).where(
        StationFile.token == match.group(1), StationFile.station_id == command.station_id))
    if not upload:
        return
    if command.outcome is CommandOutcome.OFFLINE:
        db.session.delete(upload)
    elif command.outcome is CommandOutcome.ANSWERED:
        upload.reported_file_name = str((command.response or {}).get("fileName", ""))[:255]


def receive(upload: StationFile, name: str, stream: BinaryIO, max_bytes: int) -> None:
    """Store what the station uploaded (a retry replaces an earlier upload)."""
    upload.name = (name or upload.reported_file_name or "diagnostics")[:255]
    station_files.write(upload, stream, max_bytes)
    if upload.station is not None:
        events.record(upload.station, "diagnostics_file",
                      f"Diagnostics file {upload.name} received ({upload.size} bytes)")


def files_of(station: Station) -> list[StationFile]:
    """The station's diagnostics requests and uploads, newest first."""
    return list(db.session.scalars(
        select(StationFile).where(StationFile.kind == StationFileKind.DIAGNOSTICS,
                                  StationFile.station_id == station.id)
        .order_by(StationFile.created_at.desc(), StationFile.id.desc())))


def get_file(station: Station, file_id: int) -> StationFile:
    """A diagnostics file of this station that has arrived; NotFound otherwise."""
    found = db.session.scalar(select(StationFile).where(
        StationFile.id == file_id, StationFile.kind == StationFileKind.DIAGNOSTICS,
        StationFile.station_id == station.id, StationFile.stored_at.is_not(None)))
    if found is None:
        raise NotFound("There is no such diagnostics file.")
    return found


def record_status(station: Station, status: str) -> None:
    """A DiagnosticsStatusNotification: the station's upload progress, and the step as an
    event."""
    station.diagnostics_status, station.diagnostics_status_at = status, utcnow()
    events.record(station, "diagnostics_status", f"Diagnostics: {status}")
    alarms.upload_status(station, status)


def record_log_status(station: Station, status: str, request_id: int | None) -> None:
    """A LogStatusNotification (security extension): how the GetLog upload `request_id`
    goes, as an event."""
    events.record(station, "log_status", f"Log upload: {status}",
                  details={"requestId": request_id})
    alarms.upload_status(station, status)
