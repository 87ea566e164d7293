"""The reservations page without a station on the line: filters, paging, who sees what,
cancellations refused before anything is sent."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.jobs import JOBS, run_for_every_company
from portal.models import Command, Reservation, ReservationStatus, Role, Tenant
from portal.models.base import utcnow
from portal.services import stations
from tenants.scoping import tenant_scope
from tests.factories import Company, World
from tests.scene import counted_queries

S = ReservationStatus
NOW = utcnow().replace(microsecond=0)
EXPIRE_RESERVATIONS = next(job for job in JOBS if job.name == "expire reservations")


def _add(app: Flask, company: Company, charge_box_id: str, id_tag: str, status: S,
         made_ago: timedelta, expires_in: timedelta, count: int = 1) -> list[int]:
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station = stations.find(charge_box_id)
            made = [Reservation(tenant_id=tenant.id, station=station, connector_id=1,
                                id_tag=id_tag, status=status, created_at=NOW - made_ago,
                                expiry_at=NOW + expires_in) for _ in range(count)]
            db.session.add_all(made)
            db.session.commit()
            return [reservation.id for reservation in made]


def _status(app: Flask, company: Company, reservation_id: int) -> S:
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        return db.session.get(Reservation, reservation_id).status


def _shown(html: str, *reservation_ids: int) -> set[int]:
    return {reservation_id for reservation_id in reservation_ids
            if f'id="reservation-{reservation_id}"' in html}


def test_the_list_filters_by_station_tag_status_and_period(app: Flask, world: World,
                                                           portal) -> None:
    a = world.a
    [held] = _add(app, a, a.station_site1, "ALPHA", S.ACCEPTED, timedelta(hours=1),
                  timedelta(hours=1))
    [used] = _add(app, a, a.station_site2, "BETA", S.USED, timedelta(days=3), -timedelta(days=2))
    [old] = _add(app, a, a.station_site1, "BETA", S.CANCELLED, timedelta(days=10),
                 -timedelta(days=9))
    client = portal(a)
    client.login(a.email(Role.ADMIN))
    every = (held, used, old)
    page = client.get("/reservations").get_data(as_text=True)
    assert _shown(page, *every) == set(every)
    assert 'href="/reservations"' in page  # the menu entry
    assert page.count("btn-outline-danger") == 1  # Cancel: only the held one
    since = (NOW - timedelta(days=2, hours=12)).strftime("%Y-%m-%dT%H:%M")
    until = (NOW - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    for query, expected in [(f"charge_box_id={a.station_site2.lower()}", {used}),
                            ("id_tag=beta", {used, old}), ("status=Used", {used}),
                            (f"since={since}", {held, used}), (f"until={until}", {old}),
                            ("status=Requested", set())]:
        html = client.get(f"/reservations?{query}").get_data(as_text=True)
        assert _shown(html, *every) == expected, query
    assert "No reservation matches these filters." in client.get(
        "/reservations?status=Requested").get_data(as_text=True)


def test_the_list_comes_in_pages(app: Flask, world: World, portal) -> None:
    made = _add(app, world.a, world.a.station_site1, "ALPHA", S.USED, timedelta(days=1),
                -timedelta(hours=1), count=51)
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    first = client.get("/reservations").get_data(as_text=True)
    assert "Page 1 of 2 · 51 reservations" in first
    second = client.get("/reservations?page=2").get_data(as_text=True)
    assert _shown(second, *made) == {made[0]}  # newest first: the oldest is last


def test_a_site_admin_sees_and_cancels_only_their_sites_reservations(app: Flask, world: World,
                                                                    portal) -> None:
    a = world.a
    [mine] = _add(app, a, a.station_site1, "ALPHA", S.ACCEPTED, timedelta(hours=1),
                  timedelta(hours=1))
    [theirs] = _add(app, a, a.station_site2, "ALPHA", S.ACCEPTED, timedelta(hours=1),
                    timedelta(hours=1))
    client = portal(a)
    client.login(a.email(Role.SITE_ADMIN))
    assert _shown(client.get("/reservations").get_data(as_text=True), mine, theirs) == {mine}
    response = client.post(f"/reservations/{theirs}/cancel", csrf_from="/reservations")
    assert response.status_code == 404
    assert _status(app, a, theirs) is S.ACCEPTED


def test_another_companys_reservation_is_not_found(app: Flask, world: World, portal) -> None:
    [foreign] = _add(app, world.b, world.b.station_site1, "ALPHA", S.ACCEPTED,
                     timedelta(hours=1), timedelta(hours=1))
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    assert client.post(f"/reservations/{foreign}/cancel",
                       csrf_from="/reservations").status_code == 404
    assert _shown(client.get("/reservations").get_data(as_text=True), foreign) == set()
    assert _status(app, world.b, foreign) is S.ACCEPTED


def test_only_an_accepted_running_reservation_can_be_cancelled(app: Flask, world: World,
                                                               portal) -> None:
    [used] = _add(app, world.a, world.a.station_site1, "ALPHA", S.USED, timedelta(hours=2),
                  timedelta(hours=1))
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    response = client.post(f"/reservations/{used}/cancel", csrf_from="/reservations")
    assert response.status_code == 302
    assert (f"Reservation {used} is Used: only an accepted reservation that has not expired "
            "can be cancelled.") in client.get("/reservations").get_data(as_text=True)
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        assert db.session.scalars(select(Command)).all() == []


def test_the_page_writes_nothing_and_shows_an_overdue_reservation_expired(
        app: Flask, world: World, portal) -> None:
    [overdue] = _add(app, world.a, world.a.station_site1, "ALPHA", S.ACCEPTED,
                     timedelta(hours=2), -timedelta(minutes=1))
    client = portal(world.a)
    client.login(world.a.email(Role.ADMIN))
    with counted_queries(app) as statements:
        html = client.get("/reservations?status=Expired").get_data(as_text=True)
    assert {sql.split()[0].upper() for sql in statements} == {"SELECT"}, statements
    assert _shown(html, overdue) == {overdue}
    row = html.split(f'id="reservation-{overdue}"')[1].split("</tr>")[0]
    assert "<td>Expired" in row and "Cancel" not in row
    assert _shown(client.get("/reservations?status=Accepted").get_data(as_text=True),
                  overdue) == set()
    assert _status(app, world.a, overdue) is S.ACCEPTED  # the page only read it
    with app.app_context():
        run_for_every_company(EXPIRE_RESERVATIONS)
    assert _status(app, world.a, overdue) is S.EXPIRED  # the clock stores it
