"""One charging session's page, its meter values as CSV and its signed values as the
transparency software's XML, as staff read them."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AuthMethod,
    ChargingSession,
    Direction,
    Event,
    MeterValue,
    OcppMessage,
    Role,
    StationConfigurationKey,
    Tag,
)
from portal.services import charging_sessions, sites
from tests.factories import World
from tests.scene import company_scope, station, table_rows

START = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)  # 09:00 in Brussels
SIGNED = ('OCMF|{"FV":"1.0","GI":"X","RD":[{"TM":"2026-01-15T09:30:00,000+0100 S",'
          '"TX":"T","RV":1.5,"RU":"kWh"}]}|{"SD":"3045<&>"}')
PUBLIC_KEY = "3059301306072A8648CE3D020106082A8648CE3D03010703420004AB"


def _frame(message: list, logged_at: datetime, direction: Direction, action: str | None,
           station_id: int, tenant_id: int) -> OcppMessage:
    return OcppMessage(tenant_id=tenant_id, station_id=station_id, charge_box_id="CP-SITE1",
                       direction=direction, message_type=message[0], unique_id=message[1],
                       action=action, frame=json.dumps(message), logged_at=logged_at)


def session_scene(app, world: World) -> int:
    """A stopped session on Site one's station with meter values, frames and events; its id."""
    with company_scope(app, world.a) as tenant:
        tenant.time_zone = "Europe/Brussels"
        cp = station(world.a.station_site1)
        cp.floor = sites.add_floor(cp.site, "Level -1")
        tag = db.session.scalar(select(Tag).where(Tag.id == world.a.driver_tag_id))
        session = ChargingSession(
            tenant_id=tenant.id, station=cp, outlet=cp.outlets[1], id_tag=tag.id_tag, tag=tag,
            user_id=tag.owner_id, auth_method=AuthMethod.RFID, started_at=START,
            received_at=START + timedelta(seconds=2), stopped_at=START + timedelta(minutes=90),
            meter_start=10_000, meter_stop=13_500, energy_wh=3_500, stop_reason="EVDisconnected",
            stop_id_tag=tag.id_tag)
        charging_sessions.number(session)
        tx = session.transaction_id
        sample = {"tenant_id": tenant.id, "station_id": cp.id, "outlet_id": cp.outlets[1].id,
                  "charging_session_id": session.id, "context": "Sample.Periodic",
                  "location": "Outlet", "format": "Raw", "phase": None}
        db.session.add_all([
            MeterValue(**sample, sampled_at=START + timedelta(minutes=30), value="11500",
                       numeric_value=Decimal(11500), unit="Wh",
                       measurand="Energy.Active.Import.Register"),
            MeterValue(**sample, sampled_at=START + timedelta(minutes=30), value="7.2",
                       numeric_value=Decimal("7.2"), unit="kW", measurand="Power.Active.Import"),
            MeterValue(**sample, sampled_at=START + timedelta(minutes=60), value="12.9",
                       numeric_value=Decimal("12.9"), unit="kWh",
                       measurand="Energy.Active.Import.Register"),
            MeterValue(**sample, sampled_at=START + timedelta(minutes=60), value="3600",
                       numeric_value=Decimal(3600), unit="W", measurand="Power.Active.Import"),
            MeterValue(**{**sample, "format": "SignedData", "context": "Transaction.End"},
                       sampled_at=START + timedelta(minutes=90), value=SIGNED,
                       numeric_value=None, unit="Wh", measurand="Energy.Active.Import.Register"),
            StationConfigurationKey(tenant_id=tenant.id, station_id=cp.id,
                                    key="PublicKeyWithSignedMeterValue", value="EveryMeterValue"),
            StationConfigurationKey(tenant_id=tenant.id, station_id=cp.id,
                                    key="MeterPublicKey2", value=PUBLIC_KEY),
        ])
        ids = (cp.id, tenant.id)
        at = START + timedelta(seconds=2)
        db.session.add_all([
            _frame([2, "s1", "StartTransaction", {"connectorId": 2, "idTag": tag.id_tag,
                                                  "meterStart": 10000, "timestamp": "x"}],
                   at, Direction.FROM_STATION, "StartTransaction", *ids),
            _frame([3, "s1", {"transactionId": tx, "idTagInfo": {"status": "Accepted"}}],
                   at, Direction.TO_STATION, "StartTransaction", *ids),
            _frame([2, "m1", "MeterValues", {"connectorId": 2, "transactionId": tx,
                                             "meterValue": []}],
                   at + timedelta(minutes=30), Direction.FROM_STATION, "MeterValues", *ids),
            _frame([3, "m1", {}], at + timedelta(minutes=30), Direction.TO_STATION,
                   "MeterValues", *ids),
            # another transaction's values and a heartbeat in the same time: not this session's
            _frame([2, "m2", "MeterValues", {"connectorId": 1, "transactionId": tx + 1000,
                                             "meterValue": []}],
                   at + timedelta(minutes=31), Direction.FROM_STATION, "MeterValues", *ids),
            _frame([2, "h1", "Heartbeat", {}], at + timedelta(minutes=32),
                   Direction.FROM_STATION, "Heartbeat", *ids),
            _frame([2, "r1", "RemoteStopTransaction", {"transactionId": tx}],
                   at + timedelta(minutes=89), Direction.TO_STATION, "RemoteStopTransaction",
                   *ids),
            _frame([3, "r1", {"status": "Accepted"}], at + timedelta(minutes=89),
                   Direction.FROM_STATION, None, *ids),
            _frame([2, "e1", "StopTransaction", {"transactionId": tx, "meterStop": 13500,
                                                 "timestamp": "x"}],
                   at + timedelta(minutes=90), Direction.FROM_STATION, "StopTransaction", *ids),
            _frame([3, "e1", {}], at + timedelta(minutes=90), Direction.TO_STATION,
                   "StopTransaction", *ids),
        ])
        db.session.add_all([
            Event(tenant_id=tenant.id, station_id=cp.id, kind="status", message="Charging",
                  occurred_at=START + timedelta(minutes=1)),
            Event(tenant_id=tenant.id, station_id=cp.id, kind="boot", message="Before",
                  occurred_at=START - timedelta(hours=1)),
            Event(tenant_id=tenant.id, station_id=cp.id, kind="status", message="After",
                  occurred_at=START + timedelta(hours=3)),
        ])
        db.session.flush()
        return session.id


def _admin(portal, world: World, role: Role = Role.ADMIN):
    client = portal(world.a)
    client.login(world.a.email(role))
    return client


def test_session_page_shows_every_field_in_the_company_zone(app, portal, world: World) -> None:
    session_id = session_scene(app, world)
    page = _admin(portal, world).get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "Times are in Europe/Brussels." in page
    session_rows = table_rows(page, "session")
    assert session_rows[:8] == [
        f"Session id | {session_id}", f"OCPP transactionId | {session_id}",
        "Start | 2026-01-15 09:00:00", "Stop | 2026-01-15 10:30:00", "Duration | 1:30:00",
        "Energy (kWh) | 3.500", "Meter start (Wh) | 10000", "Meter stop (Wh) | 13500"]
    assert session_rows[8] == "Server log date (start received) | 2026-01-15 09:00:02"
    assert table_rows(page, "context") == [
        "Station | CP-SITE1", "Outlet (connector) | 2", "Site | Site one", "Floor | Level -1",
        f"Tag | {world.a.driver_tag}", f"User | {world.a.email(Role.EV_USER)}",
        "Authentication | RFID tag", "Authorization at the start | Accepted",
        "Stop reason | EVDisconnected", f"Stopped with tag | {world.a.driver_tag}",
        "Review | —"]


def test_session_page_draws_energy_and_power_over_time(app, portal, world: World) -> None:
    session_id = session_scene(app, world)
    page = _admin(portal, world).get(f"/sessions/{session_id}").get_data(as_text=True)
    energy = page.split('id="energy-chart"')[1].split("</svg>")[0]
    # the start (0 kWh), 11,500 Wh and 12.9 kWh on the register: 1.5 and 2.9 kWh charged
    assert re.findall(r"<title>([^<]+)</title>", energy) == [
        "09:00: 0 kWh", "09:30: 1.5 kWh", "10:00: 2.9 kWh"]
    assert len(re.search(r'<polyline points="([^"]+)"', energy)[1].split()) == 3
    power = page.split('id="power-chart"')[1].split("</svg>")[0]
    assert re.findall(r"<title>([^<]+)</title>", power) == ["09:30: 7.2 kW", "10:00: 3.6 kW"]
    assert "style=" not in energy + power  # the Content-Security-Policy refuses inline style


def test_session_page_lists_its_transactions_frames_and_the_events_while_it_ran(
    app, portal, world: World
) -> None:
    session_id = session_scene(app, world)
    page = _admin(portal, world).get(f"/sessions/{session_id}").get_data(as_text=True)
    frames = [row.split(" | ")[1:4] for row in table_rows(page, "messages")]
    assert frames == [
        ["from station", "CALL", "StartTransaction"],
        ["to station", "CALLRESULT", "StartTransaction"],
        ["from station", "CALL", "MeterValues"], ["to station", "CALLRESULT", "MeterValues"],
        ["to station", "CALL", "RemoteStopTransaction"], ["from station", "CALLRESULT", "—"],
        ["from station", "CALL", "StopTransaction"],
        ["to station", "CALLRESULT", "StopTransaction"]]
    assert table_rows(page, "events") == ["2026-01-15 09:01:00 | status | Charging"]


def test_session_page_shows_signed_values_as_sent(app, portal, world: World) -> None:
    session_id = session_scene(app, world)
    page = _admin(portal, world).get(f"/sessions/{session_id}").get_data(as_text=True)
    rows = table_rows(page, "signed-values")
    assert rows == [f"2026-01-15 10:30:00 | Transaction.End | SignedData | {SIGNED}"]


def test_open_session_shows_the_energy_so_far(app, portal, world: World) -> None:
    session_id = session_scene(app, world)
    with company_scope(app, world.a):
        session = db.session.get(ChargingSession, session_id)
        session.stopped_at = session.meter_stop = session.energy_wh = None
    page = _admin(portal, world).get(f"/sessions/{session_id}").get_data(as_text=True)
    rows = table_rows(page, "session")
    assert "Stop | still charging" in rows and "Energy so far (kWh) | 2.900" in rows


def test_meter_values_export_as_csv_in_the_company_zone(app, portal, world: World) -> None:
    session_id = session_scene(app, world)
    response = _admin(portal, world).get(f"/sessions/{session_id}/meter-values.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["sampled_at", "measurand", "phase", "unit", "context", "location",
                       "format", "value"]
    assert rows[1] == ["2026-01-15T09:30:00+01:00", "Energy.Active.Import.Register", "", "Wh",
                       "Sample.Periodic", "Outlet", "Raw", "11500"]
    assert rows[-1] == ["2026-01-15T10:30:00+01:00", "Energy.Active.Import.Register", "", "Wh",
                        "Transaction.End", "Outlet", "SignedData", SIGNED]
    assert len(rows) == 6


def test_signed_values_export_for_the_transparency_software(app, portal, world: World) -> None:
    session_id = session_scene(app, world)
    response = _admin(portal, world).get(f"/sessions/{session_id}/signed-data.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    values = ElementTree.fromstring(response.get_data())
    assert values.tag == "values"
    (value,) = values
    assert value.attrib == {"transactionId": str(session_id), "context": "Transaction.End"}
    assert value.find("signedData").attrib == {"format": "OCMF", "encoding": "plain"}
    assert value.find("signedData").text == SIGNED
    # the key named for the session's connector (2), not the setting of when to send one
    assert value.find("publicKey").attrib == {"encoding": "hex"}
    assert value.find("publicKey").text == PUBLIC_KEY


def test_a_site_administrator_sees_no_other_sites_session(app, portal, world: World) -> None:
    session_id = session_scene(app, world)
    with company_scope(app, world.a):
        session = db.session.get(ChargingSession, session_id)
        session.station = station(world.a.station_site2)
    client = _admin(portal, world, Role.SITE_ADMIN)
    for path in ("", "/meter-values.csv", "/signed-data.xml"):
        assert client.get(f"/sessions/{session_id}{path}").status_code == 404
    assert _admin(portal, world, Role.SUPPORT).get(f"/sessions/{session_id}").status_code == 200


def test_another_companys_session_is_not_found(app, portal, world: World) -> None:
    session_id = session_scene(app, world)
    client = portal(world.b)
    client.login(world.b.email(Role.ADMIN))
    for path in ("", "/meter-values.csv", "/signed-data.xml"):
        assert client.get(f"/sessions/{session_id}{path}").status_code == 404
