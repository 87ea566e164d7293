"""Defect 6.1: a heartbeat interval the station accepted is the one its next boot gets."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import Event
from portal.services import stations
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering, LivePortal, admin_email, new_token, post_command
from tests.ocpp.station_client import Station


def _change_heartbeat_interval(company: OcppCompany, station: Station, seconds: str,
                               status: str) -> None:
    """ChangeConfiguration HeartbeatInterval through the JSON API; the station answers."""
    answering = Answering(station, lambda unique_id: [3, unique_id, {"status": status}])
    response = post_command(company, new_token(company), {
        "action": "ChangeConfiguration",
        "payload": {"key": "HeartbeatInterval", "value": seconds}})
    call = answering.join()
    assert call[2:] == ["ChangeConfiguration", {"key": "HeartbeatInterval", "value": seconds}]
    assert response.status_code == 200, response.text
    assert response.json()["status"] == status


def _listed(company: OcppCompany, seconds: int) -> list[str]:
    """The chargeBoxIds the station list shows when filtered by this heartbeat period."""
    browser = LivePortal(company).login(admin_email(company))
    page = browser.get(f"/stations?heartbeat_interval={seconds}")
    assert page.status_code == 200
    return re.findall(r'href="/stations/([^"/]+)"', page.text)


def test_an_accepted_heartbeat_interval_is_answered_at_the_next_boot(
    company: OcppCompany, cp1: Station
) -> None:
    company.change(lambda tenant: stations.set_default_heartbeat_interval(tenant, 600))
    company.change(lambda tenant: stations.add(tenant, "CP2"))  # keeps the company's
    assert cp1.boot()["interval"] == 600
    _change_heartbeat_interval(company, cp1, "120", "Accepted")
    assert cp1.boot()["interval"] == 120
    assert company.query(lambda: stations.find("CP1").heartbeat_interval) == 120
    assert _listed(company, 120) == ["CP1"]
    assert _listed(company, 600) == ["CP2"]


def test_a_heartbeat_interval_waiting_for_a_reboot_is_the_stations_own_too(
    company: OcppCompany, cp1: Station
) -> None:
    _change_heartbeat_interval(company, cp1, "45", "RebootRequired")
    assert cp1.boot()["interval"] == 45


def test_a_rejected_heartbeat_interval_changes_nothing(company: OcppCompany,
                                                       cp1: Station) -> None:
    _change_heartbeat_interval(company, cp1, "120", "Rejected")
    assert cp1.boot()["interval"] == 300
    assert company.query(lambda: stations.find("CP1").heartbeat_interval) is None
    assert _listed(company, 300) == ["CP1"]


def test_an_accepted_interval_no_boot_could_answer_is_kept_out(company: OcppCompany,
                                                              cp1: Station) -> None:
    _change_heartbeat_interval(company, cp1, "0", "Accepted")  # the API checks no range
    assert cp1.boot()["interval"] == 300
    messages = company.query(lambda: db.session.scalars(
        select(Event.message).where(Event.kind == "heartbeat_interval")).all())
    assert messages == ["The station accepted HeartbeatInterval '0', not a usable interval: "
                        "its interval stays."]
