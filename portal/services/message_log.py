"""The OCPP message log: the frames of the stations an actor may see, and their retention.

A log holds millions of frames, so it is read in keyset pages, newest first (keyset.py),
on the (tenant_id, logged_at) and (station_id, logged_at) indexes.

Only frames of a station are shown (an inner join): the OCPP layer logs a frame only once
the handshake named a station (refused handshakes are ConnectionAttempts, not frames), and
a station's frames go with it, so a frame without a station has nobody to show it to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, delete, select

from portal.auth.permissions import Actor, visible_stations
from portal.extensions import db
from portal.models import Direction, OcppMessage, Station
from portal.services.keyset import LogPage, newest_first
from portal.services.scope import SYSTEM, Node

PAGE_SIZE = 100
PRUNE_CHUNK = 10_000  # rows per transaction: one long delete would hold back the writers


@dataclass(frozen=True)
class MessageFilter:
    charge_box_id: str = ""  # the station's, contains, any case
    direction: Direction | None = None
    message_type: int | None = None  # 2 CALL, 3 CALLRESULT, 4 CALLERROR
    action: str = ""
    text: str = ""  # in the frame, any case; % and _ are plain characters
    since: datetime | None = None  # timezone-aware, inclusive
    until: datetime | None = None  # timezone-aware, inclusive


def page(actor: Actor, filters: MessageFilter, node: Node = SYSTEM, *,
         before: str | None = None, after: str | None = None) -> LogPage[OcppMessage]:
    """The frames under the node that the actor may see and the filters keep, newest first:
    the newest ones, or those just before or after the cursor of a page link."""
    query = _matching(node.stations(visible_stations(actor, select(OcppMessage).join(
        Station, OcppMessage.station_id == Station.id))), filters)
    return newest_first(query, OcppMessage.logged_at, OcppMessage.id, PAGE_SIZE,
                        before=before, after=after)


def _matching(query: Select[Any], filters: MessageFilter) -> Select[Any]:
    conditions = []
    if filters.charge_box_id:
        conditions.append(Station.charge_box_id.icontains(filters.charge_box_id,
                                                          autoescape=True))
    if filters.direction is not None:
        conditions.append(OcppMessage.direction == filters.direction)
    if filters.message_type is not None:
        conditions.append(OcppMessage.message_type == filters.message_type)
    if filters.action:
        conditions.append(OcppMessage.action == filters.action)
    if filters.text:  # ILIKE on PostgreSQL, over the rows the other filters left
        conditions.append(OcppMessage.frame.icontains(filters.text, autoescape=True))
    if filters.since is not None:
        conditions.append(OcppMessage.logged_at >= filters.since)
    if filters.until is not None:
        conditions.append(OcppMessage.logged_at <= filters.until)
    return query.where(and_(*conditions)) if conditions else query


def retention_days() -> int:
    """How many days a frame is kept; 0: for ever."""
    return current_app.config["MESSAGE_LOG_RETENTION_DAYS"]


def prune(now: datetime) -> int:
    """Delete the company's frames logged before the retention period; return how many."""
    days = retention_days()
    if not days:
        return 0
    cutoff = now - timedelta(days=days)
    deleted = 0
    while True:
        oldest = select(OcppMessage.id).where(OcppMessage.logged_at < cutoff).limit(PRUNE_CHUNK)
        result = db.session.execute(
            delete(OcppMessage).where(OcppMessage.id.in_(oldest))
            .execution_options(synchronize_session=False))
        db.session.commit()
        deleted += result.rowcount
        if result.rowcount < PRUNE_CHUNK:
            return deleted
