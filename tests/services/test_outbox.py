"""The outbox and its delivery worker against a real local HTTP server: signed bodies,
retries with one delivery id, coalescing, failing after the retry window, and a service
that hangs holding up no other."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import select

from portal.extensions import db
from portal.models import DeliveryAttempt, DeliveryStatus, OutboxEvent, ServiceKind, Tenant
from portal.models.base import utcnow
from portal.services import outbox, third_party
from tenants.scoping import tenant_scope
from tests.factories import make_tenant
from tests.partner_server import SECRET, PartnerServer, running_partner


@pytest.fixture
def tenant(app: Flask) -> Iterator[Tenant]:
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            yield tenant


@pytest.fixture
def partner() -> Iterator[PartnerServer]:
    with running_partner() as server:
        yield server


def _webhook(tenant: Tenant, url: str, name: str = "ERP",
             events: tuple[str, ...] = ("session.ended",)) -> int:
    service = third_party.create(tenant, third_party.ServiceValues(
        kind=ServiceKind.WEBHOOK, name=name, url=url, secret=SECRET, events=events))
    db.session.commit()
    return service.id


def _attempts(service_id: int) -> list[tuple[int | None, str]]:
    return [(attempt.http_status, attempt.event.delivery_id) for attempt in db.session.scalars(
        select(DeliveryAttempt).where(DeliveryAttempt.service_id == service_id)
        .order_by(DeliveryAttempt.id))]


def test_a_failed_event_is_retried_with_backoff_and_arrives_once_with_one_delivery_id(
        tenant: Tenant, partner: PartnerServer) -> None:
    service_id = _webhook(tenant, partner.url)
    partner.answers = [500, 500]
    outbox.emit(third_party.get(service_id), "session.ended", {"transactionId": 7})
    db.session.commit()
    now = utcnow()
    assert outbox.deliver_to(service_id, now) == 1
    assert outbox.deliver_to(service_id, now + timedelta(seconds=5)) == 0  # backing off
    assert outbox.deliver_to(service_id, now + timedelta(seconds=11)) == 1
    assert outbox.deliver_to(service_id, now + timedelta(seconds=11 + 19)) == 0
    assert outbox.deliver_to(service_id, now + timedelta(seconds=11 + 21)) == 1
    assert outbox.deliver_to(service_id, now + timedelta(hours=1)) == 0  # nothing left
    arrived = partner.delivered()
    assert len(arrived) == 1 and len(partner.received) == 3
    event = arrived[0]
    assert event.signed_with(SECRET) and not event.signed_with("another-secret-of-16")
    assert event.event_type == "session.ended"
    assert event.json["data"] == {"transactionId": 7} and event.json["type"] == "session.ended"
    assert {request.delivery_id for request in partner.received} == {event.delivery_id}
    assert {request.body for request in partner.received} == {event.body}
    assert _attempts(service_id) == [(500, event.delivery_id), (500, event.delivery_id),
                                     (200, event.delivery_id)]


def test_an_event_failing_for_the_whole_retry_window_is_marked_failed(
        tenant: Tenant, partner: PartnerServer) -> None:
    service_id = _webhook(tenant, partner.url)
    partner.answers = [503] * 50
    outbox.emit(third_party.get(service_id), "session.ended", {"transactionId": 8})
    db.session.commit()
    start = utcnow()
    for hours in (0, 2, 5, 10, 20, 24.1):
        outbox.deliver_to(service_id, start + timedelta(hours=hours))
    event = db.session.scalar(select(OutboxEvent).where(OutboxEvent.service_id == service_id))
    assert event.status is DeliveryStatus.FAILED and event.attempts == 6
    assert outbox.deliver_to(service_id, start + timedelta(hours=30)) == 0
    assert not partner.delivered()


def test_a_refused_connection_is_logged_and_retried(tenant: Tenant) -> None:
    with running_partner() as gone:
        url = gone.url
    service_id = _webhook(tenant, url)
    outbox.emit(third_party.get(service_id), "session.ended", {"transactionId": 9})
    db.session.commit()
    assert outbox.deliver_to(service_id, utcnow()) == 1
    [(status, _)] = _attempts(service_id)
    attempt = db.session.scalar(select(DeliveryAttempt))
    assert status is None and "ConnectionError" in attempt.error and not attempt.ok
    event = db.session.scalar(select(OutboxEvent))
    assert event.status is DeliveryStatus.PENDING and event.next_attempt_at > utcnow()


def test_statuses_of_one_key_are_coalesced_to_the_latest_at_most_once_per_window(
        tenant: Tenant, partner: PartnerServer) -> None:
    service_id = _webhook(tenant, partner.url, events=("outlet.status",))
    service = third_party.get(service_id)
    for status in ("Preparing", "Charging"):
        outbox.emit(service, "outlet.status", {"status": status}, coalesce_key="outlet:1")
    outbox.emit(service, "outlet.status", {"status": "Faulted"}, coalesce_key="outlet:2")
    db.session.commit()
    now = utcnow()
    outbox.deliver_to(service_id, now)
    assert [request.json["data"]["status"] for request in partner.delivered()] == [
        "Charging", "Faulted"]
    for status in ("SuspendedEV", "Finishing", "Available"):
        outbox.emit(service, "outlet.status", {"status": status}, coalesce_key="outlet:1")
    db.session.commit()
    outbox.deliver_to(service_id, now + timedelta(seconds=3))  # in the window: nothing goes
    assert len(partner.delivered()) == 2
    outbox.deliver_to(service_id, now + timedelta(seconds=10))
    assert [request.json["data"]["status"] for request in partner.delivered()] == [
        "Charging", "Faulted", "Available"]
    statuses = db.session.scalars(select(OutboxEvent.status).order_by(OutboxEvent.id)).all()
    assert statuses.count(DeliveryStatus.SUPERSEDED) == 3


def test_a_disabled_service_is_sent_nothing_until_it_is_enabled_again(
        tenant: Tenant, partner: PartnerServer) -> None:
    service_id = _webhook(tenant, partner.url)
    service = third_party.get(service_id)
    outbox.emit(service, "session.ended", {"transactionId": 10})
    service.enabled = False
    db.session.commit()
    assert outbox.deliver_to(service_id, utcnow()) == 0 and not partner.received
    service.enabled = True
    db.session.commit()
    assert outbox.deliver_to(service_id, utcnow()) == 1


def test_a_hanging_service_holds_up_no_other(app: Flask, tenant: Tenant,
                                            partner: PartnerServer) -> None:
    with running_partner() as hanging:
        hanging.hang = 3.0
        slow = _webhook(tenant, hanging.url, name="Slow ERP")
        quick = _webhook(tenant, partner.url, name="Quick ERP")
        for service_id in (slow, quick):
            outbox.emit(third_party.get(service_id), "session.ended", {"transactionId": 12})
        db.session.commit()
        started = time.monotonic()
        dispatcher = outbox.Dispatcher(app)
        assert dispatcher(utcnow()) >= 2  # (and other tests' services left with events)
        db.session.commit()  # as the clock's job does: the threads need the connection
        while not partner.delivered() and time.monotonic() - started < 2.5:
            time.sleep(0.02)
        assert partner.delivered(), "the quick service waited for the hanging one"
        assert not hanging.received and slow in dispatcher.busy
        dispatcher(utcnow())  # the hanging one is still at it: not taken twice
        db.session.commit()
        dispatcher.pool.shutdown(wait=True)
    assert len(hanging.delivered()) == 1


def test_a_service_is_validated_and_its_secret_is_stored_encrypted_and_shown_masked(
        tenant: Tenant) -> None:
    values = third_party.ServiceValues(kind=ServiceKind.WEBHOOK, name="ERP",
                                       url="ftp://example.com", secret=SECRET,
                                       events=("session.ended",))
    with pytest.raises(third_party.Invalid) as error:
        third_party.create(tenant, values)
    assert error.value.field == "url"
    for change, field in ((dict(secret="short"), "secret"), (dict(events=()), "events"),
                          (dict(events=("session.paid",)), "events"), (dict(name=""), "name")):
        with pytest.raises(third_party.Invalid) as error:
            third_party.create(tenant, third_party.ServiceValues(
                **{**values.__dict__, "url": "https://erp.example.com/hook", **change}))
        assert error.value.field == field
    service = third_party.create(tenant, third_party.ServiceValues(
        **{**values.__dict__, "url": "https://erp.example.com/hook"}))
    assert SECRET not in service.secret_encrypted
    assert third_party.secret(service) == SECRET
    assert third_party.masked_secret(service).endswith(SECRET[-4:])
    assert SECRET[:-4] not in third_party.masked_secret(service)


def test_the_clock_measures_the_backlog_of_every_companys_outbox(tenant: Tenant) -> None:
    before = outbox.measure_backlog(utcnow())
    service_id = _webhook(tenant, "http://127.0.0.1:9/never-sent")
    outbox.emit(third_party.get(service_id), "session.ended", {"transactionId": 7})
    db.session.commit()
    assert outbox.measure_backlog(utcnow()) == before + 1
    assert REGISTRY.get_sample_value("plugboard_outbox_backlog_events") == before + 1

    third_party.delete(third_party.get(service_id))  # its events go with it
    db.session.commit()
    assert outbox.measure_backlog(utcnow()) == before
