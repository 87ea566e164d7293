"""The EV driver's own portal: exactly their sessions (by whom a session was stamped with at
its start, not by tag), totals per month in the company's zone, the chart, the Excel export
and the PDF statement, their cards (block, add by number) and their name."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from openpyxl import load_workbook
from pypdf import PdfReader

from portal.extensions import db
from portal.models import ChargingSession, Role, Tag
from portal.models.base import utcnow
from portal.services import driver_tags, tags, users
from tests.factories import PASSWORD, World
from tests.scene import company_scope, station, table_cells
from tests.session_scene import add_session

ZONE = "Europe/Amsterdam"


@dataclass(frozen=True)
class Drivers:
    """Company A's two drivers' sessions, by transaction id; `loose` is an unowned card's."""

    first: set[int]  # the world's session and two with the card MOVED before it moved
    second: set[int]  # MOVED after the move, and one with the second driver's own card
    loose: int
    loose_tag_id: int
    second_tag_id: int
    second_only_month: str  # a month only the second driver charged in


def _session_ids(html: str) -> set[int]:
    table = html.split('id="sessions"')[1].split("</table>")[0]
    return {int(number) for number in re.findall(r'data-session="(\d+)"', table)}


@pytest.fixture
def drivers(app: Flask, world: World) -> Drivers:
    with company_scope(app, world.a) as tenant:
        tenant.time_zone = ZONE
        first = users.find_by_email(world.a.email(Role.EV_USER))
        second = users.create(tenant, email=f"second@{world.a.slug}.example", password=PASSWORD,
                              role=Role.EV_USER)
        site1 = station(world.a.station_site1)
        moved = tags.add(tenant, "MOVED", owner=first)
        own = tags.add(tenant, "SECOND", owner=second)
        loose = tags.add(tenant, "LOOSE")
        # 08:00 UTC: the sessions of a day stay in one local month
        start = (utcnow() - timedelta(days=40)).replace(hour=8, minute=0)
        before_move = {add_session(site1, 1, start, 60, 0, 10_000, tag=moved).transaction_id,
                       add_session(site1, 1, start + timedelta(hours=2), 30, 10_000, 12_500,
                                   tag=moved).transaction_id}
        tags.set_owner(moved, second)
        after_move = add_session(site1, 2, start + timedelta(hours=4), 45, 0, 5_000, tag=moved)
        long_ago = utcnow() - timedelta(days=100)
        own_session = add_session(site1, 2, long_ago, 20, 0, 3_000, tag=own)
        loose_session = add_session(site1, 2, start - timedelta(days=1), 10, 0, 4_000,
                                    tag=loose)
        world_session = db.session.scalar(
            ChargingSession.__table__.select().with_only_columns(
                ChargingSession.transaction_id).where(ChargingSession.user_id == first.id,
                                                      ChargingSession.id_tag != "MOVED"))
        return Drivers(first={world_session, *before_move},
                       second={after_move.transaction_id, own_session.transaction_id},
                       loose=loose_session.transaction_id, loose_tag_id=loose.id,
                       second_tag_id=own.id,
                       second_only_month=long_ago.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m"))


def _driver(portal, world: World, email: str | None = None):
    client = portal(world.a)
    assert client.login(email or world.a.email(Role.EV_USER)).status_code == 302
    return client


def _second(portal, world: World):
    return _driver(portal, world, f"second@{world.a.slug}.example")


def test_a_driver_sees_exactly_their_own_sessions_and_a_moved_cards_past_stays_with_them(
    app: Flask, world: World, portal, drivers: Drivers
) -> None:
    first, second = _driver(portal, world), _second(portal, world)
    assert _session_ids(first.get("/my/sessions").get_data(as_text=True)) == drivers.first
    assert _session_ids(second.get("/my/sessions").get_data(as_text=True)) == drivers.second
    # the unowned card's session is no one's until the card is given to someone
    with company_scope(app, world.a):
        tags.set_owner(db.session.get(Tag, drivers.loose_tag_id),
                       users.find_by_email(world.a.email(Role.EV_USER)))
    assert _session_ids(first.get("/my/sessions").get_data(as_text=True)) == {
        *drivers.first, drivers.loose}
    assert drivers.loose not in _session_ids(second.get("/my/sessions").get_data(as_text=True))


def _expected_months(app: Flask, world: World, email: str) -> dict[str, tuple[int, str]]:
    """Month -> (sessions, kWh) of a driver's sessions, by their start in the company's zone."""
    months: dict[str, tuple[int, int]] = {}
    with company_scope(app, world.a):
        user = users.find_by_email(email)
        for session in db.session.scalars(db.select(ChargingSession)
                                          .where(ChargingSession.user_id == user.id)):
            month = session.started_at.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m")
            count, energy = months.get(month, (0, 0))
            months[month] = (count + 1, energy + (session.energy_wh or 0))
    return {month: (count, f"{energy / 1000:.3f}") for month, (count, energy) in months.items()}


def test_monthly_totals_and_the_chart_add_up_the_drivers_sessions_by_local_month(
    app: Flask, world: World, portal, drivers: Drivers
) -> None:
    html = _driver(portal, world).get("/my/sessions").get_data(as_text=True)
    shown = {cells[0]: (int(cells[1]), cells[3]) for cells in table_cells(html, "months")}
    expected = _expected_months(app, world, world.a.email(Role.EV_USER))
    assert shown == expected
    assert "12.500" in {energy for _, energy in shown.values()}  # 10 + 2.5 kWh, in one month
    chart = html.split('id="energy-chart"')[1].split("</svg>")[0]
    assert chart.count('class="bar"') == 12
    for month, (_, energy) in expected.items():
        assert f"<title>{month}: {float(energy):g} kWh</title>" in chart


def test_the_excel_export_holds_the_rows_of_the_page_and_their_total(
    world: World, portal, drivers: Drivers
) -> None:
    client = _driver(portal, world)
    page = table_cells(client.get("/my/sessions").get_data(as_text=True), "sessions")
    response = client.get("/my/sessions.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    header, *rows, total = list(sheet.iter_rows(values_only=True))
    assert header[:5] == ("Session", f"Start ({ZONE})", f"Stop ({ZONE})", "Duration",
                          "Energy (kWh)")
    assert {row[0] for row in rows} == drivers.first
    assert [(row[1].strftime("%Y-%m-%d %H:%M"), row[7], f"{row[4]:.3f}") for row in rows] == [
        (cells[0], cells[4], cells[7]) for cells in page]
    assert total[0] == "Total: 3 sessions"
    assert Decimal(str(total[4])) == Decimal("20.000")  # 7.5 + 10 + 2.5


def test_a_monthly_statement_holds_the_months_sessions_and_total(
    app: Flask, world: World, portal, drivers: Drivers
) -> None:
    client = _driver(portal, world)
    expected = _expected_months(app, world, world.a.email(Role.EV_USER))
    month = next(month for month, (_, energy) in expected.items() if energy == "12.500")
    html = client.get("/my/sessions").get_data(as_text=True)
    assert f'href="/my/statements/{month}.pdf"' in html
    response = client.get(f"/my/statements/{month}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data()))
                    .pages)
    assert "12.500 kWh" in text
    assert "MOVED" in text and "SECOND" not in text
    # a month in which only the other driver charged has no statement for this one
    missing = client.get(f"/my/statements/{drivers.second_only_month}.pdf")
    assert missing.status_code == 404
    assert "You have no charging sessions in" in missing.get_data(as_text=True)


@pytest.mark.parametrize("month", ["2026-13", "99999-01", "1969-12", "2999-01", "%20"])
def test_a_statement_of_a_month_that_cannot_be_is_404_with_a_message(
    world: World, portal, month: str
) -> None:
    response = _driver(portal, world).get(f"/my/statements/{month}.pdf")
    assert response.status_code == 404
    assert "month" in response.get_data(as_text=True)


def test_a_driver_blocks_their_lost_card_and_cannot_block_anyone_elses(
    app: Flask, world: World, portal, drivers: Drivers
) -> None:
    client = _driver(portal, world)
    html = client.get("/my/tags").get_data(as_text=True)
    assert [cells[0] for cells in table_cells(html, "tags")] == [world.a.driver_tag]
    assert "Add my card" not in html  # the company does not allow it
    refused = client.post(f"/my/tags/{drivers.second_tag_id}/block", csrf_from="/my/tags")
    assert refused.status_code == 404
    response = client.post(f"/my/tags/{world.a.driver_tag_id}/block", csrf_from="/my/tags")
    assert response.status_code == 302
    html = client.get("/my/tags").get_data(as_text=True)
    assert f"Card {world.a.driver_tag} is blocked" in html
    row = table_cells(html, "tags")[0]
    assert row[1] == "Blocked" and row[3] == "Ask the company to unblock it."
    with company_scope(app, world.a):
        assert tags.find(world.a.driver_tag).blocked
        assert not db.session.get(Tag, drivers.second_tag_id).blocked


def _allow_adding_cards(app: Flask, world: World) -> None:
    with company_scope(app, world.a) as tenant:
        tenant.drivers_add_cards = True
        tags.add(tenant, "PARENT", blocked=True)
        tags.add(tenant, "CHILD", parent_id_tag="PARENT")
        tags.add(tenant, "BLOCKED", blocked=True)


def _add(client, number: str):
    return client.post("/my/tags/add", {"id_tag": number}, csrf_from="/my/tags")


def test_add_my_card_is_refused_with_one_message_unless_the_card_is_free(
    app: Flask, world: World, portal, drivers: Drivers
) -> None:
    client = _driver(portal, world)
    assert _add(client, "LOOSE").status_code == 404  # the company does not allow it yet
    _allow_adding_cards(app, world)
    for number in ("NO-SUCH-CARD", "SECOND", "BLOCKED", "CHILD", "x" * 21, "x" * 65):
        response = _add(client, number)
        assert response.status_code == 400, number
        html = response.get_data(as_text=True)
        message = ("A card number has at most 64 characters." if len(number) > 64
                   else driver_tags.NOT_AVAILABLE)
        assert f'<div class="invalid-feedback">{message}</div>' in html, number
    response = _add(client, "loose")  # as a station would read it, in any case
    assert response.status_code == 302
    html = client.get("/my/tags").get_data(as_text=True)
    assert "Card LOOSE is yours now." in html
    assert "LOOSE" in [cells[0] for cells in table_cells(html, "tags")]
    # and its session from before, when no one owned it, is the driver's now
    assert drivers.loose in _session_ids(client.get("/my/sessions").get_data(as_text=True))
    assert _add(client, "LOOSE").status_code == 400  # owned now: not free to anyone


@pytest.mark.parametrize(("stored", "typed"), [
    ("04A1B2C3", "77705923"),  # decimal, as some readers print it
    ("04A1B2C3", "04:A1:B2:C3"),  # hex with separators
    ("04A1B2C3", "04 a1 b2 c3"),
    ("04A1B2C3", "4a1b2c3"),  # without its leading zero
    ("0F4240", "1 000 000"),  # decimal with separators
    ("0F4240", "1000000"),
])
def test_add_my_card_takes_the_number_in_hex_or_decimal_with_or_without_separators(
    app: Flask, world: World, portal, stored: str, typed: str
) -> None:
    _allow_adding_cards(app, world)
    with company_scope(app, world.a) as tenant:
        tags.add(tenant, stored)
    client = _driver(portal, world)
    response = _add(client, typed)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert f"Card {stored} is yours now." in client.get("/my/tags").get_data(as_text=True)
    with company_scope(app, world.a):
        assert tags.find(stored).owner.email == world.a.email(Role.EV_USER)


def test_guessing_card_numbers_is_throttled(app: Flask, world: World, portal) -> None:
    _allow_adding_cards(app, world)
    client = _driver(portal, world)
    answers = [_add(client, f"GUESS-{number}").status_code for number in range(11)]
    assert answers == [400] * 10 + [429]
    response = _add(client, "GUESS-11")
    assert "Too many card numbers tried: wait an hour and try again." in response.get_data(
        as_text=True)


def test_anyone_changes_their_name_and_sees_it_in_the_menu(world: World, portal) -> None:
    client = _driver(portal, world)
    response = client.post("/account/name", {"first_name": " Ada ", "last_name": "Lovelace"},
                           csrf_from="/account/name")
    assert response.status_code == 302
    html = client.get("/my/sessions").get_data(as_text=True)
    assert "Your name is saved." in html
    assert '<a class="nav-link dropdown-toggle" href="#" role="button" data-bs-toggle="dropdown"' \
           in html and ">Ada Lovelace</a>" in html
    refused = client.post("/account/name", {"first_name": "A" * 101, "last_name": ""},
                          csrf_from="/account/name")
    assert refused.status_code == 400
    assert "A name has at most 100 characters." in refused.get_data(as_text=True)


def test_an_administrator_lets_drivers_add_cards_on_the_company_settings_page(
    world: World, portal
) -> None:
    driver = _driver(portal, world)
    assert "Add my card" not in driver.get("/my/tags").get_data(as_text=True)
    admin = portal(world.a)
    admin.login(world.a.email(Role.ADMIN))
    assert "EV drivers may add their own card by its number" in admin.get(
        "/settings").get_data(as_text=True)
    response = admin.post("/settings", {"name": "Company A", "time_zone": "UTC",
                                        "heartbeat_interval": "300", "digest_time": "07:00",
                                        "no_contact_intervals": "3",
                                        "fault_grace_seconds": "120",
                                        "drivers_add_cards": "y"}, csrf_from="/settings")
    assert response.status_code == 302
    assert "Add my card" in driver.get("/my/tags").get_data(as_text=True)
