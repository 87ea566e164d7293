"""The dashboard shows counts from the database, limited to what the viewer may see under the
navigator's node, in the widgets each user chose."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from ocpp.v16.enums import ChargePointStatus
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Alarm,
    AlarmKind,
    ChargingSession,
    Outlet,
    Role,
    Site,
    User,
)
from portal.models.base import utcnow
from portal.services import charging_sessions, dashboard
from portal.services.scope import SYSTEM, Node, NodeKind
from tests.factories import Company, World
from tests.scene import company_scope, counted_queries, station, table_rows

AMSTERDAM = "Europe/Amsterdam"


def _tile(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([\d.]+)<', html)
    assert match, f"no figure {element_id}"
    return match.group(1)


def _row(html: str, table_id: str, label: str) -> int:
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    match = re.search(rf"<th scope=\"row\">{re.escape(label)}</th><td[^>]*>(\d+)<", table)
    return int(match.group(1)) if match else 0


def _widgets_shown(html: str) -> list[str]:
    return re.findall(r'id="widget-([a-z-]+)"', html)


def _site_id(app: Flask, company: Company, name: str) -> int:
    with company_scope(app, company):
        return db.session.scalar(select(Site.id).where(Site.name == name))


def _session(charge_box_id: str, started_at: datetime, wh: int | None) -> None:
    """A session on the station's first outlet, stopped an hour later after wh (None: open)."""
    charger = station(charge_box_id)
    charging_sessions.number(ChargingSession(
        tenant_id=charger.tenant_id, station=charger, outlet=charger.outlets[0], id_tag="T1",
        started_at=started_at, meter_start=1000,
        stopped_at=None if wh is None else started_at + timedelta(hours=1),
        meter_stop=None if wh is None else 1000 + wh, energy_wh=wh))


def _set_scene(app: Flask, world: World) -> None:
    with company_scope(app, world.a):
        now = utcnow()
        site1, site2 = station(world.a.station_site1), station(world.a.station_site2)
        site1.last_heartbeat_at = site1.connected_at = now
        site2.last_heartbeat_at = now - timedelta(days=5)
        site2.connected_at = now
        for outlet in db.session.scalars(select(Outlet)):
            outlet.status = ChargePointStatus.available
        site2.outlets[0].status = ChargePointStatus.faulted
        db.session.add(Alarm(kind=AlarmKind.HARDWARE_FAILURE, station=site2,
                             outlet=site2.outlets[0], node=site2.charge_box_id))
        db.session.add(Alarm(kind=AlarmKind.NOT_REGISTERED, node="CP-UNKNOWN"))  # the company's
        _session(world.a.station_site1, now - timedelta(minutes=5), None)
        _session(world.a.station_site2, now - timedelta(minutes=1), None)


def _client(portal, company: Company, role: Role = Role.ADMIN):
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def test_admin_sees_counts_of_the_whole_company(app, portal, world: World) -> None:
    _set_scene(app, world)
    html = _client(portal, world.a).get("/dashboard").get_data(as_text=True)
    assert _tile(html, "count-stations") == "4"
    assert _tile(html, "count-active-alarms") == "2"
    assert table_rows(html, "alarms-by-kind") == ["Hardware failure | critical | 1",
                                                  "Station not registered | warning | 1"]
    # the two online stations' outlets by status; the others' outlets are offline
    assert table_rows(html, "outlets-by-status") == ["Available | 3", "Faulted | 1",
                                                     "Offline | 1"]
    assert _tile(html, "count-active-sessions") == "2"
    assert table_rows(html, "recent-sessions")[0].startswith(f"{world.a.station_site2} | 1 | T1")
    assert _row(html, "heartbeats", "Today") == 1
    assert _row(html, "heartbeats", "Earlier") == 1
    assert _row(html, "heartbeats", "Never") == 2


def test_site_admin_sees_only_its_site(app, portal, world: World) -> None:
    _set_scene(app, world)
    html = _client(portal, world.a, Role.SITE_ADMIN).get("/dashboard").get_data(as_text=True)
    assert _tile(html, "count-stations") == "3"  # site one: its station, the shared one, own one
    assert _tile(html, "count-active-alarms") == "0"  # site two's, and the company's
    assert table_rows(html, "alarms-by-kind") == ["No active alarms."]
    assert _row(html, "outlets-by-status", "Faulted") == 0
    assert _tile(html, "count-active-sessions") == "1"


def test_a_site_node_counts_only_that_site(app, portal, world: World) -> None:
    _set_scene(app, world)
    site2 = _site_id(app, world.a, "Site two")
    html = _client(portal, world.a).get(f"/dashboard?node=site:{site2}").get_data(as_text=True)
    assert _tile(html, "count-stations") == "1"
    assert table_rows(html, "alarms-by-kind") == ["Hardware failure | critical | 1"]
    assert table_rows(html, "outlets-by-status") == ["Available | 1", "Faulted | 1"]
    assert _tile(html, "count-active-sessions") == "1"
    assert f"node=site:{site2}" in html.split('id="customise"')[1].split(">")[0]


def test_a_node_out_of_reach_answers_404(app, portal, world: World) -> None:
    foreign = _site_id(app, world.b, "Site one")
    site2 = _site_id(app, world.a, "Site two")
    assert _client(portal, world.a).get(f"/dashboard?node=site:{foreign}").status_code == 404
    site_admin = _client(portal, world.a, Role.SITE_ADMIN)
    assert site_admin.get(f"/dashboard?node=site:{site2}").status_code == 404
    assert site_admin.get("/dashboard?node=bogus:1").status_code == 404


def _energy_scene(app: Flask, world: World) -> None:
    """Sessions around Amsterdam's midnights of 31 March 2026 (summer time since the 29th)."""
    with company_scope(app, world.a) as tenant:
        tenant.time_zone = AMSTERDAM
        site1, site2 = world.a.station_site1, world.a.station_site2
        _session(site1, datetime(2026, 3, 30, 22, 30, tzinfo=UTC), 5000)  # 31st 00:30 local
        _session(site2, datetime(2026, 3, 30, 21, 30, tzinfo=UTC), 3000)  # 30th 23:30 local
        _session(site1, datetime(2026, 2, 28, 23, 30, tzinfo=UTC), 2000)  # 1 March 00:30 local
        _session(site1, datetime(2026, 2, 28, 22, 30, tzinfo=UTC), 7000)  # 28 Feb 23:30 local
        _session(site1, datetime(2026, 3, 31, 8, 0, tzinfo=UTC), None)  # open: not counted yet


def _energy(app: Flask, world: World, node: Node) -> dashboard.Energy:
    with company_scope(app, world.a) as tenant:
        admin = db.session.scalar(select(User).where(User.email == world.a.email(Role.ADMIN)))
        return dashboard.summary(tenant, admin, node,
                                 datetime(2026, 3, 31, 10, 0, tzinfo=UTC)).energy


def test_energy_counts_sessions_by_their_start_in_the_company_time_zone(
        app, world: World) -> None:
    _energy_scene(app, world)
    energy = _energy(app, world, SYSTEM)
    assert (energy.today_kwh, energy.month_kwh) == (5.0, 10.0)
    assert len(energy.days) == 30
    assert energy.days[0] == (datetime(2026, 3, 2).date(), 0.0)
    assert energy.days[-2:] == [(datetime(2026, 3, 30).date(), 3.0),
                                (datetime(2026, 3, 31).date(), 5.0)]
    site2 = _energy(app, world, Node(NodeKind.SITE, _site_id(app, world.a, "Site two")))
    assert (site2.today_kwh, site2.month_kwh) == (0.0, 3.0)


def test_energy_widgets_and_chart_show_today_on_the_page(app, portal, world: World) -> None:
    with company_scope(app, world.a) as tenant:
        tenant.time_zone = AMSTERDAM
        zone = ZoneInfo(AMSTERDAM)
        midnight = datetime.combine(utcnow().astimezone(zone).date(), datetime.min.time(),
                                    tzinfo=zone)
        _session(world.a.station_site1, midnight + timedelta(seconds=1), 12_500)
        _session(world.a.station_site1, midnight - timedelta(seconds=1), 4_000)  # yesterday
        node = f"station:{station(world.a.station_site1).id}"  # not the world's other sessions
    html = _client(portal, world.a).get(f"/dashboard?node={node}").get_data(as_text=True)
    assert _tile(html, "energy-today") == "12.5"
    chart = html.split('<svg id="energy-chart"')[1].split("</svg>")[0]
    titles = re.findall(r'<rect class="bar"[^>]*><title>([^<]+)</title>', chart)
    assert len(titles) == 30
    assert titles[-1] == f"{midnight:%m-%d}: 12.5 kWh"
    assert titles[-2].endswith(": 4 kWh")
    assert "style=" not in chart  # the Content-Security-Policy refuses inline styles


def _stored_widgets(app: Flask, company: Company) -> list[str] | None:
    with company_scope(app, company):
        return db.session.scalar(select(User.dashboard_widgets).where(
            User.email == company.email(Role.ADMIN)))


def test_each_user_chooses_and_orders_their_widgets(app, portal, world: World) -> None:
    client = _client(portal, world.a)
    response = client.post("/dashboard/widgets", {
        "widgets": ["energy", "alarms", "energy-chart"], "position_energy": "2",
        "position_alarms": "1", "position_energy_chart": "3", "position_outlets": "4",
        "save": "Save"}, csrf_from="/dashboard/widgets")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert _stored_widgets(app, world.a) == ["alarms", "energy",
                                                               "energy-chart"]
    html = client.get("/dashboard").get_data(as_text=True)
    assert _widgets_shown(html) == ["alarms", "energy", "energy-chart"]
    # the form shows the choice back: the shown widgets first, ticked, in their order
    form = client.get("/dashboard/widgets").get_data(as_text=True)
    assert re.findall(r'<label for="show-([a-z-]+)"', form)[:3] == [
        "alarms", "energy", "energy-chart"]
    assert 'value="alarms" id="show-alarms" checked' in form
    assert 'value="outlets" id="show-outlets">' in form
    # another user's dashboard is untouched
    other = _client(portal, world.a, Role.SUPPORT).get("/dashboard").get_data(as_text=True)
    assert _widgets_shown(other) == [widget.value for widget in dashboard.Widget]


def test_reset_goes_back_to_the_default_widgets(app, portal, world: World) -> None:
    client = _client(portal, world.a)
    client.post("/dashboard/widgets", {"widgets": ["alarms"], "save": "Save"},
                csrf_from="/dashboard/widgets")
    response = client.post("/dashboard/widgets", {"widgets": ["alarms"], "reset": "Reset"},
                           csrf_from="/dashboard/widgets")
    assert response.status_code == 302
    assert _stored_widgets(app, world.a) is None
    html = client.get("/dashboard").get_data(as_text=True)
    assert _widgets_shown(html) == [widget.value for widget in dashboard.Widget]


def test_no_widget_at_all_leaves_a_way_back(app, portal, world: World) -> None:
    client = _client(portal, world.a)
    client.post("/dashboard/widgets", {"save": "Save"}, csrf_from="/dashboard/widgets")
    html = client.get("/dashboard").get_data(as_text=True)
    assert _widgets_shown(html) == [] and 'id="no-widgets"' in html


def test_bad_widget_choices_are_refused_and_store_nothing(app, portal, world: World) -> None:
    client = _client(portal, world.a)
    cases = [
        ({"widgets": ["energy", "weather"]}, "There is no widget &#39;weather&#39;."),
        ({"widgets": ["energy", "energy"]}, "The widget &#39;energy&#39; is chosen twice."),
        ({"widgets": ["energy"], "position_energy": "first"}, "Not a valid integer value."),
        ({"widgets": ["energy"], "position_energy": "0"}, "Number must be between 1 and 99."),
        ({"widgets": ["ene\x00rgy"]}, "NUL"),
    ]
    for data, message in cases:
        response = client.post("/dashboard/widgets", {**data, "save": "Save"},
                               csrf_from="/dashboard/widgets")
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert _stored_widgets(app, world.a) is None


def test_dashboard_query_count_does_not_grow_with_data(app, portal, world: World) -> None:
    _set_scene(app, world)
    client = _client(portal, world.a)
    site1 = _site_id(app, world.a, "Site one")
    for url in ("/dashboard", f"/dashboard?node=site:{site1}"):
        with counted_queries(app) as statements:
            assert client.get(url).status_code == 200
        # user session, user, tenant; the node (when named); one query per figure; and
        # the navigator's 7 (its tree, its colours)
        assert len(statements) == (17 if "node" in url else 16), "\n".join(statements)


def test_a_widget_that_no_longer_exists_is_skipped(app, portal, world: World) -> None:
    with company_scope(app, world.a):
        admin = db.session.scalar(select(User).where(User.email == world.a.email(Role.ADMIN)))
        admin.dashboard_widgets = ["retired-widget", "alarms"]
    html = _client(portal, world.a).get("/dashboard").get_data(as_text=True)
    assert _widgets_shown(html) == ["alarms"]
