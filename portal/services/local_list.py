"""Local authorization lists: built from the company's tags, sent to stations, versioned.

Per station the portal keeps the listVersion the station last accepted and a copy of the
entries it then held (LocalList, LocalListEntry). A Full update sends every tag; a
Differential one sends only what changed since that copy (changed or new tags with their
idTagInfo, removed ones without). What is stored follows the station's answers whoever
sent the SendLocalList (page, JSON API): remote_operations runs `checked_update` before
each is sent and `record_update` / `record_version` on each answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ocpp.v16.enums import ConfigurationKey, UpdateStatus, UpdateType
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from portal.errors import Invalid
from portal.extensions import db
from portal.models import (
    Command,
    CommandOutcome,
    LocalList,
    LocalListEntry,
    Station,
    StationConfigurationKey,
    Tag,
)
from portal.models.base import utcnow
from portal.services import remote_operations, tags
from portal.services.remote_operations import Sender
from portal.timestamps import format_timestamp, parse_timestamp

# A station that answers these has a list other than the portal thinks: send it all again.
RESEND_FULL = (UpdateStatus.failed.value, UpdateStatus.version_mismatch.value)


@dataclass(frozen=True)
class Entry:
    """An idTag with its idTagInfo, as OCPP carries it (expiryDate already formatted)."""

    id_tag: str
    status: str
    expiry_date: str | None = None
    parent_id_tag: str | None = None

    def as_ocpp(self) -> dict[str, Any]:
        info: dict[str, Any] = {"status": self.status}
        if self.expiry_date:
            info["expiryDate"] = self.expiry_date
        if self.parent_id_tag:
            info["parentIdTag"] = self.parent_id_tag
        return {"idTag": self.id_tag, "idTagInfo": info}


def find(station: Station) -> LocalList | None:
    return db.session.scalar(select(LocalList).where(LocalList.station_id == station.id))


def state(station: Station) -> LocalList:
    """The station's list state, created (version 0, nothing held) on first use."""
    found = find(station)
    if found is None:
        found = LocalList(tenant_id=station.tenant_id, station_id=station.id, version=0)
        db.session.add(found)
        db.session.flush()
    return found


def held(station: Station) -> list[Entry]:
    """What the station holds, as of its last accepted SendLocalList."""
    rows = db.session.scalars(select(LocalListEntry).where(
        LocalListEntry.station_id == station.id).order_by(LocalListEntry.id_tag))
    return [Entry(row.id_tag, row.status,
                  format_timestamp(row.expiry_at) if row.expiry_at else None,
                  row.parent_id_tag) for row in rows]


def wanted() -> list[Entry]:
    """Every tag of the company with the idTagInfo the portal would answer for it now."""
    found = db.session.scalars(select(Tag).options(selectinload(Tag.parent))
                               .order_by(Tag.id_tag))
    entries = []
    for tag in found:
        authorization = tags.authorization_of(tag, count_active=False)
        expiry = authorization.expiry_at
        entries.append(Entry(tag.id_tag, authorization.status.value,
                             format_timestamp(expiry) if expiry else None,
                             authorization.parent_id_tag))
    return entries


def changes(station: Station) -> list[dict[str, Any]]:
    """The entries of a Differential update: new or changed tags, then removed ones."""
    before = {entry.id_tag: entry for entry in held(station)}
    now = {entry.id_tag: entry for entry in wanted()}
    changed = [entry.as_ocpp() for id_tag, entry in now.items() if before.get(id_tag) != entry]
    removed = [{"idTag": id_tag} for id_tag in sorted(before.keys() - now.keys())]
    return changed + removed


def send(station: Station, update_type: UpdateType, *, sender: Sender) -> list[Command]:
    """Send the list; if the station answers Failed or VersionMismatch, send it in Full once.

    Returns the commands sent, in order. An update longer than the station's
    SendLocalListMaxLength goes in several messages (the first of the requested type, the
    rest Differential), stopping at the first that is not accepted.
    """
    sent = _send_update(station, update_type, sender)
    if _status(sent[-1]) in RESEND_FULL:
        sent += _send_update(station, UpdateType.full, sender)
    return sent


def _send_update(station: Station, update_type: UpdateType, sender: Sender) -> list[Command]:
    if update_type is UpdateType.full:
        entries = [entry.as_ocpp() for entry in wanted()]
    else:
        entries = changes(station)
    _check_capacity(station, update_type, entries)
    per_message = _configured(station, ConfigurationKey.send_local_list_max_length)
    parts = [entries]  # an empty Full update empties the station's list
    if per_message and len(entries) > per_message:
        parts = [entries[start:start + per_message]
                 for start in range(0, len(entries), per_message)]
    sent: list[Command] = []
    for number, part in enumerate(parts):
        payload = {"listVersion": state(station).version + 1,
                   "updateType": (update_type if number == 0 else UpdateType.differential).value,
                   "localAuthorizationList": part}
        sent.append(remote_operations.send(station, "SendLocalList", payload, sender=sender))
        if _status(sent[-1]) != UpdateStatus.accepted.value:
            break
    return sent


def checked_update(station: Station, payload: dict[str, Any], sender: Sender) -> dict[str, Any]:
    """A SendLocalList as it may be sent, whoever sends it: no longer than the station
    takes in one message (SendLocalListMaxLength) nor than it stores in all."""
    entries = payload.get("localAuthorizationList") or []
    per_message = _configured(station, ConfigurationKey.send_local_list_max_length)
    if per_message and len(entries) > per_message:
        raise Invalid(f"{len(entries)} entries in one SendLocalList; {station.charge_box_id} "
                      f"takes at most {per_message} (SendLocalListMaxLength).",
                      field="localAuthorizationList")
    _check_capacity(station, UpdateType(payload["updateType"]), entries)
    return payload


def _check_capacity(station: Station, update_type: UpdateType,
                    entries: list[dict[str, Any]]) -> None:
    """Refuse a list longer than the station stores (its LocalAuthListMaxLength)."""
    capacity = _configured(station, ConfigurationKey.local_auth_list_max_length)
    if capacity is None:
        return
    size = len(entries) if update_type is UpdateType.full else len(
        {entry.id_tag for entry in held(station)}
        | {entry["idTag"] for entry in entries if "idTagInfo" in entry})
    if size > capacity:
        raise Invalid(f"The list has {size} tags; {station.charge_box_id} stores at most "
                      f"{capacity} (LocalAuthListMaxLength). Nothing was sent.",
                      field="update_type")


def _configured(station: Station, key: ConfigurationKey) -> int | None:
    """A positive whole number the station reported for a configuration key, else None."""
    value = db.session.scalar(select(StationConfigurationKey.value).where(
        StationConfigurationKey.station_id == station.id,
        StationConfigurationKey.key == key.value,
        StationConfigurationKey.unknown.is_(False)))
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number > 0 else None


def _status(command: Command) -> str | None:
    if command.outcome is not CommandOutcome.ANSWERED or not command.response:
        return None
    return command.response.get("status")


def request_version(station: Station, *, sender: Sender) -> Command:
    """Ask the station which list version it holds (stored by `record_version`)."""
    return remote_operations.send(station, "GetLocalListVersion", {}, sender=sender)


def recent_commands(station: Station, limit: int = 10) -> list[Command]:
    """The latest list commands sent to the station, newest first."""
    return list(db.session.scalars(
        select(Command).where(Command.station_id == station.id,
                              Command.action.in_(("SendLocalList", "GetLocalListVersion")))
        .order_by(Command.issued_at.desc(), Command.id.desc()).limit(limit)))


def record_update(command: Command, sent: dict[str, Any]) -> None:
    """An accepted update changes the stored copy and version; any answer is noted."""
    status = _status(command)
    if status is None:  # offline, timed out or a CALLERROR: the station's list is unchanged
        return
    station = db.session.get(Station, command.station_id)
    assert station is not None
    listed = state(station)
    listed.last_status, listed.last_sent_at = status, command.issued_at
    if status == UpdateStatus.accepted.value:
        _apply(station, sent)
        listed.version = sent["listVersion"]


def _apply(station: Station, payload: dict[str, Any]) -> None:
    """Make the stored copy what the station now holds after accepting this update."""
    # by idTag: a later entry for the same tag wins, as a station applying them in order
    entries = {entry["idTag"]: entry for entry in payload.get("localAuthorizationList") or []}
    removed = delete(LocalListEntry).where(LocalListEntry.station_id == station.id)
    if payload["updateType"] == UpdateType.differential.value:
        removed = removed.where(LocalListEntry.id_tag.in_(list(entries)))
    db.session.execute(removed)
    for entry in entries.values():
        info = entry.get("idTagInfo")
        if info is None:  # a Differential entry without idTagInfo removes the tag
            continue
        db.session.add(LocalListEntry(
            tenant_id=station.tenant_id, station_id=station.id, id_tag=entry["idTag"],
            status=info["status"], expiry_at=_moment(info.get("expiryDate")),
            parent_id_tag=info.get("parentIdTag")))
    db.session.flush()


def _moment(value: str | None) -> datetime | None:
    return parse_timestamp(value) if value else None


def record_version(command: Command, sent: dict[str, Any]) -> None:
    if command.outcome is not CommandOutcome.ANSWERED or not command.response:
        return
    station = db.session.get(Station, command.station_id)
    assert station is not None
    listed = state(station)
    listed.reported_version = command.response.get("listVersion")
    listed.reported_at = command.answered_at or utcnow()
