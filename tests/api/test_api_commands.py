"""POST /api/v1/stations/<chargeBoxId>/commands on the live server, to a real station socket:
the exact bodies of each outcome, and a monitor token that sends nothing."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Command, Role
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering, new_token, post_command
from tests.ocpp.station_client import Station

CLEAR_CACHE = {"action": "ClearCache", "payload": {}}


def _stored(company: OcppCompany) -> int:
    return company.query(lambda: db.session.scalar(select(func.count()).select_from(Command)))


def _get(company: OcppCompany, token: str, path: str) -> requests.Response:
    return requests.get(f"http://127.0.0.1:{company.port}{path}", timeout=30, headers={
        "Host": f"{company.slug}.localhost:{company.port}", "Authorization": f"Bearer {token}"})


def test_an_answer_is_200_with_the_stations_response(company: OcppCompany,
                                                      cp1: Station) -> None:
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Rejected"}])
    response = post_command(company, new_token(company), CLEAR_CACHE)
    answering.join()
    assert response.status_code == 200
    assert response.json() == {"status": "Rejected", "response": {"status": "Rejected"},
                               "command": response.json()["command"], "outcome": "answered"}


def test_a_callerror_is_502_with_its_code_and_description(company: OcppCompany,
                                                          cp1: Station) -> None:
    answering = Answering(cp1, lambda unique_id: [4, unique_id, "NotImplemented",
                                                  "no cache here", {}])
    response = post_command(company, new_token(company), CLEAR_CACHE)
    answering.join()
    assert response.status_code == 502
    assert response.json() == {
        "error": "call_error", "message": "ClearCache to CP1: CALLERROR NotImplemented. "
                                          "no cache here",
        "command": response.json()["command"], "outcome": "call error",
        "code": "NotImplemented", "description": "no cache here"}


def test_a_silent_station_is_504(company: OcppCompany, cp1: Station) -> None:
    answering = Answering(cp1, None)
    response = post_command(company, new_token(company), {**CLEAR_CACHE, "timeout": 1})
    answering.join()
    assert response.status_code == 504
    assert response.json() == {
        "error": "timed_out", "message": "ClearCache to CP1: No answer in time.",
        "command": response.json()["command"], "outcome": "timed out"}


def test_an_offline_station_is_409(company: OcppCompany) -> None:
    response = post_command(company, new_token(company), CLEAR_CACHE)
    assert response.status_code == 409
    assert response.json() == {
        "error": "station_offline", "message": "ClearCache to CP1: Station offline.",
        "command": response.json()["command"], "outcome": "offline"}


def test_a_monitor_token_reads_but_its_command_is_403_and_never_sent(
    company: OcppCompany, cp1: Station
) -> None:
    monitor = new_token(company, Role.MONITOR)
    for path in ("/api/v1/stations", "/api/v1/stations/CP1", "/api/v1/transactions"):
        assert _get(company, monitor, path).status_code == 200, path
    assert _get(company, monitor, "/api/v1/stations/CP1").json()["connected"] is True
    response = post_command(company, monitor, {"action": "Reset", "payload": {"type": "Hard"}})
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "A monitor token may not send remote commands to stations."}
    with pytest.raises(TimeoutError):  # the station hears nothing
        cp1.ws.recv(timeout=1)
    assert _stored(company) == 0
