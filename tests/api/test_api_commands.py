"""POST /api/v1/stations/<chargeBoxId>/commands on the live server, to a real station socket:
the exact bodies of each outcome."""

from __future__ import annotations

from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering, new_token, post_command
from tests.ocpp.station_client import Station

CLEAR_CACHE = {"action": "ClearCache", "payload": {}}


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
        "error": "timed_out", "message": "ClearCache to CP1: No answer in time. "
                                         "The station did not answer in time.",
        "command": response.json()["command"], "outcome": "timed out"}


def test_an_offline_station_is_409(company: OcppCompany) -> None:
    response = post_command(company, new_token(company), CLEAR_CACHE)
    assert response.status_code == 409
    assert response.json() == {
        "error": "station_offline", "message": "ClearCache to CP1: Station offline. "
                                               "The station was not connected.",
        "command": response.json()["command"], "outcome": "offline"}
