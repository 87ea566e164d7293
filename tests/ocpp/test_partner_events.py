"""What a company's services hear, each played by a local HTTP server: a charging map, a
payment service and the company's own systems (webhooks). The events come from real
station sockets and real pages, and leave as the clock sends them (outbox.deliver_due)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from ocpp_ws import dispatcher
from ocpp_ws.routing import ROUTER, Router
from ocpp_ws.station_state import StationState
from portal.extensions import db
from portal.models import (
    Alarm,
    Availability,
    CommandSender,
    OutboxEvent,
    PaymentSession,
    ServiceKind,
    Site,
    Tenant,
)
from portal.models.base import utcnow
from portal.services import outbox, remote_operations, sites, stations, third_party
from portal.timestamps import format_timestamp
from tenants.scoping import tenant_scope
from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_server
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering, admin_email
from tests.ocpp.test_core import _start, _status, _stop
from tests.ocpp.test_hot_path import every_statement
from tests.parallel import worker_redis_url
from tests.partner_server import SECRET, PartnerServer, running_partner
from tests.portal_client import PortalClient

# The payment test's commands cross from this process to the server's through Redis: the
# app's own Redis when it has one, else this database (tests/parallel.py names the others).
# Without REDIS_URL (the SQLite run): databases below the routing tests' 13 and 12.
REDIS = worker_redis_url("redis://127.0.0.1:6379/11")
STATION_STATUS = "station.status"


@pytest.fixture(autouse=True)
def unpaced_outbox(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "OUTBOX_RATE_PER_SECOND", 1000)


@pytest.fixture
def partner() -> Iterator[PartnerServer]:
    with running_partner() as server:
        yield server


def _add_service(company: OcppCompany, kind: ServiceKind, url: str, name: str = "Partner",
                 **values: Any) -> int:
    made: list[int] = []
    company.change(lambda tenant: made.append(third_party.create(tenant, third_party.ServiceValues(
        kind=kind, name=name, url=url, secret=SECRET, **values)).id))
    return made[0]


def _deliver(company: OcppCompany, later: timedelta = timedelta(0)) -> None:
    """The clock's run, `later` from now."""
    company.query(lambda: outbox.deliver_due(utcnow() + later))


def _data(server: PartnerServer, event_type: str) -> list[dict[str, Any]]:
    return [request.json["data"] for request in server.of_type(event_type)]


def _ids(company: OcppCompany, charge_box_id: str = "CP1") -> dict[str, Any]:
    """The station's uuid and its outlets' (by connectorId), as a partner is told them."""
    def read() -> dict[str, Any]:
        station = stations.find(charge_box_id)
        return {"station": {"chargeBoxId": charge_box_id, "uuid": station.uuid},
                **{outlet.connector_id: outlet.uuid for outlet in station.outlets}}
    return company.query(read)


def _offline(company: OcppCompany, charge_box_id: str = "CP1") -> None:
    """Wait for the server to record the station's socket closed."""
    deadline = time.monotonic() + 10
    while company.query(lambda: stations.find(charge_box_id).connected_at) is not None:
        assert time.monotonic() < deadline, "the server never marked the station offline"
        time.sleep(0.05)


def _admin(app: Flask, company: OcppCompany) -> PortalClient:
    client = PortalClient(app, company.slug)
    assert client.login(admin_email(company)).status_code == 302
    return client


def _publish(company: OcppCompany, map_id: int, **place: Any) -> None:
    """Make CP1 public, its connector 1 known at the map as NOBIL-1."""
    def publish(tenant: Tenant) -> None:
        station = stations.find("CP1")
        station.availability = Availability.PUBLIC
        for field, value in place.items():
            setattr(station, field, value)
        station.outlets[0].external_ids = {str(map_id): "NOBIL-1"}
    company.change(publish)


# --- The map -------------------------------------------------------------------------------

def test_a_map_gets_outlet_statuses_signed_coalesced_with_the_outlets_id_there(
        company: OcppCompany, partner: PartnerServer) -> None:
    map_id = _add_service(company, ServiceKind.MAP, partner.url, name="Nobil")
    _publish(company, map_id)
    ids = _ids(company)
    with company.station() as cp1:
        cp1.boot()
        for status in ("Preparing", "Charging", "SuspendedEV"):
            _status(cp1, 1, status)
        _status(cp1, 2, "Unavailable")
    _deliver(company)
    statuses = partner.of_type("outlet.status")
    assert all(request.signed_with(SECRET) for request in statuses)
    assert not any(request.signed_with("another-secret-0123") for request in statuses)
    assert [request.json["type"] for request in statuses] == ["outlet.status"] * 2
    first, second = [request.json["data"] for request in statuses]
    at = first.pop("at")
    assert first == {"station": ids["station"],
                     "outlet": {"uuid": ids[1], "connectorId": 1, "externalId": "NOBIL-1"},
                     "status": "SuspendedEV", "errorCode": "NoError", "info": "",
                     "vendorErrorCode": ""}
    assert at.endswith("Z")
    assert second["outlet"] == {"uuid": ids[2], "connectorId": 2, "externalId": None}
    assert second["status"] == "Unavailable"


def test_a_private_stations_changes_never_reach_the_map(
        app: Flask, company: OcppCompany, partner: PartnerServer) -> None:
    _add_service(company, ServiceKind.MAP, partner.url, name="Nobil")
    with company.station() as cp1:
        cp1.boot()
        _status(cp1, 1, "Charging")
    url = "/stations/CP1/settings"
    client = _admin(app, company)
    assert client.post(url, {**SETTINGS, "availability": "private"},
                       csrf_from=url).status_code == 302
    _deliver(company)
    assert partner.received == []


SETTINGS = {"name": "Gate charger", "availability": "public", "registration_status": "Accepted",
            "address": "Gate 1", "latitude": "59.91", "longitude": "10.76"}


def test_a_public_station_made_renamed_moved_and_deleted_on_pages_is_updated_at_the_map(
        app: Flask, company: OcppCompany, partner: PartnerServer) -> None:
    map_id = _add_service(company, ServiceKind.MAP, partner.url, name="Nobil")

    def add(tenant: Tenant) -> None:
        site = sites.find_or_create(tenant, "Depot")
        site.address, site.latitude, site.longitude = "Depot road 1", 60.1, 11.2
        station = stations.add(tenant, "MAP-1", connectors=1)
        station.outlets[0].connector_type = "CCS2"
        station.outlets[0].external_ids = {str(map_id): "NOBIL-9"}
    company.change(add)
    ids = _ids(company, "MAP-1")
    outlet = {"uuid": ids[1], "connectorId": 1, "externalId": "NOBIL-9"}
    client = _admin(app, company)
    url = "/stations/MAP-1/settings"
    assert client.post(url, SETTINGS, csrf_from=url).status_code == 302
    _deliver(company)
    assert _data(partner, "station.updated") == [{
        "station": ids["station"], "removed": False, "name": "Gate charger", "site": None,
        "address": "Gate 1", "position": {"latitude": 59.91, "longitude": 10.76},
        "outlets": [{**outlet, "connectorType": "CCS2", "status": None}]}]

    # Moved onto a site, its own position given up: it stands where the site does.
    site_id = company.query(lambda: db.session.scalar(select(Site.id)))
    assert client.post(url, {**SETTINGS, "address": "", "latitude": "", "longitude": ""},
                       csrf_from=url).status_code == 302
    assert client.post("/topology/stations/MAP-1/move", {"site": site_id},
                       csrf_from="/account/password").status_code == 302
    _deliver(company, timedelta(seconds=11))  # one per station every 10 s: the latest
    moved = _data(partner, "station.updated")[1:]
    assert [(data["site"], data["address"], data["position"]) for data in moved] == [
        ("Depot", "Depot road 1", {"latitude": 60.1, "longitude": 11.2})]

    site_url = f"/sites/{site_id}/settings"
    assert client.post(site_url, {"name": "Depot", "address": "New road 2", "latitude": "60.1",
                                  "longitude": "11.2"}, csrf_from=site_url).status_code == 302
    _deliver(company, timedelta(seconds=22))
    assert _data(partner, "station.updated")[2]["address"] == "New road 2"

    assert client.post("/topology/stations/MAP-1/delete",
                       csrf_from="/account/password").status_code == 302
    _deliver(company, timedelta(seconds=33))
    assert _data(partner, "station.updated")[3:] == [
        {"station": ids["station"], "removed": True, "outlets": [outlet]}]
    assert len(partner.received) == 4


def test_a_station_made_private_is_removed_from_the_map_with_its_ids_only(
        app: Flask, company: OcppCompany, partner: PartnerServer) -> None:
    map_id = _add_service(company, ServiceKind.MAP, partner.url, name="Nobil")
    _publish(company, map_id, name="Secret depot", address="Hidden lane 2")
    url = "/stations/CP1/settings"
    assert _admin(app, company).post(url, {**SETTINGS, "availability": "private"},
                                     csrf_from=url).status_code == 302
    _deliver(company, timedelta(seconds=11))  # after the window of the listing above
    *_, removed = _data(partner, "station.updated")
    ids = _ids(company)
    assert removed == {"station": ids["station"], "removed": True, "outlets": [
        {"uuid": ids[1], "connectorId": 1, "externalId": "NOBIL-1"},
        {"uuid": ids[2], "connectorId": 2, "externalId": None}]}


# --- Webhooks ------------------------------------------------------------------------------

def test_each_webhook_hears_only_the_events_it_subscribed_to(
        app: Flask, company: OcppCompany) -> None:
    with running_partner() as billing, running_partner() as noc:
        _add_service(company, ServiceKind.WEBHOOK, billing.url, name="Billing",
                     events=("session.started", "session.ended", STATION_STATUS))
        _add_service(company, ServiceKind.WEBHOOK, noc.url, name="NOC",
                     events=("outlet.status", "alarm.raised", "alarm.cleared"))
        with company.station() as cp1:
            cp1.boot()
            _status(cp1, 1, "Preparing")
            _status(cp1, 1, "Preparing")  # no change: nothing to tell
            started_at = format_timestamp(utcnow() - timedelta(minutes=30))
            transaction_id = _start(cp1, "VALID", meter=1000, at=started_at)["transactionId"]
            _stop(cp1, transaction_id, 4500, reason="EVDisconnected")
            cp1.result("SecurityEventNotification", {
                "type": "TamperDetectionActivated", "timestamp": format_timestamp(utcnow())})
        _offline(company)
        alarm_id = company.query(lambda: db.session.scalar(select(Alarm.id)))
        assert _admin(app, company).post(f"/alarms/{alarm_id}/clear",
                                         csrf_from="/alarms").status_code == 302
        _deliver(company)
    ids = _ids(company)
    assert [(request.event_type, request.json["data"].get("status"))
            for request in billing.delivered()] == [
        (STATION_STATUS, "online"), (STATION_STATUS, "registration"), ("session.started", None),
        ("session.ended", None), (STATION_STATUS, "offline")]
    assert [request.event_type for request in noc.delivered()] == [
        "outlet.status", "alarm.raised", "alarm.cleared"]

    [ended] = _data(billing, "session.ended")
    stopped_at = ended.pop("stop")
    assert ended == {
        "sessionId": transaction_id, "transactionId": transaction_id,
        "station": ids["station"], "outlet": {"uuid": ids[1], "connectorId": 1},
        "idTag": "VALID", "start": started_at, "meterStart": 1000, "meterStop": 4500,
        "energy": 3500, "duration": ended["duration"], "stopReason": "EVDisconnected",
        "closedBy": "station", "note": ""}
    assert 30 * 60 <= ended["duration"] <= 31 * 60 and stopped_at.endswith("Z")
    online, booted, offline = _data(billing, STATION_STATUS)
    assert online["station"] == ids["station"] and online["registrationStatus"] == "Accepted"
    assert booted["reason"] == "Answered to its BootNotification."
    assert offline["reason"] == "The station closed the connection."
    raised, cleared = (request.json["data"] for request in noc.delivered()[1:])
    assert (raised["alarmId"], raised["kind"], raised["node"], raised["station"],
            raised["clearedAt"]) == (alarm_id, "security_event", "CP1", ids["station"], None)
    assert cleared["clearedBy"] == admin_email(company) and cleared["clearedAt"]


def test_a_session_plugboard_closes_ends_once_and_again_when_its_station_stops_it(
        company: OcppCompany, partner: PartnerServer, cp1: Any) -> None:
    _add_service(company, ServiceKind.WEBHOOK, partner.url,
                 events=("session.started", "session.ended"))
    at = format_timestamp(utcnow())
    first = _start(cp1, "VALID", meter=100, at=at)["transactionId"]
    assert _start(cp1, "VALID", meter=100, at=at)["transactionId"] == first  # sent again
    second = _start(cp1, "FLEET", meter=900)["transactionId"]  # the first was never stopped
    _stop(cp1, first, 800)
    _stop(cp1, first, 800)  # sent again: nothing new
    _deliver(company)
    assert [(request.event_type, request.json["data"]["transactionId"])
            for request in partner.delivered()] == [
        ("session.started", first), ("session.ended", first), ("session.started", second),
        ("session.ended", first)]
    closed, stopped = _data(partner, "session.ended")
    assert (closed["closedBy"], closed["meterStop"], closed["stopReason"]) == (
        "plugboard", None, None)
    assert "without a StopTransaction" in closed["note"]
    assert (stopped["closedBy"], stopped["meterStop"], stopped["energy"]) == (
        "station", 800, 700)


def test_registration_changes_reach_the_webhook(app: Flask, company: OcppCompany,
                                                partner: PartnerServer) -> None:
    _add_service(company, ServiceKind.WEBHOOK, partner.url, events=(STATION_STATUS,))
    company.change(lambda tenant: setattr(tenant, "auto_register_stations", True))
    with company.station("CP-NEW") as knocking:
        assert knocking.boot()["status"] == "Pending"
    _offline(company, "CP-NEW")
    assert _admin(app, company).post("/stations/CP-NEW/registration", {"status": "Accepted"},
                                     csrf_from="/stations/CP-NEW").status_code == 302
    _deliver(company)
    assert [(data["status"], data["registrationStatus"], data["reason"])
            for data in _data(partner, STATION_STATUS)] == [
        ("registration", "Pending", "Registered when it first connected."),
        ("online", "Pending", ""),
        ("registration", "Pending", "Answered to its BootNotification."),
        ("offline", "Pending", "The station closed the connection."),
        ("registration", "Accepted", "Set by staff; the station learns it at its next boot.")]


# --- The payment service -------------------------------------------------------------------

@pytest.fixture(scope="module")
def routed_port(app: Flask, database_url: str) -> Iterator[int]:
    """A server that takes this process's commands through Redis, as from another worker."""
    port = free_port()
    with running_server(database_url, port, REDIS_URL=app.config["REDIS_URL"] or REDIS):
        yield port


@pytest.fixture
def routed_company(app: Flask, routed_port: int, monkeypatch: pytest.MonkeyPatch,
                   company: OcppCompany) -> OcppCompany:
    url = app.config["REDIS_URL"] or REDIS
    monkeypatch.setitem(app.extensions, ROUTER, app.extensions.get(ROUTER)
                        or Router(url, app.config["OCPP_REGISTRY_TTL"],
                                  app.config["REDIS_POOL_SIZE"]))
    return OcppCompany(company.slug, company.tenant_id, app, routed_port)


def test_a_payment_service_hears_the_end_of_the_session_it_started(
        routed_company: OcppCompany, partner: PartnerServer) -> None:
    company = routed_company
    service_id = _add_service(company, ServiceKind.PAYMENT, partner.url, name="Easypark",
                              id_tag="EASYPARK")
    _add_service(company, ServiceKind.WEBHOOK, partner.url, name="Other",
                 events=("session.ended",))
    with company.station() as cp1:
        cp1.boot()
        answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Accepted"}])

        def start(tenant: Tenant) -> None:
            station = stations.find("CP1")
            command = remote_operations.send(
                station, "RemoteStartTransaction", {"connectorId": 1, "idTag": "EASYPARK"},
                sender=remote_operations.Sender(CommandSender.SERVICE))
            db.session.add(PaymentSession(
                tenant_id=tenant.id, service_id=service_id, reference="order-42",
                outlet_id=station.outlets[0].id, command_id=command.id, answer_status=201))
        company.change(start)
        assert answering.join()[2:] == ["RemoteStartTransaction",
                                        {"connectorId": 1, "idTag": "EASYPARK"}]
        transaction_id = _start(cp1, "EASYPARK", meter=100)["transactionId"]
        linked = company.query(lambda: db.session.scalar(select(
            PaymentSession.charging_session_id)))
        assert linked == transaction_id
        _stop(cp1, transaction_id, 2600)
    _deliver(company)
    paid = [request for request in partner.of_type("session.ended")
            if "reference" in request.json["data"]]
    assert len(partner.of_type("session.ended")) == 2  # the webhook's has no reference
    [ended] = [request.json["data"] for request in paid]
    assert paid[0].signed_with(SECRET)
    assert (ended["reference"], ended["transactionId"], ended["energy"], ended["meterStart"],
            ended["meterStop"], ended["idTag"]) == (
        "order-42", transaction_id, 2500, 100, 2600, "EASYPARK")
    assert ended["start"].endswith("Z") and ended["stop"].endswith("Z")
    assert ended["duration"] >= 0



# --- The cost on the OCPP path -------------------------------------------------------------

def _connected_station(app: Flask, *services: ServiceKind) -> StationState:
    """A public station's state, as the endpoint loads it, in a company with these
    services (a webhook subscribes to outlet.status)."""
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station = stations.add(tenant, "CP1", connectors=1)
            station.availability = Availability.PUBLIC
            for number, kind in enumerate(services):
                third_party.create(tenant, third_party.ServiceValues(
                    kind=kind, name=f"Service {number}", url="http://127.0.0.1:9/", secret=SECRET,
                    events=("outlet.status",) if kind is ServiceKind.WEBHOOK else ()))
            db.session.commit()
            state = StationState(tenant.id, station.id, "CP1")
            state.load()
            return state


@pytest.mark.parametrize("services", [(), (ServiceKind.WEBHOOK, ServiceKind.MAP)])
def test_a_status_reads_the_companys_services_once_whatever_it_owes(
        app: Flask, services: tuple[ServiceKind, ...]) -> None:
    state = _connected_station(app, *services)
    frame = [2, "1", "StatusNotification", {"connectorId": 1, "status": "Charging",
                                            "errorCode": "NoError"}]
    with app.app_context(), tenant_scope(db.session.get(Tenant, state.tenant_id)):
        db.session.remove()
        with every_statement(app) as statements:
            answer = dispatcher.handle_frame(state, json.dumps(frame), 65536)
    assert answer == '[3,"1",{}]'
    assert sum("FROM third_party_service" in statement for statement in statements) == 1
    owed = _company_events(app, state.tenant_id)
    assert owed == ([("outlet.status", "Charging")] * len(services))


def _company_events(app: Flask, tenant_id: int) -> list[tuple[str, str]]:
    with app.app_context(), tenant_scope(db.session.get(Tenant, tenant_id)):
        return [(event.event_type, event.data["status"]) for event in db.session.scalars(
            select(OutboxEvent).order_by(OutboxEvent.id))]
