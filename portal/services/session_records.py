"""Everything Plugboard recorded about one charging session: the session as an actor may see
it, its meter values (the chart's series, signed values for the transparency software), the
OCPP frames of its transaction and the station's events while it ran."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from portal.auth.permissions import Actor, visible_stations
from portal.errors import NotFound
from portal.extensions import db
from portal.models import (
    ChargingSession,
    Direction,
    Event,
    MeterValue,
    OcppMessage,
    Station,
    StationConfigurationKey,
)
from portal.models.charging_session import ENERGY_REGISTER
from portal.services import charging_sessions

POWER = "Power.Active.Import"
SIGNED = "SignedData"
# What one unit is worth in the chart's unit (kWh for energy, kW for power).
TO_KILO = {"Wh": Decimal("0.001"), "kWh": Decimal(1), "W": Decimal("0.001"), "kW": Decimal(1)}
# The frames of a transaction, besides the replies to them.
TRANSACTION_ACTIONS = ("StartTransaction", "MeterValues", "StopTransaction",
                       "RemoteStopTransaction")
# Frames are logged on Plugboard's clock, a session's times come from the station's clock: the
# window searched for its frames is widened by this much on either side.
CLOCK_MARGIN = timedelta(minutes=15)
MESSAGE_LIMIT = 2000  # frames shown on the page; a week of one-minute samples is 20,000
# A configuration key named like this holds the meter's public key (e.g. "MeterPublicKey",
# vendors' "…PublicKey1"), except the OCPP setting that says when to send one.
PUBLIC_KEY_MARK = "publickey"
NOT_A_KEY = "publickeywithsignedmetervalue"


def get(actor: Actor, session_id: int) -> ChargingSession:
    """The session if the actor may see its station; NotFound otherwise (another site's)."""
    query = visible_stations(actor, select(ChargingSession).join(ChargingSession.station)
                             .where(ChargingSession.id == session_id))
    session = db.session.scalar(query.options(
        joinedload(ChargingSession.station).joinedload(Station.site),
        joinedload(ChargingSession.station).joinedload(Station.floor),
        joinedload(ChargingSession.outlet), joinedload(ChargingSession.tag),
        joinedload(ChargingSession.user)))
    if session is None:
        raise NotFound(f"No charging session {session_id}.")
    return session


def meter_values(session: ChargingSession) -> list[MeterValue]:
    """Every sampled value of the session, every measurand, in time order."""
    return list(db.session.scalars(
        select(MeterValue).where(MeterValue.charging_session_id == session.id)
        .order_by(MeterValue.sampled_at, MeterValue.id)))


def energy_wh(session: ChargingSession) -> int | None:
    """The energy the session counts (Wh): as accounted once stopped; while open, so far
    (charging_sessions.energy_so_far; None before its first reading)."""
    if session.stopped_at is not None:
        return session.energy_wh
    return charging_sessions.energy_so_far({session.id: session.meter_start}).get(session.id)


@dataclass(frozen=True)
class Series:
    energy: list[tuple[datetime, float]]  # kWh charged since the start
    power: list[tuple[datetime, float]]  # kW


def series(session: ChargingSession, samples: Iterable[MeterValue]) -> Series:
    """The chart's lines: the energy charged since the start and the power, over time."""
    samples = list(samples)
    start_kwh = Decimal(session.meter_start) / 1000
    energy = [(session.started_at, 0.0)] + [
        (moment, float(kwh - start_kwh)) for moment, kwh in _readings(samples, ENERGY_REGISTER)
        if moment >= session.started_at]
    power = [(moment, float(kw)) for moment, kw in _readings(samples, POWER)]
    return Series(energy if len(energy) > 1 else [], power)


def _readings(samples: Iterable[MeterValue], measurand: str) -> list[tuple[datetime, Decimal]]:
    """The readings of one measurand in kilo units (kWh, kW): numeric values in a known
    unit, for the whole outlet (a value per phase would count a third of it)."""
    return [(sample.sampled_at, sample.numeric_value * TO_KILO[sample.unit])
            for sample in samples
            if sample.measurand == measurand and sample.numeric_value is not None
            and sample.unit in TO_KILO and not sample.phase]


def signed_values(samples: Iterable[MeterValue]) -> list[MeterValue]:
    """The values the station signed (format SignedData), as it sent them."""
    return [sample for sample in samples if sample.format == SIGNED]


def meter_public_key(session: ChargingSession) -> str | None:
    """The public key of the session's meter, where the station reported one in its
    configuration (a key whose name holds "PublicKey"): one naming the outlet's connector
    (…PublicKey2) first, else the first by name. OCMF data carries no key of its own."""
    keys = db.session.scalars(
        select(StationConfigurationKey)
        .where(StationConfigurationKey.station_id == session.station_id,
               StationConfigurationKey.unknown.is_(False))
        .order_by(StationConfigurationKey.key))
    found = [key for key in keys if key.value and PUBLIC_KEY_MARK in key.key.lower()
             and key.key.lower() != NOT_A_KEY]
    connector = str(session.outlet.connector_id) if session.outlet else None
    named = [key for key in found if connector and key.key.endswith(connector)]
    chosen = (named or found or [None])[0]
    return chosen.value.strip() if chosen is not None else None


@dataclass(frozen=True)
class Window:
    """When, on Plugboard's clock, the session ran."""

    since: datetime
    until: datetime


def window(session: ChargingSession, now: datetime) -> Window:
    """The session's time on Plugboard's clock: from when its start was received to its
    stop, shifted by how far the station's clock was off at the start (the skew between
    started_at and received_at); to `now` while it is open."""
    received = session.received_at or session.started_at
    if session.stopped_at is None:
        return Window(received, now)
    skew = received - session.started_at
    return Window(received, max(session.stopped_at + skew, received))


def events_during(session: ChargingSession, now: datetime) -> list[Event]:
    """The station's events while the session ran, oldest first (the (station_id,
    occurred_at) index bounds them)."""
    during = window(session, now)
    return list(db.session.scalars(
        select(Event).where(Event.station_id == session.station_id,
                            Event.occurred_at.between(during.since, during.until))
        .order_by(Event.occurred_at, Event.id)))


def transaction_messages(session: ChargingSession, now: datetime) -> list[OcppMessage]:
    """The OCPP frames of the session's transaction, oldest first, with their replies.

    The (station_id, logged_at) index bounds the search to the station's frames of the
    session's window (widened by CLOCK_MARGIN for the station's clock); of those, a frame
    belongs to the transaction when its payload names its transactionId: a MeterValues,
    StopTransaction or RemoteStopTransaction CALL, or the CALLRESULT that gave the
    transactionId to a StartTransaction. Its CALL or reply shares its unique id (a reply to a
    CALL of Plugboard is logged without an action).
    """
    during = window(session, now)
    frames = list(db.session.scalars(
        select(OcppMessage).where(
            OcppMessage.station_id == session.station_id,
            OcppMessage.logged_at.between(during.since - CLOCK_MARGIN,
                                          during.until + CLOCK_MARGIN),
            or_(OcppMessage.action.in_(TRANSACTION_ACTIONS), OcppMessage.action.is_(None)))
        .order_by(OcppMessage.logged_at, OcppMessage.id)))
    exchanges = {_exchange(frame) for frame in frames
                 if _transaction_id(frame) == session.transaction_id}
    return [frame for frame in frames if _exchange(frame) in exchanges][:MESSAGE_LIMIT]


def _exchange(frame: OcppMessage) -> tuple[str, Direction]:
    """A CALL and its reply: their unique id and the direction the CALL went."""
    if frame.message_type == 2:
        return frame.unique_id, frame.direction
    other = (Direction.TO_STATION if frame.direction is Direction.FROM_STATION
             else Direction.FROM_STATION)
    return frame.unique_id, other


def _transaction_id(frame: OcppMessage) -> Any:
    """The transactionId a frame's payload names, if it is one that names its transaction."""
    if frame.action not in TRANSACTION_ACTIONS:
        return None
    is_start = frame.action == "StartTransaction"
    if frame.message_type != (3 if is_start else 2):
        return None
    try:
        message = json.loads(frame.frame)
        payload = message[2] if is_start else message[3]
    except (ValueError, IndexError, KeyError, TypeError):
        return None
    return payload.get("transactionId") if isinstance(payload, dict) else None


METER_VALUE_COLUMNS = ("sampled_at", "measurand", "phase", "unit", "context", "location",
                       "format", "value")


def meter_value_cells(samples: Iterable[MeterValue], zone: ZoneInfo) -> Iterator[list[Any]]:
    """METER_VALUE_COLUMNS of each sample: its time in ISO 8601 with the zone's offset, the
    value as the station sent it."""
    for sample in samples:
        yield [sample.sampled_at.astimezone(zone).isoformat(), sample.measurand, sample.phase,
               sample.unit, sample.context, sample.location, sample.format, sample.value]
