"""The review queue as staff use it: what is listed and why, accept, correct, bad input, and
who sees which sessions."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import ChargingSession, Role, Site
from portal.models.base import utcnow
from portal.services import charging_sessions
from portal.services.session_review import SessionAnomaly
from portal.timestamps import format_timestamp
from tests.api.client import Api, new_token
from tests.factories import Company, World
from tests.portal_client import PortalClient
from tests.scene import company_scope, station, table_rows

NOW = utcnow().replace(microsecond=0)
QUEUE = "/sessions/review"
REBOOTED = "The station rebooted and never reported the end of this transaction."


def _stopped(app: Flask, company: Company, charge_box_id: str, *, meter_start: int = 10_000,
             meter_stop: int | None, minutes: float = 60, hours_ago: float = 5,
             rated_power_w: int | None = None) -> int:
    """A session's id: started `hours_ago`, stopped by its station `minutes` later with
    `meter_stop`, or (meter_stop None) closed by the portal after a reboot."""
    with company_scope(app, company):
        found = station(charge_box_id)
        found.rated_power_w = rated_power_w
        started = NOW - timedelta(hours=hours_ago)
        session, _ = charging_sessions.start(found, 1, company.driver_tag, meter_start, started)
        end = started + timedelta(minutes=minutes)
        if meter_stop is None:
            charging_sessions.close_for_review(session, end, REBOOTED)
        else:
            charging_sessions.stop(found, session.transaction_id, meter_stop, end)
        return session.id


def _kinds(app: Flask, company: Company) -> dict[str, int]:
    """One session of each kind for review, and a normal one; the site two's on its station."""
    site1, site2 = company.station_site1, company.station_site2
    return {
        "closed": _stopped(app, company, site1, meter_stop=None, hours_ago=9),
        "meter_reset": _stopped(app, company, site1, meter_stop=3_000, hours_ago=8),
        "negative_duration": _stopped(app, company, site2, meter_stop=12_000, minutes=-20,
                                      hours_ago=7),
        "over_power": _stopped(app, company, site1, meter_stop=30_000, rated_power_w=11_000,
                               hours_ago=6),
        "no_energy": _stopped(app, company, site2, meter_stop=10_000, minutes=30, hours_ago=5),
        "normal": _stopped(app, company, site1, meter_stop=15_000, hours_ago=4),
    }


def _login(portal: Any, company: Company, role: Role = Role.ADMIN) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def _listed(html: str) -> set[int]:
    return {int(row.split(" | ")[0]) for row in table_rows(html, "review")
            if row.split(" | ")[0].isdigit()}


def _session(app: Flask, company: Company, session_id: int) -> ChargingSession:
    with company_scope(app, company):
        session = db.session.get(ChargingSession, session_id)
        db.session.expunge(session)
        return session


def _transaction(app: Flask, company: Company, session_id: int) -> dict[str, Any]:
    """The session as the API's GET /api/v1/transactions shows it."""
    api = Api(app, company, new_token(app, company, Role.MONITOR))
    found = api.get(f"/api/v1/transactions?after={session_id - 1}&limit=1").get_json()
    [transaction] = found["transactions"]
    assert transaction["id"] == session_id
    return transaction


def test_the_queue_lists_sessions_closed_by_the_portal_and_each_anomaly(
        app: Flask, world: World, portal) -> None:
    kinds = _kinds(app, world.a)
    page = _login(portal, world.a).get(QUEUE).get_data(as_text=True)
    assert _listed(page) == {kinds[kind] for kind in kinds if kind != "normal"}
    rows = {int(row.split(" | ")[0]): row for row in table_rows(page, "review")}
    assert f"Closed by Plugboard: {REBOOTED}" in rows[kinds["closed"]]
    for anomaly in SessionAnomaly:
        assert anomaly.words in rows[kinds[anomaly.value]]
    assert "| 10000 | 30000 | 20.000 |" in rows[kinds["over_power"]]  # Wh, Wh, kWh
    assert "Accept" in rows[kinds["closed"]] and "Correct" in rows[kinds["closed"]]
    assert world.b.shared_station_name not in page


def test_a_reset_meters_energy_from_samples_is_said_on_its_row(app: Flask, world: World,
                                                               portal) -> None:
    with company_scope(app, world.a) as tenant:
        found = station(world.a.station_site1)
        session, _ = charging_sessions.start(found, 1, "TAG", 10_000, NOW - timedelta(hours=2))
        sample = {"timestamp": format_timestamp(NOW - timedelta(hours=1)),
                  "sampledValue": [{"value": "14000"}]}
        db.session.execute(charging_sessions.INSERT_METER_VALUES, charging_sessions
                           .meter_value_rows(tenant.id, found.id, session.outlet_id,
                                             session.id, [sample]))
        charging_sessions.stop(found, session.transaction_id, 2_500, NOW - timedelta(minutes=30))
        session_id = session.id
    page = _login(portal, world.a).get(QUEUE).get_data(as_text=True)
    [row] = [row for row in table_rows(page, "review") if row.startswith(f"{session_id} |")]
    # 4 000 Wh up to the sample, then 2 500 since the reset
    assert "| 10000 | 2500 | 6.500 |" in row
    assert "Energy from the meter values (samples)" in row
    assert SessionAnomaly.METER_RESET.words in row


def test_a_site_administrator_reviews_their_own_site_only(app: Flask, world: World,
                                                          portal) -> None:
    kinds = _kinds(app, world.a)
    client = _login(portal, world.a, Role.SITE_ADMIN)
    assert _listed(client.get(QUEUE).get_data(as_text=True)) == {
        kinds["closed"], kinds["meter_reset"], kinds["over_power"]}
    other_site = kinds["no_energy"]
    assert client.post(f"{QUEUE}/{other_site}/accept", csrf_from=QUEUE).status_code == 404
    assert client.get(f"{QUEUE}/{other_site}/correct").status_code == 404
    assert _session(app, world.a, other_site).reviewed_at is None


def test_support_sees_the_queue_and_does_not_act(app: Flask, world: World, portal) -> None:
    kinds = _kinds(app, world.a)
    client = _login(portal, world.a, Role.SUPPORT)
    page = client.get(QUEUE).get_data(as_text=True)
    assert len(_listed(page)) == 5 and "Accept</button>" not in page
    menu = page.split("</nav>")[0]
    assert re.search(r'class="dropdown-item active" href="/sessions/review"\s+'
                     r'aria-current="page">Review<', menu), menu
    assert client.post(f"{QUEUE}/{kinds['closed']}/accept",
                       csrf_from=QUEUE).status_code == 403


def test_the_navigators_node_scopes_the_queue(app: Flask, world: World, portal) -> None:
    kinds = _kinds(app, world.a)
    with company_scope(app, world.a):
        site2 = db.session.scalar(select(Site.id).where(Site.name == "Site two"))
    page = _login(portal, world.a).get(f"{QUEUE}?node=site:{site2}").get_data(as_text=True)
    assert _listed(page) == {kinds["negative_duration"], kinds["no_energy"]}


def test_accepting_keeps_who_and_when_and_the_session_leaves_the_queue(
        app: Flask, world: World, portal) -> None:
    kinds = _kinds(app, world.a)
    client = _login(portal, world.a)
    accepted = kinds["meter_reset"]
    response = client.post(f"{QUEUE}/{accepted}/accept", csrf_from=QUEUE)
    assert (response.status_code, response.headers["Location"]) == (302, QUEUE)
    page = client.get(QUEUE).get_data(as_text=True)
    assert f"Session {accepted} is accepted as it is." in page
    assert accepted not in _listed(page)
    session = _session(app, world.a, accepted)
    assert (session.review_action, session.reviewed_by) == ("accepted", world.a.email(Role.ADMIN))
    assert NOW <= session.reviewed_at <= utcnow()
    assert (session.meter_stop, session.anomaly) == (3_000, "meter_reset")  # as it is
    transaction = _transaction(app, world.a, accepted)
    assert (transaction["reviewAction"], transaction["reviewedBy"], transaction["anomaly"]) == (
        "accepted", world.a.email(Role.ADMIN), "meter_reset")
    again = client.post(f"{QUEUE}/{accepted}/accept", csrf_from=QUEUE, follow_redirects=True)
    assert f"Session {accepted} was already accepted by" in again.get_data(as_text=True)


def test_correcting_keeps_the_originals_and_the_energy_follows(app: Flask, world: World,
                                                               portal) -> None:
    kinds = _kinds(app, world.a)
    client = _login(portal, world.a, Role.SITE_ADMIN)
    closed = kinds["closed"]
    url = f"{QUEUE}/{closed}/correct"
    original = _session(app, world.a, closed)
    assert 'name="meter_stop"' in client.get(url).get_data(as_text=True)
    end = original.started_at + timedelta(minutes=45)  # the company's zone is UTC
    form = {"stopped_at": end.strftime("%Y-%m-%dT%H:%M:%S"), "meter_stop": "16500"}
    response = client.post(url, form, csrf_from=url)
    assert (response.status_code, response.headers["Location"]) == (302, QUEUE)
    session = _session(app, world.a, closed)
    assert (session.stopped_at, session.meter_stop, session.energy_wh) == (end, 16_500, 6_500)
    assert (session.original_stopped_at, session.original_meter_stop) == (
        original.stopped_at, None)
    assert (session.review_action, session.reviewed_by) == (
        "corrected", world.a.email(Role.SITE_ADMIN))
    assert closed not in _listed(client.get(QUEUE).get_data(as_text=True))
    transaction = _transaction(app, world.a, closed)
    assert (transaction["meterStopWh"], transaction["energyWh"], transaction["reviewAction"],
            transaction["stoppedAt"]) == (16_500, 6_500, "corrected",
                                          format_timestamp(end))
    # The exports show the corrected end, meter stop and energy.
    exported = client.get(f"/sessions/export.csv?transaction_id={original.transaction_id}")
    assert exported.status_code == 200
    row = next(line for line in csv.reader(io.StringIO(exported.get_data(as_text=True)))
               if line and line[0] == str(original.transaction_id))
    assert {"16500", "6.500"} <= set(row), row
    # Corrected again: the values before the first correction stay the originals.
    form = {**form, "meter_stop": "17000"}
    assert client.post(url, form, csrf_from=url).status_code == 302
    session = _session(app, world.a, closed)
    assert (session.meter_stop, session.energy_wh, session.original_meter_stop,
            session.original_stopped_at) == (17_000, 7_000, None, original.stopped_at)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"stopped_at": "(start) - 1 minute"}, "stopped_at", "The end must come after the start."),
    ({"stopped_at": "(tomorrow)"}, "stopped_at", "The end cannot be in the future."),
    ({"stopped_at": "yesterday"}, "stopped_at", "Not a valid datetime value."),
    ({"stopped_at": ""}, "stopped_at", "This field is required."),
    ({"stopped_at": "9999-12-31T23:59:59"}, "stopped_at", "The end cannot be in the future."),
    ({"meter_stop": "9999"}, "meter_stop", "At least the meter start (10000 Wh)"),
    ({"meter_stop": "99999999999999999999"}, "meter_stop", "Number must be between"),
    ({"meter_stop": "1.5"}, "meter_stop", "Not a valid integer value."),
    ({"meter_stop": ""}, "meter_stop", "This field is required."),
])
def test_a_bad_correction_is_refused_next_to_its_field_and_nothing_is_kept(
        app: Flask, world: World, portal, change: dict[str, str], field: str,
        message: str) -> None:
    session_id = _stopped(app, world.a, world.a.station_site1, meter_stop=3_000)
    before = _session(app, world.a, session_id)
    start = before.started_at
    typed = {"(start) - 1 minute": (start - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
             "(tomorrow)": (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")}
    form = {"stopped_at": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
            "meter_stop": "15000"}
    form |= {name: typed.get(value, value) for name, value in change.items()}
    client = _login(portal, world.a)
    url = f"{QUEUE}/{session_id}/correct"
    response = client.post(url, form, csrf_from=url)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    next_to_field = body.split(f'name="{field}"')[1].split("<label")[0]
    assert f'<div class="invalid-feedback">{message}' in next_to_field, next_to_field
    after = _session(app, world.a, session_id)
    assert (after.stopped_at, after.meter_stop, after.reviewed_at, after.original_meter_stop) == (
        before.stopped_at, 3_000, None, None)


def test_a_session_of_another_company_is_not_there(app: Flask, world: World, portal) -> None:
    foreign = _stopped(app, world.b, world.b.station_site1, meter_stop=None)
    client = _login(portal, world.a)
    assert client.get(f"{QUEUE}/{foreign}/correct").status_code == 404
    assert client.post(f"{QUEUE}/{foreign}/accept", csrf_from=QUEUE).status_code == 404
    assert foreign not in _listed(client.get(QUEUE).get_data(as_text=True))
    assert _session(app, world.b, foreign).reviewed_at is None
