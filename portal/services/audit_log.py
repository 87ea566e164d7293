"""The audit log as staff read it: administrators every entry, support users the entries
about stations; filtered, in keyset pages newest first, and exported whole.

The log grows for ever, so pages are keyset pages on the (tenant_id, at) index (keyset.py)
and an export is read as it is written, a batch of rows at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, and_, cast, or_, select

from portal.auth.permissions import Actor, Capability, can
from portal.extensions import db
from portal.models import AuditEntry
from portal.services.audit_targets import AUDITED, STATION_KINDS
from portal.services.keyset import LogPage, newest_first

PAGE_SIZE = 100
EXPORT_BATCH = 1000
HEADER = ("Time", "Who", "Address", "Action", "Target kind", "Target id", "Target", "Before",
          "After")


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # who: contains, any case
    action: str = ""
    target_kind: str = ""
    text: str = ""  # in the target's name or the values; % and _ are plain characters
    since: datetime | None = None  # timezone-aware, inclusive
    until: datetime | None = None


def target_kinds(actor: Actor) -> list[str]:
    """The kinds of target the actor may read entries about."""
    if can(actor, Capability.VIEW_AUDIT_LOG):
        return sorted({audited.kind for audited in AUDITED.values()})
    return sorted(STATION_KINDS)


def page(actor: Actor, filters: AuditFilter, *, before: str | None = None,
         after: str | None = None) -> LogPage[AuditEntry]:
    """The entries the actor may read that the filters keep, newest first."""
    return newest_first(_matching(actor, filters), AuditEntry.at, AuditEntry.id, PAGE_SIZE,
                        before=before, after=after)


def export_rows(actor: Actor, filters: AuditFilter) -> Iterator[Sequence[Any]]:
    """Every entry the actor may read that the filters keep, newest first, as HEADER's cells."""
    query = _matching(actor, filters).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    for entry in db.session.scalars(query.execution_options(yield_per=EXPORT_BATCH)):
        yield (entry.at, entry.actor, entry.address or "", entry.action, entry.target_kind,
               entry.target_id, entry.target, _json(entry.before), _json(entry.after))


def _json(values: dict[str, Any] | None) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True) if values else ""


def _matching(actor: Actor, filters: AuditFilter) -> Select[Any]:
    query = select(AuditEntry)
    if not can(actor, Capability.VIEW_AUDIT_LOG):
        query = query.where(AuditEntry.target_kind.in_(STATION_KINDS))
    conditions = []
    if filters.actor:
        conditions.append(AuditEntry.actor.icontains(filters.actor, autoescape=True))
    if filters.action:
        conditions.append(AuditEntry.action == filters.action)
    if filters.target_kind:
        conditions.append(AuditEntry.target_kind == filters.target_kind)
    if filters.text:
        conditions.append(or_(*(column.icontains(filters.text, autoescape=True) for column in (
            AuditEntry.target, cast(AuditEntry.before, Text), cast(AuditEntry.after, Text)))))
    if filters.since is not None:
        conditions.append(AuditEntry.at >= filters.since)
    if filters.until is not None:
        conditions.append(AuditEntry.at <= filters.until)
    return query.where(and_(*conditions)) if conditions else query
