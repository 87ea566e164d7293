"""What each role sees on the pages that exist: only its own company, site and sessions."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask, abort

from portal import create_app
from portal.extensions import db
from portal.models import ChargingSession, Role
from portal.models.base import utcnow
from portal.services import charging_sessions, stations, tags
from tests.factories import Company, World
from tests.scene import company_scope, table_rows


def test_site_admin_lists_only_stations_of_its_site(portal, world: World) -> None:
    client = portal(world.a)
    client.login(world.a.email(Role.SITE_ADMIN))
    html = client.get("/stations").get_data(as_text=True)
    assert world.a.station_site1 in html and world.a.own_station in html
    assert world.a.station_site2 not in html
    assert world.b.own_station not in html


def test_shared_charge_box_id_shows_each_company_its_own_station(portal, world: World) -> None:
    for company in (world.a, world.b):
        client = portal(company)
        client.login(company.email(Role.ADMIN))
        html = client.get(f"/stations/{company.shared_station}").get_data(as_text=True)
        assert company.shared_station_name in html
        other = world.b if company is world.a else world.a
        assert other.shared_station_name not in html


def test_ev_user_sees_only_own_sessions(portal, world: World) -> None:
    client = portal(world.a)
    client.login(world.a.email(Role.EV_USER))
    html = client.get("/my/sessions").get_data(as_text=True)
    assert world.a.driver_tag in html
    assert "7.500" in html  # 8500 - 1000 Wh
    assert "RFID tag" in html  # how it started
    assert world.b.driver_tag not in html


def _add_driver_sessions(app: Flask, company: Company, count: int, days_ago: int) -> None:
    """`count` more sessions of the company's driver tag, a day apart, the first `days_ago`."""
    with company_scope(app, company):
        station, tag = stations.find(company.station_site1), tags.find(company.driver_tag)
        for day in range(days_ago, days_ago + count):
            started = utcnow() - timedelta(days=day)
            charging_sessions.number(ChargingSession(
                tenant_id=station.tenant_id, station=station, outlet=station.outlets[0],
                id_tag=tag.id_tag, tag=tag, user=tag.owner, started_at=started,
                stopped_at=started + timedelta(hours=1), meter_start=0, meter_stop=1000))


def _pager_links(page: str) -> list[tuple[str, str]]:
    if 'id="pager"' not in page:
        return []
    nav = page.split('id="pager"')[1].split("</nav>")[0]
    return re.findall(r'<a class="page-link" href="([^"]+)">([^<]+)</a>', nav)


def test_ev_user_pages_through_own_sessions_fifty_at_a_time(app: Flask, portal,
                                                             world: World) -> None:
    client = portal(world.a)
    client.login(world.a.email(Role.EV_USER))
    _add_driver_sessions(app, world.a, 49, days_ago=1)  # 50 with the world's
    fifty = client.get("/my/sessions").get_data(as_text=True)
    assert len(table_rows(fifty, "sessions")) == 50
    assert _pager_links(fifty) == []  # no Older link to an empty page
    _add_driver_sessions(app, world.a, 1, days_ago=60)
    first = client.get("/my/sessions").get_data(as_text=True)
    assert len(table_rows(first, "sessions")) == 50
    assert _pager_links(first) == [("?page=2", "Older")]
    second = client.get("/my/sessions?page=2").get_data(as_text=True)
    assert len(table_rows(second, "sessions")) == 1
    assert _pager_links(second) == [("?page=1", "Newer")]


def test_menu_shows_each_role_its_entries(portal, world: World) -> None:
    expectations = {
        Role.ADMIN: ({"Dashboard", "Stations", "Connectors", "Tags", "API tokens"},
                     {"My sessions"}),
        Role.SUPPORT: ({"Dashboard", "Stations", "Operations"}, {"Tags", "API tokens"}),
        Role.EV_USER: ({"My sessions"}, {"Dashboard", "Stations", "Tags"}),
    }
    for role, (shown, hidden) in expectations.items():
        client = portal(world.a)
        client.login(world.a.email(role))
        nav = client.get("/account/password").get_data(as_text=True).split("</nav>")[0]
        for label in shown:
            assert f">{label}<" in nav, (role, label)
        for label in hidden:
            assert f">{label}<" not in nav, (role, label)
        assert "disabled" not in nav  # pages that do not exist yet have no entry at all


@pytest.fixture
def failing_app(database_url: str, app: Flask) -> Iterator[Flask]:
    broken = create_app({"DATABASE_URL": database_url, "SQLALCHEMY_DATABASE_URI": database_url,
                         "SECRET_KEY": "test-secret-key"})

    @broken.get("/boom")
    @broken.get("/api/v1/boom")
    def boom() -> str:
        raise RuntimeError("a bug")

    @broken.get("/forbidden")
    def forbidden() -> str:
        abort(403)

    yield broken
    with broken.app_context():
        db.engine.dispose()


def test_unexpected_error_is_logged_and_shown_as_a_500_page(
    failing_app: Flask, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    client = failing_app.test_client()
    base = f"http://{world.a.slug}.localhost"
    with caplog.at_level(logging.ERROR):
        page = client.get("/boom", base_url=base)
    assert page.status_code == 500
    assert "Something went wrong" in page.get_data(as_text=True)
    assert "a bug" not in page.get_data(as_text=True)
    assert "RuntimeError: a bug" in caplog.text
    api = client.get("/api/v1/boom", base_url=base)
    assert api.status_code == 500
    assert api.json["error"] == "internal_error"  # tests/api/test_api_errors.py: the body
    assert client.get("/forbidden", base_url=base).status_code == 403


def test_the_menu_marks_the_section_a_page_belongs_to(portal, world: World) -> None:
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    for path, group, entry in (
            ("/charging-profiles", "Operations", "Operations"),
            ("/firmware", "Operations", "Operations"),
            ("/operations/history", "Operations", "Operations"),
            ("/reservations", "Operations", "Reservations"),
            ("/connectors", "Stations", "Connectors"),
            (f"/stations/{world.a.station_site1}/configuration", "Stations", "Stations"),
            (f"/stations/{world.a.station_site1}/control", "Stations", "Stations")):
        nav = client.get(path).get_data(as_text=True).split("</nav>")[0]
        active_groups = re.findall(r'class="nav-link dropdown-toggle active"[^>]*>([^<]+)<', nav)
        active_entries = re.findall(r'class="dropdown-item active"[^>]*>([^<]+)<', nav)
        assert (active_groups, active_entries) == ([group], [entry]), path
