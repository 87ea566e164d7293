"""A payment service starts and stops charging with signed requests to the live server, and
station CP1, a real socket, receives the operations with the service's idTag.

What the service is refused (a bad signature, an old timestamp, a replayed delivery, a bad
body, another company's or kind's service) changes nothing: no payment session, no
command, no delivery id kept."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import pytest
import requests
from ocpp.v16.enums import ChargePointStatus
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Command,
    IncomingDelivery,
    Outlet,
    PaymentSession,
    ServiceKind,
    Tenant,
)
from portal.models.base import utcnow
from portal.services import outbox, signing, stations, third_party
from portal.timestamps import format_timestamp
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering
from tests.ocpp.station_client import Station
from tests.partner_server import SECRET, running_partner

ID_TAG = "EASYPARK"


class Payments:
    """The payment service as Plugboard knows it, and its signed requests."""

    def __init__(self, company: OcppCompany, kind: ServiceKind = ServiceKind.PAYMENT,
                 url: str = "https://pay.example.com/events") -> None:
        self.company = company
        self.service_id = _add_service(company, kind, url)
        self.outlet = company.query(lambda: _outlet("CP1", 1).uuid)

    def start(self, reference: Any, outlet: str | None = None, **signed: Any
              ) -> requests.Response:
        body = json.dumps({"reference": reference, "outlet": outlet or self.outlet}).encode()
        return self.send("POST", f"/integrations/{self.service_id}/sessions", body, **signed)

    def stop(self, reference: str, **signed: Any) -> requests.Response:
        return self.send("DELETE", f"/integrations/{self.service_id}/sessions/{reference}", b"",
                         **signed)

    def send(self, method: str, path: str, body: bytes, *, secret: str = SECRET,
             at: int | None = None, delivery: str | None = None) -> requests.Response:
        event = "session.stop" if method == "DELETE" else "session.start"
        headers = signing.headers(secret, at or int(time.time()), body, event,
                                  delivery or str(uuid.uuid4()))
        headers["Host"] = f"{self.company.slug}.localhost:{self.company.port}"
        return requests.request(method, f"http://127.0.0.1:{self.company.port}{path}",
                                data=body, headers=headers, timeout=30)

    def counts(self) -> tuple[int, int, int]:
        """The company's payment sessions, commands and kept delivery ids."""
        return self.company.query(lambda: tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (PaymentSession, Command, IncomingDelivery)))


def _add_service(company: OcppCompany, kind: ServiceKind, url: str) -> int:
    ids: list[int] = []
    company.change(lambda tenant: ids.append(third_party.create(tenant, third_party.ServiceValues(
        kind=kind, name=f"Easypark {kind.value}", url=url,
        secret=SECRET, id_tag=ID_TAG if kind is ServiceKind.PAYMENT else "",
        events=("session.ended",) if kind is ServiceKind.WEBHOOK else ())).id))
    return ids[0]


def _outlet(charge_box_id: str, connector_id: int) -> Outlet:
    return next(outlet for outlet in stations.find(charge_box_id).outlets
                if outlet.connector_id == connector_id)


def _available(station: Station, connector_id: int = 1) -> None:
    station.result("StatusNotification", {"connectorId": connector_id, "status": "Available",
                                          "errorCode": "NoError"})


def _answer(payload: dict[str, Any]) -> Any:
    return lambda unique_id: [3, unique_id, payload]


def _quiet(station: Station) -> None:
    """The station was sent no CALL: the next frame it reads answers its own."""
    assert station.result("Heartbeat")["currentTime"]


@pytest.fixture
def payments(company: OcppCompany) -> Payments:
    return Payments(company)


def test_a_signed_start_sends_remote_start_with_the_services_id_tag_once(
        payments: Payments, cp1: Station) -> None:
    _available(cp1)
    answering = Answering(cp1, _answer({"status": "Accepted"}))
    started = payments.start("order-1")
    assert answering.join()[2:] == ["RemoteStartTransaction",
                                    {"connectorId": 1, "idTag": ID_TAG}]
    assert started.status_code == 201, started.text
    body = started.json()
    assert body == {"id": str(uuid.UUID(body["id"])), "reference": "order-1", "status": "Accepted",
                    "station": "CP1", "connectorId": 1, "outlet": payments.outlet}
    again = payments.start("order-1")
    assert (again.status_code, again.json()) == (201, body)
    _quiet(cp1)
    assert payments.counts() == (1, 1, 2)


def test_the_same_reference_while_the_station_thinks_is_asked_again_later(
        payments: Payments, cp1: Station) -> None:
    _available(cp1)
    first: list[requests.Response] = []
    waiting = threading.Thread(target=lambda: first.append(payments.start("order-2")))
    waiting.start()
    call = json.loads(cp1.ws.recv(timeout=15))
    meanwhile = payments.start("order-2")
    assert meanwhile.status_code == 409 and meanwhile.json()["error"] == "in_progress"
    cp1.ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))
    waiting.join(timeout=20)
    assert first[0].status_code == 201
    later = payments.start("order-2")
    assert (later.status_code, later.json()) == (201, first[0].json())
    _quiet(cp1)


def test_two_requests_with_one_reference_at_once_send_one_remote_start(
        payments: Payments, cp1: Station) -> None:
    _available(cp1)
    together = threading.Barrier(2)
    answers: list[requests.Response] = []

    def start() -> None:
        together.wait()
        answers.append(payments.start("order-3"))

    requesters = [threading.Thread(target=start) for _ in range(2)]
    for requester in requesters:
        requester.start()
    call = json.loads(cp1.ws.recv(timeout=15))
    cp1.ws.send(json.dumps([3, call[1], {"status": "Accepted"}]))
    for requester in requesters:
        requester.join(timeout=20)
    assert sorted(answer.status_code for answer in answers) in ([201, 201], [201, 409])
    assert {answer.json().get("error") for answer in answers} <= {None, "in_progress"}
    _quiet(cp1)
    assert payments.counts() == (1, 1, 2)


def test_a_charge_started_and_stopped_by_the_service_ends_with_session_ended_to_it(
        company: OcppCompany, cp1: Station) -> None:
    with running_partner() as partner:
        payments = Payments(company, url=partner.url)
        assert payments.stop("order-11").status_code == 404
        _available(cp1)
        answering = Answering(cp1, _answer({"status": "Accepted"}))
        started = payments.start("order-11")
        assert started.status_code == 201
        assert answering.join()[2:] == ["RemoteStartTransaction",
                                        {"connectorId": 1, "idTag": ID_TAG}]
        not_yet = payments.stop("order-11")
        assert (not_yet.status_code, not_yet.json()["error"]) == (409, "not_started")
        # The driver plugs in: the station carries the remote start out.
        transaction_id = cp1.result("StartTransaction", {
            "connectorId": 1, "idTag": ID_TAG, "meterStart": 100,
            "timestamp": format_timestamp(utcnow())})["transactionId"]
        answering = Answering(cp1, _answer({"status": "Accepted"}))
        stopped = payments.stop("order-11")
        assert answering.join()[2:] == ["RemoteStopTransaction",
                                        {"transactionId": transaction_id}]
        assert stopped.status_code == 200, stopped.text
        assert stopped.json() | {"id": ""} == {"id": "", "reference": "order-11",
                                               "status": "Accepted",
                                               "transactionId": transaction_id}
        cp1.result("StopTransaction", {"transactionId": transaction_id, "meterStop": 2100,
                                       "timestamp": format_timestamp(utcnow()),
                                       "reason": "Remote"})
        ended = payments.stop("order-11")
        assert (ended.status_code, ended.json()["error"]) == (409, "ended")
        company.query(lambda: outbox.deliver_to(payments.service_id))  # the clock's turn
        [event] = partner.of_type("session.ended")
    assert event.signed_with(SECRET) and event.json["data"]["reference"] == "order-11"
    data = event.json["data"]
    assert (data["transactionId"], data["energy"], data["meterStart"], data["meterStop"],
            data["stopReason"], data["idTag"]) == (transaction_id, 2000, 100, 2100, "Remote",
                                                   ID_TAG)
    assert data["duration"] >= 0 and data["start"] <= data["stop"]


@pytest.mark.parametrize(("answer", "error"), [
    (_answer({"status": "Rejected"}), "rejected"),
    (lambda unique_id: [4, unique_id, "InternalError", "Relay stuck", {}], "call_error"),
])
def test_a_start_the_station_refuses_is_502_and_stays_the_references_answer(
        payments: Payments, cp1: Station, answer: Any, error: str) -> None:
    _available(cp1)
    answering = Answering(cp1, answer)
    refused = payments.start("order-4")
    answering.join()
    assert (refused.status_code, refused.json()["error"]) == (502, error), refused.text
    again = payments.start("order-4")
    assert (again.status_code, again.json()) == (502, refused.json())
    _quiet(cp1)


def test_a_busy_outlet_is_409_and_the_station_is_sent_nothing(
        payments: Payments, cp1: Station) -> None:
    cp1.result("StatusNotification", {"connectorId": 1, "status": "Charging",
                                      "errorCode": "NoError"})
    busy = payments.start("order-5")
    assert (busy.status_code, busy.json()["error"]) == (409, "outlet_unavailable")
    assert "CP1 connector 1 is Charging" in busy.json()["message"]
    _quiet(cp1)
    assert payments.counts() == (1, 0, 1)


def test_an_offline_station_named_by_the_outlets_id_at_the_service_is_409(
        payments: Payments) -> None:
    def offline_outlet(tenant: Tenant) -> None:
        stations.add(tenant, "CP-OFF", connectors=1)
        outlet = _outlet("CP-OFF", 1)
        outlet.status = ChargePointStatus.available
        outlet.external_ids = {str(payments.service_id): "zone-42"}

    payments.company.change(offline_outlet)
    offline = payments.start("order-6", outlet="zone-42")
    assert (offline.status_code, offline.json()["error"]) == (409, "station_offline")
    assert payments.counts() == (1, 1, 1)


@pytest.mark.parametrize(("body", "field"), [
    ({"outlet": "x"}, "reference"),
    ({"reference": "r" * 201}, "reference"),
    ({"reference": "order-7", "outlet": "no-such-outlet"}, "outlet"),
    ([], "body"),
])
def test_a_bad_body_is_422_naming_the_field_and_keeps_nothing(
        payments: Payments, body: Any, field: str) -> None:
    path = f"/integrations/{payments.service_id}/sessions"
    refused = payments.send("POST", path, json.dumps(body).encode())
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "invalid" and field in refused.json()["errors"]
    assert payments.counts() == (0, 0, 0)


def test_a_body_past_the_limit_is_413(payments: Payments) -> None:
    refused = payments.start("x" * 5000)
    assert (refused.status_code, refused.json()["error"]) == (413, "too_large")


def test_bad_signatures_old_timestamps_and_replays_are_refused_and_change_nothing(
        payments: Payments) -> None:
    def refused(response: requests.Response, status: int, error: str) -> None:
        assert (response.status_code, response.json()["error"]) == (status, error), response.text
        assert payments.counts() == (0, 0, 0)

    refused(payments.start("order-8", secret="not-the-services-secret"), 401, "unauthorized")
    refused(payments.start("order-8", at=int(time.time()) - 301), 401, "unauthorized")
    refused(payments.stop("order-8", secret="not-the-services-secret"), 401, "unauthorized")
    unsigned = requests.post(
        f"http://127.0.0.1:{payments.company.port}/integrations/{payments.service_id}/sessions",
        json={"reference": "order-8", "outlet": payments.outlet}, timeout=30,
        headers={"Host": f"{payments.company.slug}.localhost:{payments.company.port}"})
    refused(unsigned, 401, "unauthorized")
    taken = payments.start("order-8", delivery="delivery-1")  # the outlet never reported
    assert (taken.status_code, taken.json()["error"]) == (409, "outlet_unavailable")
    before = payments.counts()
    replay = payments.start("order-9", delivery="delivery-1")
    assert (replay.status_code, replay.json()["error"]) == (409, "conflict")
    assert payments.counts() == before == (1, 0, 1)


def test_another_companys_service_or_another_kind_is_404_and_a_disabled_one_403(
        payments: Payments, other_company: OcppCompany) -> None:
    foreign = Payments(other_company)
    foreign.company = payments.company  # its id on this company's host
    assert foreign.start("order-10").status_code == 404
    assert foreign.stop("order-10").status_code == 404
    for kind in (ServiceKind.MAP, ServiceKind.WEBHOOK):
        other_kind = Payments(payments.company, kind)
        assert other_kind.start("order-10").json()["error"] == "not_found"
    payments.company.change(lambda tenant: setattr(third_party.get(payments.service_id),
                                                   "enabled", False))
    assert payments.start("order-10").status_code == 403
    assert payments.counts() == (0, 0, 0)
