"""The navigator on the pages: the tree each role sees, pages scoped by `?node=`, the live
colours' endpoint (ETag / 304), and links that keep the chosen node."""

from __future__ import annotations

import re

from flask import Flask

from portal.models import Role
from portal.services import stations
from tests.factories import World
from tests.scene import company_scope, station, table_rows


def _client(portal, world: World, role: Role = Role.ADMIN):
    client = portal(world.a)
    client.login(world.a.email(role))
    return client


def _ids(app: Flask, world: World) -> dict[str, int]:
    with company_scope(app, world.a):
        site1, site2 = station(world.a.station_site1), station(world.a.station_site2)
        ids = {"site1": site1.site_id, "site2": site2.site_id, "station1": site1.id,
               "outlet1": site1.outlets[0].id}
    with company_scope(app, world.b):
        ids["foreign_site"] = station(world.b.station_site1).site_id
    return ids


def _tree_keys(html: str) -> list[str]:
    tree = html.split('id="navigator-tree"')[1].split("</aside>")[0]
    return re.findall(r'data-node="([^"]+)"', tree)


def test_stations_list_scoped_to_a_site_lists_only_its_stations(app, portal, world) -> None:
    ids = _ids(app, world)
    html = _client(portal, world).get(f"/stations?node=site:{ids['site2']}").get_data(
        as_text=True)
    listed = [row.split(" | ")[0] for row in table_rows(html, "stations")]
    assert listed == [world.a.station_site2]
    assert 'aria-current="page"><span class="badge text-bg-secondary">Site two<' in html


def test_connectors_list_scoped_to_a_station_or_an_outlet(app, portal, world) -> None:
    ids = _ids(app, world)
    client = _client(portal, world)
    rows = table_rows(client.get(f"/connectors?node=station:{ids['station1']}")
                      .get_data(as_text=True), "connectors")
    assert [row.split(" | ")[:2] for row in rows] == [[world.a.station_site1, "1"],
                                                      [world.a.station_site1, "2"]]
    rows = table_rows(client.get(f"/connectors?node=outlet:{ids['outlet1']}")
                      .get_data(as_text=True), "connectors")
    assert [row.split(" | ")[:2] for row in rows] == [[world.a.station_site1, "1"]]


def test_a_node_out_of_reach_answers_404(app, portal, world) -> None:
    ids = _ids(app, world)
    admin, site_admin = _client(portal, world), _client(portal, world, Role.SITE_ADMIN)
    for client, node in ((admin, f"site:{ids['foreign_site']}"), (admin, "garbage"),
                         (admin, "station:0"), (site_admin, f"site:{ids['site2']}")):
        for page in ("/stations", "/connectors", "/live/lights"):
            assert client.get(f"{page}?node={node}").status_code == 404, (page, node)


def test_site_admin_navigator_holds_only_its_site(app, portal, world) -> None:
    ids = _ids(app, world)
    keys = _tree_keys(_client(portal, world, Role.SITE_ADMIN).get("/stations")
                      .get_data(as_text=True))
    assert keys[:2] == ["system", f"site:{ids['site1']}"]
    assert f"site:{ids['site2']}" not in keys
    assert f"station:{ids['station1']}" in keys


def test_navigator_is_on_staff_pages_only(portal, world) -> None:
    assert 'id="navigator"' in _client(portal, world).get("/tags").get_data(as_text=True)
    driver = _client(portal, world, Role.EV_USER).get("/my/sessions").get_data(as_text=True)
    assert 'id="navigator"' not in driver
    assert 'id="navigator"' not in portal(world.a).get("/login").get_data(as_text=True)


def test_choosing_a_node_keeps_a_scoped_page_else_opens_the_stations(app, portal, world) -> None:
    ids = _ids(app, world)
    client = _client(portal, world)
    connectors = client.get("/connectors").get_data(as_text=True)
    assert f'href="/connectors?node=site:{ids["site1"]}"' in connectors
    tags = client.get("/tags").get_data(as_text=True)
    assert f'href="/stations?node=site:{ids["site1"]}"' in tags


def test_menu_and_filters_keep_the_chosen_node(app, portal, world) -> None:
    ids = _ids(app, world)
    html = _client(portal, world).get(f"/stations?node=site:{ids['site1']}").get_data(
        as_text=True)
    menu = html.split("</nav>")[0]
    assert f'href="/connectors?node=site:{ids["site1"]}"' in menu
    filters = html.split('id="filters"')[1].split("</form>")[0]
    assert f'name="node" value="site:{ids["site1"]}"' in filters


def test_lights_of_a_node_answer_304_until_something_changes(app, portal, world) -> None:
    ids = _ids(app, world)
    client = _client(portal, world)
    url = f"/live/lights?node=station:{ids['station1']}"
    first = client.get(url)
    assert first.get_json() == {"stations": {str(ids["station1"]): "offline"},
                                "outlets": {str(ids["outlet1"]): "offline",
                                            str(ids["outlet1"] + 1): "offline"}}
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    with company_scope(app, world.a):
        stations.connected(station(world.a.station_site1), "192.0.2.1")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.get_json()["stations"] == {str(ids["station1"]): "available"}


def test_configuration_for_many_stations_offers_those_under_the_node(app, portal, world) -> None:
    ids = _ids(app, world)
    html = _client(portal, world).get(f"/configuration/apply?node=site:{ids['site2']}")\
        .get_data(as_text=True)
    form = html.split('id="apply-form"')[1]
    assert world.a.station_site2 in form and world.a.station_site1 not in form
