"""The company's default configuration, pushed to a station at its first accepted boot.

This module runs its own server, which also fetches a station's configuration after its
first boot (the shared one does not): the fetch comes after the defaults.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from ocpp.v16.enums import RegistrationStatus
from sqlalchemy import select

from portal.extensions import db
from portal.models import Command, Event, StationConfigurationKey, Tenant
from portal.services import stations
from tests.conftest import free_port
from tests.live_server import running_server
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import LivePortal, admin_email
from tests.ocpp.station_client import Station as StationClient
from tests.ocpp.test_configuration import wait_for

DEFAULTS = [{"key": "MeterValueSampleInterval", "value": "60"},
            {"key": "MeterValuesSampledData",
             "value": "Energy.Active.Import.Register,Power.Active.Import"}]
FETCHED = {"configurationKey": [{"key": "MeterValueSampleInterval", "readonly": False,
                                 "value": "60"}]}


@pytest.fixture(scope="module")
def live_server(database_url: str, app: Flask) -> Iterator[int]:
    port = free_port()
    with running_server(database_url, port, OCPP_GET_CONFIGURATION_AT_FIRST_BOOT="true",
                        OCPP_COMMAND_TIMEOUT="5"):
        yield port


@pytest.fixture
def with_defaults(company: OcppCompany) -> OcppCompany:
    company.change(lambda tenant: setattr(tenant, "default_configuration", DEFAULTS))
    return company


def _answer_next(station: StationClient, payload: dict[str, Any]) -> list[Any]:
    """Take the next CALL the station gets, answer it with `payload`; return the CALL."""
    call = json.loads(station.ws.recv(timeout=10))
    station.ws.send(json.dumps([3, call[1], payload]))
    return call


def _nothing_comes(station: StationClient) -> None:
    with pytest.raises(TimeoutError):
        station.ws.recv(timeout=1)


def _sent(company: OcppCompany) -> list[tuple[str, dict[str, Any], str, str, Any]]:
    """CP1's commands: action, payload, sender, outcome, the station's status."""
    def read() -> list[tuple[str, dict[str, Any], str, str, Any]]:
        return [(command.action, command.payload, command.sender.value,
                 command.outcome.value, (command.response or {}).get("status"))
                for command in db.session.scalars(select(Command).order_by(Command.id))]
    return company.query(read)


def _settled(company: OcppCompany) -> list[tuple[str, dict[str, Any], str, str, Any]]:
    """CP1's commands once none is pending any more (empty until then)."""
    sent = _sent(company)
    return sent if sent and all(outcome != "pending" for *_, outcome, _ in sent) else []


def _history_rows(page: str) -> list[list[str]]:
    """The operations history's rows: operation, parameters, by, outcome, result."""
    body = page.split('id="history"', 1)[1]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][2:]
            for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)]


def _events(company: OcppCompany) -> list[str]:
    return company.query(lambda: list(db.session.scalars(
        select(Event.message).where(Event.kind == "default_configuration"))))


def test_the_defaults_go_in_order_at_the_first_accepted_boot_then_the_fetch(
        with_defaults: OcppCompany) -> None:
    company = with_defaults
    with company.station() as station:
        assert station.boot()["status"] == "Accepted"
        calls = [_answer_next(station, {"status": "Accepted"}),
                 _answer_next(station, {"status": "Rejected"}),
                 _answer_next(station, FETCHED)]
    assert [call[2:] for call in calls] == [
        ["ChangeConfiguration", DEFAULTS[0]], ["ChangeConfiguration", DEFAULTS[1]],
        ["GetConfiguration", {}]]
    expected = [("ChangeConfiguration", DEFAULTS[0], "clock", "answered", "Accepted"),
                ("ChangeConfiguration", DEFAULTS[1], "clock", "answered", "Rejected"),
                ("GetConfiguration", {}, "clock", "answered", None)]
    assert wait_for(company, lambda: _settled(company)) == expected
    assert _events(company) == ["Sent the company's default configuration (2 keys) after its "
                                "first accepted boot."]
    history = LivePortal(company).login(admin_email(company)).get(
        "/operations/history?charge_box_id=CP1").text
    assert _history_rows(history) == [  # newest first
        ["GetConfiguration", "{}", "Plugboard", "answered", "Answered"],
        ["ChangeConfiguration", json.dumps(DEFAULTS[1]), "Plugboard", "answered", "Rejected"],
        ["ChangeConfiguration", json.dumps(DEFAULTS[0]), "Plugboard", "answered", "Accepted"]]


def test_a_later_boot_sends_nothing(with_defaults: OcppCompany) -> None:
    company = with_defaults
    with company.station() as station:
        station.boot()
        _answer_next(station, {"status": "Accepted"})
        _answer_next(station, {"status": "Accepted"})
        _answer_next(station, FETCHED)
    assert len(wait_for(company, lambda: _settled(company))) == 3
    with company.station() as station:
        assert station.boot()["status"] == "Accepted"
        _nothing_comes(station)
    assert len(_sent(company)) == 3


def test_a_pending_station_gets_them_at_its_first_accepted_boot(
        with_defaults: OcppCompany) -> None:
    company = with_defaults
    company.change(lambda tenant: setattr(stations.find("CP1"), "registration_status",
                                          RegistrationStatus.pending))
    with company.station() as station:
        assert station.boot()["status"] == "Pending"
        _nothing_comes(station)
        company.change(lambda tenant: setattr(stations.find("CP1"), "registration_status",
                                              RegistrationStatus.accepted))
        assert station.boot()["status"] == "Accepted"
        assert _answer_next(station, {"status": "Accepted"})[2:] == [
            "ChangeConfiguration", DEFAULTS[0]]


def test_a_company_without_defaults_sends_only_the_fetch(company: OcppCompany) -> None:
    with company.station() as station:
        station.boot()
        assert _answer_next(station, FETCHED)[2:] == ["GetConfiguration", {}]
    # Its first accepted boot is behind it: defaults set later go to new stations only.
    assert company.query(lambda: stations.find("CP1").defaults_sent_at) is not None


def test_a_default_the_station_cannot_take_is_told_in_an_event(company: OcppCompany) -> None:
    """A key the station reports read-only: nothing is sent, and staff read why."""
    def read_only(tenant: Tenant) -> None:
        tenant.default_configuration = DEFAULTS[:1]
        db.session.add(StationConfigurationKey(
            tenant_id=tenant.id, station_id=stations.find("CP1").id,
            key="MeterValueSampleInterval", value="900", readonly=True))
    company.change(read_only)
    with company.station() as station:
        station.boot()
        assert _answer_next(station, FETCHED)[2:] == ["GetConfiguration", {}]
    assert _events(company) == ["The company's default configuration was not sent: CP1 "
                                "reports MeterValueSampleInterval as read-only."]
