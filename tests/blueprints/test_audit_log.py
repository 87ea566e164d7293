"""The audit log: what people change through the pages, the API and the CLI is recorded with
who, when, from where and the values before and after; administrators read, filter and
export it, support users the entries about stations; nothing changes an entry."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from portal.extensions import db
from portal.models import (
    Alarm,
    AlarmKind,
    AlarmSeverity,
    AuditEntry,
    ChargingSession,
    Role,
    StationFile,
    Tag,
    Tenant,
    User,
)
from portal.models.base import utcnow
from portal.services import alarms, charging_sessions, stations, tags
from portal.services.audit import ERASURE, AuditEntryImmutable
from tenants.scoping import tenant_scope
from tests.api.client import Api, new_token
from tests.factories import PASSWORD, Company, World
from tests.portal_client import PortalClient
from tests.scene import company_scope

AUDIT_ROUTES = ("/audit", "/audit/export.csv", "/audit/export.xlsx")


def _login(portal: Any, company: Company, role: Role) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def _entries(app: Flask, company: Company) -> list[AuditEntry]:
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        found = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return found


def _rows(page: str) -> list[str]:
    """The text of the audit table's rows, tags stripped, white space folded."""
    body = page.split('id="audit"', 1)[1].split("</tbody>", 1)[0]
    rows = body.split("<tr>")[2:]
    return [" ".join(_strip_tags(row).split()) for row in rows]


def _strip_tags(html: str) -> str:
    text = re.sub(r"<[^>]*>", "", html)
    return text.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")


def _add_tag(app: Flask, company: Company, id_tag: str, **values: Any) -> int:
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            tag_id = tags.add(tenant, id_tag, **values).id
            db.session.commit()
            return tag_id


def _edit_tag(client: PortalClient, tag_id: int, **values: str) -> None:
    form = {"id_tag": "", "parent": "", "expiry": "", "max_active": "1", "owner": "",
            "note": "", **values}
    path = f"/tags/{tag_id}/edit"
    assert client.post(path, form, csrf_from=path).status_code == 302


def test_a_tag_edited_on_a_page_shows_who_from_where_and_the_values_before_and_after(
        app: Flask, world: World, portal) -> None:
    tag_id = _add_tag(app, world.a, "CARD-1", note="before")  # no one acting: not recorded
    admin = world.a.email(Role.ADMIN)
    client = _login(portal, world.a, Role.ADMIN)
    _edit_tag(client, tag_id, id_tag="CARD-ONE", max_active="3", note="after")
    rows = _rows(client.get("/audit").get_data(as_text=True))
    assert rows[0].startswith(f"{utcnow():%Y-%m-%d}")  # the company's zone is UTC
    assert (f'{admin} 127.0.0.1 changed tag CARD-ONE #{tag_id} id_tag: "CARD-1" → "CARD-ONE" '
            'max_active_transactions: 1 → 3 note: "before" → "after"') in rows[0]
    assert f"{admin} 127.0.0.1 logged in user {admin}" in rows[1]
    assert len(rows) == 2


def test_the_address_is_the_clients_behind_the_proxy(app: Flask, world: World, portal,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    tag_id = _add_tag(app, world.a, "CARD-P")
    client = _login(portal, world.a, Role.ADMIN)
    path = f"/tags/{tag_id}/edit"
    form = {"id_tag": "CARD-P", "parent": "", "expiry": "", "max_active": "2", "owner": "",
            "note": "", "csrf_token": client.csrf_token(path)}
    # The app trusts no proxy (PROXY_FIX_HOPS 0): a forged X-Forwarded-For changes nothing.
    client.client.post(path, base_url=client.base_url, data=form,
                       headers={"X-Forwarded-For": "203.0.113.9"})
    assert _entries(app, world.a)[-1].address == "127.0.0.1"


def test_a_password_change_is_recorded_without_the_hash(app: Flask, world: World,
                                                        portal) -> None:
    client = _login(portal, world.a, Role.SUPPORT)
    path = "/account/password"
    response = client.post(path, {"current_password": PASSWORD,
                                  "new_password": "a new passphrase 42",
                                  "confirm": "a new passphrase 42"}, csrf_from=path)
    assert response.status_code == 302, response.get_data(as_text=True)
    [changed] = [entry for entry in _entries(app, world.a) if entry.action == "changed"]
    assert (changed.actor, changed.target_kind) == (world.a.email(Role.SUPPORT), "user")
    assert changed.before == {"password": "********"} == changed.after
    page = _login(portal, world.a, Role.ADMIN).get("/audit").get_data(as_text=True)
    assert "password" in page and "scrypt" not in page


def test_a_remote_command_sent_with_an_api_token_is_recorded_with_the_tokens_name(
        app: Flask, world: World) -> None:
    api = Api(app, world.a, new_token(app, world.a, Role.SUPPORT))
    response = api.post(f"/api/v1/stations/{world.a.station_site1}/commands",
                        {"action": "Reset", "payload": {"type": "Hard"}})
    assert response.status_code == 409  # the in-process app holds no station socket
    [entry] = _entries(app, world.a)
    assert (entry.actor, entry.api_token_id is not None, entry.user_id, entry.address) == (
        "API token platform", True, None, "127.0.0.1")
    assert (entry.action, entry.target_kind, entry.target) == (
        "created", "command", f"Reset to {world.a.station_site1}")
    assert entry.after == {"action": "Reset", "payload": {"type": "Hard"},
                           "station": world.a.station_site1}


def test_flask_tags_add_is_recorded_as_the_command_line(app: Flask, world: World) -> None:
    result = app.test_cli_runner().invoke(args=["tags", "add", world.a.slug, "CLI-TAG",
                                                "--max-active", "2"])
    assert result.exit_code == 0, result.output
    [entry] = _entries(app, world.a)
    assert (entry.actor, entry.address, entry.action, entry.target_kind, entry.target) == (
        "command line", None, "created", "tag", "CLI-TAG")
    assert entry.after is not None and entry.after["max_active_transactions"] == 2
    assert entry.before is None


def test_a_deleted_station_keeps_its_values_in_the_log(app: Flask, world: World,
                                                      portal) -> None:
    client = _login(portal, world.a, Role.ADMIN)
    cb = world.a.station_site1
    path = f"/topology/stations/{cb}/delete"
    assert client.post(path, csrf_from="/topology").status_code == 302
    deleted = [entry for entry in _entries(app, world.a) if entry.action == "deleted"]
    [station] = [entry for entry in deleted if entry.target_kind == "station"]
    assert station.target == cb and station.before is not None
    assert station.before["charge_box_id"] == cb and station.before["site"] == "Site one"
    assert "auth_key" not in station.before or station.before["auth_key"] == "********"
    assert {entry.target for entry in deleted if entry.target_kind == "outlet"} == {
        f"{cb} #1", f"{cb} #2"}


def test_a_replaced_station_key_is_recorded_masked_and_its_verifier_not_at_all(
        app: Flask, world: World, portal) -> None:
    client = _login(portal, world.a, Role.ADMIN)
    cb = world.a.station_site1
    settings = f"/stations/{cb}/settings"
    response = client.post(f"{settings}/authorization-key", {"auth_key": "a-brand-new-key-1234"},
                           csrf_from=settings)
    assert response.status_code == 200
    [entry] = [entry for entry in _entries(app, world.a) if entry.target_kind == "station"]
    assert entry.action == "changed" and entry.target == cb
    assert entry.after == {"auth_key": "********"}
    assert "a-brand-new-key-1234" not in str(entry.before) + str(entry.after)


def test_logins_and_failed_logins_are_recorded(app: Flask, world: World, portal) -> None:
    client = portal(world.a)
    assert client.login("nobody@example.com", "wrong password").status_code == 401
    assert client.login(world.a.email(Role.ADMIN)).status_code == 302
    failed, logged_in = _entries(app, world.a)
    assert (failed.action, failed.actor, failed.target, failed.user_id) == (
        "login failed", "nobody@example.com", "nobody@example.com", None)
    assert (logged_in.action, logged_in.actor, logged_in.user_id is not None) == (
        "logged in", world.a.email(Role.ADMIN), True)


def _station_and_tag_entries(app: Flask, world: World, portal) -> PortalClient:
    """Company A's administrator edits a tag and a station's settings; returns that login."""
    tag_id = _add_tag(app, world.a, "SECRET-CARD")
    client = _login(portal, world.a, Role.ADMIN)
    _edit_tag(client, tag_id, id_tag="SECRET-CARD", note="moved")
    path = f"/stations/{world.a.station_site1}/settings"
    form = {"name": "Gate charger", "description": "", "note": "", "address": "",
            "latitude": "", "longitude": "", "availability": "private", "active": "y",
            "registration_status": "Accepted", "heartbeat_interval": "", "rated_power_kw": ""}
    assert client.post(path, form, csrf_from=path).status_code == 302
    return client


def test_support_sees_the_entries_about_stations_only(app: Flask, world: World,
                                                      portal) -> None:
    _station_and_tag_entries(app, world, portal)
    support = _login(portal, world.a, Role.SUPPORT)
    rows = _rows(support.get("/audit").get_data(as_text=True))
    assert len(rows) == 1 and f"station {world.a.station_site1}" in rows[0]
    assert '"Gate charger"' in rows[0]
    exported = support.get("/audit/export.csv").get_data(as_text=True)
    assert "SECRET-CARD" not in exported and "Gate charger" in exported
    # a filter on another kind of target finds nothing, not the other entries
    page = support.get("/audit?target_kind=tag").get_data(as_text=True)
    assert "SECRET-CARD" not in page


def test_a_company_sees_none_of_another_companys_entries(app: Flask, world: World,
                                                         portal) -> None:
    _station_and_tag_entries(app, world, portal)
    page = _login(portal, world.b, Role.ADMIN).get("/audit").get_data(as_text=True)
    assert "SECRET-CARD" not in page and "Gate charger" not in page
    assert len(_rows(page)) == 1  # B's administrator's own login


def test_the_filters_keep_who_action_target_text_and_time(app: Flask, world: World,
                                                          portal) -> None:
    client = _station_and_tag_entries(app, world, portal)

    def targets(query: str) -> list[str]:
        response = client.get(f"/audit?{query}")
        assert response.status_code == 200
        return [row.split(" changed ")[1].split(" #")[0] if " changed " in row else row
                for row in _rows(response.get_data(as_text=True))]

    assert targets("target_kind=tag") == ["tag SECRET-CARD"]
    assert targets("target_kind=station") == [f"station {world.a.station_site1}"]
    assert targets("text=gate+CHARGER") == [f"station {world.a.station_site1}"]
    assert targets("text=moved") == ["tag SECRET-CARD"]
    assert len(targets("action=logged+in")) == 1
    assert len(targets("action=changed")) == 2
    assert len(targets(f"actor={world.a.email(Role.ADMIN)[:8]}")) == 3
    assert targets("actor=nobody") == ["Nothing recorded yet."] or targets(
        "actor=nobody") == ["No entry matches these filters."]
    tomorrow = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    yesterday = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert targets(f"since={tomorrow}") == ["No entry matches these filters."]
    assert len(targets(f"since={yesterday}&until={tomorrow}")) == 3


@pytest.mark.parametrize("query", ["since=garbage", "action=erased", "target_kind=planet",
                                   "text=" + "x" * 201, "before=garbage",
                                   "since=99999-01-01T00:00", "actor=%00"])
def test_a_bad_filter_is_400_with_its_message(world: World, portal, query: str) -> None:
    client = _login(portal, world.a, Role.ADMIN)
    for path in AUDIT_ROUTES:
        response = client.get(f"{path}?{query}")
        if query == "before=garbage" and path != "/audit":
            assert response.status_code == 200  # an export starts from the newest entry
            continue
        assert response.status_code == 400, (path, query)
        page = response.get_data(as_text=True)
        if query == "actor=%00":  # refused where requests come in, before any form
            assert "NUL" in page or "null" in page.lower(), page
            continue
        assert "invalid-feedback" in page or "broken" in page


def test_the_export_opens_in_excel_with_the_filtered_entries(app: Flask, world: World,
                                                             portal) -> None:
    client = _station_and_tag_entries(app, world, portal)
    response = client.get("/audit/export.xlsx?target_kind=tag")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-log.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header == ("Time (UTC)", "Who", "Address", "Action", "Target kind", "Target id",
                      "Target", "Before", "After")
    [row] = rows
    assert row[1:5] == (world.a.email(Role.ADMIN), "127.0.0.1", "changed", "tag")
    assert row[6:] == ("SECRET-CARD", '{"note": ""}', '{"note": "moved"}')
    lines = list(csv.reader(io.StringIO(client.get("/audit/export.csv").get_data(
        as_text=True))))
    assert len(lines) == 1 + 3 and lines[1][3] == "changed"


@pytest.mark.parametrize("path", AUDIT_ROUTES)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_no_audit_route_changes_an_entry(world: World, portal, path: str, method: str) -> None:
    client = _login(portal, world.a, Role.ADMIN)
    assert client.client.open(path, method=method,
                              base_url=client.base_url).status_code == 405


def test_the_session_refuses_to_change_or_delete_an_entry(app: Flask, world: World,
                                                          portal) -> None:
    _login(portal, world.a, Role.ADMIN)
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        entry = db.session.scalars(select(AuditEntry)).one()
        entry.actor = "someone else"
        with pytest.raises(AuditEntryImmutable):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalars(select(AuditEntry)).one())
        with pytest.raises(AuditEntryImmutable):
            db.session.flush()
        db.session.rollback()
        for statement in (update(AuditEntry).values(actor="x"), delete(AuditEntry)):
            with pytest.raises(AuditEntryImmutable):
                db.session.execute(statement)
        db.session.rollback()
    assert [entry.actor for entry in _entries(app, world.a)] == [world.a.email(Role.ADMIN)]


def _closed_for_review(app: Flask, company: Company, hours_ago: int) -> int:
    """A session on the company's Site one that the portal closed for review; its id."""
    with company_scope(app, company):
        station = stations.find(company.station_site1)
        started = utcnow().replace(microsecond=0) - timedelta(hours=hours_ago)
        session, _ = charging_sessions.start(station, 1, company.driver_tag, 10_000, started)
        charging_sessions.close_for_review(session, started + timedelta(hours=1),
                                           "Never stopped.")
        return session.id


def test_a_session_accepted_or_corrected_in_review_is_recorded(app: Flask, world: World,
                                                                portal) -> None:
    accepted, corrected = _closed_for_review(app, world.a, 5), _closed_for_review(app, world.a, 3)
    client = _login(portal, world.a, Role.SITE_ADMIN)
    queue = "/sessions/review"
    assert client.post(f"{queue}/{accepted}/accept", csrf_from=queue).status_code == 302
    with company_scope(app, world.a):
        session = db.session.get(ChargingSession, corrected)
        transaction, started = session.transaction_id, session.started_at
        stopped_before = session.stopped_at
    end = started + timedelta(minutes=45)  # the company's zone is UTC
    url = f"{queue}/{corrected}/correct"
    form = {"stopped_at": end.strftime("%Y-%m-%dT%H:%M:%S"), "meter_stop": "16500"}
    assert client.post(url, form, csrf_from=url).status_code == 302
    reviews = [entry for entry in _entries(app, world.a)
               if entry.target_kind == "charging session"]
    assert [(entry.action, entry.target_id, entry.actor) for entry in reviews] == [
        ("changed", accepted, world.a.email(Role.SITE_ADMIN)),
        ("changed", corrected, world.a.email(Role.SITE_ADMIN))]
    assert (reviews[0].before, reviews[0].after) == (None, {"review_action": "accepted"})
    assert reviews[1].target == f"{world.a.station_site1} transaction {transaction}"
    assert reviews[1].before == {"stopped_at": stopped_before.isoformat()}
    assert reviews[1].after == {"stopped_at": end.isoformat(), "meter_stop": 16_500,
                                "energy_wh": 6_500, "review_action": "corrected"}


def test_an_alarm_cleared_by_hand_is_recorded_and_support_reads_it(app: Flask, world: World,
                                                                    portal) -> None:
    with company_scope(app, world.a):
        station = stations.find(world.a.station_site1)
        cause = alarms.Cause(AlarmKind.TEMPERATURE, AlarmSeverity.WARNING, "Too hot.")
        alarms.raise_alarm(station.tenant_id, cause, station.charge_box_id, station=station)
        alarm_id = db.session.scalar(select(Alarm.id).where(Alarm.cleared_at.is_(None)))
        db.session.commit()
    support = _login(portal, world.a, Role.SUPPORT)
    assert support.post(f"/alarms/{alarm_id}/clear", csrf_from="/alarms").status_code == 302
    [entry] = [entry for entry in _entries(app, world.a) if entry.target_kind == "alarm"]
    assert (entry.action, entry.target_id, entry.target, entry.before) == (
        "changed", alarm_id, f"Temperature out of range at {world.a.station_site1}", None)
    assert entry.after is not None
    assert entry.after["cleared_by"] == world.a.email(Role.SUPPORT)
    assert entry.after["cleared_at"].startswith(f"{utcnow():%Y-%m-%d}")
    rows = _rows(support.get("/audit").get_data(as_text=True))
    assert any(f"changed alarm Temperature out of range at {world.a.station_site1}" in row
               for row in rows)


def test_a_firmware_image_uploaded_and_deleted_is_recorded_without_its_token(
        app: Flask, world: World, portal) -> None:
    client = _login(portal, world.a, Role.ADMIN)
    content = b"firmware 2.0" * 100
    response = client.post("/firmware", {"file": (io.BytesIO(content), "fw-2.0.bin")},
                           csrf_from="/firmware", content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with company_scope(app, world.a):
        image_id, token = db.session.execute(select(StationFile.id, StationFile.token)).one()
    path = f"/firmware/{image_id}/delete"
    assert client.post(path, {}, csrf_from="/firmware").status_code == 302
    created, deleted = [entry for entry in _entries(app, world.a)
                        if entry.target_kind == "firmware image"]
    shown = {"name": "fw-2.0.bin", "size": len(content),
             "sha256": hashlib.sha256(content).hexdigest()}
    assert (created.action, created.target_id, created.target, created.after) == (
        "created", image_id, "fw-2.0.bin", shown)
    assert (deleted.action, deleted.target_id, deleted.before, deleted.after) == (
        "deleted", image_id, shown, None)
    exported = client.get("/audit/export.csv").get_data(as_text=True)
    assert "fw-2.0.bin" in exported and token not in exported


def test_a_reservation_made_on_a_page_is_recorded_with_the_stations_answer(
        app: Flask, world: World, portal) -> None:
    client = _login(portal, world.a, Role.SUPPORT)
    expiry = (utcnow() + timedelta(hours=1)).replace(second=0, microsecond=0)
    form = {"charge_box_id": world.a.station_site1, "connector_id": "1",
            "id_tag": world.a.driver_tag, "expiry_at": expiry.strftime("%Y-%m-%dT%H:%M")}
    assert client.post("/reservations", form, csrf_from="/reservations").status_code == 302
    made = [entry for entry in _entries(app, world.a) if entry.target_kind == "reservation"]
    target = f"{world.a.station_site1} #1 for {world.a.driver_tag}"
    assert [(entry.action, entry.target, entry.actor) for entry in made] == [
        ("created", target, world.a.email(Role.SUPPORT)),
        ("changed", target, world.a.email(Role.SUPPORT))]
    assert made[0].after is not None
    assert {key: made[0].after[key] for key in ("station", "outlet", "tag", "id_tag",
                                                "expiry_at", "status")} == {
        "station": world.a.station_site1, "outlet": f"{world.a.station_site1} #1",
        "tag": world.a.driver_tag, "id_tag": world.a.driver_tag,
        "expiry_at": expiry.isoformat(), "status": "Requested"}
    # the in-process app holds no station socket: the station's answer is "offline"
    assert made[1].before is not None and made[1].before["status"] == "Requested"
    assert made[1].after is not None and made[1].after["status"] == "Failed"


EVA = {"first_name": "Eva", "last_name": "Volt", "email": "eva@example.com",
       "password": "eva-pass-12", "rfid": "C0FFEE", "rfid_format": "hex"}
# Everything of Eva's the log held before her erasure: addresses, names (in JSON, quoted).
EVAS_DATA = ("eva@example.com", "eva.volt@example.com", '"eva"', '"volt"', "evangeline",
             "voltaire")


def _eva_in_the_log(app: Flask, world: World, portal) -> tuple[PortalClient, int]:
    """Eva, an EV user added by the administrator with a card, logs in, renames herself,
    blocks her card; someone tries her address with a wrong password; the administrator
    changes her e-mail. Returns the administrator's login and Eva's id."""
    admin = _login(portal, world.a, Role.ADMIN)
    new = "/users/new/ev_user"
    assert admin.post(new, EVA, csrf_from=new).status_code == 302
    with company_scope(app, world.a):
        eva_id, tag_id = db.session.execute(select(User.id, Tag.id).join(
            Tag, Tag.owner_id == User.id).where(User.email == EVA["email"])).one()
    assert portal(world.a).login(EVA["email"], "wrong password").status_code == 401
    eva = portal(world.a)
    assert eva.login(EVA["email"], EVA["password"]).status_code == 302
    assert eva.post("/account/name", {"first_name": "Evangeline", "last_name": "Voltaire"},
                    csrf_from="/account/name").status_code == 302
    assert eva.post(f"/my/tags/{tag_id}/block", csrf_from="/my/tags").status_code == 302
    edit = f"/users/{eva_id}/edit"
    response = admin.post(edit, {**EVA, "first_name": "Evangeline", "last_name": "Voltaire",
                                 "email": "eva.volt@example.com", "password": "", "rfid": ""},
                          csrf_from=edit)
    assert response.status_code == 302, response.get_data(as_text=True)
    return admin, eva_id


def _as_text(entry: AuditEntry) -> str:
    return json.dumps([entry.actor, entry.address, entry.target, entry.before, entry.after,
                       entry.details]).lower()


def test_erasing_an_ev_user_scrubs_them_from_the_entries_which_stay(
        app: Flask, world: World, portal) -> None:
    admin, eva_id = _eva_in_the_log(app, world, portal)
    before = _entries(app, world.a)
    assert all(any(data in _as_text(entry) for entry in before) for data in EVAS_DATA)
    by_eva = {entry.id for entry in before if entry.user_id == eva_id}
    assert len(by_eva) == 3  # logged in, renamed, blocked her card
    path = f"/users/{eva_id}/erase"
    assert admin.post(path, csrf_from=path).status_code == 302

    after = _entries(app, world.a)
    assert [entry.id for entry in after][:len(before)] == [entry.id for entry in before]
    for entry in after:
        assert not any(data in _as_text(entry) for data in EVAS_DATA), _as_text(entry)
    for entry in after:
        if entry.id in by_eva:
            assert (entry.actor, entry.address, entry.user_id) == ("ERASED", None, None)
    admin_email = world.a.email(Role.ADMIN)
    assert [(entry.actor, entry.address) for entry in after if entry.action == "logged in"
            and entry.id not in by_eva] == [(admin_email, "127.0.0.1")]
    # what happened stays: Eva's account made (its role kept), the failed login, the
    # erasure's deletion of her account and the release of her card, by the administrator
    created = next(entry for entry in after if entry.action == "created"
                   and entry.target_kind == "user")
    assert created.target == "ERASED" and created.after is not None
    assert created.after["role"] == "ev_user" and created.after["email"] == "ERASED"
    assert [entry.actor for entry in after if entry.action == "login failed"] == ["ERASED"]
    deleted = [entry for entry in after[len(before):] if entry.action == "deleted"]
    assert [(entry.target_kind, entry.target_id, entry.target, entry.actor)
            for entry in deleted] == [("user", eva_id, "ERASED", admin_email)]
    released = [entry for entry in after[len(before):] if entry.target_kind == "tag"]
    assert [(entry.before, entry.after) for entry in released] == [({"owner": "ERASED"}, None)]
    shown = " ".join(_rows(admin.get("/audit").get_data(as_text=True))).lower()
    assert len(shown) > 500 and "erased" in shown
    assert not any(data.strip('"') in shown for data in EVAS_DATA)


def test_only_an_erasure_changes_an_entry_and_nothing_deletes_one(app: Flask, world: World,
                                                                   portal) -> None:
    _login(portal, world.a, Role.ADMIN)
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        statement = update(AuditEntry).values(actor="x")
        with pytest.raises(AuditEntryImmutable):
            db.session.execute(statement.execution_options(**{ERASURE: False}))
        with pytest.raises(AuditEntryImmutable):
            db.session.execute(delete(AuditEntry).execution_options(**{ERASURE: True}))
        db.session.rollback()
        db.session.execute(statement.execution_options(**{ERASURE: True}))
        assert db.session.scalars(select(AuditEntry.actor)).all() == ["x"]
        db.session.rollback()
