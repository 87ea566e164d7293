"""Charging sessions (OCPP transactions): started, metered and stopped by stations."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ocpp.v16.enums import ChargePointStatus
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import (
    AuthMethod,
    ChargingSession,
    MeterValue,
    Outlet,
    OutletMode,
    Station,
    User,
)
from portal.models.base import utcnow
from portal.models.charging_session import ENERGY_REGISTER
from portal.services import (
    events,
    outlets,
    partner_events,
    remote_starts,
    reservations,
    session_review,
    tags,
)
from portal.services.monitoring import Page, paginate
from portal.services.tags import Authorization
from portal.timestamps import parse_timestamp

PAGE_SIZE = 50


def of_driver(user: User, page: int = 1) -> Page[ChargingSession]:
    """A page of an EV user's sessions, newest first: those stamped with them at their start
    (tags.set_owner), so a moved card's earlier sessions stay with the first person."""
    query = (
        select(ChargingSession)
        .where(ChargingSession.user_id == user.id)
        .options(joinedload(ChargingSession.station), joinedload(ChargingSession.outlet))
        .order_by(ChargingSession.started_at.desc(), ChargingSession.id.desc())
    )
    return paginate(query, page, PAGE_SIZE, counted=False)


def page_after(after_id: int, limit: int, since: datetime | None = None,
               ) -> list[ChargingSession]:
    """The company's sessions after the one with id `after_id`, oldest first (by id), at
    most `limit`; only those started at or after `since` when given. Paging by id keeps
    a page stable while stations add sessions."""
    query = (select(ChargingSession)
             .options(joinedload(ChargingSession.station), joinedload(ChargingSession.outlet))
             .where(ChargingSession.id > after_id).order_by(ChargingSession.id).limit(limit))
    if since is not None:
        query = query.where(ChargingSession.started_at >= since)
    return list(db.session.scalars(query))


def find(station: Station, transaction_id: int) -> ChargingSession | None:
    return db.session.scalar(
        select(ChargingSession).where(ChargingSession.transaction_id == transaction_id,
                                      ChargingSession.station_id == station.id)
    )


def start(
    station: Station,
    connector_id: int,
    id_tag: str,
    meter_start: int,
    started_at: datetime,
    reservation_id: int | None = None,
) -> tuple[ChargingSession, Authorization]:
    """Record a StartTransaction; a copy of one already recorded returns that session."""
    outlet = outlets.outlet_for(station, connector_id)
    same = _same_start(station, outlet, id_tag, meter_start, started_at)
    if same is not None:
        return same, tags.authorize(id_tag, count_active=False, mode=outlet.mode)
    authorization = tags.authorize(id_tag, mode=outlet.mode)
    _close_stale(station, outlet, started_at)
    reservation = (reservations.use(station, reservation_id, connector_id, id_tag,
                                    authorization.tag) if reservation_id is not None else None)
    remote_start = remote_starts.awaited(station, connector_id, id_tag, utcnow())
    session = ChargingSession(
        tenant_id=station.tenant_id, station_id=station.id, outlet_id=outlet.id, id_tag=id_tag,
        tag=authorization.tag, user_id=authorization.tag.owner_id if authorization.tag else None,
        authorization_status=authorization.status.value,
        auth_method=_auth_method(outlet, remote_start is not None), started_at=started_at,
        meter_start=meter_start, reservation_id=reservation.id if reservation else None,
    )
    try:
        with db.session.begin_nested():
            number(session)
    except IntegrityError:
        # The same StartTransaction arrived at the same moment on another connection.
        return _same_start(station, outlet, id_tag, meter_start, started_at), authorization
    if remote_start is not None:
        remote_starts.carried_out(remote_start, session)
    partner_events.session_started(session)
    return session, authorization


def _auth_method(outlet: Outlet, remote_start: bool) -> AuthMethod:
    """How a new session was allowed to start: a remote start it carries out (whatever the
    outlet's mode: someone chose to start it), else the outlet's mode."""
    if remote_start:
        return AuthMethod.REMOTE
    return AuthMethod.OPEN if outlet.mode is OutletMode.OPEN else AuthMethod.RFID


def number(session: ChargingSession) -> None:
    """Insert a new session and give it its transactionId: its row id, unique everywhere."""
    db.session.add(session)
    db.session.flush()
    session.transaction_id = session.id


def _same_start(station: Station, outlet: Outlet, id_tag: str, meter_start: int,
                started_at: datetime) -> ChargingSession | None:
    return db.session.scalar(select(ChargingSession).where(
        ChargingSession.station_id == station.id, ChargingSession.outlet_id == outlet.id,
        ChargingSession.id_tag == id_tag, ChargingSession.meter_start == meter_start,
        ChargingSession.started_at == started_at))


def _close_stale(station: Station, outlet: Outlet, new_start: datetime) -> None:
    """A new transaction on an outlet means its previous one ended unreported."""
    stale = db.session.scalars(select(ChargingSession).where(
        ChargingSession.outlet_id == outlet.id, ChargingSession.stopped_at.is_(None),
        ChargingSession.started_at <= new_start))
    for session in stale:
        close_for_review(session, new_start,
                         "A new transaction started on the same outlet without a StopTransaction.")


def close_for_review(session: ChargingSession, stopped_at: datetime, why: str) -> None:
    """Close a session the station never stopped; staff review it, the station may still."""
    session.stopped_at = max(stopped_at, session.started_at)
    session.needs_review = True
    session.review_note = why
    session_review.detect(session)
    events.record(session.station, "session_closed", f"Transaction {session.transaction_id}: "
                  f"{why}", details={"transactionId": session.transaction_id})
    partner_events.session_ended(session)


def close_abandoned(station: Station, outlet: Outlet | None, at: datetime) -> None:
    """An outlet reported Available after a reboot is free again: its sessions from before
    the boot are over."""
    if (outlet is None or outlet.status is not ChargePointStatus.available
            or station.last_boot_at is None):
        return
    abandoned = db.session.scalars(select(ChargingSession).where(
        ChargingSession.outlet_id == outlet.id, ChargingSession.stopped_at.is_(None),
        ChargingSession.started_at < station.last_boot_at))
    for session in abandoned:
        close_for_review(session, station.last_boot_at,
                         "The station rebooted and never reported the end of this transaction.")


# Sessions no station will ever stop (close_forgotten): after a reboot the station had
# REBOOT_GRACE to report the end; any session is given up after MAX_OPEN.
REBOOT_GRACE = timedelta(hours=1)
MAX_OPEN = timedelta(days=7)


def close_forgotten(now: datetime) -> int:
    """Close for review the company's open sessions no station will stop; return how many.

    A session open across a reboot is closed when its connector reports Available
    (close_abandoned); this catches those whose station never reports it, and any
    session open longer than MAX_OPEN. A StopTransaction that comes later still wins.
    """
    rebooted = db.session.scalars(
        select(ChargingSession).join(ChargingSession.station).where(
            ChargingSession.stopped_at.is_(None),
            Station.last_boot_at > ChargingSession.started_at,
            Station.last_boot_at < now - REBOOT_GRACE))
    closed = 0
    for session in rebooted:
        close_for_review(session, session.station.last_boot_at,
                         "The station rebooted and never reported the end of this transaction.")
        closed += 1
    too_long = db.session.scalars(select(ChargingSession).where(
        ChargingSession.stopped_at.is_(None), ChargingSession.started_at < now - MAX_OPEN))
    for session in too_long:
        close_for_review(session, _last_sign_of(session),
                         f"Open for more than {MAX_OPEN.days} days without a StopTransaction.")
        closed += 1
    return closed


def _last_sign_of(session: ChargingSession) -> datetime:
    last_sample = db.session.scalar(select(func.max(MeterValue.sampled_at)).where(
        MeterValue.charging_session_id == session.id))
    return max(last_sample or session.started_at, session.started_at)


def stop(
    station: Station,
    transaction_id: int,
    meter_stop: int,
    stopped_at: datetime,
    *,
    reason: str | None = None,
    id_tag: str | None = None,
    transaction_data: list[dict[str, Any]] | None = None,
) -> ChargingSession | None:
    """Record a StopTransaction; unknown or repeated stops are recorded as events only.

    `transaction_data` is as OCPP sends it (camelCase keys).
    """
    session = find(station, transaction_id)
    if session is None:
        events.record(station, "stop_unknown_transaction",
                      f"StopTransaction for unknown transaction {transaction_id}.",
                      details={"transactionId": transaction_id, "meterStop": meter_stop})
        return None
    # The station's word wins over the portal's closing, not over a person's review.
    if session.stopped_at is not None and not (session.needs_review
                                               and session.reviewed_at is None):
        events.record(station, "stop_repeated",
                      f"StopTransaction again for stopped transaction {transaction_id}.",
                      details={"transactionId": transaction_id})
        return session
    # Also when the portal had closed it for review: what the station says wins.
    session.stopped_at, session.meter_stop = stopped_at, meter_stop
    session.stop_reason, session.stop_id_tag = reason or "Local", id_tag
    session.needs_review, session.review_note = False, ""
    rows = meter_value_rows(station.tenant_id, station.id, session.outlet_id, session.id,
                            transaction_data or [])
    if rows:
        db.session.execute(INSERT_METER_VALUES, rows)
    session_review.detect(session)  # after the rows: a reset meter's energy is in them too
    partner_events.session_ended(session)
    return session


def energy_so_far(meter_starts: Mapping[int, int]) -> dict[int, int]:
    """The energy of open sessions so far (Wh), by session id, from `meter_starts` (session
    id -> meter start, Wh): the latest energy register reading minus the meter start; a
    session with no reading yet is left out. One query for any number of sessions (a page).

    The register of the whole outlet counts (no phase); a reading in kWh is converted."""
    if not meter_starts:
        return {}
    latest = (
        select(MeterValue.charging_session_id, MeterValue.numeric_value, MeterValue.unit,
               func.row_number().over(
                   partition_by=MeterValue.charging_session_id,
                   order_by=(MeterValue.sampled_at.desc(), MeterValue.id.desc()),
               ).label("newest"))
        .where(MeterValue.charging_session_id.in_(list(meter_starts)),
               MeterValue.measurand == ENERGY_REGISTER, MeterValue.phase.is_(None),
               MeterValue.numeric_value.is_not(None))
        .subquery()
    )
    readings = db.session.execute(
        select(latest.c.charging_session_id, latest.c.numeric_value, latest.c.unit)
        .where(latest.c.newest == 1))
    return {
        session_id: int(value * (1000 if unit == "kWh" else 1)) - meter_starts[session_id]
        for session_id, value, unit in readings
    }


INSERT_METER_VALUES = insert(MeterValue.__table__)


def meter_value_rows(tenant_id: int, station_id: int, outlet_id: int | None,
                     session_id: int | None, meter_values: list[dict[str, Any]],
                     ) -> list[dict[str, Any]]:
    """INSERT_METER_VALUES rows for every sampled value of OCPP `meterValue` items, as sent
    (signed values too)."""
    return [
        {
            "tenant_id": tenant_id, "station_id": station_id, "outlet_id": outlet_id,
            "charging_session_id": session_id,
            "sampled_at": parse_timestamp(meter_value["timestamp"]), "value": sample["value"],
            "numeric_value": _number(sample),
            "measurand": sample.get("measurand", ENERGY_REGISTER),
            "phase": sample.get("phase"), "unit": sample.get("unit", "Wh"),
            "context": sample.get("context", "Sample.Periodic"),
            "location": sample.get("location"), "format": sample.get("format", "Raw"),
        }
        for meter_value in meter_values
        for sample in meter_value["sampledValue"]
    ]


# What tells two readings apart, besides their session.
_READING = ("sampled_at", "measurand", "phase", "unit", "context", "location", "value")


def stored_already(session_id: int | None, rows: list[dict[str, Any]]) -> bool:
    """Whether the session holds every one of these meter_value_rows already: a message
    sent again after a lost connection, taken before the connection was lost."""
    columns = [MeterValue.__table__.c[name] for name in _READING]
    stored = db.session.execute(select(*columns).where(
        MeterValue.charging_session_id == session_id,
        MeterValue.sampled_at.in_({row["sampled_at"] for row in rows}))).all()
    return {tuple(row[name] for name in _READING) for row in rows} <= {tuple(row) for row in stored}


_NUMERIC = MeterValue.__table__.c.numeric_value.type  # Numeric(precision, scale)
NUMERIC_LIMIT = Decimal(10) ** (_NUMERIC.precision - _NUMERIC.scale)


def _number(sample: dict[str, Any]) -> Decimal | None:
    """The value as a number where the numeric column can hold it (the text is always kept:
    "NaN" or "1e30" are a station's words, not a reading)."""
    if sample.get("format") == "SignedData":
        return None
    try:
        number = Decimal(sample["value"])
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) < NUMERIC_LIMIT else None
