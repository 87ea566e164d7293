"""Remote operations through the JSON API: real server, real station socket, real answers."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
import requests
from sqlalchemy import select

from portal.extensions import db
from portal.models import Command, CommandOutcome, OcppMessage
from tests.factories import make_tenant
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering, new_token, post_command
from tests.ocpp.station_client import Station


def _send(company: OcppCompany, station: Station, body: Any, answer: Any,
          token: str | None = None) -> tuple[requests.Response, list[Any]]:
    answering = Answering(station, answer)
    response = post_command(company, token or new_token(company), body)
    return response, answering.join()


def _commands(company: OcppCompany) -> list[Command]:
    def read() -> list[Command]:
        found = db.session.scalars(select(Command).order_by(Command.id)).all()
        db.session.expunge_all()
        return list(found)
    return company.query(read)


def test_reset_reaches_the_station_and_its_answer_comes_back(company: OcppCompany,
                                                             cp1: Station) -> None:
    response, call = _send(company, cp1, {"action": "Reset", "payload": {"type": "Soft"}},
                           lambda unique_id: [3, unique_id, {"status": "Accepted"}])
    assert call[0] == 2 and call[2:] == ["Reset", {"type": "Soft"}]
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "Accepted"
    assert response.json()["response"] == {"status": "Accepted"}
    [command] = _commands(company)
    assert (command.action, command.outcome, command.response) == (
        "Reset", CommandOutcome.ANSWERED, {"status": "Accepted"})
    assert command.api_token_id is not None and command.unique_id == call[1]
    logged = company.query(lambda: db.session.scalars(
        select(OcppMessage.message_type).where(OcppMessage.unique_id == call[1])
        .order_by(OcppMessage.logged_at)).all())
    assert logged == [2, 3]  # our CALL, then the station's CALLRESULT


def test_a_refusal_is_an_answer_too(company: OcppCompany, cp1: Station) -> None:
    response, _ = _send(company, cp1, {"action": "UnlockConnector",
                                       "payload": {"connectorId": 1}},
                        lambda unique_id: [3, unique_id, {"status": "NotSupported"}])
    assert response.status_code == 200
    assert response.json()["status"] == "NotSupported"


def test_a_callerror_gives_502_with_its_code(company: OcppCompany, cp1: Station) -> None:
    response, _ = _send(company, cp1, {"action": "ClearCache", "payload": {}},
                        lambda unique_id: [4, unique_id, "NotImplemented", "no cache here", {}])
    assert response.status_code == 502
    assert response.json()["code"] == "NotImplemented"
    assert response.json()["description"] == "no cache here"
    assert _commands(company)[0].outcome is CommandOutcome.CALL_ERROR


def test_a_silent_station_times_out_and_the_next_command_still_gets_through(
    company: OcppCompany, cp1: Station
) -> None:
    began = time.monotonic()
    response, _ = _send(company, cp1, {"action": "ClearCache", "payload": {}, "timeout": 1},
                        answer=None)
    assert response.status_code == 504
    assert time.monotonic() - began < 5
    response, _ = _send(company, cp1, {"action": "ClearCache", "payload": {}},
                        lambda unique_id: [3, unique_id, {"status": "Accepted"}])
    assert response.status_code == 200
    assert [c.outcome for c in _commands(company)] == [CommandOutcome.TIMED_OUT,
                                                       CommandOutcome.ANSWERED]


def test_an_offline_station_answers_409_at_once(company: OcppCompany) -> None:
    began = time.monotonic()
    response = post_command(company, new_token(company), {"action": "ClearCache", "payload": {}})
    assert response.status_code == 409
    assert time.monotonic() - began < 5
    assert _commands(company)[0].outcome is CommandOutcome.OFFLINE


def test_calls_to_one_station_wait_for_each_other(company: OcppCompany, cp1: Station) -> None:
    token = new_token(company)
    responses: list[requests.Response] = []
    posts = [threading.Thread(target=lambda action=action: responses.append(
        post_command(company, token, {"action": action, "payload": {}}))) for action in
        ("ClearCache", "GetLocalListVersion")]
    for post in posts:
        post.start()
    first = json.loads(cp1.ws.recv(timeout=10))
    with pytest.raises(TimeoutError):  # no second CALL while the first is unanswered
        cp1.ws.recv(timeout=1)
    cp1.ws.send(json.dumps([3, first[1], {"status": "Accepted", "listVersion": 1}
                            if first[2] == "GetLocalListVersion" else {"status": "Accepted"}]))
    second = json.loads(cp1.ws.recv(timeout=10))
    assert {first[2], second[2]} == {"ClearCache", "GetLocalListVersion"}
    cp1.ws.send(json.dumps([3, second[1], {"listVersion": 1}
                            if second[2] == "GetLocalListVersion" else {"status": "Accepted"}]))
    for post in posts:
        post.join(timeout=20)
    assert sorted(response.status_code for response in responses) == [200, 200]


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "Reset", "payload": {"type": "Sideways"}}, "payload"),
    ({"action": "Reset", "payload": {}}, "payload"),
    ({"action": "Heartbeat", "payload": {}}, "action"),
    ({"payload": {}}, "action"),
    ({"action": "Reset", "payload": {"type": "Soft"}, "timeout": -1}, "timeout"),
    (["Reset"], "body"),
])
def test_a_bad_command_gets_422_and_nothing_is_sent(company: OcppCompany, cp1: Station,
                                                    body: Any, field: str) -> None:
    response = post_command(company, new_token(company), body)
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    with pytest.raises(TimeoutError):
        cp1.ws.recv(timeout=0.5)
    assert _commands(company) == []


def test_only_a_token_of_this_company_opens_the_api(company: OcppCompany, app) -> None:
    other = make_tenant(app)
    foreign = OcppCompany(other.slug, other.tenant_id, app, company.port)
    body = {"action": "ClearCache", "payload": {}}
    for token in (None, "pb_not-a-token", "not even the form", new_token(foreign)):
        response = post_command(company, token, body)
        assert response.status_code == 401, token
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert post_command(company, new_token(company), body, charge_box_id="NOPE").status_code == 404
    assert _commands(company) == []
