"""The audit log on the real server: a person's command over the API is recorded, what a
station says of itself over its socket is not."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Station
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering, new_token, post_command
from tests.ocpp.station_client import Station as StationClient


def test_a_stations_own_messages_are_not_recorded_and_a_tokens_command_is(
        company: OcppCompany, cp1: StationClient) -> None:
    cp1.result("StatusNotification", {"connectorId": 1, "status": "Preparing",
                                      "errorCode": "NoError"})
    cp1.result("Heartbeat")
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Accepted"}])
    response = post_command(company, new_token(company), {
        "action": "ChangeAvailability", "payload": {"connectorId": 1, "type": "Inoperative"}})
    answering.join()
    assert response.status_code == 200, response.text

    def read() -> tuple[list[tuple[str, ...]], str]:
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        station = db.session.scalars(select(Station)).one()
        return [(e.actor, e.address or "", e.action, e.target_kind, e.target)
                for e in entries], station.vendor

    entries, vendor = company.query(read)
    assert vendor  # the boot changed the station: no one's change
    assert entries == [("API token platform", "127.0.0.1", "created", "command",
                        "ChangeAvailability to CP1")]
