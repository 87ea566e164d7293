"""Read-only views of stations for staff: lists, connector states, events.

Every query is limited to the stations the actor may see (`visible_stations`); the
tenant is applied by the scoping mechanism. Lists come back in pages of a fixed size
so the pages stay fast with thousands of stations (the message log: message_log.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus, RegistrationStatus
from sqlalchemy import Select, String, func, literal, select, union_all
from sqlalchemy.orm import selectinload

from portal.auth.permissions import visible_stations
from portal.errors import NotFound
from portal.extensions import db
from portal.models import (
    ConnectionAttempt,
    Event,
    Outlet,
    RefusalReason,
    Station,
    User,
)
from portal.models.base import INTEGER_MAX
from portal.services.scope import SYSTEM, Node, NodeKind

T = TypeVar("T")
U = TypeVar("U")
PAGE_SIZE = 50
RECENT_EVENTS = 20


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    size: int
    has_next: bool
    total: int | None = None  # None where counting would cost more than the page (message log)

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // self.size))

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        """The same page with each item converted."""
        return Page([convert(item) for item in self.items], self.number, self.size,
                    self.has_next, self.total)


def paginate(query: Select[Any], number: int, size: int, *, counted: bool = True,
          scalars: bool = True) -> Page[Any]:
    """One page of an ordered query: one row more than the page tells whether another follows.

    A page number from the URL may be anything: below 1 is the first page; one whose rows
    would start past INTEGER_MAX (more rows than a table with Integer ids holds, and an
    OFFSET the database may refuse) is NotFound."""
    number = max(number, 1)
    if number > INTEGER_MAX // size + 1:
        raise NotFound(f"There is no page {number} of this list.")
    total = None
    if counted:
        counting = select(func.count()).select_from(query.order_by(None).subquery())
        total = db.session.scalar(counting) or 0
    paged = query.limit(size + 1).offset((number - 1) * size)
    rows = list(db.session.scalars(paged) if scalars else db.session.execute(paged))
    return Page(items=rows[:size], number=number, size=size, has_next=len(rows) > size,
                total=total)


# --- Stations ----------------------------------------------------------------------------

@dataclass(frozen=True)
class StationFilter:
    charge_box_id: str = ""  # contains, any case
    description: str = ""  # contains, any case
    protocol: str | None = None
    heartbeat_interval: int | None = None
    online: bool | None = None
    registration_status: RegistrationStatus | None = None


@dataclass(frozen=True)
class StationChoices:
    """The values the station filters can offer: those the visible stations have."""

    protocols: list[str]
    heartbeat_intervals: list[int]


def station_page(actor: User, filters: StationFilter, page: int = 1,
                 node: Node = SYSTEM) -> Page[Station]:
    """The stations under the navigator's node that the actor may see and the filters keep."""
    query = node.stations(visible_stations(actor, select(Station)))
    if filters.charge_box_id:
        query = query.where(Station.charge_box_id.icontains(filters.charge_box_id,
                                                            autoescape=True))
    if filters.description:
        query = query.where(Station.description.icontains(filters.description, autoescape=True))
    if filters.protocol:
        query = query.where(Station.protocol == filters.protocol)
    if filters.heartbeat_interval is not None:
        query = query.where(Station.heartbeat_period == filters.heartbeat_interval)
    if filters.online is not None:
        query = query.where(Station.connected_at.is_not(None) if filters.online
                            else Station.connected_at.is_(None))
    if filters.registration_status is not None:
        query = query.where(Station.registration_status == filters.registration_status)
    query = query.options(selectinload(Station.outlets), selectinload(Station.site))
    return paginate(query.order_by(Station.charge_box_id), page, PAGE_SIZE)


def station_choices(actor: User) -> StationChoices:
    rows = db.session.execute(visible_stations(
        actor, select(Station.protocol, Station.heartbeat_period).distinct()
    )).all()
    return StationChoices(protocols=sorted({protocol for protocol, _ in rows}),
                          heartbeat_intervals=sorted({interval for _, interval in rows}))


# --- Connectors --------------------------------------------------------------------------

@dataclass(frozen=True)
class ConnectorFilter:
    charge_box_id: str = ""  # contains, any case
    status: ChargePointStatus | None = None


@dataclass(frozen=True)
class ConnectorState:
    """The last StatusNotification of one connector; connector 0 is the station as a whole."""

    charge_box_id: str
    station_name: str
    connector_id: int
    status: ChargePointStatus | None
    error_code: ChargePointErrorCode | None
    info: str
    vendor_id: str
    vendor_error_code: str
    status_at: datetime | None


def connector_page(actor: User, filters: ConnectorFilter, page: int = 1,
                   node: Node = SYSTEM) -> Page[ConnectorState]:
    """Every outlet under the node, and connector 0 of its stations that reported one (not
    when the node is one outlet), by chargeBoxId."""
    outlets = select(
        Station.charge_box_id, Station.name.label("station_name"), Outlet.connector_id,
        Outlet.status, Outlet.error_code, Outlet.info, Outlet.vendor_id,
        Outlet.vendor_error_code, Outlet.status_at,
    ).join(Outlet.station)
    station_level = select(
        Station.charge_box_id, Station.name, literal(0), Station.status, Station.error_code,
        Station.status_info, literal("", String), literal("", String), Station.status_at,
    ).where(Station.status.is_not(None), literal(node.kind is not NodeKind.OUTLET))
    # One ordered list, so a page is a page of connectors whichever table they come from.
    states = union_all(
        _connectors_matching(actor, filters, node.outlets(outlets), Outlet.status),
        _connectors_matching(actor, filters, node.stations(station_level), Station.status),
    ).subquery()
    query = select(states).order_by(states.c.charge_box_id, states.c.connector_id)
    result = paginate(query, page, PAGE_SIZE, scalars=False)
    return result.map(lambda row: ConnectorState(**row._mapping))


def _connectors_matching(
    actor: User, filters: ConnectorFilter, query: Select[Any], status_column: Any
) -> Select[Any]:
    query = visible_stations(actor, query)
    if filters.charge_box_id:
        query = query.where(Station.charge_box_id.icontains(filters.charge_box_id,
                                                            autoescape=True))
    if filters.status is not None:
        query = query.where(status_column == filters.status)
    return query


# --- One station: its events --------------------------------------------------------------

def recent_events(station: Station, limit: int = RECENT_EVENTS) -> list[Event]:
    """The station's latest events, newest first; `station` is one the actor may see."""
    query = (select(Event).where(Event.station_id == station.id)
             .order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit))
    return list(db.session.scalars(query))


# --- Refused connections ------------------------------------------------------------------

@dataclass(frozen=True)
class RefusedConnection:
    attempt: ConnectionAttempt
    registered: bool  # a station with this chargeBoxId exists now

    @property
    def can_be_added(self) -> bool:
        return self.attempt.reason is RefusalReason.UNKNOWN_STATION and not self.registered


def refused_connections(page: int = 1) -> Page[RefusedConnection]:
    """Refused handshakes of the whole company, latest first.

    No actor: an unknown chargeBoxId belongs to no site, so only roles with
    REGISTER_STATIONS (company-wide) reach this list.
    """
    registered = select(Station.id).where(
        Station.charge_box_id == ConnectionAttempt.charge_box_id
    ).exists()
    query = (select(ConnectionAttempt, registered)
             .order_by(ConnectionAttempt.last_at.desc(), ConnectionAttempt.id.desc()))
    result = paginate(query, page, PAGE_SIZE, scalars=False)
    return result.map(lambda row: RefusedConnection(row[0], bool(row[1])))

