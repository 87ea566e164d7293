"""The company's message log (/messages): every visible station's frames, filtered, in keyset
pages, for the navigator's node, within the retention."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import Direction, OcppMessage, Role, Site
from portal.models.base import utcnow
from tests.factories import Company, World
from tests.scene import company_scope, counted_queries, station, table_rows

AT = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)  # 09:00 in Brussels
ID = 5  # the message id's column: Time | Station | Direction | Type | Action | Message id


def _frame(charge_box_id: str, unique_id: str, at: datetime, *, action: str | None = "Heartbeat",
           direction: Direction = Direction.FROM_STATION, kind: int = 2,
           payload: object = None) -> OcppMessage:
    logged = station(charge_box_id)
    frame = [kind, unique_id, action, payload or {}] if kind == 2 else [kind, unique_id,
                                                                       payload or {}]
    return OcppMessage(station_id=logged.id, charge_box_id=charge_box_id, direction=direction,
                       message_type=kind, unique_id=unique_id, action=action,
                       frame=json.dumps(frame), logged_at=at)


@pytest.fixture
def logged(app: Flask, world: World) -> World:
    """Frames of both of company A's sites, and one of company B on a chargeBoxId A has too."""
    a = world.a
    with company_scope(app, a) as tenant:
        tenant.time_zone = "Europe/Brussels"
        db.session.add_all([
            _frame(a.station_site1, "1", AT, action="BootNotification",
                   payload={"chargePointVendor": "Alfen", "chargePointModel": "Eve"}),
            _frame(a.station_site1, "2", AT, action="BootNotification", kind=3,
                   direction=Direction.TO_STATION, payload={"status": "Accepted"}),
            _frame(a.station_site2, "3", AT + timedelta(hours=1), action="Authorize",
                   payload={"idTag": "50%_OFF"}),
            _frame(a.station_site2, "4", AT + timedelta(hours=2), action="Authorize",
                   payload={"idTag": "50xxOFF"}),
            _frame(a.station_site1, "5", AT + timedelta(hours=3), action=None, kind=4,
                   direction=Direction.TO_STATION),
            _frame(a.shared_station, "6", AT + timedelta(hours=4)),
        ])
    with company_scope(app, world.b):
        db.session.add(_frame(world.b.station_site1, "secret-of-b", AT, action="Authorize",
                              payload={"idTag": "SECRET-OF-B"}))
    return world


def _client(portal, company: Company, role: Role = Role.ADMIN):
    client = portal(company)
    client.login(company.email(role))
    return client


def _ids(client, query: str = "") -> list[str]:
    page = client.get(f"/messages?{query}")
    assert page.status_code == 200, page.get_data(as_text=True)
    return [row.split(" | ")[ID] for row in table_rows(page.get_data(as_text=True), "messages")
            if " | " in row]


def _site_id(app: Flask, company: Company, name: str) -> int:
    with company_scope(app, company):
        return db.session.scalar(select(Site.id).where(Site.name == name))


def test_log_shows_every_station_newest_first_with_the_retention(portal, logged: World) -> None:
    client = _client(portal, logged.a)
    page = client.get("/messages").get_data(as_text=True)
    rows = table_rows(page, "messages")
    assert [row.split(" | ")[:ID + 1] for row in rows[:2]] == [
        ["2026-01-15 13:00:00", "CP-SHARED", "⇠ from station", "CALL", "Heartbeat", "6"],
        ["2026-01-15 12:00:00", "CP-SITE1", "⇢ to station", "CALLERROR", "—", "5"],
    ]
    assert _ids(client) == ["6", "5", "4", "3", "2", "1"]
    assert "Frames are kept 30 days." in page
    assert re.search(r'href="/messages"[^>]*>\s*Message log', page)  # in the Stations menu
    assert "SECRET-OF-B" not in page


def test_each_filter_keeps_its_frames(portal, logged: World) -> None:
    client = _client(portal, logged.a)
    assert _ids(client, "charge_box_id=site2") == ["4", "3"]
    assert _ids(client, "direction=out") == ["5", "2"]
    assert _ids(client, "message_type=4") == ["5"]
    assert _ids(client, "message_type=3&action=BootNotification") == ["2"]
    assert _ids(client, "action=Authorize") == ["4", "3"]
    # Brussels time: 10:00 to 11:00 local is 09:00 to 10:00 UTC, both ends included.
    assert _ids(client, "since=2026-01-15T10:00&until=2026-01-15T11:00") == ["4", "3"]
    assert _ids(client, "text=alfen") == ["1"]  # any case
    page = client.get("/messages?action=Nothing").get_data(as_text=True)
    assert table_rows(page, "messages") == ["No message matches these filters."]


def test_percent_and_underscore_in_the_text_are_plain_characters(portal, logged: World) -> None:
    client = _client(portal, logged.a)
    assert _ids(client, "text=50%25_OFF") == ["3"]  # not 50xxOFF
    assert _ids(client, "text=%25") == ["3"]
    assert _ids(client, "text=_") == ["3"]  # only an idTag holds "_": JSON keys hold none


def test_log_is_scoped_by_the_navigators_node(app: Flask, portal, logged: World) -> None:
    client = _client(portal, logged.a)
    site2 = _site_id(app, logged.a, "Site two")
    assert _ids(client, f"node=site:{site2}") == ["4", "3"]
    assert _ids(client, f"node=site:{site2}&charge_box_id=SITE1") == []
    page = client.get(f"/messages?node=site:{site2}").get_data(as_text=True)
    assert f'<input type="hidden" name="node" value="site:{site2}">' in page  # filters keep it


def test_site_admin_sees_only_the_frames_of_its_sites_stations(
    app: Flask, portal, logged: World
) -> None:
    client = _client(portal, logged.a, Role.SITE_ADMIN)
    assert _ids(client) == ["6", "5", "2", "1"]
    assert _ids(client, "charge_box_id=SITE2") == []
    site2 = _site_id(app, logged.a, "Site two")
    assert client.get(f"/messages?node=site:{site2}").status_code == 404


def test_a_foreign_companys_frames_never_appear(app: Flask, portal, logged: World) -> None:
    client = _client(portal, logged.b)
    assert _ids(client) == ["secret-of-b"]
    a_site = _site_id(app, logged.a, "Site one")
    assert client.get(f"/messages?node=site:{a_site}").status_code == 404
    assert _ids(_client(portal, logged.a), "text=SECRET") == []


@pytest.mark.parametrize(("query", "message"), [
    ("since=yesterday", "Not a valid datetime value."),
    ("until=2026-13-45T10:00", "Not a valid datetime value."),
    ("message_type=9", "Not a valid choice."),
    ("direction=sideways", "Not a valid choice."),
    ("text=" + "x" * 201, "Field cannot be longer than 200 characters."),
    ("charge_box_id=" + "x" * 256, "Field cannot be longer than 255 characters."),
    ("action=" + "A" * 51, "Field cannot be longer than 50 characters."),
])
def test_a_bad_filter_is_400_with_a_message_next_to_its_field(
    portal, logged: World, query: str, message: str
) -> None:
    response = _client(portal, logged.a).get(f"/messages?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<div class="invalid-feedback">{message}</div>' in page
    assert len(table_rows(page, "messages")) == 6  # shown, not applied


@pytest.mark.parametrize("cursor", ["yesterday", "1.x", "99999999999999999999.1",
                                    "1768464000000000.99999999999", "1768464000000000.-1"])
def test_a_broken_page_link_is_400_with_a_message(portal, logged: World, cursor: str) -> None:
    for direction in ("before", "after"):
        response = _client(portal, logged.a).get(f"/messages?{direction}={cursor}")
        assert response.status_code == 400
        assert "This link to a page of the log is broken" in response.get_data(as_text=True)


def test_a_nul_character_in_a_filter_is_refused_before_the_log_is_read(
    portal, logged: World
) -> None:
    response = _client(portal, logged.a).get("/messages?text=%00")
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_paging_older_then_newer_visits_every_frame_once_in_order(
    app: Flask, portal, world: World
) -> None:
    # 250 frames on two stations; many share a time, so the id orders them.
    with company_scope(app, world.a):
        db.session.add_all(
            _frame(world.a.station_site1 if number % 2 else world.a.station_site2,
                   f"f{number}", AT + timedelta(seconds=number // 3))
            for number in range(250))
    client = _client(portal, world.a)
    pages, link = [], "/messages?action=Heartbeat"
    while link:
        html_page = client.get(link).get_data(as_text=True)
        pages.append([row.split(" | ")[ID] for row in table_rows(html_page, "messages")])
        found = re.search(r'rel="next" href="([^"]+)"', html_page)
        link = html.unescape(found[1]) if found else ""
        assert not link or "action=Heartbeat" in link  # the filters stay
    assert [len(page) for page in pages] == [100, 100, 50]
    assert [row for page in pages for row in page] == [f"f{n}" for n in range(249, -1, -1)]
    backwards = []
    while found := re.search(r'rel="prev" href="([^"]+)"', html_page):
        html_page = client.get(html.unescape(found[1])).get_data(as_text=True)
        backwards.append([row.split(" | ")[ID] for row in table_rows(html_page, "messages")])
    assert backwards == pages[-2::-1]


def test_frames_older_than_the_retention_are_gone_after_the_prune(
    app: Flask, portal, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MESSAGE_LOG_RETENTION_DAYS", 7)
    now = utcnow()
    with company_scope(app, world.a):
        db.session.add_all([
            _frame(world.a.station_site1, "old", now - timedelta(days=8)),
            _frame(world.a.station_site2, "old-too", now - timedelta(days=7, minutes=1)),
            _frame(world.a.station_site2, "recent", now - timedelta(days=6)),
        ])
    client = _client(portal, world.a)
    assert _ids(client) == ["recent", "old-too", "old"]
    assert app.test_cli_runner().invoke(args=["jobs", "run", "--once"]).exit_code == 0
    page = client.get("/messages").get_data(as_text=True)
    assert [row.split(" | ")[ID] for row in table_rows(page, "messages")] == ["recent"]
    assert "Frames are kept 7 days." in page


def test_a_full_page_runs_as_many_queries_as_an_empty_one(app: Flask, portal, world: World) -> None:
    client = _client(portal, world.a)

    def queries() -> int:
        with counted_queries(app) as statements:
            assert client.get("/messages").status_code == 200
        return len(statements)

    empty = queries()
    with company_scope(app, world.a):
        db.session.add_all(_frame(world.a.station_site1 if number % 2 else world.a.shared_station,
                                  f"q{number}", AT) for number in range(120))
    assert queries() == empty
