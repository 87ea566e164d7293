"""The alarm pages: active alarms (with Clear), the history and the event log, as staff read
them: filtered, scoped by the navigator's node and by role, and exported to Excel."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.models import Alarm, AlarmKind, AlarmSeverity, Role, Site
from portal.services import alarms, events
from tests.factories import Company, World
from tests.scene import company_scope, station, table_cells

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Brussels


def _raise(charge_box_id: str, kind: AlarmKind, severity: AlarmSeverity, at: datetime,
           text: str, connector_id: int = 0) -> None:
    found = station(charge_box_id)
    outlet = next((o for o in found.outlets if o.connector_id == connector_id), None)
    alarms.raise_alarm(found.tenant_id, alarms.Cause(kind, severity, text),
                       alarms.node_of(found, connector_id), station=found, outlet=outlet, at=at)


@pytest.fixture
def alarmed(app: Flask, world: World) -> World:
    """Alarms on both of company A's sites (one of them cleared by its cause), one of no
    station, and one of company B."""
    a = world.a
    with company_scope(app, a) as tenant:
        tenant.time_zone = "Europe/Brussels"
        _raise(a.station_site1, AlarmKind.HARDWARE_FAILURE, AlarmSeverity.CRITICAL, AT,
               "Connector 1 of CP-SITE1: Faulted (PowerSwitchFailure).", connector_id=1)
        _raise(a.station_site2, AlarmKind.TEMPERATURE, AlarmSeverity.WARNING,
               AT + timedelta(hours=1), "Station too warm.")
        _raise(a.station_site2, AlarmKind.VOLTAGE, AlarmSeverity.WARNING,
               AT + timedelta(hours=2), "Undervoltage.")
        alarms.clear((AlarmKind.VOLTAGE,), a.station_site2, station=station(a.station_site2),
                     reason="Gone.", at=AT + timedelta(hours=3))
        alarms.raise_alarm(tenant.id, alarms.Cause(
            AlarmKind.NOT_REGISTERED, AlarmSeverity.WARNING, "Stranger knocked."), "STRANGER")
    with company_scope(app, world.b):
        _raise(world.b.station_site1, AlarmKind.FUSE, AlarmSeverity.CRITICAL, AT,
               "SECRET-OF-B fuse.")
    return world


def _client(portal, company: Company, role: Role = Role.ADMIN):
    client = portal(company)
    client.login(company.email(role))
    return client


def _rows(client, path: str, table: str = "alarms") -> list[list[str]]:
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return table_cells(page.get_data(as_text=True), table)


def test_active_alarms_critical_first_in_the_companys_time(portal, alarmed: World) -> None:
    rows = _rows(_client(portal, alarmed.a), "/alarms")
    assert [row[:5] for row in rows[::2]] == [
        ["2026-03-02 10:00", "critical", "Hardware failure", "CP-SITE1/1", "Site one"],
        ["2026-03-02 11:00", "warning", "Temperature out of range", "CP-SITE2", "Site two"],
    ]
    # Raised now: the newest of the warnings; it names no station, so no site.
    assert rows[1][1:5] == ["warning", "Station not registered", "STRANGER", ""]
    assert "SECRET-OF-B" not in str(rows)


def test_each_filter_keeps_its_alarms_and_a_bad_one_is_told(portal, alarmed: World) -> None:
    client = _client(portal, alarmed.a)

    def nodes(query: str) -> list[str]:
        return [row[3] for row in _rows(client, f"/alarms?{query}") if len(row) > 1]

    assert nodes("severity=critical") == ["CP-SITE1/1"]
    assert nodes("kind=temperature") == ["CP-SITE2"]
    assert nodes("charge_box_id=site1") == ["CP-SITE1/1"]
    assert nodes("since=2026-03-02T10:30&until=2026-03-02T11:30") == ["CP-SITE2"]
    refused = client.get("/alarms?severity=extreme&since=yesterday")
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Not a valid choice" in text and "is-invalid" in text


def test_site_admin_and_node_see_only_their_sites_alarms(app: Flask, portal,
                                                         alarmed: World) -> None:
    site_admin = _client(portal, alarmed.a, Role.SITE_ADMIN)
    assert [row[3] for row in _rows(site_admin, "/alarms")] == ["CP-SITE1/1"]
    with company_scope(app, alarmed.a):
        site2 = db.session.scalar(select(Site.id).where(Site.name == "Site two"))
    admin = _client(portal, alarmed.a)
    assert [row[3] for row in _rows(admin, f"/alarms?node=site:{site2}")] == ["CP-SITE2"]
    assert site_admin.get(f"/alarms?node=site:{site2}").status_code == 404


def test_clearing_by_hand_moves_the_alarm_to_the_history_with_who_and_when(
        app: Flask, portal, alarmed: World) -> None:
    client = _client(portal, alarmed.a, Role.SUPPORT)
    with company_scope(app, alarmed.a):
        alarm_id = db.session.scalar(select(Alarm.id).where(Alarm.kind == AlarmKind.TEMPERATURE))
    answer = client.post(f"/alarms/{alarm_id}/clear?severity=warning", csrf_from="/alarms")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/alarms?severity=warning"
    assert client.post(f"/alarms/{alarm_id}/clear", csrf_from="/alarms").status_code == 404
    history = _rows(client, "/alarms/history")
    assert [row[2:5] for row in history] == [
        [alarmed.a.email(Role.SUPPORT), "warning", "Temperature out of range"],
        ["the cause went away", "warning", "Voltage out of range"],
    ]
    log = _rows(client, "/events?kind=alarm_cleared", "events")
    assert any(f"cleared by {alarmed.a.email(Role.SUPPORT)}" in row[4] for row in log)


def test_the_exports_hold_the_rows_the_page_shows(portal, alarmed: World) -> None:
    client = _client(portal, alarmed.a)
    for page, export in (("/alarms?severity=warning", "/alarms/export.xlsx?severity=warning"),
                         ("/alarms/history", "/alarms/history.xlsx")):
        # The description's cell (a Clear button follows it on the active list).
        shown = [row[-1 if "history" in page else -2] for row in _rows(client, page)]
        answer = client.get(export)
        assert answer.status_code == 200
        sheet = load_workbook(io.BytesIO(answer.get_data())).worksheets[0]
        header, *rows = list(sheet.values)
        assert header[0] == "Raised (Europe/Brussels)"
        assert [row[-1] for row in rows] == shown
        assert all(isinstance(row[0], datetime) for row in rows)


def test_the_event_log_holds_status_changes_commands_and_alarms(app: Flask, portal,
                                                                alarmed: World) -> None:
    with company_scope(app, alarmed.a):
        found = station(alarmed.a.station_site1)
        events.record(found, "status", "Connector 1: Faulted (PowerSwitchFailure)",
                      outlet=found.outlets[0], occurred_at=AT - timedelta(minutes=3))
        events.record(found, "command", "Reset (sent by someone): Accepted.",
                      occurred_at=AT + timedelta(minutes=5))
    client = _client(portal, alarmed.a)
    rows = _rows(client, f"/events?charge_box_id={alarmed.a.station_site1}", "events")
    assert [row[3] for row in rows] == ["Remote command", "Alarm raised", "Status change"]
    assert rows[2][:3] == ["2026-03-02 09:57:00", "CP-SITE1", "1"]
    assert [row[3] for row in _rows(client, "/events?text=reset", "events")] == [
        "Remote command"]
    assert client.get("/events?kind=nonsense").status_code == 400
    answer = client.get(f"/events/export.xlsx?charge_box_id={alarmed.a.station_site1}")
    sheet = load_workbook(io.BytesIO(answer.get_data())).worksheets[0]
    assert [row[3] for row in list(sheet.values)[1:]] == ["Remote command", "Alarm raised",
                                                          "Status change"]
    assert "SECRET-OF-B" not in client.get("/events").get_data(as_text=True)
