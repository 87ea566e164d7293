"""The Services pages: administrators add, edit, switch off and delete a company's map,
payment and webhook services, send one a test event and read its delivery log; the outlets'
ids at the services on the station's page. Bad input is shown next to its field (422) and
changes nothing; another company's service is 404 on every route."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AuditEntry,
    DeliveryAttempt,
    DeliveryStatus,
    OutboxEvent,
    Role,
    ServiceKind,
    ThirdPartyService,
)
from portal.models.base import utcnow
from portal.services import deliveries, outbox, outlets, stations, third_party
from portal.services.secrets import MASK
from tests.factories import Company, make_tenant
from tests.partner_server import SECRET, running_partner
from tests.portal_client import PortalClient
from tests.scene import company_scope, table_rows

WEBHOOK = {"name": "ERP", "provider": "Our ERP", "url": "https://erp.example/plugboard",
           "secret": SECRET, "events": ["session.ended", "alarm.raised"],
           "description": "Invoices", "enabled": "y"}


@pytest.fixture
def company(app: Flask) -> Company:
    return make_tenant(app)


def _admin(portal: Any, company: Company) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(Role.ADMIN)).status_code == 302
    return client


def _add(client: PortalClient, kind: str, form: dict[str, Any]) -> Any:
    page = f"/services/new?kind={kind}"
    return client.post(page, form, csrf_from=page)


def _service(app: Flask, company: Company, name: str = "ERP") -> ThirdPartyService:
    with company_scope(app, company):
        service = db.session.scalar(select(ThirdPartyService)
                                    .where(ThirdPartyService.name == name))
        db.session.expunge_all()
        return service


def _webhook(app: Flask, company: Company, url: str = WEBHOOK["url"]) -> int:
    with company_scope(app, company) as tenant:
        return third_party.create(tenant, third_party.ServiceValues(
            kind=ServiceKind.WEBHOOK, name="ERP", url=url, secret=SECRET,
            events=("session.ended",))).id


def test_an_administrator_adds_a_service_of_each_kind_and_sees_it_with_its_secret_masked(
        app: Flask, portal, company: Company) -> None:
    client = _admin(portal, company)
    assert client.get("/services/new?kind=webhook").status_code == 200
    assert _add(client, "webhook", WEBHOOK).headers["Location"] == "/services"
    assert _add(client, "payment", {"name": "Easypark", "provider": "Easypark AS",
                                    "url": "https://pay.example/hook", "secret": "p" * 20,
                                    "id_tag": "EASYPARK", "enabled": "y"}).status_code == 302
    assert _add(client, "map", {"name": "Nobil", "url": "https://map.example/push",
                                "secret": "m" * 16}).status_code == 302
    page = client.get("/services").get_data(as_text=True)
    assert "Service Nobil is added." in page
    assert SECRET not in page and "p" * 20 not in page
    assert table_rows(page, "services")[:3] == [
        "webhook | ERP Invoices | Our ERP | https://erp.example/plugboard | "
        f"{MASK}6789 | session.ended, alarm.raised | Enabled | none yet Delivery log | "
        "Edit Disable Send a test event Delete",
        f"payment | Easypark | Easypark AS | https://pay.example/hook | {MASK}pppp | "
        "idTag EASYPARK | Enabled | none yet Delivery log | Edit Disable Send a test event Delete",
        f"map | Nobil | map | https://map.example/push | {MASK}mmmm | | Disabled | "
        "none yet Delivery log | Edit Enable Delete"]  # its Enabled box was not ticked
    assert _service(app, company).events == ["session.ended", "alarm.raised"]


@pytest.mark.parametrize(("kind", "changes", "field", "message"), [
    ("webhook", {"name": " "}, "name", "Enter a name."),
    ("webhook", {"url": "ftp://erp.example"}, "url", "starting with https://"),
    ("webhook", {"secret": "short"}, "secret", "at least 16 characters"),
    ("webhook", {"secret": ""}, "secret", "Enter the secret"),
    ("webhook", {"events": []}, "events", "Choose at least one event."),
    ("webhook", {"events": ["station.exploded"]}, "events", "not a valid choice"),
    ("webhook", {"name": "Taken"}, "name", "has a service named &#39;Taken&#39; already"),
    ("payment", {"id_tag": ""}, "id_tag", "Enter the idTag"),
    ("payment", {"id_tag": "X" * 21}, "id_tag", "Field cannot be longer than 20"),
])
def test_bad_input_is_shown_next_to_its_field_with_422_and_nothing_is_added(
        app: Flask, portal, company: Company, kind: str, changes: dict[str, Any], field: str,
        message: str) -> None:
    client = _admin(portal, company)
    assert _add(client, "map", {**WEBHOOK, "name": "Taken"}).status_code == 302
    response = _add(client, kind, {**WEBHOOK, "id_tag": "PAY1", **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'name="{field}"[^>]*is-invalid|is-invalid[^>]*name="{field}"', html) \
        or field == "events", html
    feedback = re.findall(r'<div class="(?:invalid-feedback|text-danger small)">([^<]*)<', html)
    assert any(message in text for text in feedback), feedback
    with company_scope(app, company):
        assert list(db.session.scalars(select(ThirdPartyService.name))) == ["Taken"]


def test_a_kind_that_is_none_of_the_three_is_refused(portal, company: Company) -> None:
    client = _admin(portal, company)
    for page in ("/services/new", "/services/new?kind=ftp"):
        response = client.get(page)
        assert response.status_code == 400
        assert "Choose the kind of service to add: map, payment, webhook." in \
            response.get_data(as_text=True)


def test_an_edit_keeps_the_secret_when_left_empty_and_its_audit_entry_never_holds_it(
        app: Flask, portal, company: Company) -> None:
    client = _admin(portal, company)
    _add(client, "webhook", WEBHOOK)
    service_id = _service(app, company).id
    edit = f"/services/{service_id}/edit"
    form = client.get(edit).get_data(as_text=True)
    assert SECRET not in form and 'name="secret" type="password" value=""' in form
    assert "Empty keeps the secret" in form and f"{MASK}6789" in form
    kept = {**WEBHOOK, "secret": "", "url": "https://erp.example/v2", "events": ["alarm.raised"]}
    assert client.post(edit, kept, csrf_from=edit).status_code == 302
    with company_scope(app, company):
        service = third_party.get(service_id)
        assert (third_party.secret(service), service.url, service.events) == (
            SECRET, "https://erp.example/v2", ["alarm.raised"])
    new_secret = "a-new-secret-of-the-erp"
    assert client.post(edit, {**kept, "secret": new_secret}, csrf_from=edit).status_code == 302
    with company_scope(app, company):
        assert third_party.secret(third_party.get(service_id)) == new_secret
        entries = [(entry.action, entry.before, entry.after) for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.target_kind == "service")
            .order_by(AuditEntry.id))]
        encrypted = third_party.get(service_id).secret_encrypted
    assert [action for action, _, _ in entries] == ["created", "changed", "changed"]
    assert entries[0][2]["secret_encrypted"] == MASK
    assert entries[2][1:] == ({"secret_encrypted": MASK}, {"secret_encrypted": MASK})
    logged = repr(entries)
    assert SECRET not in logged and new_secret not in logged and encrypted not in logged


def test_a_disabled_service_is_sent_no_test_event_until_it_is_enabled(
        app: Flask, portal, company: Company) -> None:
    service_id = _webhook(app, company)
    client = _admin(portal, company)
    response = client.post(f"/services/{service_id}/disable", csrf_from="/services")
    assert response.headers["Location"] == "/services"
    page = client.get("/services").get_data(as_text=True)
    assert "Service ERP is disabled: it is sent nothing until it is enabled." in page
    assert "Send a test event" not in page
    refused = client.post(f"/services/{service_id}/test", csrf_from="/services")
    assert refused.status_code == 409
    assert "ERP is disabled: enable it to send it a test event." in refused.get_data(
        as_text=True)
    with company_scope(app, company):
        assert db.session.scalars(select(OutboxEvent)).all() == []
    client.post(f"/services/{service_id}/enable", csrf_from="/services")
    assert "Send a test event" in client.get("/services").get_data(as_text=True)


def test_a_test_event_is_queued_sent_signed_and_every_attempt_shows_in_the_delivery_log(
        app: Flask, portal, company: Company) -> None:
    with running_partner() as partner:
        service_id = _webhook(app, company, partner.url)
        partner.answers = [503]
        client = _admin(portal, company)
        queued = client.post(f"/services/{service_id}/test", csrf_from="/services",
                             follow_redirects=True).get_data(as_text=True)
        assert "A test event to ERP is queued: the clock sends it within seconds" in queued
        log = f"/services/{service_id}/deliveries"
        assert "1 waiting to be sent or retried, 0 failed" in client.get(log).get_data(
            as_text=True)
        now = utcnow()
        with app.app_context():
            assert outbox.deliver_due(now) == 1
            assert outbox.deliver_due(now + timedelta(seconds=11)) == 1
    sent = partner.delivered()[0]
    assert sent.event_type == third_party.TEST_EVENT and sent.signed_with(SECRET)
    assert sent.json["data"]["sentBy"] == company.email(Role.ADMIN)
    page = client.get(log).get_data(as_text=True)
    rows = table_rows(page, "attempts")
    assert [row.split(" | ")[1:4] for row in rows] == [
        [third_party.TEST_EVENT, sent.delivery_id, "200 delivered"],
        [third_party.TEST_EVENT, sent.delivery_id, "503 failed"]]
    assert "0 waiting to be sent or retried, 0 failed" in page
    assert "200 delivered" in table_rows(client.get("/services").get_data(as_text=True),
                                         "services")[0]


def test_the_delivery_log_pages_newest_first_and_lists_failed_events(
        app: Flask, portal, company: Company) -> None:
    service_id = _webhook(app, company)
    start = utcnow() - timedelta(days=1)
    with company_scope(app, company):
        service = third_party.get(service_id)
        for number in range(deliveries.PAGE_SIZE + 1):  # the log as the worker leaves it
            event = outbox.emit(service, "session.ended", {"number": number})
            event.status = DeliveryStatus.FAILED if number == 0 else DeliveryStatus.DELIVERED
            db.session.flush()
            db.session.add(DeliveryAttempt(
                tenant_id=service.tenant_id, service_id=service_id, event_id=event.id,
                attempted_at=start + timedelta(minutes=number), http_status=200, ok=True))
    client = _admin(portal, company)
    log = f"/services/{service_id}/deliveries"
    first = client.get(log).get_data(as_text=True)
    assert len(table_rows(first, "attempts")) == deliveries.PAGE_SIZE
    assert table_rows(first, "attempts")[0].startswith(
        (start + timedelta(minutes=deliveries.PAGE_SIZE)).strftime("%Y-%m-%d %H:%M:%S"))
    assert "0 waiting to be sent or retried, 1 failed" in first
    assert [row.split(" | ")[3] for row in table_rows(first, "undelivered")] == ["failed"]
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    last = client.get(older).get_data(as_text=True)
    assert [row[:16] for row in table_rows(last, "attempts")] == [
        start.strftime("%Y-%m-%d %H:%M")]
    broken = client.get(f"{log}?before=garbage")
    assert broken.status_code == 400 and "This link to a page of the log is broken" in \
        broken.get_data(as_text=True)


def test_deleting_a_service_asks_first_then_takes_its_log_and_the_outlets_ids(
        app: Flask, portal, company: Company) -> None:
    service_id = _webhook(app, company)
    with company_scope(app, company) as tenant:
        station = stations.add(tenant, "CP-DEL", connectors=1)
        outlets.set_id_at(station.outlets[0], third_party.get(service_id), "ERP-1")
        outbox.emit(third_party.get(service_id), "session.ended", {})
    client = _admin(portal, company)
    question = client.get(f"/services/{service_id}/delete").get_data(as_text=True)
    assert "Delete service ERP?" in question and "Outlets forget their ids at ERP" in question
    response = client.post(f"/services/{service_id}/delete",
                           csrf_from=f"/services/{service_id}/delete", follow_redirects=True)
    assert "Service ERP is deleted" in response.get_data(as_text=True)
    with company_scope(app, company):
        assert db.session.scalars(select(ThirdPartyService)).all() == []
        assert db.session.scalars(select(OutboxEvent)).all() == []
        assert stations.find("CP-DEL").outlets[0].external_ids == {}


def test_another_companys_service_id_answers_404_on_every_route_and_stays_as_it_was(
        app: Flask, portal, company: Company) -> None:
    service_id = _webhook(app, company)
    other = make_tenant(app)
    client = _admin(portal, other)
    for method, path in (("GET", "edit"), ("POST", "edit"), ("POST", "enable"),
                         ("POST", "disable"), ("POST", "test"), ("GET", "deliveries"),
                         ("GET", "delete"), ("POST", "delete")):
        url = f"/services/{service_id}/{path}"
        response = client.get(url) if method == "GET" else client.post(
            url, WEBHOOK, csrf_from="/services")
        assert response.status_code == 404, (method, url)
        assert "ERP" not in response.get_data(as_text=True)
    assert "ERP" not in client.get("/services").get_data(as_text=True)
    with company_scope(app, company):
        service = third_party.get(service_id)
        assert (service.enabled, service.url) == (True, WEBHOOK["url"])
        assert db.session.scalars(select(OutboxEvent)).all() == []


def test_the_station_page_shows_each_outlets_id_at_each_enabled_service(
        app: Flask, portal, company: Company) -> None:
    with company_scope(app, company) as tenant:
        station = stations.add(tenant, "CP-IDS", connectors=2)
        nobil, easypark, off = (third_party.create(tenant, third_party.ServiceValues(
            kind=ServiceKind.MAP, name=name, url="https://map.example", secret=SECRET,
            enabled=enabled)) for name, enabled in (("Nobil", True), ("Easypark", True),
                                                   ("Old map", False)))
        for service, ids in ((nobil, ("NOR_1", "NOR_2")), (easypark, ("", "ZONE 42")),
                             (off, ("OLD", "OLD"))):
            for outlet, external_id in zip(station.outlets, ids, strict=True):
                outlets.set_id_at(outlet, service, external_id)
        nobil_id = nobil.id
    client = _admin(portal, company)
    page = client.get("/stations/CP-IDS").get_data(as_text=True)
    assert "<th data-service" in page and "Id at Old map" not in page
    header = re.findall(r'<th data-service="\d+">([^<]+)</th>', page)
    assert header == ["Id at Easypark", "Id at Nobil"]
    assert [row.split(" | ")[0:1] + row.split(" | ")[-2:]
            for row in table_rows(page, "outlets")] == [["1", "—", "NOR_1"],
                                                        ["2", "ZONE 42", "NOR_2"]]
    outlet_id = re.search(r'href="/outlets/(\d+)/settings"', page).group(1)
    # the outlet's settings page edits them; an id may not hold the CSV's separator
    settings = f"/outlets/{outlet_id}/settings"
    refused = client.post(settings, {"connector_type": "", "parking_label": "", "mode": "RFID",
                                     f"external_id-{nobil_id}": "NOR|1"}, csrf_from=settings)
    assert refused.status_code == 400
    assert "An id may not contain &#39;|&#39;: the topology CSV separates" in \
        refused.get_data(as_text=True)
