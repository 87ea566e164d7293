"""Input the database cannot hold gets a clear 4xx from the pages, changes nothing, and
loses nothing: ids past 32 bits, page numbers past any page, times that leave the calendar
in the company's time zone, numbers past 32 bits in forms and CSV files, NUL characters."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.models import Command, Role, Tag, Tenant
from portal.models.base import Base
from tenants.scoping import tenant_scope
from tests.factories import Company, World
from tests.portal_client import PortalClient
from tests.scene import station

PAST_32_BITS = "2147483648"
PAST_64_BITS = "99999999999999999999"
HUGE_PAGE = "9223372036854775807"


def _admin(portal: Any, company: Company, role: Role = Role.ADMIN) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def _count(app: Flask, company: Company, model: type[Base]) -> int:
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def _set_time_zone(app: Flask, company: Company, zone: str) -> None:
    with app.app_context():
        db.session.get(Tenant, company.tenant_id).time_zone = zone
        db.session.commit()


@pytest.mark.parametrize("number", [PAST_32_BITS, PAST_64_BITS, "0"])
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/charging-profiles/{}"),
    ("GET", "/charging-profiles/{}/edit"),
    ("POST", "/charging-profiles/{}/delete"),
    ("POST", "/charging-profiles/{}/install"),
    ("POST", "/charging-profiles/{}/remote-start"),
    ("POST", "/firmware/{}/delete"),
    ("POST", "/reservations/{}/cancel"),
    ("POST", "/api-tokens/{}/revoke"),
    ("GET", "/stations/{station}/diagnostics/{}"),
    ("GET", "/users/{}"),
    ("GET", "/users/{}/edit"),
    ("POST", "/users/{}/deactivate"),
    ("POST", "/users/{}/delete"),
    ("GET", "/users/{}/personal-data.json"),
    ("POST", "/users/{}/erase"),
])
def test_an_id_the_database_cannot_hold_is_404(world: World, portal, method: str, path: str,
                                               number: str) -> None:
    client = _admin(portal, world.a)
    address = path.format(number, station=world.a.station_site1)
    if method == "GET":
        response = client.get(address)
    else:
        response = client.post(address, csrf_from="/dashboard")
    assert response.status_code == 404
    assert "There is nothing here. Check the address." in response.get_data(as_text=True)


@pytest.mark.parametrize(("path", "role"), [
    ("/stations", Role.ADMIN),
    ("/connectors", Role.ADMIN),
    ("/connection-attempts", Role.ADMIN),
    ("/operations/history", Role.ADMIN),
    ("/reservations", Role.ADMIN),
    ("/tags", Role.ADMIN),
    ("/users", Role.ADMIN),
    ("/my/sessions", Role.EV_USER),
])
def test_a_page_number_past_any_list_is_404_with_a_message(world: World, portal, path: str,
                                                           role: Role) -> None:
    client = _admin(portal, world.a, role)
    address = path.format(station=world.a.station_site1)
    response = client.get(f"{address}?page={HUGE_PAGE}")
    assert response.status_code == 404
    assert f"There is no page {HUGE_PAGE} of this list." in response.get_data(as_text=True)
    assert client.get(f"{address}?page=2").status_code == 200  # past the end, but near


@pytest.mark.parametrize(("zone", "moment"), [
    ("Asia/Tokyo", "0001-01-01T00:00"),  # before year 1 in UTC
    ("America/New_York", "9999-12-31T23:59"),  # after year 9999 in UTC
])
# A filter that cannot apply is shown, not applied; the message logs also answer 400.
@pytest.mark.parametrize(("path", "status"), [
    ("/stations/{station}/messages", 400), ("/messages", 400), ("/reservations", 200),
    ("/operations/history", 200), ("/audit", 400), ("/audit/export.xlsx", 400),
])
def test_a_filter_time_outside_the_calendar_in_utc_is_shown_as_an_error(
    app: Flask, world: World, portal, path: str, status: int, zone: str, moment: str
) -> None:
    _set_time_zone(app, world.a, zone)
    client = _admin(portal, world.a)
    for name in ("since", "until"):
        response = client.get(path.format(station=world.a.station_site1) + f"?{name}={moment}")
        assert response.status_code == status
        assert "Too early or too late to be a time in UTC." in response.get_data(as_text=True)


def test_a_reservation_until_outside_the_calendar_is_a_form_error(
    app: Flask, world: World, portal
) -> None:
    _set_time_zone(app, world.a, "America/New_York")
    client = _admin(portal, world.a)
    response = client.post("/reservations", {
        "charge_box_id": world.a.station_site1, "connector_id": "1", "id_tag": "ALPHA",
        "expiry_at": "9999-12-31T23:59:59"}, csrf_from="/reservations")
    assert response.status_code == 400
    assert "Too early or too late to be a time in UTC." in response.get_data(as_text=True)
    assert _count(app, world.a, Command) == 0


def test_a_charging_profile_valid_from_outside_the_calendar_is_a_form_error(
    app: Flask, world: World, portal
) -> None:
    _set_time_zone(app, world.a, "Asia/Tokyo")
    client = _admin(portal, world.a)
    response = client.post("/charging-profiles/new", {
        "charging_profile_id": "77", "stack_level": "0", "purpose": "TxDefaultProfile",
        "kind": "Relative", "rate_unit": "A", "valid_from": "0001-01-01T00:00",
        "periods-0-start_period": "0", "periods-0-limit": "16"},
        csrf_from="/charging-profiles/new")
    assert response.status_code == 400
    assert "Too early or too late to be a time in UTC." in response.get_data(as_text=True)


def test_get_diagnostics_times_outside_the_calendar_are_form_errors(
    app: Flask, world: World, portal
) -> None:
    _set_time_zone(app, world.a, "Asia/Tokyo")
    client = _admin(portal, world.a)
    page = f"/stations/{world.a.station_site1}/firmware"
    response = client.post(f"/stations/{world.a.station_site1}/diagnostics",
                           {"start_time": "0001-01-01T00:00"}, csrf_from=page)
    assert response.status_code == 400
    assert "Too early or too late to be a time in UTC." in response.get_data(as_text=True)
    assert _count(app, world.a, Command) == 0


@pytest.mark.parametrize(("path", "form"), [
    ("/stations/{station}/charging/clear", {"charging_profile_id": "99999999999"}),
    ("/stations/{station}/charging/clear", {"stack_level": "-99999999999"}),
    ("/stations/{station}/charging/composite-schedule",
     {"connector_id": "0", "duration": "99999999999"}),
    ("/operations/send/ClearChargingProfile",
     {"ClearChargingProfile-profile_id": "99999999999", "station": "{station_id}"}),
    ("/operations/send/RemoteStopTransaction",
     {"RemoteStopTransaction-transaction_id": "99999999999999", "station": "{station_id}"}),
    ("/operations/send/CancelReservation",
     {"CancelReservation-reservation_id": PAST_32_BITS, "station": "{station_id}"}),
    ("/stations/{station}/control/RemoteStopTransaction",
     {"RemoteStopTransaction-transaction_id": PAST_64_BITS}),
    ("/stations/{station}/diagnostics", {"retries": PAST_32_BITS}),
    ("/reservations", {"connector_id": PAST_32_BITS}),
])
def test_a_number_past_32_bits_in_a_form_is_refused_by_its_field(
    app: Flask, world: World, portal, path: str, form: dict[str, str]
) -> None:
    client = _admin(portal, world.a)
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        station_id = str(station(world.a.station_site1).id)
    values = {name: value.format(station_id=station_id) for name, value in form.items()}
    address = path.format(station=world.a.station_site1)
    response = client.post(address, values, csrf_from="/dashboard")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Number must be between -2147483648 and 2147483647." in html
    assert _count(app, world.a, Command) == 0


def test_a_csv_max_active_past_32_bits_rejects_its_row_with_a_reason(
    app: Flask, world: World, portal
) -> None:
    client = _admin(portal, world.a)
    content = ("tag,parent,expiry,max active,blocked,note\n"
               "BIG,,,99999999999,false,\n"
               "FINE,,,2,false,\n")
    response = client.post("/tags/import", {"file": (io.BytesIO(content.encode()), "t.csv")},
                           csrf_from="/tags/import", content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 row imported,\n  1 rejected (portal format)." in page
    assert ("max active 99999999999 is out of range (from -2147483648 to 2147483647)"
            in page)
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        assert set(db.session.scalars(select(Tag.id_tag).where(
            Tag.id_tag.in_(["BIG", "FINE"])))) == {"FINE"}


def test_a_csv_cell_with_a_nul_character_rejects_its_row(app: Flask, world: World,
                                                         portal) -> None:
    client = _admin(portal, world.a)
    content = ("tag,parent,expiry,max active,blocked,note\n"
               "NUL\x00TAG,,,1,false,\n"
               "NOTE,,,1,false,a\x00b\n"
               "FINE,,,1,false,\n")
    response = client.post("/tags/import", {"file": (io.BytesIO(content.encode()), "t.csv")},
                           csrf_from="/tags/import", content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 row imported,\n  2 rejected (portal format)." in page
    assert "a NUL character in the row: no tag, date or note holds one" in page


@pytest.mark.parametrize(("method", "path", "form"), [
    ("GET", "/stations/%00", None),
    ("GET", "/stations?charge_box_id=a%00b", None),
    ("GET", "/api/v1/stations/%00", None),
    ("POST", "/api-tokens", {"name": "a\x00b", "role": "admin"}),
    ("POST", "/reservations", {"charge_box_id": "\x00", "connector_id": "1",
                               "id_tag": "A", "expiry_at": "2030-01-01T00:00:00"}),
    ("GET", "/users?rfid=1%002", None),
    ("POST", "/users/new/ev_user", {"email": "nul@example.com", "password": "nul-pass-12",
                                    "rfid": "AB\x00CD", "rfid_format": "hex"}),
])
def test_a_nul_character_anywhere_in_a_request_is_400(app: Flask, world: World, portal,
                                                      method: str, path: str,
                                                      form: dict[str, str] | None) -> None:
    client = _admin(portal, world.a)
    before = _count(app, world.a, Command)
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, form, csrf_from="/dashboard")
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    assert _count(app, world.a, Command) == before


@pytest.fixture
def production_app(database_url: str, app: Flask) -> Iterator[Flask]:
    """The app as it runs (errors answered by the error pages, not raised to the test), with
    a route whose flush fails as a bug in a service would."""
    running = create_app({"DATABASE_URL": database_url, "SQLALCHEMY_DATABASE_URI": database_url,
                          "SECRET_KEY": "test-secret-key", "PORTAL_DOMAIN": "localhost",
                          "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"})

    @running.get("/broken-flush")
    def broken_flush() -> str:
        from flask import g
        db.session.add(Tag(tenant_id=g.tenant.id, id_tag=None))  # NOT NULL: the flush fails
        db.session.flush()
        return "unreachable"

    yield running
    with running.app_context():
        db.engine.dispose()


def test_a_failed_flush_still_gets_the_500_page(production_app: Flask, world: World,
                                                caplog: pytest.LogCaptureFixture) -> None:
    client = PortalClient(production_app, world.a)
    assert client.login(world.a.email(Role.ADMIN)).status_code == 302
    with caplog.at_level(logging.ERROR):
        response = client.get("/broken-flush")
    assert response.status_code == 500
    assert "The error has been logged. Please try again in a moment." in response.get_data(
        as_text=True)
    assert "PendingRollbackError" not in caplog.text
