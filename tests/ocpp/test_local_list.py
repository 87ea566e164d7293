"""Local authorization list: sent from the station's page and the API to a real station socket,
its answers stored (OCTT Local Authorization List cases TC_042_* and TC_043_*)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import LocalList, LocalListEntry, Station, StationConfigurationKey
from portal.models.base import utcnow
from portal.services import local_list, tags
from portal.timestamps import format_timestamp
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import LivePortal, admin_email, new_token, post_command
from tests.ocpp.station_client import Station as StationClient

PAGE = "/stations/CP1/local-list"


class AnsweringEach:
    """The station's side: answer each CALL that comes, with the statuses given, in order."""

    def __init__(self, station: StationClient, *answers: dict[str, Any]) -> None:
        self.received: list[Any] = []
        self.thread = threading.Thread(target=self._run, args=(station, answers))
        self.thread.start()

    def _run(self, station: StationClient, answers: tuple[dict[str, Any], ...]) -> None:
        for answer in answers:
            call = json.loads(station.ws.recv(timeout=15))
            self.received.append(call)
            station.ws.send(json.dumps([3, call[1], answer]))

    def join(self) -> list[Any]:
        self.thread.join(timeout=30)
        return self.received


def _press(company: OcppCompany, station: StationClient, path: str, data: dict[str, str],
           *answers: dict[str, Any]) -> tuple[list[Any], str]:
    """Press a button of the Local list tab; the station answers; return its calls and the
    page the browser is sent back to."""
    browser = LivePortal(company).login(admin_email(company))
    answering = AnsweringEach(station, *answers)
    response = browser.post(path, data, csrf_from=PAGE)
    calls = answering.join()
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith(PAGE)
    with pytest.raises(TimeoutError):  # nothing more was sent
        station.ws.recv(timeout=0.5)
    return calls, browser.get(PAGE).text


def _send(company: OcppCompany, station: StationClient, update_type: str,
          *answers: dict[str, Any]) -> tuple[list[Any], str]:
    return _press(company, station, PAGE + "/send", {"update_type": update_type}, *answers)


def _stored(company: OcppCompany) -> tuple[LocalList | None, list[tuple[str, str, str | None]]]:
    def read() -> tuple[LocalList | None, list[tuple[str, str, str | None]]]:
        listed = db.session.scalar(select(LocalList))
        entries = [(e.id_tag, e.status, e.parent_id_tag) for e in db.session.scalars(
            select(LocalListEntry).order_by(LocalListEntry.id_tag))]
        db.session.expunge_all()
        return listed, entries
    return company.query(read)


def _expiry(company: OcppCompany, id_tag: str) -> str:
    return company.query(lambda: format_timestamp(tags.find(id_tag).expiry_at))


def _full_list(company: OcppCompany) -> list[dict[str, Any]]:
    """What the seeded tags must look like on the station."""
    return [
        {"idTag": "BLOCKED", "idTagInfo": {"status": "Blocked"}},
        {"idTag": "EXPIRED", "idTagInfo": {"status": "Expired",
                                           "expiryDate": _expiry(company, "EXPIRED")}},
        {"idTag": "FLEET", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "FLEET-CAR", "idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"}},
        {"idTag": "ONCE", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "SOON", "idTagInfo": {"status": "Accepted",
                                        "expiryDate": _expiry(company, "SOON")}},
        {"idTag": "VALID", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "ZERO", "idTagInfo": {"status": "Blocked"}},
    ]


ACCEPTED = {"status": "Accepted"}


def test_tc_042_1_get_local_list_version_not_supported(company: OcppCompany,
                                                       cp1: StationClient) -> None:
    [call], page = _press(company, cp1, PAGE + "/version", {}, {"listVersion": -1})
    assert call[2:] == ["GetLocalListVersion", {}]
    assert "GetLocalListVersion: -1, the station does not support a local list." in page
    assert "This station does not support a local authorization list." in page
    listed, _ = _stored(company)
    assert listed is not None and listed.reported_version == -1


def test_tc_042_2_get_local_list_version_empty(company: OcppCompany, cp1: StationClient) -> None:
    [call], page = _press(company, cp1, PAGE + "/version", {}, {"listVersion": 0})
    assert call[2:] == ["GetLocalListVersion", {}]
    assert "GetLocalListVersion: 0, the station has no local list." in page
    assert "not support" not in page
    listed, _ = _stored(company)
    assert listed is not None and listed.reported_version == 0


def test_tc_043_1_send_local_list_not_supported(company: OcppCompany,
                                                cp1: StationClient) -> None:
    [call], page = _send(company, cp1, "Full", {"status": "NotSupported"})
    assert call[2] == "SendLocalList" and call[3]["updateType"] == "Full"
    assert "8 entries): NotSupported." in page  # shown, and not resent
    assert "This station does not support a local authorization list." in page
    listed, entries = _stored(company)
    assert (listed.last_status, listed.version, entries) == ("NotSupported", 0, [])


def test_tc_043_3_send_local_list_failed(company: OcppCompany, cp1: StationClient) -> None:
    calls, page = _send(company, cp1, "Full", {"status": "Failed"}, {"status": "Failed"})
    # Failed: sent again in Full once, then no more
    assert [(c[2], c[3]["updateType"], c[3]["listVersion"]) for c in calls] == [
        ("SendLocalList", "Full", 1), ("SendLocalList", "Full", 1)]
    assert page.count("SendLocalList Full (version 1, 8 entries): Failed.") == 2
    listed, entries = _stored(company)
    assert (listed.last_status, listed.version, entries) == ("Failed", 0, [])


def test_tc_043_4_send_local_list_full(company: OcppCompany, cp1: StationClient) -> None:
    [call], page = _send(company, cp1, "Full", ACCEPTED)
    assert call[2:] == ["SendLocalList", {"listVersion": 1, "updateType": "Full",
                                          "localAuthorizationList": _full_list(company)}]
    assert "SendLocalList Full (version 1, 8 entries): Accepted." in page
    assert '<dd class="col-6" id="confirmed-version">1</dd>' in page
    assert ('<td class="font-monospace">FLEET-CAR</td><td>Accepted</td><td>—</td>'
            '<td class="font-monospace">FLEET</td>') in page  # what the station holds
    listed, entries = _stored(company)
    assert (listed.last_status, listed.version) == ("Accepted", 1)
    assert entries[:4] == [("BLOCKED", "Blocked", None), ("EXPIRED", "Expired", None),
                           ("FLEET", "Accepted", None), ("FLEET-CAR", "Accepted", "FLEET")]
    assert len(entries) == 8


def _block_add_remove(tenant: Any) -> None:
    tags.find("VALID").blocked = True
    tags.add(tenant, "NEW", expiry_at=utcnow() + timedelta(days=7))
    db.session.delete(tags.find("ONCE"))


def test_tc_043_5_send_local_list_differential(company: OcppCompany,
                                               cp1: StationClient) -> None:
    _send(company, cp1, "Full", ACCEPTED)
    company.change(_block_add_remove)
    [call], page = _send(company, cp1, "Differential", ACCEPTED)
    assert call[2:] == ["SendLocalList", {
        "listVersion": 2, "updateType": "Differential", "localAuthorizationList": [
            {"idTag": "NEW", "idTagInfo": {"status": "Accepted",
                                           "expiryDate": _expiry(company, "NEW")}},
            {"idTag": "VALID", "idTagInfo": {"status": "Blocked"}},
            {"idTag": "ONCE"},  # removed: no idTagInfo
        ]}]
    assert "SendLocalList Differential (version 2, 3 entries): Accepted." in page
    listed, entries = _stored(company)
    assert listed.version == 2
    held = {id_tag: status for id_tag, status, _ in entries}
    assert held["NEW"] == "Accepted" and held["VALID"] == "Blocked" and "ONCE" not in held
    assert len(held) == 8
    assert '<dd class="col-6" id="pending">0</dd>' in page  # nothing left to send


def test_a_version_mismatch_sends_the_whole_list_again_once(company: OcppCompany,
                                                            cp1: StationClient) -> None:
    _send(company, cp1, "Full", ACCEPTED)
    company.change(_block_add_remove)
    calls, page = _send(company, cp1, "Differential", {"status": "VersionMismatch"}, ACCEPTED)
    assert [(c[3]["updateType"], c[3]["listVersion"], len(c[3]["localAuthorizationList"]))
            for c in calls] == [("Differential", 2, 3), ("Full", 2, 8)]
    assert "(version 2, 3 entries): VersionMismatch." in page
    assert "SendLocalList Full (version 2, 8 entries): Accepted." in page
    listed, entries = _stored(company)
    assert (listed.version, len(entries)) == (2, 8)
    assert "ONCE" not in {id_tag for id_tag, _, _ in entries}


def test_a_differential_with_nothing_held_sends_every_tag(company: OcppCompany,
                                                          cp1: StationClient) -> None:
    [call], _ = _send(company, cp1, "Differential", ACCEPTED)
    assert call[3] == {"listVersion": 1, "updateType": "Differential",
                       "localAuthorizationList": _full_list(company)}


def _configure(key: str, value: str) -> Callable[[Any], None]:
    def write(tenant: Any) -> None:
        station = db.session.scalar(select(Station).where(Station.charge_box_id == "CP1"))
        db.session.add(StationConfigurationKey(tenant_id=tenant.id, station_id=station.id,
                                               key=key, value=value))
    return write


def test_a_list_longer_than_send_local_list_max_length_goes_in_parts(
    company: OcppCompany, cp1: StationClient
) -> None:
    company.change(_configure("SendLocalListMaxLength", "5"))
    calls, _ = _send(company, cp1, "Full", ACCEPTED, ACCEPTED)
    assert [(c[3]["updateType"], c[3]["listVersion"]) for c in calls] == [
        ("Full", 1), ("Differential", 2)]
    assert [c[3]["localAuthorizationList"] for c in calls] == [
        _full_list(company)[:5], _full_list(company)[5:]]
    listed, entries = _stored(company)
    assert (listed.version, len(entries)) == (2, 8)


def test_a_list_longer_than_the_station_stores_is_refused(company: OcppCompany,
                                                          cp1: StationClient) -> None:
    company.change(_configure("LocalAuthListMaxLength", "3"))
    calls, page = _send(company, cp1, "Full")
    assert calls == []
    assert ("The list has 8 tags; CP1 stores at most 3 (LocalAuthListMaxLength). "
            "Nothing was sent.") in page
    assert _stored(company) == (None, [])


def test_an_offline_station_gets_nothing_and_keeps_its_version(company: OcppCompany) -> None:
    browser = LivePortal(company).login(admin_email(company))
    response = browser.post(PAGE + "/send", {"update_type": "Full"}, csrf_from=PAGE)
    assert response.status_code == 302
    assert "8 entries): Station offline." in browser.get(PAGE).text
    listed, entries = _stored(company)
    assert listed.version == 0 and listed.last_status is None and entries == []


def test_send_local_list_through_the_api_updates_the_stored_version(
    company: OcppCompany, cp1: StationClient
) -> None:
    answering = AnsweringEach(cp1, ACCEPTED)
    body = {"action": "SendLocalList", "payload": {
        "listVersion": 7, "updateType": "Full",
        "localAuthorizationList": [{"idTag": "VALID", "idTagInfo": {"status": "Accepted"}}]}}
    response = post_command(company, new_token(company), body)
    answering.join()
    assert response.status_code == 200 and response.json()["status"] == "Accepted"
    listed, entries = _stored(company)
    assert (listed.version, entries) == (7, [("VALID", "Accepted", None)])
    # the next update from the page continues from there, with only what differs
    [call], _ = _send(company, cp1, "Differential", ACCEPTED)
    assert call[3]["listVersion"] == 8
    assert [entry["idTag"] for entry in call[3]["localAuthorizationList"]] == [
        "BLOCKED", "EXPIRED", "FLEET", "FLEET-CAR", "ONCE", "SOON", "ZERO"]


def test_a_refused_api_update_changes_nothing_stored(company: OcppCompany,
                                                     cp1: StationClient) -> None:
    answering = AnsweringEach(cp1, {"status": "VersionMismatch"})
    body = {"action": "SendLocalList", "payload": {"listVersion": 3, "updateType": "Full"}}
    assert post_command(company, new_token(company), body).status_code == 200
    assert len(answering.join()) == 1  # the API sends what it is asked, and no more
    listed, entries = _stored(company)
    assert (listed.version, listed.last_status, entries) == (0, "VersionMismatch", [])


def test_the_list_follows_blocked_expired_and_parent_tags(company: OcppCompany) -> None:
    def change(tenant: Any) -> None:
        tags.add(tenant, "STAFF", expiry_at=utcnow() - timedelta(hours=1))
        tags.add(tenant, "STAFF-1", parent_id_tag="STAFF")
        tags.find("FLEET").blocked = True
    company.change(change)

    def wanted() -> dict[str, dict[str, Any]]:
        return {entry.id_tag: entry.as_ocpp()["idTagInfo"] for entry in local_list.wanted()}
    infos = company.query(wanted)
    assert infos["FLEET-CAR"] == {"status": "Blocked", "parentIdTag": "FLEET"}
    assert infos["STAFF-1"] == {"status": "Expired", "parentIdTag": "STAFF"}
    assert infos["STAFF"]["status"] == "Expired"
    assert infos["ONCE"] == {"status": "Accepted"}  # sessions are not counted in a list
