"""The sessions table: every column shown, a filter on each, sort by any, keyset pages, bad
filter values answered next to their field, open sessions' energy so far, the company's time
zone, and the rows a site administrator or the navigator's node limit it to."""

from __future__ import annotations

import re
from itertools import chain
from typing import Any

import pytest
from flask import Flask

from portal.models import Role
from portal.services import session_table
from portal.services.session_table import SortColumn
from tests.factories import Company, World
from tests.portal_client import PortalClient
from tests.scene import table_rows
from tests.session_scene import Scene, build


@pytest.fixture
def scene(app: Flask, world: World) -> Scene:
    return build(app, world.a)


def _client(portal: Any, company: Company, role: Role = Role.ADMIN) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def _shown(client: PortalClient, query: str = "", status: int = 200) -> list[int]:
    """The transaction ids of the table's rows, in order."""
    response = client.get(f"/sessions?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return [int(number) for number in
            re.findall(r'data-session="(\d+)"', response.get_data(as_text=True))]


def test_a_row_shows_every_column_in_the_company_time_zone(scene: Scene, world: World,
                                                           portal) -> None:
    page = _client(portal, world.a).get("/sessions?sort=id&order=asc").get_data(as_text=True)
    assert "Times in Europe/Amsterdam" in page
    rows = {int(row.split(" | ")[0]): row for row in table_rows(page, "sessions")}
    assert rows[scene["S1"]] == (
        f"{scene['S1']} | 2026-03-10 09:00:00 | 2026-03-10 09:30:00 | 0:30:00 | 3.000 | 0 | "
        f"3000 | {world.a.station_site1} | 1 | Site one | — | {world.a.driver_tag} | "
        f"{world.a.email(Role.EV_USER)} | RFID tag | EVDisconnected | 2026-03-10 09:00:02 | No")
    assert rows[scene["S4"]] == (
        f"{scene['S4']} | 2026-03-13 09:00:00 | 2026-03-13 19:00:00 | 10:00:00 | 0.000 | 100 | "
        "100 | CP-FLOOR Upstairs charger | 1 | Site one | Level 2 | VISITOR | — | RFID tag | "
        "— | 2026-03-13 09:00:02 | Yes")
    # the open session: its energy so far from the latest reading (2.25 kWh - 500 Wh)
    assert rows[scene["S3"]].split(" | ")[2:5] == ["open", "—", "1.750 so far"]
    assert rows[scene["S5"]].split(" | ")[4] == "—"  # the meter reset: for the review
    assert world.b.driver_tag not in page
    # accounted energy of the stopped sessions: 3 + 15.555 + 0 + 7.5 (the open one is not)
    assert 'id="total-sessions">6<' in page and 'id="total-energy">26.055<' in page


FILTERS = [
    ("transaction_id={S2}", {"S2"}),
    # times are read in Europe/Amsterdam: S1 started at 09:00 there (08:00 UTC)
    ("started_from=2026-03-11T00:00&started_to=2026-03-12T23:59", {"S2", "S3"}),
    ("started_from=2026-03-10T00:00&started_to=2026-03-10T08:59", set()),
    ("started_from=2026-03-10T00:00&started_to=2026-03-10T09:00", {"S1"}),
    ("stopped_from=2026-03-10T00:00&stopped_to=2026-03-10T09:30", {"S1"}),
    ("duration_from=100", {"S2", "S4"}),
    ("duration_to=40", {"S1"}),
    ("duration_from=30&duration_to=60", {"S1", "S5", "P0"}),
    ("energy_from=15&energy_to=16", {"S2"}),
    ("energy_to=3", {"S1", "S4"}),
    ("energy_from=3.0005", {"S2", "P0"}),
    ("meter_start_from=9000", {"S2", "S5"}),
    ("meter_start_to=100", {"S1", "S4"}),
    ("meter_stop_from=3000&meter_stop_to=8500", {"S1", "P0"}),
    ("station=upstairs", {"S4"}),
    ("station=cp-site2", {"S3", "S5"}),
    ("outlet=2", {"S2", "S5"}),
    ("site=TWO", {"S3", "S5"}),
    ("floor=level", {"S4"}),
    ("tag=visit", {"S2", "S4", "S5"}),
    ("email=ev_user@", {"S1", "P0"}),  # the driver's sessions (P0: the world's)
    ("auth_method=remote", {"S2"}),
    ("auth_method=open", {"S3"}),
    ("stop_reason=power", {"S5"}),
    ("received_from=2026-03-10T09:00:02&received_to=2026-03-11T09:00:01", {"S1"}),
    ("review=yes", {"S4"}),
    ("review=no", {"S1", "S2", "S3", "S5", "P0"}),
    ("tag=visit&site=one&review=no", {"S2"}),
    ("station=%25", set()),  # a LIKE wildcard is a character
]


@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_each_column_filters(query: str, expected: set[str], scene: Scene, world: World,
                             portal) -> None:
    shown = _shown(_client(portal, world.a), query.format(**scene.ids))
    assert set(scene.names(shown)) == expected


def test_a_filter_matching_nothing_says_so(scene: Scene, world: World, portal) -> None:
    page = _client(portal, world.a).get("/sessions?tag=nobody").get_data(as_text=True)
    assert "No session matches these filters." in page
    assert 'id="total-sessions">0<' in page and 'id="total-energy">0.000<' in page


SORTS = [
    ("sort=energy&order=asc", ["S3", "S5", "S4", "S1", "P0", "S2"]),  # no energy yet first
    ("sort=duration&order=asc", ["S3", "S1", "S5", "P0", "S2", "S4"]),
    ("sort=station&order=asc", ["S4", "P0", "S1", "S2", "S3", "S5"]),
    ("sort=started&order=desc", ["P0", "S5", "S4", "S3", "S2", "S1"]),
    ("", ["P0", "S5", "S4", "S3", "S2", "S1"]),  # newest first unless told
    ("sort=meter_stop&order=desc", ["S2", "P0", "S1", "S5", "S4", "S3"]),
]


@pytest.mark.parametrize(("query", "expected"), SORTS)
def test_sorting(query: str, expected: list[str], scene: Scene, world: World,
                 portal) -> None:
    assert scene.names(_shown(_client(portal, world.a), query)) == expected


def test_every_column_sorts_both_ways(scene: Scene, world: World, portal) -> None:
    client = _client(portal, world.a)
    for column in SortColumn:
        up = _shown(client, f"sort={column.value}&order=asc")
        down = _shown(client, f"sort={column.value}&order=desc")
        assert sorted(up) == sorted(scene.ids.values()), column
        assert len(set(up)) == 6 and up != down, column


def _walk(client: PortalClient, query: str, rel: str, start: str | None = None,
          ) -> list[list[int]]:
    """The pages met following the `rel` links from `start` (else the first page)."""
    pages, address = [], start or f"/sessions?{query}"
    while address:
        page = client.get(address).get_data(as_text=True)
        pages.append([int(n) for n in re.findall(r'data-session="(\d+)"', page)])
        link = re.search(rf'href="([^"]+)" rel="{rel}"', page)
        address = link.group(1).replace("&amp;", "&") if link else None
    return pages


@pytest.mark.parametrize("query", ["sort=started&order=asc", "sort=energy&order=desc",
                                   "sort=tag&order=asc&review=no"])
def test_next_pages_visit_every_row_once_in_order_and_previous_pages_come_back(
    query: str, scene: Scene, world: World, portal, monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = _client(portal, world.a)
    everything = _shown(client, query)
    monkeypatch.setattr(session_table, "PAGE_SIZE", 2)
    forward = _walk(client, query, "next")
    assert [len(page) for page in forward] == [2] * (len(everything) // 2) + (
        [len(everything) % 2] if len(everything) % 2 else [])
    assert list(chain(*forward)) == everything  # the same rows, in order, each once
    last = client.get(f"/sessions?{query}&before=0").status_code
    assert last == 400  # a cursor that names no session
    page = client.get(f"/sessions?{query}&after={forward[-2][-1]}").get_data(as_text=True)
    previous = re.search(r'href="([^"]+)" rel="prev"', page).group(1).replace("&amp;", "&")
    backward = _walk(client, query, "prev", start=previous)
    assert list(chain(*reversed(backward))) == list(chain(*forward[:-1]))


def test_a_deep_cursor_costs_one_seek_not_an_offset(scene: Scene, world: World, portal,
                                                    app: Flask) -> None:
    from tests.scene import counted_queries

    client = _client(portal, world.a)
    with counted_queries(app) as statements:
        client.get(f"/sessions?after={scene['S3']}")
    page_query = next(s for s in statements if "charging_session.needs_review" in s and
                      "LIMIT" in s)
    # (SQLite writes an OFFSET of 0 with every LIMIT: the seek is what matters)
    assert "(charging_session.started_at, charging_session.id) < (" in page_query


BAD = [
    ("energy_from=NaN", "energy_from", "Energy must be a number of kWh"),
    ("energy_to=1e999", "energy_to", "Energy must be a number of kWh"),
    ("energy_from=lots", "energy_from", "Not a valid decimal value"),
    ("duration_from=abc", "duration_from", "Not a valid integer value"),
    ("outlet=99999999999999", "outlet", "Number must be between"),
    ("meter_stop_from=-5", "meter_stop_from", "Number must be at least 0"),
    ("started_from=yesterday", "started_from", "Not a valid datetime value"),
    ("received_from=0001-01-01T00:05", "received_from", "Too early or too late"),
    ("duration_from=60&duration_to=10", "duration_to", "The end of the range is before"),
    ("started_from=2026-03-12T00:00&started_to=2026-03-11T00:00", "started_to",
     "The end of the range is before"),
    ("auth_method=card", "auth_method", "Not a valid choice"),
    ("sort=password", "sort", "Not a valid choice"),
    ("station=" + "x" * 300, "station", "Field cannot be longer than 254"),
]


@pytest.mark.parametrize(("query", "field", "message"), BAD)
def test_a_bad_filter_value_is_answered_next_to_its_field(
    query: str, field: str, message: str, scene: Scene, world: World, portal,
) -> None:
    response = _client(portal, world.a).get(f"/sessions?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    field_html = page.split(f'id="{field}"')[1].split("</div>")[0]
    assert "is-invalid" in page.split(f'id="{field}"')[0].rsplit("<", 1)[-1] + field_html
    assert message in field_html
    if "&" not in query:  # the bad filter is not applied (the start of a range is)
        assert len(re.findall(r'data-session="', page)) == 6


def test_nul_bytes_and_wild_cursors_are_refused_cleanly(scene: Scene, world: World,
                                                        portal) -> None:
    client = _client(portal, world.a)
    assert client.get("/sessions?station=a%00b").status_code in (200, 400)
    assert client.get("/sessions?after=abc").status_code == 400
    assert client.get("/sessions?after=99999999999999999999").status_code == 400
    assert client.get(f"/sessions?before={world.b.driver_tag_id}9999").status_code == 404


def test_a_site_administrator_sees_their_site_only(scene: Scene, world: World,
                                                   portal) -> None:
    client = _client(portal, world.a, Role.SITE_ADMIN)
    assert set(scene.names(_shown(client))) == {"S1", "S2", "S4", "P0"}
    assert client.get(f"/sessions?node=site:{scene.site2_id}").status_code == 404
    # a cursor naming a session of another site is no page of theirs
    assert client.get(f"/sessions?after={scene['S3']}").status_code == 404


def test_the_navigator_node_scopes_the_table(scene: Scene, world: World, portal) -> None:
    client = _client(portal, world.a)
    assert set(scene.names(_shown(client, f"node=site:{scene.site2_id}"))) == {"S3", "S5"}
    page = client.get(f"/sessions?node=site:{scene.site2_id}").get_data(as_text=True)
    assert f'href="/sessions/export.xlsx?node=site:{scene.site2_id}"' in page.replace(
        "%3A", ":")


def test_the_menu_leads_to_the_sessions(world: World, portal) -> None:
    assert 'href="/sessions"' in _client(portal, world.a).get("/dashboard").get_data(
        as_text=True)
    assert 'href="/sessions"' not in _client(portal, world.a, Role.EV_USER).get(
        "/my/sessions").get_data(as_text=True)
