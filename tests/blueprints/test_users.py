"""Users pages: the filtered table and its Excel export; add a user of each role with its
fields; RFID in hex or decimal; give and move a card; deactivate (logins end), delete
(sessions stay), an EV user's personal data exported and erased; a site administrator
reads their site's EV users."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from portal.errors import Conflict
from portal.extensions import db
from portal.models import ChargingSession, Role, Site, Tag, Tenant, User
from portal.models.base import utcnow
from portal.services import (
    charging_sessions,
    stations,
    statistics,
    tags,
    user_management,
    users,
)
from portal.services.scope import SYSTEM
from tenants.scoping import tenant_scope
from tests.factories import PASSWORD, Company, World
from tests.portal_client import PortalClient
from tests.scene import company_scope, counted_queries, table_rows

EV_USER = {"first_name": "Eva", "last_name": "Volt", "email": "eva@example.com",
           "password": "eva-pass-12", "rfid": "", "rfid_format": "hex"}


def _login(portal: Any, company: Company, role: Role = Role.ADMIN) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def _add(client: PortalClient, role: str, **values: str) -> Any:
    return client.post(f"/users/new/{role}", values, csrf_from=f"/users/new/{role}")


def _user(app: Flask, company: Company, email: str) -> User | None:
    with company_scope(app, company):
        user = users.find_by_email(email)
        if user is not None:
            db.session.expunge(user)
        return user


def _site_id(app: Flask, company: Company, name: str) -> int:
    with company_scope(app, company):
        return db.session.scalar(select(Site.id).where(Site.name == name))


def test_an_administrator_adds_a_user_of_each_role_with_its_fields(
        app: Flask, world: World, portal) -> None:
    client = _login(portal, world.a)
    site1 = _site_id(app, world.a, "Site one")
    for role, heading in (("ev_user", "New EV user"), ("site_admin", "New site administrator")):
        assert f">{heading} </h1>" in client.get(f"/users/new/{role}").get_data(as_text=True)
    assert _add(client, "admin", first_name="Al", last_name="Boss", email="al@example.com",
                password=PASSWORD, email_on_alarm="y").status_code == 302
    assert _add(client, "site_admin", first_name="Si", email="si@example.com",
                password=PASSWORD, site=str(site1)).status_code == 302
    assert _add(client, "support", email="sup@example.com",
                password=PASSWORD).status_code == 302
    response = _add(client, "ev_user", **{**EV_USER, "site": str(site1),
                                          "parking_label": "B-12"})
    assert response.status_code == 302
    assert "EV user eva@example.com is added." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    al, si = _user(app, world.a, "al@example.com"), _user(app, world.a, "si@example.com")
    eva = _user(app, world.a, "eva@example.com")
    assert (al.role, al.email_on_alarm, al.first_name, al.last_name) == (
        Role.ADMIN, True, "Al", "Boss")
    assert (si.role, si.site_id) == (Role.SITE_ADMIN, site1)
    assert _user(app, world.a, "sup@example.com").role is Role.SUPPORT
    assert (eva.role, eva.site_id, eva.parking_label) == (Role.EV_USER, site1, "B-12")
    assert portal(world.a).login("eva@example.com", "eva-pass-12").status_code == 302


@pytest.mark.parametrize(("role", "values", "field", "message"), [
    ("site_admin", {"email": "x@example.com", "password": PASSWORD}, "site",
     "Choose the site."),
    ("support", {"email": "x@example.com"}, "password", "Enter a password."),
    ("support", {"email": "x@example.com", "password": "short"}, "password",
     "at least 8 characters"),
    ("support", {"email": "not an address", "password": PASSWORD}, "email",
     "is not a valid e-mail address"),
    ("ev_user", {**EV_USER, "rfid": "12G4", "rfid_format": "hex"}, "rfid",
     "A hex RFID number has the digits 0-9 and A-F only."),
    ("ev_user", {**EV_USER, "rfid": "12AB", "rfid_format": "decimal"}, "rfid",
     "A decimal RFID number has digits only."),
    ("ev_user", {**EV_USER, "rfid": "9" * 30, "rfid_format": "decimal"}, "rfid",
     "at most 20 hex digits"),
])
def test_a_bad_value_is_refused_next_to_its_field_and_adds_nobody(
        app: Flask, world: World, portal, role: str, values: dict[str, str], field: str,
        message: str) -> None:
    client = _login(portal, world.a)
    response = _add(client, role, **values)
    assert 400 <= response.status_code < 500
    page = response.get_data(as_text=True)
    feedback = page.split(f'name="{field}"')[1].split("</div>\n</div>")[0]
    assert message in feedback
    assert _user(app, world.a, "x@example.com") is None
    assert _user(app, world.a, "eva@example.com") is None


def test_an_e_mail_is_unique_in_the_company_not_across_companies(
        world: World, portal) -> None:
    client = _login(portal, world.a)
    taken = world.a.email(Role.SUPPORT)
    response = _add(client, "support", email=taken.upper(), password=PASSWORD)
    assert response.status_code == 409
    assert f"A user with e-mail {taken} already exists." in response.get_data(as_text=True)
    other = _login(portal, world.b)
    assert _add(other, "support", email=taken, password=PASSWORD).status_code == 302


def test_rfid_typed_in_decimal_is_stored_in_hex_and_unique_in_either_form(
        app: Flask, world: World, portal) -> None:
    client = _login(portal, world.a)
    assert _add(client, "ev_user", **{**EV_USER, "rfid": "77705923",
                                      "rfid_format": "decimal"}).status_code == 302
    with company_scope(app, world.a):
        assert db.session.scalar(select(Tag.id_tag).where(
            Tag.owner_id == users.find_by_email("eva@example.com").id)) == "04A1B2C3"
    response = _add(client, "ev_user", **{**EV_USER, "email": "bob@example.com",
                                          "rfid": "04-a1-b2-c3", "rfid_format": "hex"})
    assert response.status_code == 409
    assert ("Tag 04A1B2C3 belongs to Eva Volt: tick \"Move it to this person\"" in
            response.get_data(as_text=True).replace("&#34;", '"'))
    assert _user(app, world.a, "bob@example.com") is None


def test_a_card_moved_to_another_person_keeps_its_earlier_sessions_with_the_first(
        app: Flask, world: World, portal) -> None:
    client = _login(portal, world.a)
    assert _add(client, "ev_user", **{**EV_USER, "rfid": "C0FFEE"}).status_code == 302
    eva = _user(app, world.a, "eva@example.com")
    with company_scope(app, world.a):
        tag_id = db.session.scalar(select(Tag.id).where(Tag.id_tag == "C0FFEE"))
        shared = stations.find(world.a.shared_station)
        charging_sessions.start(shared, 1, "C0FFEE", 0, utcnow() - timedelta(hours=1))
    assert _add(client, "ev_user", **{**EV_USER, "email": "bob@example.com"}).status_code == 302
    bob = _user(app, world.a, "bob@example.com")
    response = client.post(f"/users/{bob.id}/edit", {
        **EV_USER, "email": "bob@example.com", "password": "", "rfid": "c0 ff ee",
        "move_card": "y"}, csrf_from=f"/users/{bob.id}/edit")
    assert response.status_code == 302, response.get_data(as_text=True)
    with company_scope(app, world.a):
        assert db.session.get(Tag, tag_id).owner_id == bob.id
        assert list(db.session.scalars(select(ChargingSession.user_id).where(
            ChargingSession.tag_id == tag_id))) == [eva.id]
    assert "C0FFEE" in client.get(f"/users/{bob.id}").get_data(as_text=True)
    # taken back: the tag stays, unowned
    response = client.post(f"/users/{bob.id}/cards/{tag_id}/take-back",
                           csrf_from=f"/users/{bob.id}")
    assert response.status_code == 302
    assert "stays in the company&#39;s tags, with no owner" in client.get(
        response.headers["Location"]).get_data(as_text=True)


def test_the_table_filters_on_every_column_and_sorts(app: Flask, world: World,
                                                     portal) -> None:
    client = _login(portal, world.a)
    site2 = _site_id(app, world.a, "Site two")
    _add(client, "ev_user", **{**EV_USER, "rfid": "0A1B2C", "site": str(site2),
                               "parking_label": "P7"})
    _add(client, "ev_user", **{**EV_USER, "first_name": "Zed", "last_name": "Amp",
                               "email": "zed@example.com", "parking_label": "Q1"})
    for query in ("email=EVA@", "first_name=ev", "last_name=vol", "role=ev_user&parking=p7",
                  f"rfid={0x0A1B2C}", "rfid=1b2", f"site={site2}", "parking=P7"):
        rows = table_rows(client.get(f"/users?{query}").get_data(as_text=True), "users")
        emails = {row.split(" | ")[0] for row in rows}
        assert "eva@example.com" in emails and "zed@example.com" not in emails, query
    all_rows = table_rows(client.get("/users?sort=-first_name").get_data(as_text=True),
                          "users")
    assert all_rows[0].startswith("zed@example.com")
    assert not any(world.b.email(Role.ADMIN) in row for row in all_rows)
    page = client.get("/users?role=nonsense").get_data(as_text=True)
    assert "Not a valid choice" in page  # shown, not applied


def test_the_excel_export_has_the_filtered_rows_and_no_formula(
        world: World, portal) -> None:
    client = _login(portal, world.a)
    _add(client, "ev_user", **{**EV_USER, "first_name": "=HYPERLINK(\"x\")", "rfid": "ABCD"})
    response = client.get("/users/export.xlsx?role=ev_user")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("E-mail", "First name", "Last name", "Role", "RFID")
    by_email = {row[0]: row for row in rows[1:]}
    assert set(by_email) == {"eva@example.com", world.a.email(Role.EV_USER)}
    assert by_email["eva@example.com"][1:5] == ("'=HYPERLINK(\"x\")", "Volt", "EV user", "ABCD")


def test_a_site_administrator_reads_the_ev_users_of_their_site_only(
        app: Flask, world: World, portal) -> None:
    admin = _login(portal, world.a)
    site1, site2 = _site_id(app, world.a, "Site one"), _site_id(app, world.a, "Site two")
    _add(admin, "ev_user", **{**EV_USER, "site": str(site1), "rfid": "C0FFEE"})
    _add(admin, "ev_user", **{**EV_USER, "email": "far@example.com", "site": str(site2)})
    client = _login(portal, world.a, Role.SITE_ADMIN)
    page = client.get("/users").get_data(as_text=True)
    assert [row.split(" | ")[:5] for row in table_rows(page, "users")] == [
        ["eva@example.com", "Eva", "Volt", "EV user", "C0FFEE"]]
    assert "Add EV user" not in page and "Edit" not in page
    eva = _user(app, world.a, "eva@example.com")
    shown = client.get(f"/users/{eva.id}").get_data(as_text=True)
    assert "C0FFEE" in shown and "Take back" not in shown and "Deactivate" not in shown
    far = _user(app, world.a, "far@example.com")
    assert client.get(f"/users/{far.id}").status_code == 404


def test_deactivating_ends_the_users_logins_and_reactivating_lets_them_in(
        app: Flask, world: World, portal) -> None:
    driver_email = world.a.email(Role.EV_USER)
    driver = _login(portal, world.a, Role.EV_USER)
    assert driver.get("/my/sessions").status_code == 200
    admin = _login(portal, world.a)
    user_id = _user(app, world.a, driver_email).id
    response = admin.post(f"/users/{user_id}/deactivate", csrf_from=f"/users/{user_id}")
    assert "their logins have ended" in admin.get(response.headers["Location"]).get_data(
        as_text=True)
    assert driver.get("/my/sessions").headers["Location"].startswith("/login")
    assert portal(world.a).login(driver_email).status_code != 302
    admin.post(f"/users/{user_id}/reactivate", csrf_from=f"/users/{user_id}")
    assert portal(world.a).login(driver_email).status_code == 302


def test_an_administrator_cannot_remove_themselves_nor_the_last_administrator(
        app: Flask, world: World, portal) -> None:
    admin = _login(portal, world.a)
    me = _user(app, world.a, world.a.email(Role.ADMIN)).id
    for action, message in (("deactivate", "You cannot deactivate your own account."),
                            ("delete", "You cannot delete your own account.")):
        response = admin.post(f"/users/{me}/{action}", csrf_from=f"/users/{me}")
        assert response.status_code == 409
        assert message in response.get_data(as_text=True)
    response = admin.post(f"/users/{me}/edit", {
        "email": world.a.email(Role.ADMIN), "password": "new-pass-123"},
        csrf_from=f"/users/{me}/edit")
    assert response.status_code == 422
    assert "Change your own password on the Change password page." in response.get_data(
        as_text=True)
    with company_scope(app, world.a):  # the operator's door: no actor
        last = users.find_by_email(world.a.email(Role.ADMIN))
        with pytest.raises(Conflict, match="is the company's last active administrator"):
            user_management.delete(last, None)


def _stamp_sessions(app: Flask, company: Company, user_id: int) -> None:
    """The factory's session made the driver's, as a StartTransaction stamps it."""
    with company_scope(app, company):
        db.session.execute(update(ChargingSession).values(user_id=user_id))


def test_deleting_a_user_keeps_their_sessions_in_the_statistics(
        app: Flask, world: World, portal) -> None:
    admin = _login(portal, world.a)
    driver = _user(app, world.a, world.a.email(Role.EV_USER))

    def sessions() -> list[tuple[int | None, int | None]]:
        with company_scope(app, world.a):
            return [tuple(row) for row in db.session.execute(
                select(ChargingSession.user_id, ChargingSession.energy_wh))]

    def in_statistics() -> tuple[int, int]:
        with company_scope(app, world.a) as tenant:
            zone, today = ZoneInfo(tenant.time_zone), date.today()
            bars = statistics.energy(users.find_by_email(world.a.email(Role.ADMIN)), SYSTEM,
                                     statistics.period(today - timedelta(days=1), today,
                                                       statistics.Bucket.DAY, zone))
            return sum(bar.sessions for bar in bars), sum(bar.energy_wh for bar in bars)

    _stamp_sessions(app, world.a, driver.id)
    assert sessions() == [(driver.id, 7500)]
    assert in_statistics() == (1, 7500)
    response = admin.post(f"/users/{driver.id}/delete", csrf_from=f"/users/{driver.id}/delete")
    assert response.headers["Location"] == "/users"
    assert "their charging sessions are kept" in admin.get("/users").get_data(as_text=True)
    assert sessions() == [(None, 7500)]
    assert in_statistics() == (1, 7500)
    assert _user(app, world.a, driver.email) is None
    with company_scope(app, world.a):
        assert db.session.scalar(select(Tag.owner_id).where(
            Tag.id_tag == world.a.driver_tag)) is None


def test_an_ev_users_personal_data_is_exported_and_then_erased(
        app: Flask, world: World, portal) -> None:
    admin = _login(portal, world.a)
    driver = _user(app, world.a, world.a.email(Role.EV_USER))
    _stamp_sessions(app, world.a, driver.id)
    _login(portal, world.a, Role.EV_USER)  # a login to show
    data = json.loads(admin.get(f"/users/{driver.id}/personal-data.json").get_data())
    assert {"field": "E-mail", "value": driver.email} in [
        {key.lower(): value for key, value in row.items()} for row in data["profile"]]
    assert [tag["Tag"] for tag in data["tags"]] == [world.a.driver_tag]
    assert [(row["Tag"], row["Energy (Wh)"]) for row in data["sessions"]] == [
        (world.a.driver_tag, 7500)]
    assert len(data["logins"]) == 1
    workbook = load_workbook(io.BytesIO(admin.get(
        f"/users/{driver.id}/personal-data.xlsx").get_data()))
    assert workbook.sheetnames == ["Profile", "Tags", "Sessions", "Logins"]
    assert workbook["Sessions"]["D2"].value == world.a.driver_tag

    response = admin.post(f"/users/{driver.id}/erase", csrf_from=f"/users/{driver.id}/erase")
    assert response.headers["Location"] == "/users"
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        assert [tuple(row) for row in db.session.execute(select(
            ChargingSession.user_id, ChargingSession.tag_id, ChargingSession.id_tag,
            ChargingSession.energy_wh))] == [(None, None, "ERASED", 7500)]
        tag = db.session.scalar(select(Tag).where(Tag.id_tag == world.a.driver_tag))
        assert tag.owner_id is None
        assert db.session.scalar(select(func.count()).select_from(User).where(
            User.email == driver.email)) == 0


def test_the_table_reads_a_page_in_the_same_queries_for_few_users_and_many(
        app: Flask, world: World, portal) -> None:
    client = _login(portal, world.a)

    def queries() -> int:
        with counted_queries(app) as statements:
            assert client.get("/users?role=ev_user").status_code == 200
        return len(statements)

    few = queries()
    with company_scope(app, world.a) as tenant:
        site = db.session.scalar(select(Site).where(Site.name == "Site one"))
        for number in range(12):
            user = users.create(tenant, email=f"ev{number}@example.com", password=PASSWORD,
                                role=Role.EV_USER, site=site if number % 2 else None)
            tags.add(tenant, f"AB{number:04X}", owner=user)
    assert queries() == few
