"""What staff read of alarms and station events: the active alarms, the alarm history and
the event log, under the navigator's node, filtered, and exported as they are shown."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from portal.auth.permissions import Actor, visible_stations
from portal.extensions import db
from portal.models import Alarm, AlarmKind, AlarmSeverity, Event, Station
from portal.services import alarms
from portal.services.keyset import LogPage, newest_first
from portal.services.scope import SYSTEM, Node, NodeKind

PAGE_SIZE = 100
# Active alarms are few while things work; past this many the page says how to narrow them.
ACTIVE_SHOWN = 500
BATCH = 2_000  # rows read at a time by an export

# The event kinds staff filter the log by, with words for them.
EVENT_KINDS = {
    "status": "Status change", "connected": "Connected", "disconnected": "Disconnected",
    "boot": "Boot", "registration": "Registration", "registered": "Registered itself",
    "firmware_status": "Firmware step", "diagnostics_status": "Diagnostics step",
    "log_status": "Log upload step", "command": "Remote command",
    "security_event": "Security event", "alarm_raised": "Alarm raised",
    "alarm_cleared": "Alarm cleared", "session_closed": "Session closed by the portal",
}


@dataclass(frozen=True)
class AlarmFilter:
    kind: AlarmKind | None = None
    severity: AlarmSeverity | None = None
    charge_box_id: str = ""  # the node's text (chargeBoxId or chargeBoxId/connector), contains
    since: datetime | None = None  # raised at or after, timezone-aware
    until: datetime | None = None  # raised at or before


@dataclass(frozen=True)
class EventFilter:
    kind: str = ""
    charge_box_id: str = ""
    text: str = ""  # in what happened, any case
    since: datetime | None = None
    until: datetime | None = None


def active(actor: Actor, filters: AlarmFilter, node: Node = SYSTEM) -> list[Alarm]:
    """The open alarms the filters keep, critical first, newest first; at most
    ACTIVE_SHOWN + 1 (the page says when there are more)."""
    query = _alarms(actor, filters, node).where(Alarm.cleared_at.is_(None))
    return list(db.session.scalars(query.order_by(
        (Alarm.severity == AlarmSeverity.CRITICAL).desc(), Alarm.raised_at.desc(), Alarm.id.desc())
        .limit(ACTIVE_SHOWN + 1)))


def open_counts(actor: Actor, node: Node = SYSTEM) -> list[tuple[AlarmKind, AlarmSeverity, int]]:
    """The open alarms the actor may see under the node, counted by kind and severity,
    critical ones first."""
    query = node.stations(alarms.visible(actor, select(
        Alarm.kind, Alarm.severity, func.count()).where(Alarm.cleared_at.is_(None))))
    if node.kind is NodeKind.OUTLET:
        query = query.where(Alarm.outlet_id == node.id)
    rows = db.session.execute(query.group_by(Alarm.kind, Alarm.severity)).all()
    order = list(AlarmKind)
    return sorted(((kind, severity, count) for kind, severity, count in rows),
                  key=lambda row: (row[1] is not AlarmSeverity.CRITICAL, order.index(row[0])))


def history(actor: Actor, filters: AlarmFilter, node: Node = SYSTEM, *,
            before: str | None = None, after: str | None = None) -> LogPage[Alarm]:
    """The cleared alarms the filters keep, the last cleared first."""
    query = _alarms(actor, filters, node).where(Alarm.cleared_at.is_not(None))
    return newest_first(query, Alarm.cleared_at, Alarm.id, PAGE_SIZE, before=before, after=after)


def events(actor: Actor, filters: EventFilter, node: Node = SYSTEM, *,
           before: str | None = None, after: str | None = None) -> LogPage[Event]:
    """The station events the filters keep, newest first."""
    return newest_first(_events(actor, filters, node), Event.occurred_at, Event.id, PAGE_SIZE,
                        before=before, after=after)


def every_alarm(actor: Actor, filters: AlarmFilter, node: Node, *,
                cleared: bool) -> Iterator[Alarm]:
    """Every alarm of the active list (or of the history), newest first, for an export."""
    at = Alarm.cleared_at if cleared else Alarm.raised_at
    query = _alarms(actor, filters, node).where(
        Alarm.cleared_at.is_not(None) if cleared else Alarm.cleared_at.is_(None))
    yield from _batches(query, at, Alarm.id)


def every_event(actor: Actor, filters: EventFilter, node: Node) -> Iterator[Event]:
    yield from _batches(_events(actor, filters, node), Event.occurred_at, Event.id)


ALARM_HEADER = ("Raised", "Cleared", "Cleared by", "Severity", "Kind", "Station or connector",
                "Site", "What happened")
EVENT_HEADER = ("Time", "Station", "Connector", "Event", "What happened")


def alarm_cells(alarm: Alarm, zone: ZoneInfo) -> list[Any]:
    return [_local(alarm.raised_at, zone), _local(alarm.cleared_at, zone),
            alarm.cleared_by.email if alarm.cleared_by else
            ("" if alarm.cleared_at is None else "(the cause went away)"),
            alarm.severity.value, alarm.kind.label, alarm.node,
            alarm.station.site.name if alarm.station and alarm.station.site else "",
            alarm.description]


def event_cells(event: Event, zone: ZoneInfo) -> list[Any]:
    return [_local(event.occurred_at, zone), event.station.charge_box_id if event.station else "",
            event.outlet.connector_id if event.outlet else "", EVENT_KINDS.get(event.kind,
                                                                               event.kind),
            event.message]


def _alarms(actor: Actor, filters: AlarmFilter, node: Node) -> Select[Any]:
    query = node.stations(alarms.visible(actor, select(Alarm)))
    if node.kind is NodeKind.OUTLET:
        query = query.where(Alarm.outlet_id == node.id)
    f = filters
    conditions: list[Any] = []
    if f.kind is not None:
        conditions.append(Alarm.kind == f.kind)
    if f.severity is not None:
        conditions.append(Alarm.severity == f.severity)
    if f.charge_box_id:
        conditions.append(Alarm.node.icontains(f.charge_box_id, autoescape=True))
    if f.since is not None:
        conditions.append(Alarm.raised_at >= f.since)
    if f.until is not None:
        conditions.append(Alarm.raised_at <= f.until)
    return query.where(*conditions).options(
        joinedload(Alarm.station).joinedload(Station.site), joinedload(Alarm.cleared_by))


def _events(actor: Actor, filters: EventFilter, node: Node) -> Select[Any]:
    query = node.stations(visible_stations(actor, select(Event).join(
        Station, Event.station_id == Station.id)))
    if node.kind is NodeKind.OUTLET:
        query = query.where(Event.outlet_id == node.id)
    f = filters
    conditions: list[Any] = []
    if f.kind:
        conditions.append(Event.kind == f.kind)
    if f.charge_box_id:
        conditions.append(Station.charge_box_id.icontains(f.charge_box_id, autoescape=True))
    if f.text:
        conditions.append(Event.message.icontains(f.text, autoescape=True))
    if f.since is not None:
        conditions.append(Event.occurred_at >= f.since)
    if f.until is not None:
        conditions.append(Event.occurred_at <= f.until)
    return query.where(*conditions).options(joinedload(Event.station), joinedload(Event.outlet))


def _batches(query: Select[Any], at: Any, row_id: Any) -> Iterator[Any]:
    cursor: str | None = None
    while True:
        page = newest_first(query, at, row_id, BATCH, before=cursor)
        yield from page.items
        if page.older is None:
            return
        cursor = str(page.older)  # the session's identity map lets the read rows go


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(zone).replace(tzinfo=None)
