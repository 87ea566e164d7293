"""The operations history and result pages: what was sent, by whom, and what came back;
filtered, and limited to the stations each role may see."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import Command, CommandOutcome, Role, Station, Tenant, User
from portal.models.base import utcnow
from tenants.scoping import tenant_scope
from tests.factories import Company, World

OPERATION = str(uuid.uuid4())


def _record(app: Flask, company: Company) -> None:
    """Three commands: a Reset on each site's station (one operation), a ClearCache."""
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            admin = db.session.scalar(select(User).where(User.email == company.email(Role.ADMIN)))
            by_id = {station.charge_box_id: station
                     for station in db.session.scalars(select(Station))}
            now = utcnow()
            for charge_box_id, action, outcome, response, ago in (
                (company.station_site1, "Reset", CommandOutcome.ANSWERED,
                 {"status": "Accepted"}, 3),
                (company.station_site2, "Reset", CommandOutcome.OFFLINE, None, 3),
                (company.station_site1, "ClearCache", CommandOutcome.TIMED_OUT, None, 30),
            ):
                station = by_id[charge_box_id]
                db.session.add(Command(
                    station_id=station.id, charge_box_id=charge_box_id, action=action,
                    payload={"type": "Soft"} if action == "Reset" else {},
                    user_id=admin.id, outcome=outcome, response=response,
                    issued_at=now - timedelta(days=ago), answered_at=now,
                    operation_id=OPERATION if action == "Reset" else None))
            db.session.commit()


def _rows(html: str) -> int:
    body = html.split('id="history"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr>")


def test_history_lists_and_filters_what_was_sent(app: Flask, world: World, portal) -> None:
    _record(app, world.a)
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    page = client.get("/operations/history").get_data(as_text=True)
    assert _rows(page) == 3
    assert "Accepted" in page and "Station offline" in page and "No answer in time" in page
    assert world.a.email(Role.ADMIN) in page and '{"type": "Soft"}' in page
    by = {
        f"charge_box_id={world.a.station_site2}": 1,
        "action=ClearCache": 1,
        "outcome=timed+out": 1,
        "outcome=answered": 1,
        "action=Reset&outcome=answered": 1,
        "since=" + (utcnow() - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"): 2,
        "until=" + (utcnow() - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"): 1,
        "action=GetConfiguration": 0,
    }
    for query, expected in by.items():
        found = client.get(f"/operations/history?{query}").get_data(as_text=True)
        assert _rows(found) == max(expected, 1), query  # "no operations" is a row too
        if expected == 0:
            assert "No operations match these filters." in found


def test_history_filters_by_who_sent(app: Flask, world: World, portal) -> None:
    _record(app, world.a)
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    page = client.get("/operations/history").get_data(as_text=True)
    admin_id = re.search(r'<option value="(\d+)">' + re.escape(world.a.email(Role.ADMIN)),
                         page).group(1)
    assert _rows(client.get(f"/operations/history?user={admin_id}").get_data(as_text=True)) == 3
    assert client.get("/operations/history?user=not-a-number").status_code == 200


def test_a_site_administrator_sees_only_its_sites_commands(app: Flask, world: World,
                                                          portal) -> None:
    _record(app, world.a)
    client = portal(world.a)
    client.login(world.a.email(Role.SITE_ADMIN))
    page = client.get("/operations/history").get_data(as_text=True)
    assert _rows(page) == 2 and world.a.station_site2 not in page
    result = client.get(f"/operations/{OPERATION}").get_data(as_text=True)
    assert world.a.station_site1 in result and world.a.station_site2 not in result


def test_the_result_page_shows_each_station_and_is_not_another_companys(
    app: Flask, world: World, portal
) -> None:
    _record(app, world.a)
    client = portal(world.a)
    client.login(world.a.email(Role.SUPPORT))
    page = client.get(f"/operations/{OPERATION}").get_data(as_text=True)
    assert "on 2 stations" in page and 'data-waiting="0"' in page
    assert world.a.station_site1 in page and world.a.station_site2 in page
    foreign = portal(world.b)
    foreign.login(world.b.email(Role.ADMIN))
    assert foreign.get(f"/operations/{OPERATION}").status_code == 404
    assert foreign.get(f"/operations/{OPERATION}/rows").status_code == 404
    assert _rows(foreign.get("/operations/history").get_data(as_text=True)) == 1  # none
