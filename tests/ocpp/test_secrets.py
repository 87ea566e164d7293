"""Secrets in configuration keys: the station gets them, Plugboard keeps only a mask.

The value of any key whose name says it is a secret (AuthorizationKey, a vendor's
password, token or activation code) is masked in the message log, in stored commands and
in the configuration table; setting the station's AuthorizationKey is for those who may
register stations, from every door.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from websockets.exceptions import InvalidStatus

from portal.extensions import db
from portal.models import Command, OcppMessage, Role, StationConfigurationKey
from portal.services import stations, users
from portal.services.secrets import MASK, is_secret
from tests.factories import PASSWORD
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering, LivePortal, admin_email, new_token, post_command
from tests.ocpp.station_client import Station as StationClient
from tests.ocpp.station_client import basic_auth, open_socket

VENDOR_SECRET = "/WebUi/password/reset"  # Technagon's


@pytest.mark.parametrize(("key", "secret"), [
    ("AuthorizationKey", True), ("authorizationkey", True), (VENDOR_SECRET, True),
    ("BackendToken", True), ("ActivationCode", True), ("MQTTPassword", True),
    ("ClientSecret", True), ("HeartbeatInterval", False), ("GetConfigurationMaxKeys", False),
    ("NumberOfConnectors", False), ("CpoName", False), ("KeyboardLayout", False),
    ("PasswordReset", True), ("SECURITY_TOKEN", True),
])
def test_a_key_is_secret_when_its_name_says_so(key: str, secret: bool) -> None:
    assert is_secret(key) is secret


@pytest.fixture
def cp1(company: OcppCompany) -> Iterator[StationClient]:
    with company.station() as station:
        assert station.boot()["status"] == "Accepted"
        yield station


def _logged_frames(company: OcppCompany) -> str:
    return company.query(lambda: " ".join(db.session.scalars(select(OcppMessage.frame))))


def test_a_vendor_secret_reaches_the_station_and_is_kept_only_masked(
        company: OcppCompany, cp1: StationClient) -> None:
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Accepted"}])
    response = post_command(company, new_token(company), {
        "action": "ChangeConfiguration",
        "payload": {"key": VENDOR_SECRET, "value": "hunter2-new"}})
    assert response.status_code == 200, response.text
    assert answering.join()[3] == {"key": VENDOR_SECRET, "value": "hunter2-new"}
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"configurationKey": [
        {"key": VENDOR_SECRET, "readonly": False, "value": "hunter2-new"},
        {"key": "HeartbeatInterval", "readonly": False, "value": "300"}]}])
    assert post_command(company, new_token(company), {
        "action": "GetConfiguration", "payload": {}}).status_code == 200
    answering.join()

    frames = _logged_frames(company)
    assert "hunter2" not in frames and MASK in frames
    assert '"HeartbeatInterval","readonly":false,"value":"300"' in frames.replace(" ", "")
    payloads = company.query(lambda: [json.dumps(payload) for payload in db.session.scalars(
        select(Command.payload))])
    assert payloads and not any("hunter2" in payload for payload in payloads)
    table = company.query(lambda: dict(db.session.execute(
        select(StationConfigurationKey.key, StationConfigurationKey.value)).all()))
    assert table == {VENDOR_SECRET: MASK, "HeartbeatInterval": "300"}
    page = LivePortal(company).login(admin_email(company)).get("/stations/CP1/configuration")
    assert "hunter2" not in page.text and MASK in page.text


def _support(company: OcppCompany) -> LivePortal:
    email = f"support@{company.slug}.example"
    company.change(lambda tenant: users.create(tenant, email=email, password=PASSWORD,
                                               role=Role.SUPPORT))
    return LivePortal(company).login(email)


NEW_KEY = "a-key-support-chose-123"


def test_support_cannot_set_the_authorization_key_from_the_operations_page(
        company: OcppCompany, cp1: StationClient) -> None:
    station_id = company.query(lambda: stations.find("CP1").id)
    page = "/operations/send/ChangeConfiguration"
    response = _support(company).post(page, [
        ("station", station_id), ("ChangeConfiguration-key", "AuthorizationKey"),
        ("ChangeConfiguration-value", NEW_KEY.encode().hex())],
        csrf_from=page, prefix="ChangeConfiguration")
    assert response.status_code == 400
    assert "Only an administrator may set a station&#39;s authorization key." in response.text
    _assert_nothing_sent(company, cp1)


def test_a_support_token_cannot_set_the_authorization_key(
        company: OcppCompany, cp1: StationClient) -> None:
    response = post_command(company, new_token(company, Role.SUPPORT), {
        "action": "ChangeConfiguration",
        "payload": {"key": "AuthorizationKey", "value": NEW_KEY.encode().hex()}})
    assert response.status_code == 403
    assert response.json()["message"] == ("Only an administrator may set a station's "
                                          "authorization key.")
    _assert_nothing_sent(company, cp1)


def _assert_nothing_sent(company: OcppCompany, cp1: StationClient) -> None:
    assert company.query(lambda: db.session.scalars(select(Command)).all()) == []
    with pytest.raises(TimeoutError):
        cp1.ws.recv(timeout=0.5)
    with pytest.raises(InvalidStatus) as refused, open_socket(  # the chosen key opens nothing
            company.port, f"{company.slug}.localhost", "/ocpp/CP1",
            authorization=basic_auth("CP1", NEW_KEY)):
        pass
    assert refused.value.response.status_code == 401


def test_an_administrator_rotates_the_key_through_the_api_and_it_is_never_stored(
        company: OcppCompany, cp1: StationClient) -> None:
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Accepted"}])
    response = post_command(company, new_token(company), {
        "action": "ChangeConfiguration",
        "payload": {"key": "AuthorizationKey", "value": NEW_KEY.encode().hex()}})
    assert response.status_code == 200, response.text
    assert answering.join()[3]["value"] == NEW_KEY.encode().hex()
    assert NEW_KEY.encode().hex() not in _logged_frames(company)
    assert company.query(lambda: [c.payload["value"] for c in db.session.scalars(
        select(Command))]) == [MASK]
    with company.station(key=NEW_KEY) as station:
        assert station.boot()["status"] == "Accepted"
