"""Refused connections, and adding a station that was refused as unknown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ConnectionAttempt, RefusalReason, Role, Site, Station
from tests.factories import World
from tests.scene import company_scope, station, table_rows

FIRST = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
GOOD_KEY = "k3y-of-the-new-station"


def _refusals(app, world: World) -> None:
    with company_scope(app, world.a):
        db.session.add_all([
            ConnectionAttempt(charge_box_id="CP-NEW", reason=RefusalReason.UNKNOWN_STATION,
                              remote_address="192.0.2.7", attempts=12, first_at=FIRST,
                              last_at=FIRST + timedelta(hours=2)),
            ConnectionAttempt(charge_box_id=world.a.station_site2, reason=RefusalReason.WRONG_KEY,
                              remote_address="192.0.2.8", attempts=3, first_at=FIRST,
                              last_at=FIRST + timedelta(hours=1)),
            ConnectionAttempt(charge_box_id="CP-OLD", reason=RefusalReason.UNKNOWN_STATION,
                              remote_address="192.0.2.9", first_at=FIRST, last_at=FIRST),
            # Registered in company B only: still unknown here.
            ConnectionAttempt(charge_box_id=world.b.own_station,
                              reason=RefusalReason.UNKNOWN_STATION,
                              first_at=FIRST - timedelta(days=1),
                              last_at=FIRST - timedelta(days=1)),
        ])
    with company_scope(app, world.b):
        db.session.add(ConnectionAttempt(charge_box_id="CP-OF-B",
                                         reason=RefusalReason.UNKNOWN_STATION))


def _admin(portal, world: World):
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    return client


def test_admin_sees_refused_connections_latest_first(app, portal, world: World) -> None:
    _refusals(app, world)
    page = _admin(portal, world).get("/connection-attempts").get_data(as_text=True)
    assert table_rows(page, "attempts") == [
        "CP-NEW | unknown station | 12 | 2026-01-15 08:00:00 | 2026-01-15 10:00:00"
        " | 192.0.2.7 | Add this station",
        f"{world.a.station_site2} | wrong authorization key | 3 | 2026-01-15 08:00:00"
        " | 2026-01-15 09:00:00 | 192.0.2.8 | Open station",
        "CP-OLD | unknown station | 1 | 2026-01-15 08:00:00 | 2026-01-15 08:00:00"
        " | 192.0.2.9 | Add this station",
        f"{world.b.own_station} | unknown station | 1 | 2026-01-14 08:00:00"
        " | 2026-01-14 08:00:00 | | Add this station",
    ]
    assert "CP-OF-B" not in page


def test_menu_offers_refused_connections_to_administrators_only(portal, world: World) -> None:
    for role, shown in ((Role.ADMIN, True), (Role.SITE_ADMIN, False), (Role.SUPPORT, False)):
        client = portal(world.a)
        client.login(world.a.email(role))
        nav = client.get("/stations").get_data(as_text=True).split("</nav>")[0]
        assert (">Connections<" in nav) is shown, role


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_adding_a_refused_station_registers_it_with_key_and_site(
    app, portal, world: World
) -> None:
    _refusals(app, world)
    client = _admin(portal, world)
    form = "/connection-attempts/CP-NEW/add"
    response = client.post(form, {"auth_key": GOOD_KEY, "site": "Depot"}, csrf_from=form)
    assert response.status_code == 302
    assert response.headers["Location"] == "/stations/CP-NEW"
    assert "Station CP-NEW is registered." in client.get("/stations/CP-NEW").get_data(as_text=True)
    with company_scope(app, world.a):
        added = station("CP-NEW")
        assert added.site is not None and added.site.name == "Depot"
        assert added.auth_key_hash and GOOD_KEY not in added.auth_key_hash
    attempts = table_rows(client.get("/connection-attempts").get_data(as_text=True), "attempts")
    assert attempts[0].startswith("CP-NEW |") and attempts[0].endswith("| Open station")


def test_adding_with_an_existing_site_and_no_key(app, portal, world: World) -> None:
    client = _admin(portal, world)
    form = "/connection-attempts/CP-OLD/add"
    assert client.post(form, {"site": "Site one"}, csrf_from=form).status_code == 302
    with company_scope(app, world.a):
        added = station("CP-OLD")
        assert added.site.name == "Site one" and added.auth_key_hash is None
        assert _count(Site) == 2


def test_a_bad_key_keeps_the_form_and_changes_nothing(app, portal, world: World) -> None:
    _refusals(app, world)
    client = _admin(portal, world)
    form = "/connection-attempts/CP-NEW/add"
    response = client.post(form, {"auth_key": "too short", "site": "Depot"}, csrf_from=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="form-control is-invalid" id="auth_key"' in html
    assert "The authorization key must be 16 to 40 printable characters" in html
    assert 'value="Depot"' in html  # what was typed stays
    with company_scope(app, world.a):
        assert db.session.scalar(select(Station).where(Station.charge_box_id == "CP-NEW")) is None
        assert db.session.scalar(select(Site).where(Site.name == "Depot")) is None


def test_adding_a_station_that_exists_says_so_and_changes_nothing(
    app, portal, world: World
) -> None:
    client = _admin(portal, world)
    form = f"/connection-attempts/{world.a.station_site2}/add"
    response = client.post(form, {"auth_key": GOOD_KEY, "site": "Depot"}, csrf_from=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"Station {world.a.station_site2} already exists." in html
    with company_scope(app, world.a):
        assert station(world.a.station_site2).site.name == "Site two"
        assert station(world.a.station_site2).auth_key_hash is None
        assert _count(Site) == 2


def test_adding_without_the_form_token_is_refused(app, portal, world: World) -> None:
    client = _admin(portal, world)
    response = client.post("/connection-attempts/CP-NEW/add", {"auth_key": GOOD_KEY})
    assert response.status_code == 400
    with company_scope(app, world.a):
        assert db.session.scalar(select(Station).where(Station.charge_box_id == "CP-NEW")) is None


def test_dot_segments_cannot_be_added_as_stations(app, portal, world: World) -> None:
    client = _admin(portal, world)
    for charge_box_id in (".", ".."):
        form = f"/connection-attempts/{charge_box_id}/add"
        response = client.post(form, {}, csrf_from="/connection-attempts/CP-NEW/add")
        assert response.status_code == 422, charge_box_id
        assert "is not a usable chargeBoxId" in response.get_data(as_text=True)
    with company_scope(app, world.a):
        assert db.session.scalar(select(Station).where(Station.charge_box_id.in_(
            [".", ".."]))) is None
