"""Remote operations as staff perform them: on one station or many, and their history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from portal.auth.permissions import visible_stations
from portal.extensions import db
from portal.models import ChargingSession, Command, CommandOutcome, Station, User
from portal.models.base import INTEGER_MAX
from portal.services import remote_operations
from portal.services.monitoring import PAGE_SIZE, Page, paginate
from portal.services.remote_operations import Sender

# Longer than any command may wait (the API allows 300 s): a command still pending after
# this lost the worker that sent it.
ABANDONED_AFTER = timedelta(minutes=10)


def perform(actor: User, station: Station, action: str, payload: dict[str, Any]) -> Command:
    """Send the operation to one station and wait (at most the time-out) for its answer."""
    return remote_operations.send(station, action, payload, sender=Sender.of_user(actor))


def start(actor: User, stations: list[Station], action: str, payload: dict[str, Any]) -> str:
    """Send the operation to every station at once; its commands fill in as they answer."""
    return remote_operations.start(stations, action, payload, sender=Sender.of_user(actor))


def _visible(actor: User, query: Any) -> Any:
    return visible_stations(actor, query.join(Station, Command.station_id == Station.id))


def operation(actor: User, operation_id: str) -> list[Command]:
    """The commands of one operation on the stations the actor may see, by station."""
    query = _visible(actor, select(Command).where(Command.operation_id == operation_id))
    return list(db.session.scalars(query.options(selectinload(Command.user))
                                   .order_by(Command.charge_box_id)))


def stations_by_id(actor: User, ids: list[int]) -> list[Station]:
    """The stations among `ids` that the actor may see (forged or foreign ids drop out,
    and so do ids no row can have, which PostgreSQL would refuse to compare)."""
    ids = [station_id for station_id in ids if 1 <= station_id <= INTEGER_MAX]
    if not ids:
        return []
    query = visible_stations(actor, select(Station).where(Station.id.in_(ids)))
    return list(db.session.scalars(query.order_by(Station.charge_box_id)))


def open_sessions(station: Station) -> list[ChargingSession]:
    """The station's sessions still charging: what a remote stop can name."""
    query = (select(ChargingSession)
             .where(ChargingSession.station_id == station.id,
                    ChargingSession.stopped_at.is_(None),
                    ChargingSession.transaction_id.is_not(None))
             .options(selectinload(ChargingSession.outlet))
             .order_by(ChargingSession.started_at.desc()))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class CommandFilter:
    charge_box_id: str = ""
    action: str | None = None
    user_id: int | None = None
    outcome: CommandOutcome | None = None
    since: datetime | None = None
    until: datetime | None = None


def history_page(actor: User, filters: CommandFilter, page: int = 1,
                 size: int = PAGE_SIZE) -> Page[Command]:
    """Commands sent to the stations the actor may see, newest first."""
    query = _visible(actor, select(Command))
    if filters.charge_box_id:
        query = query.where(Command.charge_box_id == filters.charge_box_id)
    if filters.action:
        query = query.where(Command.action == filters.action)
    if filters.user_id is not None:
        query = query.where(Command.user_id == filters.user_id)
    if filters.outcome is not None:
        query = query.where(Command.outcome == filters.outcome)
    if filters.since is not None:
        query = query.where(Command.issued_at >= filters.since)
    if filters.until is not None:
        query = query.where(Command.issued_at <= filters.until)
    query = query.options(selectinload(Command.user), selectinload(Command.api_token))
    return paginate(query.order_by(Command.issued_at.desc(), Command.id.desc()), page, size,
                    counted=False)


def issuers() -> list[User]:
    """Users who have sent commands (in this company), for the history's filter."""
    query = select(User).where(User.id.in_(select(Command.user_id).distinct()))
    return list(db.session.scalars(query.order_by(User.email)))


def settle_abandoned(now: datetime) -> int:
    """Close the commands whose sending worker stopped before the station answered (a
    restart, a crash): they would read "waiting" for ever. Returns how many."""
    result = db.session.execute(
        update(Command)
        .where(Command.outcome == CommandOutcome.PENDING,
               Command.issued_at < now - ABANDONED_AFTER)
        .values(outcome=CommandOutcome.TIMED_OUT, answered_at=now,
                error_description="Plugboard stopped waiting: the worker that sent it "
                                  "stopped before the station answered.")
        .execution_options(synchronize_session=False))
    return result.rowcount or 0
