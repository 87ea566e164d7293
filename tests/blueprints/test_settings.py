"""Settings pages of every level: the company, a site, a floor (with its floor map and the
stations' places on it), a station and an outlet. A good edit is kept; a bad value is
refused next to its field and nothing is kept; site administrators reach their own site
only, and another company's objects are not there at all."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.models import Floor, Outlet, Role, ServiceKind, Site, Tenant, ThirdPartyService
from portal.services import floor_maps, live, sites, stations
from tenants.scoping import tenant_scope
from tests.factories import Company, World
from tests.portal_client import PortalClient

T = TypeVar("T")


def _in(app: Flask, company: Company, work: Callable[[Tenant], T]) -> T:
    """Run `work` in the company's scope and commit; its plain result."""
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            result = work(tenant)
            db.session.commit()
            return result


def _login(portal: Any, company: Company, role: Role = Role.ADMIN) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def _site_id(app: Flask, company: Company, name: str = "Site one") -> int:
    return _in(app, company, lambda _: db.session.scalar(select(Site.id).where(Site.name == name)))


def _floor_id(app: Flask, company: Company, *charge_box_ids: str, site: str = "Site one") -> int:
    """A new floor of the site, with these stations on it."""
    def work(tenant: Tenant) -> int:
        floor = sites.add_floor(db.session.scalar(select(Site).where(Site.name == site)),
                                "Level 1")
        for charge_box_id in charge_box_ids:
            stations.find(charge_box_id).floor_id = floor.id
        return floor.id
    return _in(app, company, work)


def _station(app: Flask, company: Company, charge_box_id: str) -> dict[str, Any]:
    def read(_: Tenant) -> dict[str, Any]:
        station = stations.find(charge_box_id)
        return {column: getattr(station, column) for column in (
            "id", "name", "description", "note", "availability", "registration_status",
            "heartbeat_interval", "address", "latitude", "longitude", "floor_x", "floor_y",
            "rated_power_w")}
    return _in(app, company, read)


def _tenant(app: Flask, company: Company) -> dict[str, Any]:
    return _in(app, company, lambda tenant: {
        column: getattr(tenant, column) for column in (
            "name", "description", "time_zone", "auto_register_stations",
            "allow_stations_without_key", "data_transfer_vendor_ids", "heartbeat_interval",
            "default_configuration")})


def _row(app: Flask, company: Company, model: type, row_id: int, *columns: str) -> tuple:
    return _in(app, company, lambda _: tuple(getattr(db.session.get(model, row_id), column)
                                             for column in columns))


def _version(app: Flask, company: Company) -> str:
    with app.app_context():
        return live.version(company.tenant_id)


def image(kind: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 220, 240)).save(out, kind)
    return out.getvalue()


# --- the company --------------------------------------------------------------------------

COMPANY_FORM = {
    "name": "Volt Parking", "description": "Car parks in the city", "time_zone": "Europe/Oslo",
    "auto_register_stations": "y", "data_transfer_vendor_ids": "com.acme, org.example\ncom.acme",
    "heartbeat_interval": "600", "default_configuration": "MeterValueSampleInterval=60\n",
}


def test_admin_saves_the_company_settings(app: Flask, world: World, portal) -> None:
    client = _login(portal, world.a)
    response = client.post("/settings", COMPANY_FORM, csrf_from="/settings")
    assert response.status_code == 302
    tenant = _tenant(app, world.a)
    assert (tenant["name"], tenant["description"], tenant["time_zone"]) == (
        "Volt Parking", "Car parks in the city", "Europe/Oslo")
    assert tenant["auto_register_stations"] and not tenant["allow_stations_without_key"]
    assert tenant["data_transfer_vendor_ids"] == "com.acme\norg.example"
    assert tenant["heartbeat_interval"] == 600
    assert tenant["default_configuration"] == [
        {"key": "MeterValueSampleInterval", "value": "60"}]
    page = client.get("/settings").get_data(as_text=True)
    assert "MeterValueSampleInterval=60" in page and 'value="600"' in page


def test_company_page_shows_the_station_addresses_with_the_port(world: World, portal) -> None:
    client = _login(portal, world.a)
    slug = world.a.slug
    page = client.client.get("/settings", base_url=f"http://{slug}.localhost:8443"
                             ).get_data(as_text=True)
    for scheme in ("ws", "wss"):
        assert f"{scheme}://{slug}.localhost:8443/ocpp/&lt;chargeBoxId&gt;" in page
        assert f"{scheme}://localhost:8443/ocpp/{slug}/&lt;chargeBoxId&gt;" in page
    assert 'data-copy="#station-url-1"' in page and "js/copy-text.js" in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "Give a name"),
    ("time_zone", "Mars/Olympus_Mons", "Choose a time zone"),
    ("time_zone", "../../etc/passwd", "Choose a time zone"),
    ("heartbeat_interval", "0", "heartbeat interval"),
    ("heartbeat_interval", "9" * 40, "heartbeat interval"),
    ("data_transfer_vendor_ids", "v" * 256, "at most 255"),
    ("default_configuration", "NoEquals", "Line 1: write Key=Value."),
    ("default_configuration", "AuthorizationKey=abc", "own authorization key"),
])
def test_bad_company_settings_are_refused_and_nothing_is_kept(
        app: Flask, world: World, portal, field: str, value: str, message: str) -> None:
    client = _login(portal, world.a)
    response = client.post("/settings", {**COMPANY_FORM, field: value}, csrf_from="/settings")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    tenant = _tenant(app, world.a)
    assert (tenant["name"], tenant["heartbeat_interval"], tenant["time_zone"]) == (
        "Company A", 300, "UTC")
    assert tenant["default_configuration"] is None and not tenant["auto_register_stations"]


def test_a_nul_byte_is_refused_without_a_server_error(app: Flask, world: World, portal) -> None:
    client = _login(portal, world.a)
    response = client.post("/settings", {**COMPANY_FORM, "name": "Volt\x00"},
                           csrf_from="/settings")
    assert response.status_code == 400
    assert _tenant(app, world.a)["name"] == "Company A"


# --- sites --------------------------------------------------------------------------------

def test_admin_renames_and_places_a_site(app: Flask, world: World, portal) -> None:
    site_id = _site_id(app, world.a)
    client = _login(portal, world.a)
    before = _version(app, world.a)
    url = f"/sites/{site_id}/settings"
    response = client.post(url, {"name": "Harbour", "address": "Quay 1",
                                 "latitude": "59.9", "longitude": "10.75"}, csrf_from=url)
    assert response.status_code == 302
    assert _row(app, world.a, Site, site_id, "name", "address", "latitude", "longitude") == (
        "Harbour", "Quay 1", 59.9, 10.75)
    assert _version(app, world.a) != before  # the navigator shows the new name
    page = client.get(url).get_data(as_text=True)
    assert "leaflet.js" in page and "js/site-map.js" in page
    assert 'data-tile-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in page
    assert world.a.station_site1 in page  # on no floor: placed at site level


@pytest.mark.parametrize(("form", "field_message"), [
    ({"latitude": "91", "longitude": "10"}, "Latitude must be between -90 and 90."),
    ({"latitude": "10", "longitude": "-180.5"}, "Longitude must be between -180 and 180."),
    ({"latitude": "nan", "longitude": "10"}, "Latitude must be between -90 and 90."),
    ({"latitude": "1e999", "longitude": "10"}, "Latitude must be between -90 and 90."),
    ({"latitude": "north", "longitude": "10"}, "Not a valid float value."),
    ({"latitude": "10", "longitude": ""}, "Give both latitude and longitude, or neither."),
    ({"name": "Site two"}, "Another site is called Site two."),
    ({"name": "   "}, "Give a name."),
    ({"name": "x" * 201}, "At most 200 characters."),
])
def test_bad_site_settings_are_refused_and_nothing_is_kept(
        app: Flask, world: World, portal, form: dict[str, str], field_message: str) -> None:
    site_id = _site_id(app, world.a)
    client = _login(portal, world.a)
    url = f"/sites/{site_id}/settings"
    response = client.post(url, {"name": "Moved", "address": "Elsewhere", **form}, csrf_from=url)
    assert response.status_code in {400, 409}
    assert f'<div class="invalid-feedback">{field_message}</div>' in response.get_data(
        as_text=True)
    assert _row(app, world.a, Site, site_id, "name", "address", "latitude") == (
        "Site one", "", None)


def test_site_page_works_when_no_tile_can_load(app: Flask, world: World, portal,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "MAP_TILE_URL", "http://127.0.0.1:9/{z}/{x}/{y}.png")
    site_id = _site_id(app, world.a)
    client = _login(portal, world.a)
    url = f"/sites/{site_id}/settings"
    page = client.get(url).get_data(as_text=True)
    assert 'data-tile-url="http://127.0.0.1:9/{z}/{x}/{y}.png"' in page
    assert 'name="latitude"' in page and 'name="longitude"' in page
    response = client.post(url, {"name": "Site one", "latitude": "1.5", "longitude": "2.5"},
                           csrf_from=url)
    assert response.status_code == 302


def test_site_admin_reaches_only_their_own_site(app: Flask, world: World, portal) -> None:
    client = _login(portal, world.a, Role.SITE_ADMIN)
    assert client.get(f"/sites/{_site_id(app, world.a)}/settings").status_code == 200
    other = _site_id(app, world.a, "Site two")
    assert client.get(f"/sites/{other}/settings").status_code == 404
    response = client.post(f"/sites/{other}/settings", {"name": "Taken"},
                           csrf_from="/account/password")
    assert response.status_code == 404
    assert _row(app, world.a, Site, other, "name") == ("Site two",)


def test_another_company_site_is_not_there(app: Flask, world: World, portal) -> None:
    client = _login(portal, world.a)
    assert client.get(f"/sites/{_site_id(app, world.b)}/settings").status_code == 404


# --- floors and floor maps ----------------------------------------------------------------

def _upload(client: PortalClient, floor_id: int, content: bytes, filename: str,
            name: str = "Level 2") -> Any:
    url = f"/floors/{floor_id}/settings"
    return client.post(url, {"name": name, "floor_map": (io.BytesIO(content), filename)},
                       csrf_from=url, content_type="multipart/form-data")


@pytest.mark.parametrize(("kind", "content_type"), [("PNG", "image/png"),
                                                    ("JPEG", "image/jpeg")])
def test_floor_is_renamed_and_its_map_uploaded_and_served(
        app: Flask, world: World, portal, kind: str, content_type: str) -> None:
    floor_id = _floor_id(app, world.a)
    client = _login(portal, world.a)
    content = image(kind)
    # The name and the browser's content type say nothing: the content decides.
    assert _upload(client, floor_id, content, "plan.bin").status_code == 302
    served = client.get(f"/floors/{floor_id}/map")
    assert served.status_code == 200 and served.mimetype == content_type
    assert served.data == content
    assert _row(app, world.a, Floor, floor_id, "name") == ("Level 2",)
    page = client.get(f"/floors/{floor_id}/settings").get_data(as_text=True)
    assert f"/floors/{floor_id}/map" in page


def _truncated_png() -> bytes:
    whole = image("PNG", (300, 300))
    return whole[: len(whole) // 2]


SMALL_LIMIT = 20_000  # stands for 2 MB: the same check, without multi-megabyte test bodies


def _too_large_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, 100)).save(out, "PNG", compress_level=0)  # about 30 kB
    assert len(out.getvalue()) > SMALL_LIMIT
    return out.getvalue()


@pytest.mark.parametrize(("content", "filename", "message"), [
    (lambda: b"just some text, not an image\n" * 10, "map.png", "not one (or it is damaged)"),
    (lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "map.pdf", "not one"),
    (lambda: image("GIF"), "map.gif", "not one"),
    (_truncated_png, "map.png", "not one (or it is damaged)"),
    (_too_large_png, "map.png", "larger than 0.0190735 MB"),
], ids=["text named map.png", "pdf", "gif", "truncated png", "over 2 MB"])
def test_a_bad_floor_map_is_refused_and_nothing_is_kept(
        app: Flask, world: World, portal, content: Callable[[], bytes], filename: str,
        message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(floor_maps, "MAX_BYTES", SMALL_LIMIT)
    floor_id = _floor_id(app, world.a)
    client = _login(portal, world.a)
    response = _upload(client, floor_id, content(), filename)
    assert response.status_code in {400, 413}
    body = response.get_data(as_text=True)
    assert message in body and "invalid-feedback" in body
    assert _row(app, world.a, Floor, floor_id, "name", "floor_map_content_type") == (
        "Level 1", None)
    assert client.get(f"/floors/{floor_id}/map").status_code == 404


def test_floor_map_is_served_only_to_who_may_see_the_floor(app: Flask, world: World,
                                                           portal) -> None:
    floor_id = _floor_id(app, world.a, site="Site two")
    assert _upload(_login(portal, world.a), floor_id, image("PNG"), "m.png").status_code == 302
    assert _login(portal, world.a, Role.SUPPORT).get(f"/floors/{floor_id}/map").status_code == 200
    site_admin = _login(portal, world.a, Role.SITE_ADMIN)  # of Site one
    assert site_admin.get(f"/floors/{floor_id}/map").status_code == 404
    assert site_admin.get(f"/floors/{floor_id}").status_code == 404
    assert _login(portal, world.a, Role.EV_USER).get(f"/floors/{floor_id}/map").status_code == 404


def _place(client: PortalClient, floor_id: int, body: Any) -> Any:
    token = client.csrf_token(f"/floors/{floor_id}/settings")
    return client.client.post(f"/floors/{floor_id}/positions", base_url=client.base_url,
                              json=body, headers={"X-CSRFToken": token})


def test_stations_are_placed_on_the_floor_map_and_kept(app: Flask, world: World,
                                                       portal) -> None:
    cb = world.a.station_site1
    floor_id = _floor_id(app, world.a, cb, world.a.own_station)
    assert _upload(_login(portal, world.a), floor_id, image("PNG"), "m.png",
                   name="Level 1").status_code == 302
    client = _login(portal, world.a, Role.SITE_ADMIN)
    station_id = _station(app, world.a, cb)["id"]
    before = _version(app, world.a)
    response = _place(client, floor_id, {"station_id": station_id, "x": 0.25, "y": 1})
    assert response.status_code == 200
    assert response.get_json() == {"station_id": station_id, "x": 0.25, "y": 1.0}
    assert (_station(app, world.a, cb)["floor_x"], _station(app, world.a, cb)["floor_y"]) == (
        0.25, 1.0)
    assert _version(app, world.a) != before
    page = client.get(f"/floors/{floor_id}").get_data(as_text=True)
    assert f'data-station-id="{station_id}"' in page and 'data-x="0.25"' in page
    assert "js/floor-map.js" in page and f"node=floor:{floor_id}" in page
    # A plain form does the same (no script).
    form = client.post(f"/floors/{floor_id}/positions",
                       {"station_id": str(station_id), "x": "0.5", "y": "0.5"},
                       csrf_from=f"/floors/{floor_id}/settings")
    assert form.status_code == 302 and _station(app, world.a, cb)["floor_x"] == 0.5


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"x": 1.01}, 422, "x"), ({"x": -0.1}, 422, "x"), ({"y": "NaN"}, 422, "y"),
    ({"y": True}, 422, "y"), ({"x": 10**400}, 422, "x"), ({"x": None}, 422, "x"),
    ({"station_id": "1 OR 1=1"}, 404, "station_id"), ({"station_id": 10**30}, 404, "station_id"),
])
def test_bad_positions_are_refused_and_nothing_is_kept(
        app: Flask, world: World, portal, change: dict[str, Any], status: int,
        field: str) -> None:
    cb = world.a.station_site1
    floor_id = _floor_id(app, world.a, cb)
    client = _login(portal, world.a)
    body = {"station_id": _station(app, world.a, cb)["id"], "x": 0.5, "y": 0.5, **change}
    response = _place(client, floor_id, body)
    assert response.status_code == status
    assert response.get_json()["field"] == field and response.get_json()["message"]
    assert _station(app, world.a, cb)["floor_x"] is None


def test_only_stations_of_this_floor_are_placed(app: Flask, world: World, portal) -> None:
    floor_id = _floor_id(app, world.a, world.a.station_site1)
    client = _login(portal, world.a)
    for other in (_station(app, world.a, world.a.own_station)["id"],   # on no floor
                  _station(app, world.b, world.b.own_station)["id"]):  # another company's
        response = _place(client, floor_id, {"station_id": other, "x": 0.5, "y": 0.5})
        assert response.status_code == 404
    assert _station(app, world.a, world.a.own_station)["floor_x"] is None
    assert _station(app, world.b, world.b.own_station)["floor_x"] is None
    assert _place(client, floor_id, ["not", "an", "object"]).status_code == 422


# --- stations -----------------------------------------------------------------------------

STATION_FORM = {
    "name": "Entrance charger", "description": "By the gate", "heartbeat_interval": "120",
    "availability": "public", "registration_status": "Rejected", "note": "Key in reception",
    "address": "Gate 1", "latitude": "59.91", "longitude": "10.76", "rated_power_kw": "7,4",
}


def test_site_admin_saves_station_settings(app: Flask, world: World, portal) -> None:
    cb = world.a.station_site1
    client = _login(portal, world.a, Role.SITE_ADMIN)
    url = f"/stations/{cb}/settings"
    page = client.get(url).get_data(as_text=True)
    assert "Read-only" in page and "ocpp1.6j" in page and "station-uuid" in page
    assert f'href="{url}"' in client.get(f"/stations/{cb}").get_data(as_text=True)  # the tab
    assert "replace-key-form" not in page  # keys are the administrators'
    before = _version(app, world.a)
    assert client.post(url, STATION_FORM, csrf_from=url).status_code == 302
    saved = _station(app, world.a, cb)
    assert (saved["name"], saved["description"], saved["note"], saved["address"]) == (
        "Entrance charger", "By the gate", "Key in reception", "Gate 1")
    assert (saved["availability"].value, saved["registration_status"].value,
            saved["heartbeat_interval"]) == ("public", "Rejected", 120)
    assert (saved["latitude"], saved["longitude"]) == (59.91, 10.76)
    assert saved["rated_power_w"] == 7_400  # typed in kW, kept in W
    assert 'value="7.4"' in client.get(url).get_data(as_text=True)
    assert _version(app, world.a) != before
    assert client.post(url, {**STATION_FORM, "heartbeat_interval": "", "rated_power_kw": ""},
                       csrf_from=url).status_code == 302
    saved = _station(app, world.a, cb)
    assert saved["heartbeat_interval"] is None  # the company's again
    assert saved["rated_power_w"] is None  # not known: no energy check


@pytest.mark.parametrize(("change", "message"), [
    ({"heartbeat_interval": "0"}, "whole number of seconds from 1 to 86400"),
    ({"heartbeat_interval": "ten"}, "whole number of seconds from 1 to 86400"),
    ({"latitude": "-90.5"}, "Latitude must be between -90 and 90."),
    ({"name": "n" * 201}, "At most 200 characters."),
    ({"availability": "everyone"}, "Not a valid choice"),
    ({"registration_status": "Maybe"}, "Not a valid choice"),
    *(({"rated_power_kw": typed}, "Give the rated power in kW, from 0.1 to 1000")
      for typed in ("0.05", "1000.5", "-11", "NaN", "1e999999", "22 kW", "٢٢")),
])
def test_bad_station_settings_are_refused_and_nothing_is_kept(
        app: Flask, world: World, portal, change: dict[str, str], message: str) -> None:
    cb = world.a.station_site1
    client = _login(portal, world.a)
    url = f"/stations/{cb}/settings"
    response = client.post(url, {**STATION_FORM, **change}, csrf_from=url)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    saved = _station(app, world.a, cb)
    assert (saved["name"], saved["heartbeat_interval"], saved["registration_status"].value,
            saved["latitude"], saved["rated_power_w"]) == ("", None, "Accepted", None, None)


def test_a_station_on_a_floor_keeps_no_coordinates_of_its_own(app: Flask, world: World,
                                                              portal) -> None:
    cb = world.a.station_site1
    _floor_id(app, world.a, cb)
    client = _login(portal, world.a)
    url = f"/stations/{cb}/settings"
    assert 'name="latitude"' not in client.get(url).get_data(as_text=True)
    assert client.post(url, STATION_FORM, csrf_from=url).status_code == 302
    assert _station(app, world.a, cb)["latitude"] is None


def test_admin_sets_a_new_authorization_key(app: Flask, world: World, portal) -> None:
    cb = world.a.station_site1
    client = _login(portal, world.a)
    url = f"/stations/{cb}/settings/authorization-key"
    refused = client.post(url, {"auth_key": "short"}, csrf_from=f"/stations/{cb}/settings")
    assert refused.status_code == 400 and "16 to 40 printable" in refused.get_data(as_text=True)
    response = client.post(url, {"auth_key": "a-brand-new-key-1234"},
                           csrf_from=f"/stations/{cb}/settings")
    assert response.status_code == 200 and "a-brand-new-key-1234" in response.get_data(
        as_text=True)

    def check(tenant: Tenant) -> Any:
        return stations.check_credentials(tenant, stations.find(cb), cb, "a-brand-new-key-1234")
    assert _in(app, world.a, check) is None  # the station connects with it


def test_site_admin_gets_404_for_a_station_of_another_site(world: World, portal) -> None:
    client = _login(portal, world.a, Role.SITE_ADMIN)
    assert client.get(f"/stations/{world.a.station_site2}/settings").status_code == 404
    assert _login(portal, world.a).get(
        f"/stations/{world.b.own_station}/settings").status_code == 404


# --- outlets ------------------------------------------------------------------------------

def _outlet_id(app: Flask, company: Company, charge_box_id: str) -> int:
    return _in(app, company, lambda _: stations.find(charge_box_id).outlets[0].id)


def test_outlet_settings_are_kept_with_an_id_per_service(app: Flask, world: World,
                                                         portal) -> None:
    outlet_id = _outlet_id(app, world.a, world.a.station_site1)
    client = _login(portal, world.a)
    url = f"/outlets/{outlet_id}/settings"
    assert "No services connected yet." in client.get(url).get_data(as_text=True)
    service_id = _in(app, world.a, lambda tenant: _add_service(tenant))
    form = {"connector_type": "CCS2", "parking_label": "P12", "mode": "OPEN",
            f"external_id-{service_id}": "DE*ABC*E1234"}
    assert client.post(url, form, csrf_from=url).status_code == 302
    assert _row(app, world.a, Outlet, outlet_id, "connector_type", "parking_label", "mode",
                "external_ids") == ("CCS2", "P12", "OPEN", {str(service_id): "DE*ABC*E1234"})
    assert 'value="DE*ABC*E1234"' in client.get(url).get_data(as_text=True)


def _add_service(tenant: Tenant) -> int:
    service = ThirdPartyService(tenant_id=tenant.id, kind=ServiceKind.MAP, provider="ocpi",
                                name="Charge map")
    db.session.add(service)
    db.session.flush()
    return service.id


@pytest.mark.parametrize(("change", "message"), [
    ({"connector_type": "Type 9"}, "Not a valid choice"),
    ({"mode": "FREE"}, "Not a valid choice"),
    ({"parking_label": "p" * 101}, "At most 100 characters."),
    ({"external_id-999999": "X1"}, "not one of the company"),
    ({"external_id-" + "9" * 5000: "X1"}, "not one of the company"),
])
def test_bad_outlet_settings_are_refused_and_nothing_is_kept(
        app: Flask, world: World, portal, change: dict[str, str], message: str) -> None:
    outlet_id = _outlet_id(app, world.a, world.a.station_site1)
    client = _login(portal, world.a)
    url = f"/outlets/{outlet_id}/settings"
    form = {"connector_type": "CCS2", "parking_label": "P1", "mode": "OPEN", **change}
    response = client.post(url, form, csrf_from=url)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _row(app, world.a, Outlet, outlet_id, "connector_type", "mode", "external_ids") == (
        "", "RFID", {})


def test_outlets_of_another_site_or_company_are_not_there(app: Flask, world: World,
                                                          portal) -> None:
    site_admin = _login(portal, world.a, Role.SITE_ADMIN)
    assert site_admin.get(
        f"/outlets/{_outlet_id(app, world.a, world.a.station_site1)}/settings").status_code == 200
    assert site_admin.get(
        f"/outlets/{_outlet_id(app, world.a, world.a.station_site2)}/settings").status_code == 404
    assert _login(portal, world.a).get(
        f"/outlets/{_outlet_id(app, world.b, world.b.station_site1)}/settings").status_code == 404
