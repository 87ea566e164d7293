"""The Reservation profile as the central system drives it: the Reserve form and the Cancel
button on the live server, a real station socket receiving the exact payloads."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import select

from portal.extensions import db
from portal.jobs import JOBS, run_for_every_company
from portal.models import (
    AuditEntry,
    ChargingSession,
    Command,
    Event,
    Reservation,
    ReservationStatus,
    StationConfigurationKey,
    Tenant,
)
from portal.models.base import utcnow
from portal.services import stations, tags
from portal.timestamps import format_timestamp
from tests.factories import make_tenant
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering, LivePortal, admin_email, new_token, post_command
from tests.ocpp.station_client import Station as StationClient

S = ReservationStatus
EXPIRE_RESERVATIONS = next(job for job in JOBS if job.name == "expire reservations")


def _in_an_hour() -> datetime:
    return utcnow().replace(microsecond=0) + timedelta(hours=1)


def _form(expiry: datetime, id_tag: str = "VALID", connector: int | str = 1,
          charge_box_id: str = "CP1") -> dict[str, Any]:
    # The company's time zone is UTC: the field reads the instant as typed.
    return {"charge_box_id": charge_box_id, "connector_id": str(connector), "id_tag": id_tag,
            "expiry_at": expiry.strftime("%Y-%m-%dT%H:%M:%S")}


def _answer(status: str) -> Any:
    return lambda unique_id: [3, unique_id, {"status": status}]


def _reserve(company: OcppCompany, station: StationClient, form: dict[str, Any],
             answer: Any) -> tuple[LivePortal, requests.Response, list[Any]]:
    """Post the Reserve form as staff do while the station answers the ReserveNow."""
    portal = LivePortal(company).login(admin_email(company))
    answering = Answering(station, answer)
    response = portal.post("/reservations", form, csrf_from="/reservations")
    return portal, response, answering.join()


def _reservation(company: OcppCompany, reservation_id: int | None = None) -> Reservation:
    def read() -> Reservation:
        query = select(Reservation).order_by(Reservation.id.desc())
        if reservation_id is not None:
            query = query.where(Reservation.id == reservation_id)
        found = db.session.scalars(query).first()
        assert found is not None
        db.session.expunge(found)
        return found
    return company.query(read)


def _count(company: OcppCompany, model: type) -> int:
    return company.query(lambda: len(db.session.scalars(select(model)).all()))


def _status(station: StationClient, connector: int, status: str) -> None:
    assert station.result("StatusNotification", {"connectorId": connector, "status": status,
                                                  "errorCode": "NoError"}) == {}


def _start(station: StationClient, id_tag: str, reservation_id: int,
           connector: int = 1) -> dict[str, Any]:
    return station.result("StartTransaction", {
        "connectorId": connector, "idTag": id_tag, "meterStart": 0,
        "timestamp": format_timestamp(utcnow()), "reservationId": reservation_id})


def _reserve_accepted(company: OcppCompany, station: StationClient, id_tag: str = "VALID",
                      connector: int = 1) -> tuple[LivePortal, Reservation]:
    """Steps 1-4 of most cases: ReserveNow accepted, the connector reports Reserved."""
    portal, response, call = _reserve(company, station,
                                      _form(_in_an_hour(), id_tag, connector), _answer("Accepted"))
    assert response.status_code == 302, response.text
    reservation = _reservation(company)
    assert call[2] == "ReserveNow" and call[3]["reservationId"] == reservation.id
    assert reservation.status is S.ACCEPTED
    _status(station, connector, "Reserved")
    return portal, reservation


def _not_made(company: OcppCompany, station: StationClient, answer: str) -> None:
    """Steps of TC_048_*: the station answers the ReserveNow with a refusal."""
    expiry = _in_an_hour()
    portal, response, call = _reserve(company, station, _form(expiry), _answer(answer))
    reservation = _reservation(company)
    assert call[2:] == ["ReserveNow", {"connectorId": 1, "expiryDate": format_timestamp(expiry),
                                       "idTag": "VALID", "reservationId": reservation.id}]
    assert response.status_code == 302
    assert reservation.status is S(answer)
    page = portal.get("/reservations").text
    assert f"Station CP1 answered {answer}: reservation {reservation.id} was not made." in page
    assert "btn-outline-danger" not in page  # nothing to cancel


def test_tc_046_reservation_of_a_connector_transaction(company: OcppCompany,
                                                       cp1: StationClient) -> None:
    expiry = _in_an_hour()
    portal, response, call = _reserve(company, cp1, _form(expiry), _answer("Accepted"))
    reservation = _reservation(company)
    assert call[0] == 2 and call[2:] == ["ReserveNow", {
        "connectorId": 1, "expiryDate": format_timestamp(expiry), "idTag": "VALID",
        "reservationId": reservation.id}]
    assert response.headers["Location"].endswith("/reservations")
    assert (f"Reservation {reservation.id}: CP1 connector 1 is reserved for VALID until "
            f"{expiry:%Y-%m-%d %H:%M}.") in portal.get("/reservations").text
    assert reservation.status is S.ACCEPTED
    _status(cp1, 1, "Reserved")
    # Reusable state Charging, with the reservation's id.
    assert cp1.result("Authorize", {"idTag": "VALID"})["idTagInfo"]["status"] == "Accepted"
    started = _start(cp1, "VALID", reservation.id)
    assert started["idTagInfo"]["status"] == "Accepted"
    _status(cp1, 1, "Charging")
    assert _reservation(company, reservation.id).status is S.USED
    session_reservation = company.query(lambda: db.session.scalar(
        select(ChargingSession.reservation_id).where(
            ChargingSession.transaction_id == started["transactionId"])))
    assert session_reservation == reservation.id
    assert "Used" in portal.get("/reservations?status=Used").text


def test_a_card_number_typed_in_decimal_reserves_the_card_stored_in_hex(
        company: OcppCompany, cp1: StationClient) -> None:
    company.change(lambda tenant: tags.add(tenant, "04A1B2C3"))
    decimal = str(int("04A1B2C3", 16))
    # The station refuses, so connector 1 stays free for the other cases.
    _, response, call = _reserve(company, cp1, _form(_in_an_hour(), decimal), _answer("Rejected"))
    assert response.status_code == 302, response.text
    assert call[2] == "ReserveNow" and call[3]["idTag"] == "04A1B2C3"


def test_tc_047_reservation_of_a_connector_expire(company: OcppCompany,
                                                  cp1: StationClient) -> None:
    expiry = utcnow().replace(microsecond=0) + timedelta(seconds=3)
    portal, response, call = _reserve(company, cp1, _form(expiry), _answer("Accepted"))
    assert response.status_code == 302
    assert call[3]["expiryDate"] == format_timestamp(expiry)
    reservation = _reservation(company)
    assert reservation.status is S.ACCEPTED
    _status(cp1, 1, "Reserved")
    # The driver does not come; the station ends the reservation at its expiry.
    time.sleep(max(0.0, (expiry - utcnow()).total_seconds()) + 0.2)
    _status(cp1, 1, "Available")
    page = portal.get("/reservations?status=Expired&id_tag=VALID").text
    assert f'id="reservation-{reservation.id}"' in page  # Expired at once, for staff
    assert _reservation(company, reservation.id).status is S.ACCEPTED  # the page only reads
    with company.app.app_context():
        run_for_every_company(EXPIRE_RESERVATIONS)  # the clock's next round stores it
    assert _reservation(company, reservation.id).status is S.EXPIRED


def test_tc_048_1_reservation_faulted(company: OcppCompany, cp1: StationClient) -> None:
    _not_made(company, cp1, "Faulted")


def test_tc_048_2_reservation_occupied(company: OcppCompany, cp1: StationClient) -> None:
    _status(cp1, 1, "Preparing")  # the driver plugged in
    _not_made(company, cp1, "Occupied")


def test_tc_048_3_reservation_unavailable(company: OcppCompany, cp1: StationClient) -> None:
    answering = Answering(cp1, _answer("Accepted"))
    response = post_command(company, new_token(company), {
        "action": "ChangeAvailability", "payload": {"connectorId": 1, "type": "Inoperative"}})
    assert answering.join()[3] == {"connectorId": 1, "type": "Inoperative"}
    assert response.status_code == 200
    _status(cp1, 1, "Unavailable")
    _not_made(company, cp1, "Unavailable")


def test_tc_048_4_reservation_rejected(company: OcppCompany, cp1: StationClient) -> None:
    _not_made(company, cp1, "Rejected")


def test_tc_049_reservation_of_a_charge_point_transaction(company: OcppCompany,
                                                          cp1: StationClient) -> None:
    expiry = _in_an_hour()
    portal, response, call = _reserve(company, cp1, _form(expiry, connector=0),
                                      _answer("Accepted"))
    assert response.status_code == 302
    reservation = _reservation(company)
    assert call[2:] == ["ReserveNow", {"connectorId": 0, "expiryDate": format_timestamp(expiry),
                                       "idTag": "VALID", "reservationId": reservation.id}]
    assert "CP1 (any connector) is reserved for VALID" in portal.get("/reservations").text
    _status(cp1, 0, "Reserved")
    # Any connector of the station takes the reservation's tag.
    assert _start(cp1, "VALID", reservation.id, connector=2)["idTagInfo"]["status"] == "Accepted"
    assert _reservation(company, reservation.id).status is S.USED


def test_connector_zero_is_refused_when_the_station_does_not_support_it(
    company: OcppCompany, cp1: StationClient
) -> None:
    company.change(lambda tenant: db.session.add(StationConfigurationKey(
        tenant_id=tenant.id, station_id=stations.find("CP1").id,
        key="ReserveConnectorZeroSupported", value="false", readonly=True)))
    portal = LivePortal(company).login(admin_email(company))
    response = portal.post("/reservations", _form(_in_an_hour(), connector=0),
                           csrf_from="/reservations")
    assert response.status_code == 400
    assert "does not take reservations of connector 0" in response.text
    with pytest.raises(TimeoutError):
        cp1.ws.recv(timeout=0.5)
    assert _count(company, Reservation) == 0


def test_tc_051_cancel_reservation(company: OcppCompany, cp1: StationClient) -> None:
    portal, reservation = _reserve_accepted(company, cp1)
    answering = Answering(cp1, _answer("Accepted"))
    response = portal.post(f"/reservations/{reservation.id}/cancel", csrf_from="/reservations")
    assert answering.join()[2:] == ["CancelReservation", {"reservationId": reservation.id}]
    assert response.status_code == 302
    _status(cp1, 1, "Available")
    assert (f"Cancel reservation {reservation.id} (now Cancelled): Accepted."
            in portal.get("/reservations").text)
    assert _reservation(company, reservation.id).status is S.CANCELLED


def test_a_reservation_made_and_cancelled_on_the_page_is_in_the_audit_log(
        company: OcppCompany, cp1: StationClient) -> None:
    portal, reservation = _reserve_accepted(company, cp1)
    answering = Answering(cp1, _answer("Accepted"))
    portal.post(f"/reservations/{reservation.id}/cancel", csrf_from="/reservations")
    answering.join()
    entries = company.query(lambda: [
        (entry.action, entry.actor, entry.target, entry.before, entry.after)
        for entry in db.session.scalars(select(AuditEntry).where(
            AuditEntry.target_kind == "reservation").order_by(AuditEntry.id))])
    admin, target = admin_email(company), "CP1 #1 for VALID"
    # made (sent), accepted by the station, cancelled by it: each in the admin's request
    assert [entry[:3] for entry in entries] == [("created", admin, target),
                                                ("changed", admin, target),
                                                ("changed", admin, target)]
    assert entries[0][4]["status"] == "Requested" and entries[0][4]["id_tag"] == "VALID"
    assert (entries[1][3], entries[1][4]) == ({"status": "Requested"}, {"status": "Accepted"})
    assert (entries[2][3], entries[2][4]) == ({"status": "Accepted"}, {"status": "Cancelled"})


def test_tc_052_cancel_reservation_rejected(company: OcppCompany, cp1: StationClient) -> None:
    portal, reservation = _reserve_accepted(company, cp1)
    answering = Answering(cp1, _answer("Rejected"))
    response = portal.post(f"/reservations/{reservation.id}/cancel", csrf_from="/reservations")
    assert answering.join()[2:] == ["CancelReservation", {"reservationId": reservation.id}]
    assert response.status_code == 302
    assert (f"Cancel reservation {reservation.id} (now Accepted): Rejected."
            in portal.get("/reservations").text)
    assert _reservation(company, reservation.id).status is S.ACCEPTED


def _add_sibling(tenant: Tenant) -> None:
    tags.add(tenant, "FLEET-VAN", parent_id_tag="FLEET", max_active_transactions=-1)


def test_tc_053_use_a_reserved_connector_with_parent_id_tag(company: OcppCompany,
                                                            cp1: StationClient) -> None:
    company.change(_add_sibling)
    expiry = _in_an_hour()
    _, _, call = _reserve(company, cp1, _form(expiry, "FLEET-CAR"), _answer("Accepted"))
    reservation = _reservation(company)
    assert call[2:] == ["ReserveNow", {
        "connectorId": 1, "expiryDate": format_timestamp(expiry), "idTag": "FLEET-CAR",
        "parentIdTag": "FLEET", "reservationId": reservation.id}]
    _status(cp1, 1, "Reserved")
    # Another card of the same parent: the station learns the parent from Authorize.
    assert cp1.result("Authorize", {"idTag": "FLEET-VAN"})["idTagInfo"] == {
        "status": "Accepted", "parentIdTag": "FLEET"}
    started = _start(cp1, "FLEET-VAN", reservation.id)
    assert started["idTagInfo"]["status"] == "Accepted"
    assert _reservation(company, reservation.id).status is S.USED


def test_a_tag_of_another_parent_does_not_consume_the_reservation(
    company: OcppCompany, cp1: StationClient
) -> None:
    _, reservation = _reserve_accepted(company, cp1, "FLEET-CAR")
    started = _start(cp1, "VALID", reservation.id)
    # The station decided to start it: the session stands, the reservation is not used.
    assert started["idTagInfo"]["status"] == "Accepted"
    assert _reservation(company, reservation.id).status is S.ACCEPTED
    event = company.query(lambda: db.session.scalar(
        select(Event.message).where(Event.kind == "reservation_not_used")))
    assert event == (f"StartTransaction of VALID on connector 1 named reservation "
                     f"{reservation.id}, made for FLEET-CAR on connector 1, so it was not "
                     "consumed.")


def test_a_station_that_answers_a_callerror_leaves_the_reservation_failed(
    company: OcppCompany, cp1: StationClient
) -> None:
    portal, response, _ = _reserve(
        company, cp1, _form(_in_an_hour()),
        lambda unique_id: [4, unique_id, "NotSupported", "no reservations here", {}])
    assert response.status_code == 302
    reservation = _reservation(company)
    assert reservation.status is S.FAILED
    assert reservation.failure == "CALLERROR NotSupported. no reservations here"
    assert (f"Reservation {reservation.id} was not made: CALLERROR NotSupported"
            in portal.get("/reservations").text)


def test_a_reservation_for_an_offline_station_fails_at_once(company: OcppCompany) -> None:
    portal = LivePortal(company).login(admin_email(company))
    response = portal.post("/reservations", _form(_in_an_hour()), csrf_from="/reservations")
    assert response.status_code == 302
    reservation = _reservation(company)
    assert (reservation.status, reservation.failure) == (S.FAILED, "Station offline.")
    assert "was not made: Station offline." in portal.get("/reservations").text


def _other_company_station(company: OcppCompany) -> str:
    other = make_tenant(company.app)
    OcppCompany(other.slug, other.tenant_id, company.app, company.port).change(
        lambda tenant: stations.add(tenant, "CP-OTHER", connectors=1))
    return "CP-OTHER"


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"expiry_at": "2020-01-01T10:00:00"}, "expiry_at", "The expiry must be in the future."),
    ({"expiry_at": "tomorrow"}, "expiry_at", "Not a valid datetime value."),
    ({"id_tag": "NOBODY"}, "id_tag", "No tag NOBODY."),
    ({"id_tag": "BLOCKED"}, "id_tag", "Tag BLOCKED may not charge (Blocked)."),
    ({"connector_id": "3"}, "connector_id", "Station CP1 has no connector 3."),
    ({"connector_id": "-1"}, "connector_id", "Number must be at least 0."),
    ({"connector_id": ""}, "connector_id", "This field is required."),
    ({"charge_box_id": "NOPE"}, "charge_box_id", "No station NOPE."),
    ({"charge_box_id": "foreign"}, "charge_box_id", "No station CP-OTHER."),
])
def test_a_bad_reserve_form_is_refused_and_nothing_is_sent(
    company: OcppCompany, cp1: StationClient, change: dict[str, str], field: str, message: str
) -> None:
    if change.get("charge_box_id") == "foreign":
        change = {"charge_box_id": _other_company_station(company)}
    portal = LivePortal(company).login(admin_email(company))
    response = portal.post("/reservations", {**_form(_in_an_hour()), **change},
                           csrf_from="/reservations")
    assert response.status_code == 400
    assert message in response.text
    assert f'id="{field}"' in response.text and "is-invalid" in response.text
    with pytest.raises(TimeoutError):
        cp1.ws.recv(timeout=0.5)
    assert _count(company, Reservation) == 0 and _count(company, Command) == 0


def test_the_api_follows_only_reservations_the_portal_made(company: OcppCompany,
                                                           cp1: StationClient) -> None:
    token = new_token(company)
    # A reservationId of the platform's own: the command is kept, no reservation is made.
    answering = Answering(cp1, _answer("Accepted"))
    response = post_command(company, token, {"action": "ReserveNow", "payload": {
        "connectorId": 2, "expiryDate": format_timestamp(_in_an_hour()), "idTag": "VALID",
        "reservationId": 987654}})
    answering.join()
    assert response.status_code == 200
    assert _count(company, Reservation) == 0
    # Cancelling through the API a reservation made in the portal: it follows the answer.
    _, reservation = _reserve_accepted(company, cp1)
    answering = Answering(cp1, _answer("Accepted"))
    response = post_command(company, token, {"action": "CancelReservation",
                                             "payload": {"reservationId": reservation.id}})
    answering.join()
    assert response.json()["status"] == "Accepted"
    assert _reservation(company, reservation.id).status is S.CANCELLED

