"""One station's page and its message log, as staff read them."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

from ocpp.v16.enums import ChargePointStatus, RegistrationStatus
from sqlalchemy import select

from portal.extensions import db
from portal.models import Direction, Event, OcppMessage, Role
from tests.factories import World
from tests.scene import company_scope, station, table_rows

CONNECTED = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)  # 09:00 in Brussels


def _login(portal, world: World, role: Role = Role.ADMIN):
    client = portal(world.a)
    client.login(world.a.email(role))
    return client


def _boot(app, world: World) -> None:
    with company_scope(app, world.a) as tenant:
        tenant.time_zone = "Europe/Brussels"
        booted = station(world.a.station_site1)
        booted.connected_at = booted.last_boot_at = CONNECTED
        booted.last_seen_at = CONNECTED + timedelta(minutes=5, seconds=7)
        booted.vendor, booted.model = "Alfen", "Eve Single"
        booted.charge_point_serial_number, booted.charge_box_serial_number = "CP-123", "CB-456"
        booted.firmware_version, booted.iccid, booted.imsi = "4.12.0", "8931000", "2040400"
        booted.meter_type, booted.meter_serial_number = "DZG", "M-789"
        booted.firmware_status, booted.firmware_status_at = "Installing", CONNECTED
        booted.diagnostics_status = "Uploaded"
        booted.status = ChargePointStatus.unavailable


def test_station_page_shows_connection_boot_data_and_update_states(
    app, portal, world: World
) -> None:
    _boot(app, world)
    page = _login(portal, world).get(f"/stations/{world.a.station_site1}").get_data(as_text=True)
    assert table_rows(page, "connection")[:3] == [
        "Connection | Online", "Connected since | 2026-01-15 09:00:00",
        "Last seen | 2026-01-15 09:05:07"]
    assert "Registration | Accepted" in table_rows(page, "connection")
    assert table_rows(page, "boot-data") == [
        "Vendor | Alfen", "Model | Eve Single", "Charge point serial number | CP-123",
        "Charge box serial number | CB-456", "Firmware version | 4.12.0", "ICCID | 8931000",
        "IMSI | 2040400", "Meter type | DZG", "Meter serial number | M-789"]
    assert table_rows(page, "firmware-diagnostics") == [
        "Firmware update | Installing", "Reported | 2026-01-15 09:00:00",
        "Diagnostics upload | Uploaded", "Reported | —"]
    assert [row.split(" | ")[:2] for row in table_rows(page, "outlets")] == [
        ["0 (station)", "Unavailable"], ["1", "Unknown"], ["2", "Unknown"]]


def test_station_page_shows_its_latest_events_newest_first(app, portal, world: World) -> None:
    with company_scope(app, world.a):
        own, other = station(world.a.station_site1), station(world.a.station_site2)
        db.session.add_all(
            Event(station_id=own.id, kind="status", message=f"event {number}",
                  occurred_at=CONNECTED + timedelta(minutes=number))
            for number in range(25)
        )
        db.session.add(Event(station_id=other.id, kind="boot", message="elsewhere"))
    page = _login(portal, world).get(f"/stations/{world.a.station_site1}").get_data(as_text=True)
    rows = table_rows(page, "events")
    assert len(rows) == 20
    assert rows[0] == "2026-01-15 08:24:00 | status | event 24"
    assert rows[-1].endswith("event 5")
    assert "elsewhere" not in page


def _log(app, world: World) -> None:
    """A boot, three heartbeats an hour apart and an error, as the endpoint logs them."""
    frames = [
        (Direction.FROM_STATION, 2, "1", "BootNotification",
         [2, "1", "BootNotification", {"chargePointVendor": "Alfen", "chargePointModel": "Eve"}]),
        (Direction.TO_STATION, 3, "1", "BootNotification",
         [3, "1", {"status": "Accepted", "currentTime": "2026-01-15T08:00:00Z", "interval": 60}]),
        (Direction.FROM_STATION, 2, "2", "Heartbeat", [2, "2", "Heartbeat", {}]),
        (Direction.FROM_STATION, 2, "3", "Heartbeat", [2, "3", "Heartbeat", {}]),
        (Direction.FROM_STATION, 2, "4", "Heartbeat", [2, "4", "Heartbeat", {}]),
        (Direction.TO_STATION, 4, "5", None,
         [4, "5", "FormationViolation", "Payload is not an object", {}]),
    ]
    times = [CONNECTED, CONNECTED, CONNECTED + timedelta(hours=1),
             CONNECTED + timedelta(hours=2), CONNECTED + timedelta(hours=3),
             CONNECTED + timedelta(hours=3, minutes=1)]
    with company_scope(app, world.a) as tenant:
        tenant.time_zone = "Europe/Brussels"
        logged = station(world.a.station_site1)
        db.session.add_all(
            OcppMessage(station_id=logged.id, charge_box_id=logged.charge_box_id,
                        direction=direction, message_type=kind, unique_id=unique_id,
                        action=action, frame=json.dumps(frame), logged_at=at)
            for (direction, kind, unique_id, action, frame), at in zip(frames, times, strict=True)
        )
        db.session.add(OcppMessage(
            station_id=station(world.a.station_site2).id, charge_box_id=world.a.station_site2,
            direction=Direction.FROM_STATION, message_type=2, unique_id="x", action="Heartbeat",
            frame='[2, "x", "Heartbeat", {"other": "station"}]', logged_at=CONNECTED))


def _messages(client, world: World, query: str = "") -> list[str]:
    page = client.get(f"/stations/{world.a.station_site1}/messages?{query}")
    assert page.status_code == 200
    return table_rows(page.get_data(as_text=True), "messages")


def test_message_log_lists_frames_newest_first_with_readable_payloads(
    app, portal, world: World
) -> None:
    _log(app, world)
    client = _login(portal, world)
    rows = _messages(client, world)
    assert [row.split(" | ")[:5] for row in rows] == [
        ["2026-01-15 12:01:00", "⇢ to station", "CALLERROR", "—", "5"],
        ["2026-01-15 12:00:00", "⇠ from station", "CALL", "Heartbeat", "4"],
        ["2026-01-15 11:00:00", "⇠ from station", "CALL", "Heartbeat", "3"],
        ["2026-01-15 10:00:00", "⇠ from station", "CALL", "Heartbeat", "2"],
        ["2026-01-15 09:00:00", "⇢ to station", "CALLRESULT", "BootNotification", "1"],
        ["2026-01-15 09:00:00", "⇠ from station", "CALL", "BootNotification", "1"],
    ]
    html = client.get(f"/stations/{world.a.station_site1}/messages").get_data(as_text=True)
    assert ('">{\n'
            '  &#34;chargePointVendor&#34;: &#34;Alfen&#34;,\n'
            '  &#34;chargePointModel&#34;: &#34;Eve&#34;\n}</pre>') in html
    assert "&#34;errorCode&#34;: &#34;FormationViolation&#34;" in html
    assert "&#34;other&#34;" not in html  # the other station's frame


def test_message_log_filters_by_direction_action_and_local_time(
    app, portal, world: World
) -> None:
    _log(app, world)
    client = _login(portal, world)

    def ids(query: str) -> list[str]:
        return [row.split(" | ")[4] for row in _messages(client, world, query)]

    assert ids("direction=out") == ["5", "1"]
    assert ids("direction=in&action=BootNotification") == ["1"]
    assert ids("action=Heartbeat") == ["4", "3", "2"]
    # Brussels time: 10:00 to 11:00 local is 09:00 to 10:00 UTC, both ends included.
    assert ids("since=2026-01-15T10:00&until=2026-01-15T11:00") == ["3", "2"]
    assert ids("since=2026-01-15T11:30:00") == ["5", "4"]
    assert _messages(client, world, "action=Authorize") == ["No message matches these filters."]
    html = client.get(f"/stations/{world.a.station_site1}/messages?direction=out"
                      "&since=2026-01-15T10:00").get_data(as_text=True)
    assert '<option selected value="out">To the station</option>' in html
    assert 'name="since" step="1" type="datetime-local" value="2026-01-15T10:00"' in html


def test_message_log_comes_in_pages(app, portal, world: World) -> None:
    with company_scope(app, world.a):
        logged = station(world.a.station_site1)
        db.session.add_all(
            OcppMessage(station_id=logged.id, charge_box_id=logged.charge_box_id,
                        direction=Direction.FROM_STATION, message_type=2,
                        unique_id=str(number), action="Heartbeat",
                        frame=f'[2, "{number}", "Heartbeat", {{}}]',
                        logged_at=CONNECTED + timedelta(seconds=number))
            for number in range(130)
        )
    client = _login(portal, world)
    first = client.get(f"/stations/{world.a.station_site1}/messages?action=Heartbeat")
    rows = table_rows(first.get_data(as_text=True), "messages")
    assert len(rows) == 100 and rows[0].split(" | ")[4] == "129"
    older = re.search(r'rel="next" href="([^"]+)"', first.get_data(as_text=True))[1]
    assert "action=Heartbeat" in older  # the filters stay
    second = client.get(html.unescape(older)).get_data(as_text=True)
    assert [row.split(" | ")[4] for row in table_rows(second, "messages")] == [
        str(n) for n in range(29, -1, -1)]
    assert 'rel="next"' not in second  # the oldest frames
    # A query argument named like the path's own gives way to it in the page links.
    odd = client.get(f"/stations/{world.a.station_site1}/messages?charge_box_id=elsewhere")
    assert f'href="/stations/{world.a.station_site1}/messages?before=' in odd.get_data(
        as_text=True)


def test_site_admin_reads_logs_of_its_site_only(app, portal, world: World) -> None:
    _log(app, world)
    client = _login(portal, world, Role.SITE_ADMIN)
    assert len(_messages(client, world)) == 6
    assert client.get(f"/stations/{world.a.station_site2}/messages").status_code == 404
    assert client.get(f"/stations/{world.a.station_site2}").status_code == 404


def test_another_company_cannot_read_the_log_of_a_shared_charge_box_id(
    app, portal, world: World
) -> None:
    with company_scope(app, world.a):
        shared = station(world.a.shared_station)
        db.session.add(OcppMessage(
            station_id=shared.id, charge_box_id=shared.charge_box_id,
            direction=Direction.FROM_STATION, message_type=2, unique_id="secret-of-a",
            action="Authorize", frame='[2, "secret-of-a", "Authorize", {"idTag": "A-TAG"}]'))
    client = portal(world.b)
    client.login(world.b.email(Role.ADMIN))
    page = client.get(f"/stations/{world.b.shared_station}/messages").get_data(as_text=True)
    assert "secret-of-a" not in page and "A-TAG" not in page
    assert client.get(f"/stations/{world.a.own_station}/messages").status_code == 404


def test_admin_accepts_a_pending_station_and_the_change_is_logged(app, portal,
                                                                 world: World) -> None:
    with company_scope(app, world.a):
        station(world.a.station_site1).registration_status = RegistrationStatus.pending
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    page = f"/stations/{world.a.station_site1}"
    assert "Change registration" in client.get(page).get_data(as_text=True)
    response = client.post(f"{page}/registration", {"status": "Accepted"}, csrf_from=page)
    assert response.status_code == 302
    assert f"{world.a.station_site1} is now Accepted." in client.get(page).get_data(as_text=True)
    refused = client.post(f"{page}/registration", {"status": "Approved"}, csrf_from=page)
    assert refused.status_code == 400
    with company_scope(app, world.a):
        assert station(world.a.station_site1).registration_status is RegistrationStatus.accepted
        assert db.session.scalar(select(Event.message).where(Event.kind == "registration")) == (
            "Registration Pending -> Accepted.")


def test_support_sees_no_registration_form(portal, world: World) -> None:
    client = _login(portal, world, Role.SUPPORT)
    html = client.get(f"/stations/{world.a.station_site1}").get_data(as_text=True)
    assert "Change registration" not in html
