"""What staff see of the events sent to a company's services: each service's last attempt,
its delivery log (every attempt, newest first, in keyset pages: it grows with every event)
and the events it is still owed or that failed; and the "send a test event" button."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.errors import Conflict
from portal.extensions import db
from portal.models import DeliveryAttempt, DeliveryStatus, OutboxEvent, ThirdPartyService
from portal.services import outbox, third_party
from portal.services.keyset import LogPage, newest_first

PAGE_SIZE = 50
UNDELIVERED_SHOWN = 50
UNDELIVERED = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


@dataclass(frozen=True)
class Undelivered:
    """A service's events not delivered: the newest of them, and how many there are."""

    events: list[OutboxEvent]  # newest first, at most UNDELIVERED_SHOWN
    pending: int
    failed: int

    @property
    def more(self) -> int:
        return self.pending + self.failed - len(self.events)


def last_attempts(services: list[ThirdPartyService]) -> dict[int, DeliveryAttempt]:
    """Each service's latest attempt, by service id (none for one never sent to)."""
    found = {}
    for service in services:  # a company has a handful: one indexed look-up each
        attempt = db.session.scalar(
            select(DeliveryAttempt).where(DeliveryAttempt.service_id == service.id)
            .order_by(DeliveryAttempt.attempted_at.desc(), DeliveryAttempt.id.desc()).limit(1))
        if attempt is not None:
            found[service.id] = attempt
    return found


def log_page(service: ThirdPartyService, *, before: str | None = None,
             after: str | None = None) -> LogPage[DeliveryAttempt]:
    """The service's delivery attempts with their events, newest first."""
    query = (select(DeliveryAttempt).where(DeliveryAttempt.service_id == service.id)
             .options(joinedload(DeliveryAttempt.event)))
    return newest_first(query, DeliveryAttempt.attempted_at, DeliveryAttempt.id, PAGE_SIZE,
                        before=before, after=after)


def undelivered(service: ThirdPartyService) -> Undelivered:
    """The events still waiting for their first attempt or a retry, and those that failed."""
    owed = (OutboxEvent.service_id == service.id, OutboxEvent.status.in_(UNDELIVERED))
    counts = dict(db.session.execute(
        select(OutboxEvent.status, func.count()).where(*owed).group_by(OutboxEvent.status))
        .all())
    events = list(db.session.scalars(
        select(OutboxEvent).where(*owed).order_by(OutboxEvent.id.desc())
        .limit(UNDELIVERED_SHOWN)))
    return Undelivered(events, counts.get(DeliveryStatus.PENDING, 0),
                       counts.get(DeliveryStatus.FAILED, 0))


def send_test(service: ThirdPartyService, sent_by: str) -> OutboxEvent:
    """Owe the service a test event; the delivery worker sends it like any other."""
    if not service.enabled:
        raise Conflict(f"{service.name} is disabled: enable it to send it a test event.")
    return outbox.emit(service, third_party.TEST_EVENT, {
        "service": service.name, "sentBy": sent_by,
        "message": "A test event from Plugboard: check its signature with the service's "
                   "secret."})
