"""The station list and the connector page: what staff see, filters, pages, query counts."""

from __future__ import annotations

from datetime import UTC, datetime

from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus, RegistrationStatus

from portal.extensions import db
from portal.models import Outlet, Role, Station
from portal.services import sites
from tests.factories import World
from tests.scene import company_scope, counted_queries, station, table_rows

HEARTBEAT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)  # 10:30 in Brussels (UTC+1 in winter)


def _set_scene(app, world: World) -> None:
    """Site one's station is online and booted; site two's is offline and Pending."""
    with company_scope(app, world.a) as tenant:
        tenant.time_zone = "Europe/Brussels"
        online = station(world.a.station_site1)
        online.connected_at = online.last_seen_at = online.last_heartbeat_at = HEARTBEAT
        online.vendor, online.model, online.firmware_version = "Alfen", "Eve Single", "4.12.0"
        online.heartbeat_interval = 60
        online.description = "Front of the visitor car park"
        offline = station(world.a.station_site2)
        offline.registration_status = RegistrationStatus.pending
        offline.protocol = "ocpp1.5j"


def _admin(portal, world: World):
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    return client


def _row_of(rows: list[str], charge_box_id: str) -> str:
    matches = [row for row in rows if row.startswith(charge_box_id + " |")]
    assert len(matches) == 1, rows
    return matches[0]


def test_station_list_shows_connection_boot_data_and_heartbeat(app, portal, world: World) -> None:
    _set_scene(app, world)
    rows = table_rows(_admin(portal, world).get("/stations").get_data(as_text=True), "stations")
    assert _row_of(rows, world.a.station_site1) == (
        f"{world.a.station_site1} | Front of the visitor car park | Site one | Online | Accepted"
        " | ocpp1.6j | Alfen Eve Single | 4.12.0 | 60 s | 2026-01-15 10:30 | 1: Unknown 2: Unknown"
    )
    assert _row_of(rows, world.a.station_site2) == (
        f"{world.a.station_site2} | | Site two | Offline | Pending | ocpp1.5j | — | — | 300 s"
        " | never | 1: Unknown 2: Unknown"
    )
    assert len(rows) == 4  # company B's stations never show


def test_station_list_filters_and_keeps_the_filter_values(app, portal, world: World) -> None:
    _set_scene(app, world)
    client = _admin(portal, world)

    def listed(query: str) -> set[str]:
        page = client.get(f"/stations?{query}").get_data(as_text=True)
        return {row.split(" | ")[0] for row in table_rows(page, "stations")}

    a = world.a
    assert listed("charge_box_id=site") == {a.station_site1, a.station_site2}  # any case
    assert listed("description=VISITOR") == {a.station_site1}
    assert listed("connection=online") == {a.station_site1}
    assert listed("connection=offline") == {a.station_site2, a.shared_station, a.own_station}
    assert listed("registration_status=Pending") == {a.station_site2}
    assert listed("protocol=ocpp1.5j") == {a.station_site2}
    assert listed("heartbeat_interval=60") == {a.station_site1}
    assert listed("charge_box_id=site&connection=offline") == {a.station_site2}
    assert listed("charge_box_id=nothing-like-it") == {"No station matches these filters."}

    page = client.get("/stations?charge_box_id=site&connection=offline&heartbeat_interval=300")
    form = page.get_data(as_text=True).split('id="filters"')[1].split("</form>")[0]
    assert 'name="charge_box_id" type="text" value="site"' in form
    assert '<option selected value="offline">Offline</option>' in form
    assert '<option selected value="300">300 s</option>' in form
    assert 'href="/stations">Clear</a>' in form


def test_station_list_shows_a_bad_filter_value_and_ignores_it(app, portal, world: World) -> None:
    page = _admin(portal, world).get("/stations?heartbeat_interval=abc&connection=sometimes")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('class="invalid-feedback"') == 2
    assert len(table_rows(html, "stations")) == 4


def test_station_list_comes_in_pages_that_keep_the_filters(app, portal, world: World) -> None:
    with company_scope(app, world.a):
        db.session.add_all(Station(charge_box_id=f"BULK-{number:03d}") for number in range(60))
    client = _admin(portal, world)
    first = client.get("/stations?charge_box_id=bulk").get_data(as_text=True)
    assert len(table_rows(first, "stations")) == 50
    assert "Page 1 of 2 · 60 stations" in first
    assert 'href="/stations?charge_box_id=bulk&amp;page=2" rel="next"' in first
    second = client.get("/stations?charge_box_id=bulk&page=2").get_data(as_text=True)
    assert [row.split(" | ")[0] for row in table_rows(second, "stations")] == [
        f"BULK-{number:03d}" for number in range(50, 60)
    ]
    assert 'rel="next"' not in second


def _set_connector_states(app, world: World) -> None:
    with company_scope(app, world.a):
        site1 = station(world.a.station_site1)
        site1.status, site1.error_code = ChargePointStatus.faulted, ChargePointErrorCode.other_error
        site1.status_info, site1.status_at = "Lid open", HEARTBEAT
        first, second = site1.outlets
        first.status, first.error_code = ChargePointStatus.charging, ChargePointErrorCode.no_error
        first.status_at = HEARTBEAT
        second.status = ChargePointStatus.faulted
        second.error_code = ChargePointErrorCode.ground_failure
        second.info, second.vendor_id, second.vendor_error_code = "RCD tripped", "Alfen", "E042"
        station(world.a.station_site2).outlets[0].status = ChargePointStatus.available
    with company_scope(app, world.b):  # the same chargeBoxIds in company B: never shown on A
        for outlet in station(world.b.station_site1).outlets:
            outlet.status, outlet.info = ChargePointStatus.faulted, "B's fault"


def test_connector_page_shows_each_connector_and_the_station_level_status(
    app, portal, world: World
) -> None:
    _set_connector_states(app, world)
    page = _admin(portal, world).get("/connectors").get_data(as_text=True)
    site1 = world.a.station_site1
    assert table_rows(page, "connectors") == [
        f"{world.a.shared_station} {world.a.shared_station_name} | 1 | Unknown | | | |",
        f"{site1} | 0 (station) | Faulted | OtherError | Lid open | | 2026-01-15 09:30:00",
        f"{site1} | 1 | Charging | NoError | | | 2026-01-15 09:30:00",
        f"{site1} | 2 | Faulted | GroundFailure | RCD tripped | Alfen: E042 |",
        f"{world.a.station_site2} | 1 | Available | | | |",
        f"{world.a.station_site2} | 2 | Unknown | | | |",
    ]
    assert "B's fault" not in page


def test_connector_page_filters_by_station_and_status(app, portal, world: World) -> None:
    _set_connector_states(app, world)
    client = _admin(portal, world)

    def listed(query: str) -> list[str]:
        page = client.get(f"/connectors?{query}").get_data(as_text=True)
        return [" ".join(row.split(" | ")[:2]) for row in table_rows(page, "connectors")]

    site1 = world.a.station_site1
    assert listed("status=Faulted") == [f"{site1} 0 (station)", f"{site1} 2"]
    assert listed(f"charge_box_id={site1.lower()}") == [
        f"{site1} 0 (station)", f"{site1} 1", f"{site1} 2"]
    assert listed(f"charge_box_id={world.a.station_site2}&status=Available") == [
        f"{world.a.station_site2} 1"]
    page = client.get("/connectors?status=Faulted").get_data(as_text=True)
    assert '<option selected value="Faulted">Faulted</option>' in page


def test_site_admin_sees_only_connectors_of_its_site(app, portal, world: World) -> None:
    _set_connector_states(app, world)
    client = portal(world.a)
    client.login(world.a.email(Role.SITE_ADMIN))
    page = client.get("/connectors").get_data(as_text=True)
    shown = {row.split(" | ")[0].split()[0] for row in table_rows(page, "connectors")}
    assert shown == {world.a.station_site1, world.a.shared_station}
    unfiltered = client.get(f"/stations?charge_box_id={world.a.station_site2}")
    assert table_rows(unfiltered.get_data(as_text=True), "stations") == [
        "No station matches these filters."]


def _add_stations(app, world: World, count: int) -> None:
    with company_scope(app, world.a) as tenant:
        for number in range(count):
            site = sites.find_or_create(tenant, f"Extra site {number % 5}")
            db.session.add(Station(
                charge_box_id=f"MANY-{number:03d}", site=site,
                status=ChargePointStatus.available,
                outlets=[Outlet(connector_id=1, status=ChargePointStatus.charging),
                         Outlet(connector_id=2)],
            ))
            db.session.flush()


def _queries_for(app, client, path: str) -> int:
    with counted_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


# The navigator panel: its tree (sites, floors, stations, outlets) and their colours
# (stations, outlets, open alarms), whatever the size of the company.
NAVIGATOR_QUERIES = 7


def test_list_pages_run_as_many_queries_with_many_stations(app, portal, world: World) -> None:
    client = _admin(portal, world)
    few = {path: _queries_for(app, client, path) for path in ("/stations", "/connectors")}
    _add_stations(app, world, 40)
    many = {path: _queries_for(app, client, path) for path in few}
    assert many == few, (few, many)
    # tenant, user, filter choices, count, page, outlets, sites; and the navigator's
    assert few["/stations"] <= 7 + NAVIGATOR_QUERIES, few
    assert few["/connectors"] <= 4 + NAVIGATOR_QUERIES, few  # tenant, user, count, page
