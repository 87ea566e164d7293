"""The dashboard shows counts from the database, limited to what the viewer may see."""

from __future__ import annotations

import re
from datetime import timedelta

from ocpp.v16.enums import ChargePointStatus
from sqlalchemy import select

from portal.extensions import db
from portal.models import Alarm, AlarmKind, Outlet, Role, Station, Tenant
from portal.models.base import utcnow
from tenants.scoping import tenant_scope
from tests.factories import World
from tests.scene import counted_queries, table_rows


def _tile(html: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}">(\d+)<', html)
    assert match, f"no tile {element_id}"
    return int(match.group(1))


def _row(html: str, table_id: str, label: str) -> int:
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    match = re.search(rf"<th scope=\"row\">{re.escape(label)}</th><td[^>]*>(\d+)<", table)
    return int(match.group(1)) if match else 0


def _set_scene(app, world: World) -> None:
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        now = utcnow()
        site1 = db.session.scalar(select(Station).where(
            Station.charge_box_id == world.a.station_site1))
        site2 = db.session.scalar(select(Station).where(
            Station.charge_box_id == world.a.station_site2))
        site1.last_heartbeat_at = now
        site2.last_heartbeat_at = now - timedelta(days=5)
        for outlet in db.session.scalars(select(Outlet)):
            outlet.status = ChargePointStatus.available
        site2.outlets[0].status = ChargePointStatus.faulted
        db.session.add(Alarm(kind=AlarmKind.HARDWARE_FAILURE, station=site2,
                             outlet=site2.outlets[0], node=site2.charge_box_id))
        db.session.commit()


def test_admin_sees_counts_of_the_whole_company(app, portal, world: World) -> None:
    _set_scene(app, world)
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    html = client.get("/dashboard").get_data(as_text=True)
    assert _tile(html, "count-stations") == 4
    assert _tile(html, "count-tags") == 1
    assert _tile(html, "count-active-alarms") == 1
    assert table_rows(html, "alarms-by-kind") == ["Hardware failure | critical | 1"]
    assert _row(html, "outlets-by-status", "Available") == 4
    assert _row(html, "outlets-by-status", "Faulted") == 1
    assert _row(html, "heartbeats", "Today") == 1
    assert _row(html, "heartbeats", "Earlier") == 1
    assert _row(html, "heartbeats", "Never") == 2


def test_site_admin_sees_only_its_site(app, portal, world: World) -> None:
    _set_scene(app, world)
    client = portal(world.a)
    client.login(world.a.email(Role.SITE_ADMIN))
    html = client.get("/dashboard").get_data(as_text=True)
    assert _tile(html, "count-stations") == 3  # site one: its station, the shared one, own one
    assert _tile(html, "count-active-alarms") == 0  # the alarm is on site two
    assert table_rows(html, "alarms-by-kind") == ["No active alarms."]
    assert _row(html, "outlets-by-status", "Faulted") == 0


def test_dashboard_query_count_does_not_grow_with_data(app, portal, world: World) -> None:
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    with counted_queries(app) as statements:
        assert client.get("/dashboard").status_code == 200
    # tenant, user, then one query per figure group; and the navigator's 7 (its tree, colours)
    assert len(statements) <= 8 + 7, "\n".join(statements)
