"""What the message path knows of a connected station between its frames.

Heartbeat and MeterValues, nearly all of a station's traffic, are answered from this
state without loading the station through the ORM. It is read when the station connects
and again when it is older than STATE_TTL, so that what staff change in the portal (a
registration, an outlet) reaches a connected station soon; the ORM lane updates the
registration after each message it handles. Transactions not known yet are looked up
when first used: a transactionId's session never changes. A connector the station has not
reported before raises UnknownConnector: the state only reads and caches ids, so creating
its outlet is the dispatcher's, which owns the frame's unit of work.

A station that lost its connection (a worker killed, a deploy) sends again the one message
it had no answer for, which may have been committed already. The state therefore keeps,
from its first load, each open session's newest stored reading: a MeterValues no newer than that
is compared with what is stored before it is taken (StationState.may_repeat).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ocpp.v16.enums import RegistrationStatus
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ChargingSession, MeterValue, Outlet, Station

STATE_TTL = 300.0  # seconds
# last_seen_at and last_heartbeat_at are written when they move by this much, not on
# every frame: a station at 1 message per second would otherwise update its row as often.
TIME_PRECISION = timedelta(seconds=30)


class UnknownConnector(Exception):
    """A connectorId with no outlet yet (the station reports it for the first time)."""

    def __init__(self, connector_id: int) -> None:
        super().__init__(f"connector {connector_id} has no outlet yet")
        self.connector_id = connector_id


@dataclass
class StationState:
    tenant_id: int
    station_id: int
    charge_box_id: str
    accepted: bool = False
    outlet_ids: dict[int, int] = field(default_factory=dict)  # connectorId -> outlet id
    session_ids: dict[int, int] = field(default_factory=dict)  # transactionId -> session id
    # session id -> its newest reading stored when the connection began, until a newer one
    stored_until: dict[int, datetime] = field(default_factory=dict)
    last_seen_at: datetime | None = None
    last_heartbeat_at: datetime | None = None
    loaded_at: float | None = None  # time.monotonic() of the last load; None: load again
    # What a handler left to do once its answer has gone out (StationContext.after_answer).
    follow_ups: list[Callable[[Station], None]] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return self.loaded_at is not None and time.monotonic() - self.loaded_at < STATE_TTL

    def load(self) -> None:
        """Read the station's registration, outlets and open transactions (tenant scope)."""
        station_id = self.station_id
        status, self.last_seen_at, self.last_heartbeat_at = db.session.execute(
            select(Station.registration_status, Station.last_seen_at, Station.last_heartbeat_at)
            .where(Station.id == station_id)).one()
        self.accepted = status is RegistrationStatus.accepted
        self.outlet_ids = dict(db.session.execute(  # type: ignore[arg-type]
            select(Outlet.connector_id, Outlet.id).where(Outlet.station_id == station_id)).all())
        self.session_ids = dict(db.session.execute(  # type: ignore[arg-type]
            select(ChargingSession.transaction_id, ChargingSession.id).where(
                ChargingSession.station_id == station_id, ChargingSession.stopped_at.is_(None),
                ChargingSession.transaction_id.is_not(None))).all())
        if self.loaded_at is None and self.session_ids:  # a new connection: replays may come
            self.stored_until = dict(db.session.execute(  # type: ignore[arg-type]
                select(MeterValue.charging_session_id, func.max(MeterValue.sampled_at))
                .where(MeterValue.charging_session_id.in_(self.session_ids.values()))
                .group_by(MeterValue.charging_session_id)).all())
        self.loaded_at = time.monotonic()

    def outlet_id(self, connector_id: int) -> int | None:
        """The outlet of a connectorId (None for 0, the station); UnknownConnector when it
        has none yet."""
        if connector_id == 0:
            return None
        try:
            return self.outlet_ids[connector_id]
        except KeyError:
            raise UnknownConnector(connector_id) from None

    def session_id(self, transaction_id: int | None) -> int | None:
        """The station's session of a transactionId; None when there is none."""
        if transaction_id is None:
            return None
        if transaction_id not in self.session_ids:
            found = db.session.scalar(select(ChargingSession.id).where(
                ChargingSession.transaction_id == transaction_id,
                ChargingSession.station_id == self.station_id))
            if found is None:
                return None
            self.session_ids[transaction_id] = found
        return self.session_ids[transaction_id]

    def may_repeat(self, session_id: int | None, sampled: list[datetime]) -> bool:
        """Whether readings of a session, sampled at these times, may repeat stored ones:
        none is newer than the newest reading stored when the connection began. The first
        newer one ends the doubt for the session (a station sends its messages in order)."""
        stored_until = self.stored_until.get(session_id) if session_id else None
        if stored_until is None or not sampled:
            return False
        if max(sampled) > stored_until:
            del self.stored_until[session_id]
            return False
        return True

    def seen(self, now: datetime) -> bool:
        """Note a frame; True when last_seen_at is due to be written."""
        due = _due(self.last_seen_at, now)
        if due:
            self.last_seen_at = now
        return due

    def heartbeat(self, now: datetime) -> bool:
        """Note a Heartbeat; True when last_heartbeat_at is due to be written."""
        due = _due(self.last_heartbeat_at, now)
        if due:
            self.last_heartbeat_at = now
        return due


def _due(written: datetime | None, now: datetime) -> bool:
    return written is None or now - written >= TIME_PRECISION
