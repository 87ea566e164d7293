"""Reservations (ReserveNow, CancelReservation): an outlet, or a whole station, kept for a tag.

The station holds the reservation and enforces it (OCPP 1.6 §5.13): it refuses other
tags on the reserved connector and ends the reservation when it is used or expires. The
portal asks, records what the station answered, and follows each reservation to its end:
cancelled, used by a StartTransaction that carries its reservationId, or expired.

Only reservations the portal created are followed: a ReserveNow sent through the JSON
API with a reservationId of its own creates no row (its Command is kept as any other).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ocpp.v16.enums import CancelReservationStatus
from ocpp.v16.enums import ReservationStatus as Answer
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from portal.auth.permissions import visible_stations
from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import (
    Command,
    CommandOutcome,
    Outlet,
    Reservation,
    ReservationStatus,
    Station,
    StationConfigurationKey,
    Tag,
    User,
)
from portal.models.base import utcnow
from portal.models.reservation import OPEN
from portal.services import events, remote_operations, tags
from portal.services.monitoring import PAGE_SIZE, Page, paginate
from portal.services.outcomes import told
from portal.services.remote_operations import Sender
from portal.timestamps import format_timestamp, parse_timestamp

S = ReservationStatus
RESERVE_CONNECTOR_ZERO = "ReserveConnectorZeroSupported"
# A StartTransaction naming the reservation consumes it from these: what the station did
# wins (its answer may not be recorded yet, a timed-out ReserveNow may have arrived, its
# clock may be behind ours).
CONSUMABLE = (S.REQUESTED, S.ACCEPTED, S.FAILED, S.EXPIRED)


def reserve(station: Station, connector_id: int, id_tag: str, expiry_at: datetime, *,
            now: datetime, sender: Sender) -> Reservation:
    """Reserve connector `connector_id` (0: any of the station's) for the tag until
    `expiry_at`; the reservation comes back with the station's answer as its status."""
    tag = _reservable_tag(id_tag)
    if expiry_at <= now:
        raise Invalid("The expiry must be in the future.", field="expiry_at")
    reservation = Reservation(
        tenant_id=station.tenant_id, station=station, connector_id=connector_id,
        outlet=_outlet(station, connector_id), tag=tag, id_tag=tag.id_tag,
        parent_id_tag=tag.parent.id_tag if tag.parent else None, expiry_at=expiry_at,
        status=S.REQUESTED,
    )
    db.session.add(reservation)
    db.session.flush()  # its id is the reservationId the station gets
    remote_operations.send(station, "ReserveNow", _reserve_now(reservation), sender=sender)
    return reservation


def _reservable_tag(id_tag: str) -> Tag:
    tag = tags.find_sent(id_tag)  # a card's number in decimal finds it stored in hex
    if tag is None:
        raise Invalid(f"No tag {id_tag}.", field="id_tag")
    authorization = tags.authorize(tag.id_tag, count_active=False)
    if not authorization.accepted:
        raise Invalid(f"Tag {tag.id_tag} may not charge ({authorization.status.value}).",
                      field="id_tag")
    return tag


def _outlet(station: Station, connector_id: int) -> Outlet | None:
    if connector_id == 0:
        if not zero_allowed(station):
            raise Invalid(f"Station {station.charge_box_id} does not take reservations of "
                          f"connector 0 ({RESERVE_CONNECTOR_ZERO} is false).",
                          field="connector_id")
        return None
    for outlet in station.outlets:
        if outlet.connector_id == connector_id:
            return outlet
    raise Invalid(f"Station {station.charge_box_id} has no connector {connector_id}.",
                  field="connector_id")


def zero_allowed(station: Station) -> bool:
    """Connector 0 may be reserved unless the station said ReserveConnectorZeroSupported is
    false; when its configuration is not known, the station answers for itself."""
    value = db.session.scalar(select(StationConfigurationKey.value).where(
        StationConfigurationKey.station_id == station.id,
        StationConfigurationKey.key == RESERVE_CONNECTOR_ZERO,
        StationConfigurationKey.unknown.is_(False)))
    return value is None or value.strip().lower() != "false"


def checked_reserve_now(station: Station, payload: dict[str, Any],
                        sender: Sender) -> dict[str, Any]:
    """A ReserveNow as it may be sent, whoever sends it: an expiry in the future, and
    connector 0 only where the station takes it."""
    if parse_timestamp(payload["expiryDate"]) <= utcnow():
        raise Invalid("The expiry must be in the future.", field="expiry_at")
    if payload["connectorId"] == 0:
        _outlet(station, 0)
    return payload


def _reserve_now(reservation: Reservation) -> dict[str, object]:
    payload: dict[str, object] = {
        "connectorId": reservation.connector_id,
        "expiryDate": format_timestamp(reservation.expiry_at),
        "idTag": reservation.id_tag,
        "reservationId": reservation.id,
    }
    if reservation.parent_id_tag:
        payload["parentIdTag"] = reservation.parent_id_tag
    return payload


def _of_command(command: Command, sent: dict[str, Any]) -> Reservation | None:
    """The reservation a ReserveNow or CancelReservation names, if the portal made it."""
    reservation_id = sent.get("reservationId")
    return db.session.scalar(select(Reservation).where(
        Reservation.id == reservation_id, Reservation.station_id == command.station_id))


def follow_reserve_now(command: Command, sent: dict[str, Any]) -> None:
    """A requested reservation takes the station's answer as its status, or Failed."""
    reservation = _of_command(command, sent)
    if reservation is None or reservation.status is not S.REQUESTED:
        return
    answer = (command.response or {}).get("status")
    if command.outcome is CommandOutcome.ANSWERED and answer in set(Answer):
        reservation.status = S(answer)
        return
    reservation.status = S.FAILED
    reservation.failure = told(command).sentence()[:200]


def cancel(reservation: Reservation, *, now: datetime, sender: Sender) -> Command:
    """Ask the station to cancel; the reservation is Cancelled only if it accepts."""
    if not reservation.is_active_at(now):
        raise Conflict(f"Reservation {reservation.id} is {reservation.status_at(now).value}: "
                       "only an accepted reservation that has not expired can be cancelled.")
    return remote_operations.send(reservation.station, "CancelReservation",
                                  {"reservationId": reservation.id}, sender=sender)


def follow_cancel_reservation(command: Command, sent: dict[str, Any]) -> None:
    reservation = _of_command(command, sent)
    accepted = (command.outcome is CommandOutcome.ANSWERED
                and (command.response or {}).get("status") == CancelReservationStatus.accepted)
    if reservation is not None and accepted and reservation.status in OPEN:
        reservation.status = S.CANCELLED


def use(station: Station, reservation_id: int, connector_id: int, id_tag: str,
        tag: Tag | None) -> Reservation | None:
    """The reservation a StartTransaction consumes (now Used), or None if it names none
    that admits this tag on this connector (recorded as an event; the session stands)."""
    reservation = db.session.scalar(select(Reservation).where(
        Reservation.id == reservation_id, Reservation.station_id == station.id))
    why = None
    if reservation is None:
        why = "which the portal does not know"
    elif not _admits(reservation, connector_id, id_tag, tag):
        why = (f"made for {reservation.id_tag} on connector {reservation.connector_id}, "
               "so it was not consumed")
    elif reservation.status not in CONSUMABLE:
        why = f"which is {reservation.status.value}"
    if why is not None:
        events.record(station, "reservation_not_used",
                      f"StartTransaction of {id_tag} on connector {connector_id} named "
                      f"reservation {reservation_id}, {why}.",
                      details={"reservationId": reservation_id, "idTag": id_tag})
        return None
    assert reservation is not None
    reservation.status = S.USED
    return reservation


def _admits(reservation: Reservation, connector_id: int, id_tag: str, tag: Tag | None) -> bool:
    """OCPP 1.6 §5.13: the reservation is for its connector (any, for 0) and ends when the
    idTag or the parentIdTag presented matches its idTag or parentIdTag."""
    if reservation.connector_id not in (0, connector_id):
        return False
    presented = {id_tag.upper()}
    if tag is not None and tag.parent is not None:
        presented.add(tag.parent.id_tag.upper())
    reserved = {reservation.id_tag.upper()}
    if reservation.parent_id_tag:
        reserved.add(reservation.parent_id_tag.upper())
    return not presented.isdisjoint(reserved)


def expire(now: datetime) -> int:
    """Mark the open reservations past their expiry Expired; return how many."""
    result = db.session.execute(
        update(Reservation).where(Reservation.overdue_at(now)).values(status=S.EXPIRED)
        .execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


# --- Reading ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReservationFilter:
    charge_box_id: str = ""  # contains, any case
    id_tag: str = ""  # contains, any case
    status: ReservationStatus | None = None
    since: datetime | None = None  # reservations still running at or after this time
    until: datetime | None = None  # reservations made at or before this time


def page(actor: User, filters: ReservationFilter, number: int = 1, *,
         now: datetime) -> Page[Reservation]:
    """The reservations of the stations the actor may see, newest first; a status filter
    reads the status as of `now` (Reservation.status_at)."""
    query = visible_stations(actor, select(Reservation).join(Reservation.station))
    if filters.charge_box_id:
        query = query.where(Station.charge_box_id.icontains(filters.charge_box_id,
                                                            autoescape=True))
    if filters.id_tag:
        query = query.where(Reservation.id_tag.icontains(filters.id_tag, autoescape=True))
    if filters.status is not None:
        query = query.where(Reservation.status_at(now) == filters.status)
    if filters.since is not None:
        query = query.where(Reservation.expiry_at >= filters.since)
    if filters.until is not None:
        query = query.where(Reservation.created_at <= filters.until)
    query = query.options(joinedload(Reservation.station))
    return paginate(query.order_by(Reservation.id.desc()), number, PAGE_SIZE)


def get(actor: User, reservation_id: int) -> Reservation:
    """The reservation if the actor may see its station; NotFound otherwise."""
    query = visible_stations(actor, select(Reservation).join(Reservation.station)
                             .where(Reservation.id == reservation_id))
    reservation = db.session.scalar(query)
    if reservation is None:
        raise NotFound(f"No reservation {reservation_id}.")
    return reservation
