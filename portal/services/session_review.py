"""The energy a session counts, what cannot be right in its figures, and the people who
review it: accept its end as it is, or correct its end time and meter stop.

A session is up for review when the portal closed it itself (`needs_review`: the station
never reported its end) or when it has an anomaly, until a person has reviewed it. Stations
in the field report all four anomalies below: meters that reset (a replaced or rebooted
meter board starts again near zero), clocks set wrong, meters that count in the wrong unit,
and sessions with a car that never drew anything.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from portal.auth.permissions import Actor, visible_stations
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.models import ChargingSession, MeterValue, Station, User
from portal.models.charging_session import ENERGY_REGISTER
from portal.services.monitoring import Page, paginate
from portal.services.scope import Node


class SessionAnomaly(enum.StrEnum):
    """Why a session's figures cannot be right (ChargingSession.anomaly); when several apply,
    the first in this order is kept, the one a reviewer must look at first."""

    METER_RESET = "meter_reset"
    NEGATIVE_DURATION = "negative_duration"
    OVER_POWER = "over_power"
    NO_ENERGY = "no_energy"

    @property
    def words(self) -> str:
        """As staff read it in the review queue."""
        return {
            "meter_reset": "Meter stop below meter start: the meter reset",
            "negative_duration": "Stopped before it started: the station's clock is wrong",
            "over_power": "More energy than the station's rated power allows in that time",
            "no_energy": "No energy, though it lasted more than a minute",
        }[self.value]


# A session shorter than this without energy is a driver who changed their mind, not an
# anomaly; one longer is a car that never charged, or a meter that does not count.
NO_ENERGY_AFTER = timedelta(minutes=1)
# Meters, clocks and rated powers are not exact: only energy more than this share above
# what the rated power allows in the time is over power.
POWER_TOLERANCE = Decimal("0.05")
WH_PER_UNIT = {"Wh": 1, "kWh": 1000}
PAGE_SIZE = 50


# --- Energy and anomalies, when a session ends ---------------------------------------------

def detect(session: ChargingSession) -> None:
    """Account the energy of a session that has just ended (or been corrected) and note what
    cannot be right in its figures. Runs on the StopTransaction path: no query unless the
    meter went backwards or the meter stop is unknown."""
    session.energy_wh, session.energy_from_samples = _accounted_energy(session)
    session.anomaly = _anomaly(session)


def _accounted_energy(session: ChargingSession) -> tuple[int | None, bool]:
    """(Wh, from the samples?): what the meter advanced; where it went backwards, or the
    portal closed the session without a meter stop, what the samples allow."""
    if session.meter_stop is not None and session.meter_stop >= session.meter_start:
        return session.meter_stop - session.meter_start, False
    energy = energy_across_resets(session.meter_start, register_readings(session),
                                  session.meter_stop)
    return energy, energy is not None


def energy_across_resets(meter_start: int, readings: list[int],
                         meter_stop: int | None) -> int | None:
    """The energy (Wh) of a session whose register readings are `readings` (in time order)
    between its meter start and its meter stop (None: unknown); None if they cannot tell.

    Between two consecutive readings the register either rose by what was charged, or fell:
    the meter reset to zero and has counted the later reading since. So each rise counts
    as it is and each fall counts the later reading; the energy charged between the last
    reading before a reset and the reset itself is not known, and not counted: with
    periodic samples that is at most one sampling interval's energy per reset, so the sum
    is a lower bound, never an invention. The samples cannot tell when the session has
    none, or when its first one is already below the meter start (the meter reset before
    anything of the session was sampled)."""
    if not readings or readings[0] < meter_start:
        return None
    energy, previous = 0, meter_start
    for reading in [*readings, *([] if meter_stop is None else [meter_stop])]:
        energy += reading - previous if reading >= previous else reading
        previous = reading
    return energy


def register_readings(session: ChargingSession) -> list[int]:
    """The session's energy register (Wh), sample by sample in time order: the total (no
    phase) at the outlet, the reading the meter start and stop are; an Inlet or EV register
    is another meter, and mixed in it would look like resets."""
    rows = db.session.execute(
        select(MeterValue.numeric_value, MeterValue.unit)
        .where(MeterValue.charging_session_id == session.id,
               MeterValue.measurand == ENERGY_REGISTER, MeterValue.phase.is_(None),
               MeterValue.numeric_value.is_not(None),
               or_(MeterValue.location.is_(None), MeterValue.location == "Outlet"))
        .order_by(MeterValue.sampled_at, MeterValue.id))
    return [int(value * WH_PER_UNIT[unit or "Wh"]) for value, unit in rows
            if (unit or "Wh") in WH_PER_UNIT]


def _anomaly(session: ChargingSession) -> SessionAnomaly | None:
    if session.stopped_at is None:
        return None
    if session.meter_stop is not None and session.meter_stop < session.meter_start:
        return SessionAnomaly.METER_RESET
    duration = session.stopped_at - session.started_at
    if duration < timedelta(0):
        return SessionAnomaly.NEGATIVE_DURATION
    rated_w = session.station.rated_power_w
    if (session.energy_wh is not None and rated_w
            and session.energy_wh > most_energy(rated_w, duration)):
        return SessionAnomaly.OVER_POWER
    if session.energy_wh == 0 and duration > NO_ENERGY_AFTER:
        return SessionAnomaly.NO_ENERGY
    return None


def most_energy(rated_power_w: int, duration: timedelta) -> Decimal:
    """The most energy (Wh) a station of this rated power can deliver in `duration`, with
    POWER_TOLERANCE."""
    hours = Decimal(duration.total_seconds()) / 3600
    return rated_power_w * hours * (1 + POWER_TOLERANCE)


# --- The review queue -----------------------------------------------------------------------

def _under_review() -> Any:
    # The condition of the partial index ix_charging_session_under_review, word for word.
    # Only a stopped session can be up for review (the portal closes the ones it flags; an
    # open one has no anomaly), so the queue says nothing of stopped_at: given a condition
    # on it, SQLite walks every stopped session through ix_charging_session_open instead
    # (2-7 s for a million, with or without ANALYZE statistics).
    return ChargingSession.reviewed_at.is_(None) & (
        ChargingSession.needs_review | ChargingSession.anomaly.is_not(None))


def queue(actor: Actor, node: Node, number: int = 1) -> Page[ChargingSession]:
    """The sessions up for review under the node that the actor may see, newest first."""
    query: Select[Any] = (
        select(ChargingSession).join(ChargingSession.station)
        .where(_under_review())
        .options(joinedload(ChargingSession.station).joinedload(Station.site),
                 joinedload(ChargingSession.outlet), joinedload(ChargingSession.tag))
        .order_by(ChargingSession.started_at.desc(), ChargingSession.id.desc()))
    return paginate(visible_stations(actor, node.stations(query)), number, PAGE_SIZE)


def is_under_review(session: ChargingSession) -> bool:
    return session.reviewed_at is None and (session.needs_review or session.anomaly is not None)


def accept(session: ChargingSession, reviewer: User, now: datetime) -> None:
    """The reviewer accepts the session's end as it is: it leaves the queue."""
    if not is_under_review(session):
        raise Conflict(_not_under_review(session))
    _reviewed(session, reviewer, now, "accepted")


def correct(session: ChargingSession, stopped_at: datetime, meter_stop: int,
            reviewer: User, now: datetime) -> None:
    """The reviewer gives the session's true end: its time and meter stop. The values
    before the first correction are kept; the energy and anomaly follow the new figures."""
    if session.stopped_at is None:
        raise Conflict(f"Session {session.id} is still open: its station reports its end.")
    if stopped_at > now:
        raise Invalid("The end cannot be in the future.", field="stopped_at")
    if stopped_at <= session.started_at:
        raise Invalid("The end must come after the start.", field="stopped_at")
    if meter_stop < session.meter_start:
        raise Invalid(f"At least the meter start ({session.meter_start} Wh): the energy is "
                      "meter stop minus meter start. For a meter that reset, enter the meter "
                      "start plus the energy charged.", field="meter_stop")
    if session.review_action != "corrected":
        session.original_stopped_at = session.stopped_at
        session.original_meter_stop = session.meter_stop
    session.stopped_at, session.meter_stop = stopped_at, meter_stop
    detect(session)
    _reviewed(session, reviewer, now, "corrected")


def suggested_meter_stop(session: ChargingSession) -> int | None:
    """The meter stop a correction starts from: the one that gives the energy as accounted
    (for a reset meter, what the samples tell), else the station's."""
    if session.energy_wh is not None:
        return session.meter_start + session.energy_wh
    return session.meter_stop


def _reviewed(session: ChargingSession, reviewer: User, now: datetime, action: str) -> None:
    session.reviewed_at, session.reviewed_by, session.review_action = now, reviewer.email, action
    db.session.flush()


def _not_under_review(session: ChargingSession) -> str:
    if session.reviewed_at is not None:
        return f"Session {session.id} was already {session.review_action} by {session.reviewed_by}."
    return f"Session {session.id} is not up for review."
