"""Smart Charging from the portal and the API: real server, real station socket, exact payloads."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from ocpp.v16.enums import ChargingProfilePurposeType
from sqlalchemy import select

from portal.extensions import db
from portal.models import Command, CommandOutcome, InstalledChargingProfile
from portal.services import charging_profiles
from tests.factories import make_charging_profile
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering, LivePortal, admin_email, new_token, post_command
from tests.ocpp.station_client import Station

T = TypeVar("T")
Purpose = ChargingProfilePurposeType
ACCEPTED = {"status": "Accepted"}


def _accept(answer: dict[str, Any] = ACCEPTED) -> Callable[[str], list[Any]]:
    return lambda unique_id: [3, unique_id, answer]


def _eventually(read: Callable[[], T], done: Callable[[T], bool], seconds: float = 10) -> T:
    """What `read` gives once `done` holds (commands of an operation finish in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def _installed(company: OcppCompany) -> list[tuple[int, int, str, int | None]]:
    """(connector, chargingProfileId, purpose, transactionId) of what CP1 holds, as recorded."""
    return company.query(lambda: [
        (row.connector_id, row.charging_profile_id, row.purpose.value, row.transaction_id)
        for row in db.session.scalars(select(InstalledChargingProfile).order_by(
            InstalledChargingProfile.connector_id, InstalledChargingProfile.charging_profile_id))])


def _outcomes(company: OcppCompany, action: str) -> list[CommandOutcome]:
    return company.query(lambda: list(db.session.scalars(
        select(Command.outcome).where(Command.action == action).order_by(Command.id))))


def _install(company: OcppCompany, portal: LivePortal, station: Station, profile_id: int,
             connector_id: int, answer: dict[str, Any] = ACCEPTED) -> list[Any]:
    """Post the profile page's Install form for CP1; return the CALL the station received."""
    answering = Answering(station, _accept(answer))
    response = portal.post(f"/charging-profiles/{profile_id}/install",
                           [("stations", "CP1"), ("connector_id", str(connector_id))],
                           csrf_from=f"/charging-profiles/{profile_id}")
    assert response.status_code == 302, response.text
    assert re.fullmatch(r".*/operations/[0-9a-f-]{36}", response.headers["Location"])
    call = answering.join()
    _eventually(lambda: _outcomes(company, "SetChargingProfile"),
                lambda outcomes: CommandOutcome.PENDING not in outcomes)
    return call


def _start_transaction(station: Station, connector_id: int = 1) -> int:
    answer = station.result("StartTransaction", {
        "connectorId": connector_id, "idTag": "VALID", "meterStart": 0,
        "timestamp": datetime.now(UTC).isoformat()})
    return answer["transactionId"]


def _portal(company: OcppCompany) -> LivePortal:
    return LivePortal(company).login(admin_email(company))


def test_tc_056_central_smart_charging_tx_default_profile(company: OcppCompany,
                                                          cp1: Station) -> None:
    company.change(lambda tenant: make_charging_profile(
        tenant, 5, purpose=Purpose.tx_default_profile, periods=((0, "16", 3), (600, "10.5", 1))))
    call = _install(company, _portal(company), cp1, 5, connector_id=0)
    assert call[2:] == ["SetChargingProfile", {"connectorId": 0, "csChargingProfiles": {
        "chargingProfileId": 5, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative", "chargingSchedule": {
            "chargingRateUnit": "A", "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
                {"startPeriod": 600, "limit": 10.5, "numberPhases": 1}]}}}]
    assert _installed(company) == [(0, 5, "TxDefaultProfile", None)]
    page = _portal(company).get("/charging-profiles/5").text
    assert 'href="/stations/CP1/charging">CP1</a>' in page and "0 (whole station)" in page


def test_tc_057_central_smart_charging_tx_profile(company: OcppCompany, cp1: Station) -> None:
    company.change(lambda tenant: make_charging_profile(tenant, 7, purpose=Purpose.tx_profile,
                                                        periods=((0, "6", None),)))
    portal = _portal(company)
    # Before: no transaction runs, so there is nothing for a TxProfile to apply to.
    refused = portal.post("/charging-profiles/7/install", [("stations", "CP1"),
                                                           ("connector_id", "1")],
                          csrf_from="/charging-profiles/7")
    assert refused.status_code == 422
    assert "No transaction is running on CP1 connector 1." in refused.text
    transaction_id = _start_transaction(cp1)  # the reusable state "Charging"
    call = _install(company, portal, cp1, 7, connector_id=1)
    assert call[3] == {"connectorId": 1, "csChargingProfiles": {
        "chargingProfileId": 7, "transactionId": transaction_id, "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "A",
                             "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}]}}}
    assert _installed(company) == [(1, 7, "TxProfile", transaction_id)]
    # The station drops a TxProfile when its transaction ends; the portal shows it gone too.
    cp1.result("StopTransaction", {"transactionId": transaction_id, "meterStop": 10,
                                   "timestamp": datetime.now(UTC).isoformat()})
    assert "The station holds no profile" in portal.get("/stations/CP1/charging").text


def test_tc_059_remote_start_transaction_with_charging_profile(company: OcppCompany,
                                                               cp1: Station) -> None:
    company.change(lambda tenant: make_charging_profile(tenant, 9, purpose=Purpose.tx_profile,
                                                        periods=((0, "6", 3),)))
    portal = _portal(company)
    answering = Answering(cp1, _accept())
    response = portal.post("/charging-profiles/9/remote-start",
                           {"station": "CP1", "connector_id": "1", "id_tag": "VALID"},
                           csrf_from="/charging-profiles/9")
    assert response.status_code == 302, response.text
    assert answering.join()[2:] == ["RemoteStartTransaction", {
        "connectorId": 1, "idTag": "VALID", "chargingProfile": {
            "chargingProfileId": 9, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Relative", "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0, "numberPhases": 3}]}}}]
    assert "RemoteStartTransaction to CP1: Accepted." in portal.get("/charging-profiles/9").text
    # The station then starts the transaction as usual.
    assert cp1.result("Authorize", {"idTag": "VALID"})["idTagInfo"]["status"] == "Accepted"
    assert _start_transaction(cp1) > 0


def test_tc_059_through_the_api_with_the_profile_the_portal_builds(company: OcppCompany,
                                                                   cp1: Station) -> None:
    company.change(lambda tenant: make_charging_profile(tenant, 9, purpose=Purpose.tx_profile,
                                                        periods=((0, "6", 3),)))
    profile = company.query(lambda: charging_profiles.remote_start_profile(
        charging_profiles.get(9)))
    payload = {"connectorId": 2, "idTag": "VALID", "chargingProfile": profile}
    answering = Answering(cp1, _accept())
    response = post_command(company, new_token(company),
                            {"action": "RemoteStartTransaction", "payload": payload})
    assert answering.join()[2:] == ["RemoteStartTransaction", payload]
    assert response.status_code == 200 and response.json()["status"] == "Accepted"
    assert "transactionId" not in profile and profile["chargingProfilePurpose"] == "TxProfile"


def test_remote_start_takes_only_a_tx_profile(company: OcppCompany, cp1: Station) -> None:
    company.change(lambda tenant: make_charging_profile(tenant, 3))  # a TxDefaultProfile
    response = _portal(company).post("/charging-profiles/3/remote-start",
                                     {"station": "CP1", "connector_id": "1", "id_tag": "VALID"},
                                     csrf_from="/charging-profiles/3")
    assert response.status_code == 422
    assert "A remote start takes a TxProfile" in response.text
    assert _outcomes(company, "RemoteStartTransaction") == []


def test_tc_066_get_composite_schedule(company: OcppCompany, cp1: Station) -> None:
    portal = _portal(company)
    schedule = {"status": "Accepted", "connectorId": 1, "scheduleStart": "2026-11-23T10:00:00Z",
                "chargingSchedule": {"duration": 900, "chargingRateUnit": "A",
                                     "chargingSchedulePeriod": [
                                         {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
                                         {"startPeriod": 300, "limit": 8.5}]}}
    answering = Answering(cp1, _accept(schedule))
    response = portal.post("/stations/CP1/charging/composite-schedule",
                           {"connector_id": "1", "duration": "900", "rate_unit": "A"},
                           csrf_from="/stations/CP1/charging")
    assert response.status_code == 302, response.text
    assert answering.join()[2:] == ["GetCompositeSchedule", {
        "connectorId": 1, "duration": 900, "chargingRateUnit": "A"}]
    page = portal.get("/stations/CP1/charging").text
    assert "GetCompositeSchedule to CP1: Accepted." in page
    rows = re.findall(r"<tr><td>([^<]*)</td><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
                      page.split('id="schedule"')[1])
    # Times in the company's zone (UTC for a new company), the limits and phases as given.
    assert rows == [("2026-11-23 10:00:00", "0", "16.0", "3"),
                    ("2026-11-23 10:05:00", "300", "8.5", "—")]
    chart = page.split('<svg id="schedule-chart"')[1].split("</svg>")[0]
    points = re.search(r'points="([^"]+)"', chart).group(1).split()
    # Two steps: 16 A over the first third of the 900 s, then 8.5 A to the end.
    assert len(points) == 4
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = [map(float, p.split(",")) for p in points]
    assert y0 == y1 < y2 == y3 and x0 < x1 == x2 < x3
    assert abs((x1 - x0) / (x3 - x0) - 300 / 900) < 0.01
    assert "16 A" in chart and "8.5 A" in chart and "0:05" in chart


def test_a_composite_schedule_asked_through_the_api_shows_on_the_station_page(
    company: OcppCompany, cp1: Station
) -> None:
    answering = Answering(cp1, _accept({
        "status": "Accepted", "connectorId": 0, "scheduleStart": "2026-11-23T12:00:00Z",
        "chargingSchedule": {"chargingRateUnit": "W", "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 11000.0}]}}))
    post_command(company, new_token(company), {"action": "GetCompositeSchedule",
                                               "payload": {"connectorId": 0, "duration": 600}})
    answering.join()
    page = _portal(company).get("/stations/CP1/charging").text
    assert "<tr><td>2026-11-23 12:00:00</td><td>0</td><td>11000.0</td><td>—</td></tr>" in page
    assert "11000 W" in page.split('<svg id="schedule-chart"')[1]


def test_a_rejected_composite_schedule_shows_no_schedule(company: OcppCompany,
                                                         cp1: Station) -> None:
    portal = _portal(company)
    answering = Answering(cp1, _accept({"status": "Rejected"}))
    portal.post("/stations/CP1/charging/composite-schedule",
                {"connector_id": "0", "duration": "60", "rate_unit": ""},
                csrf_from="/stations/CP1/charging")
    assert answering.join()[3] == {"connectorId": 0, "duration": 60}
    page = portal.get("/stations/CP1/charging").text
    assert "GetCompositeSchedule to CP1: Rejected." in page
    assert "No composite schedule asked yet." in page and "<svg" not in page


def test_tc_067_clear_charging_profile(company: OcppCompany, cp1: Station) -> None:
    def define(tenant: Any) -> None:
        make_charging_profile(tenant, 1, purpose=Purpose.charge_point_max_profile)
        make_charging_profile(tenant, 2, purpose=Purpose.tx_default_profile)
        make_charging_profile(tenant, 3, purpose=Purpose.tx_profile)

    company.change(define)
    portal = _portal(company)
    transaction_id = _start_transaction(cp1)  # the reusable state "Charging"
    first = _install(company, portal, cp1, 1, connector_id=0)
    assert first[3]["connectorId"] == 0 and "transactionId" not in first[3]["csChargingProfiles"]
    _install(company, portal, cp1, 2, connector_id=1)
    _install(company, portal, cp1, 3, connector_id=1)
    assert _installed(company) == [(0, 1, "ChargePointMaxProfile", None),
                                   (1, 2, "TxDefaultProfile", None),
                                   (1, 3, "TxProfile", transaction_id)]

    def clear(form: dict[str, str], answer: dict[str, Any] = ACCEPTED) -> list[Any]:
        answering = Answering(cp1, _accept(answer))
        response = portal.post("/stations/CP1/charging/clear", form,
                               csrf_from="/stations/CP1/charging")
        assert response.status_code == 302, response.text
        return answering.join()

    assert clear({"charging_profile_id": "1"})[2:] == ["ClearChargingProfile", {"id": 1}]
    assert [row[1] for row in _installed(company)] == [2, 3]
    assert clear({"connector_id": "1", "purpose": "TxDefaultProfile", "stack_level": "0"})[3] \
        == {"connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 0}
    assert [row[1] for row in _installed(company)] == [3]
    # Unknown: the station had nothing matching, so the portal keeps its record.
    clear({"charging_profile_id": "99"}, {"status": "Unknown"})
    assert [row[1] for row in _installed(company)] == [3]
    assert clear({})[3] == {}  # all the remaining ones
    assert _installed(company) == []
    assert "ClearChargingProfile to CP1: Accepted." in portal.get("/stations/CP1/charging").text


def test_a_rejected_profile_is_not_recorded(company: OcppCompany, cp1: Station) -> None:
    company.change(lambda tenant: make_charging_profile(tenant, 4))
    _install(company, _portal(company), cp1, 4, connector_id=1, answer={"status": "Rejected"})
    assert _outcomes(company, "SetChargingProfile") == [CommandOutcome.ANSWERED]
    assert _installed(company) == []


def test_a_profile_replaces_the_one_with_its_stack_level_and_purpose(company: OcppCompany,
                                                                    cp1: Station) -> None:
    company.change(lambda tenant: (make_charging_profile(tenant, 4),
                                   make_charging_profile(tenant, 6)))
    portal = _portal(company)
    _install(company, portal, cp1, 4, connector_id=1)
    _install(company, portal, cp1, 6, connector_id=1)  # same stack level 0, TxDefaultProfile
    assert _installed(company) == [(1, 6, "TxDefaultProfile", None)]


def test_set_charging_profile_through_the_api_is_recorded_when_accepted(
    company: OcppCompany, cp1: Station
) -> None:
    token = new_token(company)
    body = {"action": "SetChargingProfile", "payload": {"connectorId": 2, "csChargingProfiles": {
        "chargingProfileId": 42, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative", "chargingSchedule": {
            "chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 0,
                                                                 "limit": 7400.0}]}}}}
    answering = Answering(cp1, _accept({"status": "Rejected"}))
    assert post_command(company, token, body).json()["status"] == "Rejected"
    answering.join()
    assert _installed(company) == []
    answering = Answering(cp1, _accept())
    response = post_command(company, token, body)
    assert answering.join()[3] == body["payload"]
    assert response.status_code == 200 and response.json()["status"] == "Accepted"
    assert _installed(company) == [(2, 42, "TxDefaultProfile", None)]
    # Profile 42 is not defined in the portal: the station page still lists it.
    page = _portal(company).get("/stations/CP1/charging").text
    assert "<td>42</td>" in page
    answering = Answering(cp1, _accept())
    post_command(company, token, {"action": "ClearChargingProfile", "payload": {"id": 42}})
    answering.join()
    assert _installed(company) == []


def test_installing_on_a_station_offline_records_nothing(company: OcppCompany) -> None:
    company.change(lambda tenant: make_charging_profile(tenant, 4))
    response = _portal(company).post("/charging-profiles/4/install",
                                     [("stations", "CP1"), ("connector_id", "0")],
                                     csrf_from="/charging-profiles/4")
    assert response.status_code == 302
    outcomes = _eventually(lambda: _outcomes(company, "SetChargingProfile"),
                           lambda found: CommandOutcome.PENDING not in found)
    assert outcomes == [CommandOutcome.OFFLINE]
    assert _installed(company) == []


def test_a_bad_install_sends_nothing(company: OcppCompany, cp1: Station) -> None:
    company.change(lambda tenant: (
        make_charging_profile(tenant, 8, purpose=Purpose.charge_point_max_profile),
        make_charging_profile(tenant, 10)))
    portal = _portal(company)
    for profile_id, form, message in (
        (8, [("stations", "CP1"), ("connector_id", "1")], "limits the whole station: connector 0"),
        (10, [("stations", "CP1"), ("connector_id", "9")], "CP1 has no connector 9."),
        (10, [("stations", "NOPE"), ("connector_id", "0")], "is not a valid choice"),
        (10, [("connector_id", "0")], "Choose at least one station."),
    ):
        response = portal.post(f"/charging-profiles/{profile_id}/install", form,
                               csrf_from=f"/charging-profiles/{profile_id}")
        assert response.status_code in (400, 422), form
        assert message in response.text, form
    composite = portal.post("/stations/CP1/charging/composite-schedule",
                            {"connector_id": "1", "duration": "0"},
                            csrf_from="/stations/CP1/charging")
    assert composite.status_code == 422
    assert "The duration is a number of seconds above 0." in composite.text
    assert _outcomes(company, "SetChargingProfile") == []
    assert _outcomes(company, "GetCompositeSchedule") == []
