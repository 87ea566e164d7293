"""An RFID number typed in hex on the user form is recognised when a station sends it in
decimal, over a real socket to the live server: Authorize and StartTransaction accept it,
and the session is the EV user's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import ChargingSession
from portal.models.base import utcnow
from portal.services import tags
from portal.timestamps import format_timestamp
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import LivePortal, admin_email
from tests.ocpp.station_client import Station

HEX_TYPED = "04:a1:b2:c3"
STORED = "04A1B2C3"
DECIMAL = str(int(STORED, 16))  # "77705923": what a reader printing decimal sends


def test_a_station_sending_the_decimal_form_of_a_hex_tag_gets_accepted(
        company: OcppCompany, cp1: Station) -> None:
    portal = LivePortal(company).login(admin_email(company))
    response = portal.post("/users/new/ev_user", {
        "first_name": "Rita", "last_name": "Reader", "email": "rita@example.com",
        "password": "rita-pass-1", "rfid": HEX_TYPED, "rfid_format": "hex"},
        csrf_from="/users/new/ev_user")
    assert response.status_code == 302, response.text
    assert company.query(lambda: tags.find(STORED).owner.email) == "rita@example.com"

    assert cp1.result("Authorize", {"idTag": DECIMAL}) == {"idTagInfo": {"status": "Accepted"}}
    started = cp1.result("StartTransaction", {
        "connectorId": 1, "idTag": DECIMAL, "meterStart": 0,
        "timestamp": format_timestamp(utcnow() - timedelta(minutes=1))})
    assert started["idTagInfo"]["status"] == "Accepted"
    def recorded() -> tuple[str, str, str]:
        session = db.session.scalar(select(ChargingSession).where(
            ChargingSession.transaction_id == started["transactionId"]))
        return session.id_tag, session.tag.id_tag, session.user.email

    assert company.query(recorded) == (DECIMAL, STORED, "rita@example.com")
    # a number that is no tag's, in either form, stays Invalid
    assert cp1.result("Authorize", {"idTag": "77705924"}) == {
        "idTagInfo": {"status": "Invalid"}}
