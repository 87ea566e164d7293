"""The Topology page: create, move and delete sites, floors, stations and outlets, with its
rules (children, history, a site administrator's own site, other companies' ids)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.errors import Invalid
from portal.extensions import db
from portal.models import (
    ChargingSession,
    Event,
    Floor,
    Outlet,
    Role,
    Site,
    Station,
    Tenant,
    User,
)
from portal.services import sites, topology, users
from tenants.scoping import tenant_scope
from tests.factories import PASSWORD, Company, World
from tests.portal_client import PortalClient


def _as(portal: Any, company: Company, role: Role = Role.ADMIN) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def _post(client: PortalClient, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(path, data, csrf_from="/account/password")


def _read(app: Flask, company: Company, read: Any) -> Any:
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        return read()


def _places(app: Flask, company: Company) -> dict[str, tuple[str | None, str | None, list[int]]]:
    """chargeBoxId -> (site, floor, connector ids) of every station of the company."""
    return _read(app, company, lambda: {
        station.charge_box_id: (station.site.name if station.site else None,
                                station.floor.name if station.floor else None,
                                [outlet.connector_id for outlet in station.outlets])
        for station in db.session.scalars(select(Station))})


def _id(app: Flask, company: Company, model: type, name: str) -> int:
    return _read(app, company, lambda: db.session.scalar(
        select(model.id).where(model.name == name)))


def _add_floor(app: Flask, company: Company, site_name: str, name: str) -> int:
    def add() -> int:
        tenant = db.session.get(Tenant, company.tenant_id)
        floor = sites.add_floor(sites.find_or_create(tenant, site_name), name)
        db.session.commit()
        return floor.id
    return _read(app, company, add)


def _count(app: Flask, company: Company, model: type) -> int:
    return _read(app, company, lambda: db.session.scalar(
        select(func.count()).select_from(model)))


def test_admin_creates_site_floor_station_and_outlet_and_sees_them(
        app: Flask, world: World, portal) -> None:
    client = _as(portal, world.a)
    assert _post(client, "/topology/sites", {"site-name": "Depot"}).status_code == 302
    depot = _id(app, world.a, Site, "Depot")
    assert _post(client, "/topology/floors",
                 {"floor-site": depot, "floor-name": "Level -1"}).status_code == 302
    level = _id(app, world.a, Floor, "Level -1")
    response = _post(client, "/topology/stations", {
        "station-charge_box_id": "CP-NEW", "station-name": "Gate", "station-site": depot,
        "station-floor": level, "station-connectors": "2",
        "station-auth_key": "0123456789abcdef"})
    assert response.status_code == 302
    assert _post(client, "/topology/stations/CP-NEW/outlets").status_code == 302
    assert _post(client, "/topology/stations/CP-NEW/outlets",
                 {f"outlet-{_id(app, world.a, Station, 'Gate')}-connector_id": "7"}
                 ).status_code == 302
    assert _places(app, world.a)["CP-NEW"] == ("Depot", "Level -1", [1, 2, 3, 7])
    page = client.get("/topology").get_data(as_text=True)
    assert all(text in page for text in ("Depot", "Level -1", "Gate", "CP-NEW", "Outlet 7"))
    assert world.b.shared_station_name not in page


def test_every_change_moves_the_live_version_on(app: Flask, world: World, portal) -> None:
    client = _as(portal, world.a)
    etag = client.get("/live/lights").headers["ETag"]
    assert _post(client, "/topology/sites", {"site-name": "Depot"}).status_code == 302
    assert client.get("/live/lights", headers={"If-None-Match": etag}).status_code == 200


def test_bad_input_is_shown_next_to_its_field_and_stores_nothing(
        app: Flask, world: World, portal) -> None:
    client = _as(portal, world.a)
    site_one, site_two = (_id(app, world.a, Site, name) for name in ("Site one", "Site two"))
    floor_two = _add_floor(app, world.a, "Site two", "Roof")
    stations_before, sites_before = _count(app, world.a, Station), _count(app, world.a, Site)
    cases = [
        ("/topology/sites", {"site-name": "  "}, 400, "Give a name."),
        ("/topology/sites", {"site-name": "Site one"}, 409, "already exists"),
        ("/topology/sites", {"site-name": "x" * 201}, 400, "Field cannot be longer"),
        ("/topology/floors", {"floor-site": "999999", "floor-name": "F"}, 400,
         "Not a valid choice"),
        ("/topology/stations", {"station-charge_box_id": "bad id", "station-site": site_one,
                                "station-connectors": "1"}, 422, "not a usable chargeBoxId"),
        ("/topology/stations", {"station-charge_box_id": "CP-X", "station-site": site_one,
                                "station-floor": floor_two, "station-connectors": "1"},
         422, "Floor Roof is on site Site two"),
        ("/topology/stations", {"station-charge_box_id": "CP-X", "station-site": site_two,
                                "station-connectors": "51"}, 400,
         "Number must be between 0 and 50"),
        ("/topology/stations", {"station-charge_box_id": "CP-X", "station-site": site_two,
                                "station-connectors": "many"}, 400, "Not a valid integer"),
        ("/topology/stations", {"station-charge_box_id": "CP-X", "station-site": site_two,
                                "station-connectors": "1", "station-auth_key": "short"},
         422, "16 to 40 printable characters"),
        ("/topology/stations", {"station-charge_box_id": world.a.station_site1,
                                "station-site": site_two, "station-connectors": "1"},
         409, "already exists"),
    ]
    for path, data, status, message in cases:
        response = _post(client, path, data)
        body = html.unescape(response.get_data(as_text=True))
        assert response.status_code == status, (data, body[:300])
        assert re.search(f'invalid-feedback">[^<]*{re.escape(message)}', body), (data, message)
    assert (_count(app, world.a, Station), _count(app, world.a, Site)) == (stations_before,
                                                                          sites_before)
    assert _count(app, world.a, Floor) == 1


def test_outlet_ids_out_of_range_or_taken_are_refused_next_to_the_station(
        app: Flask, world: World, portal) -> None:
    client = _as(portal, world.a)
    station_id = _read(app, world.a, lambda: db.session.scalar(
        select(Station.id).where(Station.charge_box_id == world.a.station_site1)))
    field = f"outlet-{station_id}-connector_id"
    for value, message in (("2", "already has connector 2"), ("0", "between 1 and 50"),
                           ("x", "Not a valid integer")):
        response = _post(client, f"/topology/stations/{world.a.station_site1}/outlets",
                         {field: value})
        assert response.status_code in (400, 409)
        assert message in response.get_data(as_text=True)
    assert _places(app, world.a)[world.a.station_site1][2] == [1, 2]


def test_a_node_with_children_or_history_is_not_deleted(app: Flask, world: World,
                                                        portal) -> None:
    client = _as(portal, world.a)
    site_one = _id(app, world.a, Site, "Site one")
    floor = _add_floor(app, world.a, "Site two", "Roof")
    moved = _post(client, f"/topology/stations/{world.a.station_site2}/move",
                  {"site": _id(app, world.a, Site, "Site two"), "floor": floor})
    assert moved.status_code == 302
    shared_outlet = _read(app, world.a, lambda: db.session.scalar(
        select(Outlet.id).join(Outlet.station)
        .where(Station.charge_box_id == world.a.shared_station)))
    refusals = [
        (f"/topology/sites/{site_one}/delete", "Site one still has floors or stations"),
        (f"/topology/floors/{floor}/delete", "Floor Roof still has stations"),
        (f"/topology/stations/{world.a.shared_station}/delete", "has charging sessions"),
        (f"/topology/stations/{world.a.shared_station}/outlets/{shared_outlet}/delete",
         "has charging sessions"),
    ]
    for path, message in refusals:
        response = _post(client, path)
        assert response.status_code == 409
        assert message in response.get_data(as_text=True)
    assert world.a.shared_station in _places(app, world.a)


def test_deleting_a_station_takes_its_outlets_and_an_empty_floor_and_site_go(
        app: Flask, world: World, portal) -> None:
    client = _as(portal, world.a)
    assert _post(client, f"/topology/stations/{world.a.station_site2}/delete").status_code == 302
    assert world.a.station_site2 not in _places(app, world.a)
    assert _count(app, world.a, Outlet) == 3  # CP-SITE1's two and the shared station's one
    floor = _add_floor(app, world.a, "Site two", "Roof")
    assert _post(client, f"/topology/floors/{floor}/delete").status_code == 302
    site_two = _id(app, world.a, Site, "Site two")
    assert _post(client, f"/topology/sites/{site_two}/delete").status_code == 302
    assert _read(app, world.a, lambda: db.session.get(Site, site_two)) is None


def test_a_moved_station_keeps_its_sessions_and_events(app: Flask, world: World,
                                                       portal) -> None:
    client = _as(portal, world.a)
    floor = _add_floor(app, world.a, "Site two", "Roof")
    response = _post(client, f"/topology/stations/{world.a.shared_station}/move",
                     {"site": _id(app, world.a, Site, "Site two"), "floor": floor})
    assert response.status_code == 302
    assert _places(app, world.a)[world.a.shared_station][:2] == ("Site two", "Roof")
    sessions, moved = _read(app, world.a, lambda: (
        db.session.scalar(select(func.count()).select_from(ChargingSession).join(
            ChargingSession.station).where(Station.charge_box_id == world.a.shared_station)),
        db.session.scalar(select(Event.message).where(Event.kind == "moved"))))
    assert sessions == 1
    assert moved == "Moved from Site one to Site two / Roof."
    page = client.get(f"/stations/{world.a.shared_station}").get_data(as_text=True)
    assert "Site two" in page


def test_a_floor_of_another_site_is_refused_when_moving(app: Flask, world: World,
                                                        portal) -> None:
    client = _as(portal, world.a)
    floor = _add_floor(app, world.a, "Site two", "Roof")
    response = _post(client, f"/topology/stations/{world.a.station_site1}/move",
                     {"site": _id(app, world.a, Site, "Site one"), "floor": floor})
    assert response.status_code == 422
    assert "Floor Roof is on site Site two" in response.get_data(as_text=True)
    assert _places(app, world.a)[world.a.station_site1][:2] == ("Site one", None)


def test_site_admin_manages_their_own_site_only(app: Flask, world: World, portal) -> None:
    client = _as(portal, world.a, Role.SITE_ADMIN)
    site_one, site_two = (_id(app, world.a, Site, name) for name in ("Site one", "Site two"))
    floor_two = _add_floor(app, world.a, "Site two", "Roof")
    page = client.get("/topology").get_data(as_text=True)
    assert "Site one" in page and "Site two" not in page and "New site" not in page
    assert _post(client, "/topology/sites", {"site-name": "Mine"}).status_code == 403
    assert _post(client, f"/topology/sites/{site_one}/delete").status_code == 403
    assert client.get("/topology/import").status_code == 403
    for path in (f"/topology/floors/{floor_two}/delete",
                 f"/topology/stations/{world.a.station_site2}/move",
                 f"/topology/stations/{world.a.station_site2}/delete"):
        assert _post(client, path).status_code == 404, path
    # another site is no choice, neither is no site at all
    for site in (site_two, ""):
        response = _post(client, f"/topology/stations/{world.a.station_site1}/move",
                         {"site": site})
        assert response.status_code == 400
        assert "Not a valid choice" in response.get_data(as_text=True)
        response = _post(client, "/topology/stations", {
            "station-charge_box_id": "CP-SA", "station-site": site,
            "station-connectors": "1"})
        assert response.status_code == 400
    assert _post(client, "/topology/floors",
                 {"floor-site": site_one, "floor-name": "Ground"}).status_code == 302
    ground = _id(app, world.a, Floor, "Ground")
    assert _post(client, "/topology/stations", {
        "station-charge_box_id": "CP-SA", "station-site": site_one, "station-floor": ground,
        "station-connectors": "1"}).status_code == 302
    assert _places(app, world.a)["CP-SA"] == ("Site one", "Ground", [1])


def test_a_site_admins_station_needs_their_site_in_the_service_too(app: Flask,
                                                                   world: World) -> None:
    def create() -> None:
        site_admin = db.session.scalar(select(User).where(User.role == Role.SITE_ADMIN))
        topology.create_station(site_admin, db.session.get(Tenant, world.a.tenant_id),
                                "CP-NOWHERE")

    with pytest.raises(Invalid, match="Choose your site"):
        _read(app, world.a, create)


def test_other_companies_ids_answer_404(app: Flask, world: World, portal) -> None:
    client = _as(portal, world.a)
    b_site = _id(app, world.b, Site, "Site two")
    b_floor = _add_floor(app, world.b, "Site two", "Roof")
    b_outlet = _read(app, world.b, lambda: db.session.scalar(select(Outlet.id)))
    for path in (f"/topology/sites/{b_site}/delete", f"/topology/floors/{b_floor}/delete",
                 f"/topology/stations/{world.a.station_site1}/outlets/{b_outlet}/delete",
                 f"/topology/stations/{world.b.own_station}/outlets/{b_outlet}/delete",
                 f"/topology/stations/{world.b.own_station}/delete",
                 f"/topology/stations/{world.b.own_station}/outlets"):
        assert _post(client, path).status_code == 404, path
    assert client.get(f"/topology/stations/{world.b.own_station}/move").status_code == 404
    response = _post(client, "/topology/floors", {"floor-site": b_site, "floor-name": "F"})
    assert response.status_code == 400  # not one of the choices
    assert _read(app, world.b, lambda: db.session.get(Site, b_site)) is not None
    assert _count(app, world.b, Floor) == 1


def test_a_site_with_a_site_administrator_is_not_deleted(app: Flask, world: World,
                                                         portal) -> None:
    def add_site_admin() -> int:
        tenant = db.session.get(Tenant, world.a.tenant_id)
        site = sites.find_or_create(tenant, "Annex")
        users.create(tenant, email=f"annex@{world.a.slug}.example", password=PASSWORD,
                     role=Role.SITE_ADMIN, site=site)
        db.session.commit()
        return site.id

    annex = _read(app, world.a, add_site_admin)
    response = _post(_as(portal, world.a), f"/topology/sites/{annex}/delete")
    assert response.status_code == 409
    assert "Site Annex still has site administrators" in response.get_data(as_text=True)
