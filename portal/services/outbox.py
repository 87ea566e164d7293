"""The outbox: every event owed to a company's services (a map, a payment service, a
webhook) is stored first, in the transaction of the change that caused it, and sent later
by the delivery worker, which runs in the clock process (`flask jobs run`).

Sending never happens on the way to an OCPP answer or a page: a slow or dead service
costs them nothing. In the clock, each service is sent to by one thread of a pool
(OUTBOX_WORKERS), one worker at a time (a lease on the service's row, for several clocks),
so that a service that hangs holds up only itself.

A failure (no connection, a time-out, any answer but 2xx) is retried with exponential
backoff for OUTBOX_RETRY_HOURS; then the event is marked failed. Every attempt is logged
with the event's delivery id, which stays the same on every retry.

Events with a coalescing key (an outlet's status at a map) go at most once per key every
COALESCE_WINDOW, and only the latest of those waiting goes: the map ends on the outlet's
latest status without being told each of its steps.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import requests
from flask import Flask, current_app
from sqlalchemy import func, or_, select, update

from portal import metrics
from portal.extensions import db
from portal.models import (
    DeliveryAttempt,
    DeliveryStatus,
    OutboxEvent,
    Tenant,
    ThirdPartyService,
)
from portal.models.base import utcnow
from portal.services import encryption, signing, third_party
from portal.timestamps import format_timestamp
from tenants.scoping import ALL_TENANTS, tenant_scope

log = logging.getLogger(__name__)

COALESCE_WINDOW = timedelta(seconds=10)
FIRST_RETRY = timedelta(seconds=10)  # then 20 s, 40 s, ... at most MAX_RETRY_DELAY
MAX_RETRY_DELAY = timedelta(hours=1)
LEASE = timedelta(minutes=5)  # a worker that died frees its service after this
BATCH = 100  # events taken at a time; a service with more is taken again at once
ERROR_LENGTH = DeliveryAttempt.__table__.c.error.type.length


def emit(service: ThirdPartyService, event_type: str, data: dict[str, Any], *,
         coalesce_key: str | None = None) -> OutboxEvent:
    """Owe the service an event; it leaves once the current transaction commits."""
    event = OutboxEvent(tenant_id=service.tenant_id, service_id=service.id,
                        event_type=event_type, data=data, coalesce_key=coalesce_key,
                        next_attempt_at=utcnow())
    db.session.add(event)
    return event


def body(event: OutboxEvent) -> bytes:
    """What is sent for an event: the same bytes on every retry."""
    return json.dumps({"id": event.delivery_id, "type": event.event_type,
                       "createdAt": format_timestamp(event.created_at), "data": event.data},
                      separators=(",", ":"), sort_keys=True).encode()


def deliver_due(now: datetime | None = None) -> int:
    """Send what is due to every service, one service after another; how many attempts.
    The clock's worker (Dispatcher) sends to each service in a thread of its own."""
    now = now or utcnow()
    return sum(deliver_to(service_id, now) for service_id in due_services(now))


def due_services(now: datetime) -> list[int]:
    """The services, of every company, with an event due."""
    return list(db.session.scalars(
        select(OutboxEvent.service_id).distinct().where(
            OutboxEvent.status == DeliveryStatus.PENDING, OutboxEvent.next_attempt_at <= now)
        .execution_options(**{ALL_TENANTS: True})))


def deliver_to(service_id: int, now: datetime | None = None) -> int:
    """Send the service's due events, unless another worker is at it; how many attempts.
    `now` (tests) stands for the time of every attempt; else each takes the clock's."""
    if not _lease(service_id, now or utcnow()):
        return 0
    try:
        service = db.session.get(ThirdPartyService, service_id,
                                 execution_options={ALL_TENANTS: True})
        with tenant_scope(db.session.get(Tenant, service.tenant_id)):
            return _deliver(service, now)
    finally:
        db.session.rollback()
        db.session.execute(update(ThirdPartyService).where(ThirdPartyService.id == service_id)
                           .values(delivering_until=None)
                           .execution_options(**{ALL_TENANTS: True}))
        db.session.commit()


def _lease(service_id: int, now: datetime) -> bool:
    taken = db.session.execute(
        update(ThirdPartyService)
        .where(ThirdPartyService.id == service_id,
               or_(ThirdPartyService.delivering_until.is_(None),
                   ThirdPartyService.delivering_until < now))
        .values(delivering_until=now + LEASE)
        .execution_options(**{ALL_TENANTS: True})).rowcount
    db.session.commit()
    return taken == 1


def _deliver(service: ThirdPartyService, now: datetime | None) -> int:
    attempts = 0
    pace = 1 / current_app.config["OUTBOX_RATE_PER_SECOND"]
    while True:
        due = list(db.session.scalars(select(OutboxEvent).where(
            OutboxEvent.service_id == service.id, OutboxEvent.status == DeliveryStatus.PENDING,
            OutboxEvent.next_attempt_at <= (now or utcnow())).order_by(OutboxEvent.id)
            .limit(BATCH)))
        sent_any = False
        for event in due:
            if event.coalesce_key is not None and _coalesced(event, now or utcnow()):
                db.session.commit()
                continue
            if not service.enabled:
                return attempts  # switched off: its events wait for it
            started = time.monotonic()
            ok = _attempt(service, event, now or utcnow())
            db.session.commit()
            attempts += 1
            sent_any = True
            if not ok:
                return attempts  # the service is unwell: its other events wait their turn
            time.sleep(max(0.0, pace - (time.monotonic() - started)))
        if len(due) < BATCH or not sent_any:
            return attempts


def _coalesced(event: OutboxEvent, now: datetime) -> bool:
    """True when the event does not go now: a later one of its key goes instead, or one
    of its key went less than COALESCE_WINDOW ago (it waits for the window's end)."""
    same_key = (OutboxEvent.service_id == event.service_id,
                OutboxEvent.coalesce_key == event.coalesce_key)
    later = db.session.scalar(select(OutboxEvent.id).where(
        *same_key, OutboxEvent.status == DeliveryStatus.PENDING, OutboxEvent.id > event.id)
        .limit(1))
    if later is not None:
        event.status = DeliveryStatus.SUPERSEDED
        return True
    last_sent = db.session.scalar(select(func.max(OutboxEvent.delivered_at)).where(
        *same_key, OutboxEvent.status == DeliveryStatus.DELIVERED))
    if last_sent is not None and now < last_sent + COALESCE_WINDOW:
        event.next_attempt_at = last_sent + COALESCE_WINDOW
        return True
    return False


def _attempt(service: ThirdPartyService, event: OutboxEvent, now: datetime) -> bool:
    """POST the event once, log the attempt and schedule what follows; True if delivered.
    No database connection is held while the service thinks."""
    attempt = DeliveryAttempt(tenant_id=service.tenant_id, service_id=service.id,
                              event_id=event.id, attempted_at=now)
    try:
        url, payload, secret = service.url, body(event), third_party.secret(service)
        event_type, delivery_id = event.event_type, event.delivery_id
    except encryption.Unreadable as error:
        attempt.error = str(error)[:ERROR_LENGTH]
    else:
        db.session.commit()
        started = time.monotonic()
        try:
            answer = requests.post(
                url, data=payload, allow_redirects=False,
                timeout=current_app.config["OUTBOX_TIMEOUT"],
                headers=signing.headers(secret, int(time.time()), payload, event_type,
                                        delivery_id))
            attempt.http_status = answer.status_code
            attempt.ok = 200 <= answer.status_code < 300
            if not attempt.ok:
                attempt.error = f"answered {answer.status_code} {answer.reason or ''}".strip()
        except requests.RequestException as error:
            attempt.error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
        attempt.duration_ms = round((time.monotonic() - started) * 1000)
    db.session.add(attempt)
    event.attempts += 1
    if attempt.ok:
        event.status, event.delivered_at = DeliveryStatus.DELIVERED, now
    elif now - event.created_at >= timedelta(hours=current_app.config["OUTBOX_RETRY_HOURS"]):
        event.status = DeliveryStatus.FAILED
    else:
        event.next_attempt_at = now + retry_delay(event.attempts)
    return attempt.ok


def measure_backlog(now: datetime) -> int:
    """The clock's job: how many events, of every company, wait to be sent (a metric)."""
    waiting = db.session.scalar(
        select(func.count()).select_from(OutboxEvent)
        .where(OutboxEvent.status == DeliveryStatus.PENDING)
        .execution_options(**{ALL_TENANTS: True})) or 0
    metrics.OUTBOX_BACKLOG.set(waiting)
    return waiting


def retry_delay(attempts: int) -> timedelta:
    """How long an event waits after its n-th failed attempt: 10 s, 20 s, 40 s, ... 1 h."""
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 20), MAX_RETRY_DELAY)


class Dispatcher:
    """The clock's delivery worker: every run hands each service with something due to a
    thread of its own, unless one is still at it, and returns at once."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(app.config["OUTBOX_WORKERS"],
                                       thread_name_prefix="outbox")
        self.busy: set[int] = set()
        self.lock = threading.Lock()

    def __call__(self, now: datetime) -> int:
        handed = 0
        for service_id in due_services(now):
            with self.lock:
                if service_id in self.busy:
                    continue
                self.busy.add(service_id)
            self.pool.submit(self._deliver, service_id)
            handed += 1
        return handed

    def _deliver(self, service_id: int) -> None:
        with self.app.app_context():
            try:
                deliver_to(service_id)
            except Exception:
                log.exception("delivery to service %s failed", service_id)
            finally:
                db.session.remove()
                with self.lock:
                    self.busy.discard(service_id)


def dispatch(now: datetime) -> int:
    """The clock's job: hand the due services to this process's Dispatcher."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    dispatcher = app.extensions.get("outbox_dispatcher")
    if dispatcher is None:
        dispatcher = app.extensions["outbox_dispatcher"] = Dispatcher(app)
    return dispatcher(now)
