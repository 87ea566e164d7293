"""Secrets in configuration keys: the station gets them, Plugboard keeps only a mask.

The value of any key whose name says it is a secret (AuthorizationKey, a vendor's
password, token or activation code) is masked in the message log, in stored commands and
in the configuration table; setting the station's AuthorizationKey is for those who may
register stations, from every door.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from websockets.exceptions import InvalidStatus

from portal.extensions import db
from portal.models import (
    Command,
    CommandOutcome,
    OcppMessage,
    Role,
    Site,
    StationConfigurationKey,
    Tenant,
)
from portal.models.base import utcnow
from portal.services import operations, stations, users
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


NEW_KEY = "a-key-they-chose-0123"
HEX_KEY = NEW_KEY.encode().hex()


def _person(company: OcppCompany, role: Role) -> LivePortal:
    """A signed-in user of the role; a site administrator's site holds CP1."""
    email = f"{role.value}@{company.slug}.example"

    def create(tenant: Tenant) -> None:
        site = None
        if role is Role.SITE_ADMIN:
            site = Site(tenant_id=tenant.id, name="Depot")
            db.session.add(site)
            stations.find("CP1").site = site
        users.create(tenant, email=email, password=PASSWORD, role=role, site=site)

    company.change(create)
    return LivePortal(company).login(email)


def _operations_page(company: OcppCompany, browser: LivePortal) -> int:
    station_id = company.query(lambda: stations.find("CP1").id)
    page = "/operations/send/ChangeConfiguration"
    response = browser.post(page, [
        ("station", station_id), ("ChangeConfiguration-key", "AuthorizationKey"),
        ("ChangeConfiguration-value", HEX_KEY)], csrf_from=page, prefix="ChangeConfiguration")
    assert "Only an administrator may set a station&#39;s authorization key." in response.text
    return response.status_code


def _configuration_page(company: OcppCompany, browser: LivePortal) -> int:
    page = "/stations/CP1/configuration"
    response = browser.post(page, {"key": "AuthorizationKey", "value": HEX_KEY},
                            csrf_from=page)
    assert "Only an administrator may set a station&#39;s authorization key." in response.text
    return response.status_code


def _apply_page(company: OcppCompany, browser: LivePortal) -> int:
    page = "/configuration/apply"
    response = browser.post(page, [("stations", "CP1"), ("key", "AuthorizationKey"),
                                   ("value", HEX_KEY)], csrf_from=page)
    assert "Only an administrator may set a station&#39;s authorization key." in response.text
    return response.status_code


def _rotation_form(company: OcppCompany, browser: LivePortal) -> int:
    return browser.post("/stations/CP1/authorization-key", {"auth_key": NEW_KEY},
                        csrf_from="/stations/CP1/configuration").status_code


PAGE_DOORS = {"Operations page": _operations_page, "Configuration page": _configuration_page,
              "Configuration on many stations": _apply_page, "key rotation": _rotation_form}


@pytest.mark.parametrize("door", PAGE_DOORS)
@pytest.mark.parametrize("role", [Role.SUPPORT, Role.SITE_ADMIN])
def test_only_administrators_set_a_stations_key_from_any_page(
        company: OcppCompany, cp1: StationClient, role: Role, door: str) -> None:
    browser = _person(company, role)
    assert PAGE_DOORS[door](company, browser) in (400, 403)
    _assert_nothing_sent(company, cp1)


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.MONITOR])
def test_only_administrator_tokens_set_a_stations_key(
        company: OcppCompany, cp1: StationClient, role: Role) -> None:
    response = post_command(company, new_token(company, role), {
        "action": "ChangeConfiguration", "payload": {"key": "AuthorizationKey", "value": HEX_KEY}})
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
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


def test_a_new_key_is_masked_before_it_is_stored_and_while_it_waits(
        company: OcppCompany, cp1: StationClient) -> None:
    answering = Answering(cp1, None)  # the station takes the call and never answers
    sending = threading.Thread(target=post_command, args=(company, new_token(company), {
        "action": "ChangeConfiguration", "timeout": 3,
        "payload": {"key": "AuthorizationKey", "value": HEX_KEY}}))
    sending.start()
    assert answering.join()[3]["value"] == HEX_KEY  # the station got it...
    pending = company.query(lambda: [(c.outcome, c.payload) for c in db.session.scalars(
        select(Command))])
    assert pending == [(CommandOutcome.PENDING, {"key": "AuthorizationKey", "value": MASK})]
    support = _person(company, Role.SUPPORT)
    for page in ("/operations/history", "/stations/CP1/control"):  # ...staff never see it
        assert HEX_KEY not in support.get(page).text
    sending.join()
    company.change(lambda tenant: operations.settle_abandoned(utcnow() + timedelta(hours=1)))
    assert HEX_KEY not in json.dumps(company.query(lambda: [
        c.payload for c in db.session.scalars(select(Command))]))
    assert HEX_KEY not in _logged_frames(company)


def test_an_authorization_key_a_station_reports_is_masked_on_the_messages_page(
        company: OcppCompany, cp1: StationClient) -> None:
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"configurationKey": [
        {"key": "AuthorizationKey", "readonly": False, "value": HEX_KEY}]}])
    assert post_command(company, new_token(company), {
        "action": "GetConfiguration", "payload": {}}).status_code == 200
    answering.join()
    page = LivePortal(company).login(admin_email(company)).get("/stations/CP1/messages").text
    assert "AuthorizationKey" in page and HEX_KEY not in page


def test_an_administrator_rotates_the_key_through_the_api_and_it_is_never_stored(
        company: OcppCompany, cp1: StationClient) -> None:
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"status": "Accepted"}])
    response = post_command(company, new_token(company), {
        "action": "ChangeConfiguration", "payload": {"key": "AuthorizationKey", "value": HEX_KEY}})
    assert response.status_code == 200, response.text
    assert answering.join()[3]["value"] == HEX_KEY
    assert HEX_KEY not in _logged_frames(company)
    assert company.query(lambda: [c.payload["value"] for c in db.session.scalars(
        select(Command))]) == [MASK]
    with company.station(key=NEW_KEY) as station:
        assert station.boot()["status"] == "Accepted"
