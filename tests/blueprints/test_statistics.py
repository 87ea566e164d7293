"""The Statistics page: each chart drawn from the figures, the navigator's node and a site
administrator's site limiting them, a node out of reach 404, a bad range 400 with its message
next to its field, and each chart's CSV holding the figures the page shows."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from flask import Flask

from portal.models import Role
from portal.services import stations
from tests.factories import Company, World
from tests.portal_client import PortalClient
from tests.scene import company_scope, counted_queries, table_rows
from tests.statistics_scene import STATS_STATION, StatisticsScene, build

DST_DAYS = "first=2026-03-28&last=2026-03-30&bucket=day"
HISTORY_DAY = "first=2026-03-10&last=2026-03-10&bucket=day"


@pytest.fixture
def scene(app: Flask, world: World) -> StatisticsScene:
    return build(app, world.a)


def _client(portal: Any, company: Company, role: Role = Role.ADMIN) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def _page(client: PortalClient, query: str, status: int = 200) -> str:
    response = client.get(f"/statistics?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def _bar_titles(page: str, chart: str) -> list[str]:
    svg = page.split(f'id="{chart}"')[1].split("</svg>")[0]
    return re.findall(r"<title>([^<]*)</title>", svg)


def _csv(client: PortalClient, chart: str, query: str) -> list[list[str]]:
    response = client.get(f"/statistics/{chart}.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_page_draws_energy_and_sessions_per_local_day(scene, world, portal) -> None:
    page = _page(_client(portal, world.a), DST_DAYS)
    assert _bar_titles(page, "energy-chart") == [
        "2026-03-28: 1 kWh", "2026-03-29: 14 kWh", "2026-03-30: 16 kWh"]
    assert _bar_titles(page, "sessions-chart") == [
        "2026-03-28: 1 sessions", "2026-03-29: 3 sessions", "2026-03-30: 1 sessions"]
    assert table_rows(page, "top-energy") == [f"1 | {STATS_STATION} | 3 | 28.000",
                                              f"2 | {world.a.station_site1} | 2 | 3.000"]
    assert "style=" not in page.split("<main")[-1]  # the CSP refuses inline style


def test_utilisation_and_availability_tables(scene, world, portal) -> None:
    page = _page(_client(portal, world.a), HISTORY_DAY)
    rows = table_rows(page, "utilisation")
    assert f"{STATS_STATION} | 1 | 25.0 % | 33.3 %" in rows
    assert f"{STATS_STATION} | 2 | 100.0 % | 100.0 %" in rows
    assert f"{STATS_STATION} | 91.7 % | 79.2 %" in table_rows(page, "availability")


def test_the_csvs_hold_the_figures_of_the_page(scene, world, portal) -> None:
    client = _client(portal, world.a)
    assert _csv(client, "energy", DST_DAYS) == [
        ["Start (Europe/Amsterdam)", "Sessions", "Energy (kWh)"],
        ["2026-03-28T00:00:00+01:00", "1", "1.000"],
        ["2026-03-29T00:00:00+01:00", "3", "14.000"],
        ["2026-03-30T00:00:00+02:00", "1", "16.000"]]
    top = _csv(client, "top-stations", DST_DAYS)
    assert top[1] == ["energy", "1", STATS_STATION, "", "3", "28.000"]
    assert top[3] == ["sessions", "1", STATS_STATION, "", "3", "28.000"]
    assert ["CP-STATS", "1", "25.0", "33.33"] in _csv(client, "utilisation", HISTORY_DAY)
    assert ["CP-STATS", "", "91.67", "79.17"] in _csv(client, "availability", HISTORY_DAY)


def test_the_page_links_each_csv_with_its_range_and_node(scene, world, portal) -> None:
    page = _page(_client(portal, world.a), f"{DST_DAYS}&node=site:{scene.site2_id}")
    link = re.search(r'id="utilisation-csv" href="([^"]+)"', page).group(1)
    assert link.replace("&amp;", "&") == (
        f"/statistics/utilisation.csv?first=2026-03-28&last=2026-03-30&bucket=day"
        f"&node=site:{scene.site2_id}")


def test_the_navigator_node_limits_every_figure(scene, world, portal) -> None:
    page = _page(_client(portal, world.a), f"{DST_DAYS}&node=site:{scene.site2_id}")
    assert _bar_titles(page, "energy-chart") == [
        "2026-03-28: 0 kWh", "2026-03-29: 12 kWh", "2026-03-30: 16 kWh"]
    assert world.a.station_site1 not in page.split('id="top-stations-section"')[1]
    assert {row.split(" | ")[0] for row in table_rows(page, "availability")} == {
        world.a.station_site2, STATS_STATION}


def test_a_site_administrator_sees_their_site_only(scene, world, portal) -> None:
    client = _client(portal, world.a, Role.SITE_ADMIN)
    page = _page(client, DST_DAYS)
    assert _bar_titles(page, "energy-chart") == [
        "2026-03-28: 1 kWh", "2026-03-29: 2 kWh", "2026-03-30: 0 kWh"]
    assert STATS_STATION not in page.split('id="period"')[1]
    assert STATS_STATION not in client.get(
        f"/statistics/availability.csv?{HISTORY_DAY}").get_data(as_text=True)
    assert client.get(f"/statistics?node=site:{scene.site2_id}").status_code == 404
    assert client.get(f"/statistics/energy.csv?node=site:{scene.site2_id}").status_code == 404


def test_a_node_of_another_company_is_404(scene, world, portal) -> None:
    assert _client(portal, world.b).get(
        f"/statistics?node=station:{scene.stats_station_id}").status_code == 404


def test_the_default_range_is_the_last_30_days_a_bar_a_day(scene, world, portal) -> None:
    page = _page(_client(portal, world.a), "")
    assert len(_bar_titles(page, "energy-chart")) == 30


@pytest.mark.parametrize(("query", "field", "message"), [
    ("first=2026-03-10&last=2026-03-01", "last", "The range ends before it starts."),
    ("first=2026-01-01&last=2026-03-01&bucket=hour", "bucket", "more than 800 bars"),
    ("first=garbage", "first", "Not a valid date value."),
    ("first=2026-02-30", "first", "Not a valid date value."),
    ("last=99999-01-01", "last", "Not a valid date value."),
    ("first=0001-01-01", "first", "Choose a day from 1970-01-01"),
    ("first=2026-13-01", "first", "Not a valid date value."),
    ("bucket=fortnight", "bucket", "Not a valid choice."),
])
def test_a_bad_range_is_400_with_the_message_at_its_field(query, field, message, scene, world,
                                                          portal) -> None:
    client = _client(portal, world.a)
    page = _page(client, query, status=400)
    at_field = page.split(f'id="{field}"')[1].split("</div>")[0]
    assert "is-invalid" in re.search(rf'<(input|select)[^>]*id="{field}"[^>]*>', page).group(0)
    assert message in at_field
    assert 'id="energy-chart"' not in page
    response = client.get(f"/statistics/energy.csv?{query}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_the_page_runs_the_same_queries_for_more_stations(scene, app, world, portal) -> None:
    client = _client(portal, world.a)

    def statements() -> int:
        with counted_queries(app) as run:
            assert client.get(f"/statistics?{HISTORY_DAY}").status_code == 200
        return len(run)

    before = statements()
    # user session, user, tenant; one for the energy per bucket, one for the top stations,
    # for utilisation and availability each how far the days are rolled up (none are here)
    # and three to measure from the events; the navigator's (its tree, its colours); the
    # kept monthly reports
    assert before == 20, before
    with company_scope(app, world.a) as tenant:
        for number in range(5):
            stations.add(tenant, f"CP-MORE-{number}", connectors=2)
    assert statements() == before
