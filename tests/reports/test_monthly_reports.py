"""Monthly PDF reports: kept by the clock once a company's month has turned (a company's and
one per site, once), their text holding the Statistics page's figures, and downloaded from
the Statistics page by those who may read them; any month rendered on demand."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from portal import jobs
from portal.extensions import db
from portal.models import Alarm, AlarmKind, MonthlyReport, Role, Site, User
from portal.services import monthly_figures, monthly_reports, sites
from tests.factories import Company, World
from tests.portal_client import PortalClient
from tests.scene import company_scope, station
from tests.session_scene import add_session

ZONE = "Europe/Amsterdam"
MARCH = date(2026, 3, 1)
# 2026-04-01 00:30 in Amsterdam (CEST): the company's April has begun, UTC's has not.
FIRST_OF_APRIL = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
LAST_OF_MARCH = datetime(2026, 3, 31, 21, 30, tzinfo=UTC)  # 23:30 in Amsterdam
SECOND_OF_APRIL = datetime(2026, 4, 1, 22, 30, tzinfo=UTC)
JOB = next(job for job in jobs.JOBS if job.name == "monthly reports")


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def march(app: Flask, world: World) -> dict[str, int]:
    """Company A in Amsterdam with sessions around March's edges and an alarm on Site two;
    the ids of its two sites."""
    with company_scope(app, world.a) as tenant:
        tenant.time_zone = ZONE
        one, two = station(world.a.station_site1), station(world.a.station_site2)
        add_session(one, 1, utc(2, 28, 23, 30), 30, 0, 3000)   # 03-01 00:30 local: March
        add_session(one, 1, utc(3, 10, 8), 30, 0, 1234)
        add_session(one, 2, utc(3, 20, 8), 60, 0, 2000)
        add_session(two, 1, utc(3, 15, 8), 60, 100, 5655)
        add_session(two, 1, utc(3, 31, 22, 10), 30, 0, 9000)  # 04-01 00:10 local: April
        db.session.add(Alarm(kind=AlarmKind.FUSE, station=two, node=world.a.station_site2,
                             raised_at=utc(3, 15, 9)))
        db.session.flush()
        return {site.name: site.id for site in db.session.scalars(select(Site))}


def _run_clock(app: Flask, company: Company, now: datetime) -> int:
    with company_scope(app, company):
        return JOB.run(now)


@dataclass(frozen=True)
class Kept:
    id: int
    pdf: bytes


def _kept(app: Flask, company: Company) -> dict[str | None, Kept]:
    """March's kept reports by site name (None: the company's)."""
    with company_scope(app, company):
        reports = db.session.scalars(select(MonthlyReport).where(MonthlyReport.month == MARCH))
        return {report.site.name if report.site else None: Kept(report.id, report.pdf)
                for report in reports}


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _client(portal: Any, company: Company, role: Role = Role.ADMIN) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def _statistics_total(client: PortalClient, node: str) -> Decimal:
    """March's energy of a node as the Statistics page's energy CSV gives it, day by day."""
    response = client.get(f"/statistics/energy.csv?first=2026-03-01&last=2026-03-31"
                          f"&bucket=day&node={node}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]
    return sum((Decimal(row[2]) for row in rows), Decimal("0.000"))


def test_the_clock_keeps_a_company_report_and_one_per_site_once_the_month_turns(
        app, world, march) -> None:
    assert _run_clock(app, world.a, LAST_OF_MARCH) == 0  # still March in Amsterdam

    assert _run_clock(app, world.a, FIRST_OF_APRIL) == 3
    assert set(_kept(app, world.a)) == {None, "Site one", "Site two"}
    assert _run_clock(app, world.a, FIRST_OF_APRIL) == 0  # kept once
    with company_scope(app, world.a) as tenant:
        sites.find_or_create(tenant, "Site three")  # its March report is missing, but
    assert _run_clock(app, world.a, SECOND_OF_APRIL) == 0  # the clock acts on the first day
    assert _kept(app, world.b) == {}  # another company's clock run is its own


def test_a_second_clock_keeping_the_same_report_is_no_error(app, world, march) -> None:
    """Two clock processes at once: the one that comes second finds the row there (the
    company's report too, whose site is NULL) and keeps nothing."""
    with company_scope(app, world.a) as tenant:
        site = db.session.get(Site, march["Site two"])
        for scope in (None, site):
            assert monthly_reports.keep(tenant, scope, MARCH, FIRST_OF_APRIL) is not None
            assert monthly_reports.keep(tenant, scope, MARCH, FIRST_OF_APRIL) is None
    assert set(_kept(app, world.a)) == {None, "Site two"}


def test_a_site_report_holds_its_site_month_and_energy_total_as_statistics_shows_it(
        app, world, portal, march) -> None:
    _run_clock(app, world.a, FIRST_OF_APRIL)
    client = _client(portal, world.a)
    for site, other in (("Site one", "Site two"), ("Site two", "Site one")):
        text = _text(_kept(app, world.a)[site].pdf)
        total = _statistics_total(client, f"site:{march[site]}")
        assert f"Company A · {site}" in text
        assert "March 2026" in text and "Europe/Amsterdam" in text
        assert f"{total} kWh" in text
        assert other not in text
    assert _statistics_total(client, f"site:{march['Site one']}") == Decimal("6.234")
    site_two = _text(_kept(app, world.a)["Site two"].pdf)
    assert "Fuse tripped" in site_two and world.a.station_site2 in site_two
    assert "Fuse tripped" not in _text(_kept(app, world.a)["Site one"].pdf)


def test_the_company_report_holds_every_site_and_the_company_total(
        app, world, portal, march) -> None:
    _run_clock(app, world.a, FIRST_OF_APRIL)
    text = _text(_kept(app, world.a)[None].pdf)
    assert "Company A · all sites" in text
    assert "Site one 3 6.234" in text and "Site two 1 5.555" in text
    assert "11.789 kWh" in text  # the April session is not March's
    # Utilisation and availability per site; each site's report lists its outlets.
    assert "Charging Occupied Available" in text
    assert "Utilisation per outlet" not in text
    assert "Utilisation per outlet" in _text(_kept(app, world.a)["Site one"].pdf)


def test_an_administrator_downloads_the_kept_reports_from_the_statistics_page(
        app, world, portal, march) -> None:
    _run_clock(app, world.a, FIRST_OF_APRIL)
    kept = _kept(app, world.a)
    client = _client(portal, world.a)
    page = client.get("/statistics").get_data(as_text=True)
    links = re.findall(r'href="(/statistics/reports/\d+\.pdf)"[^>]*>([^<]+)<', page)
    assert links == [(f"/statistics/reports/{kept[None].id}.pdf", "March 2026 · all sites")]
    page = client.get(f"/statistics?node=site:{march['Site two']}").get_data(as_text=True)
    assert f"/statistics/reports/{kept['Site two'].id}.pdf" in page
    response = client.get(f"/statistics/reports/{kept['Site two'].id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=report-2026-03-site-two.pdf")
    assert response.data == kept["Site two"].pdf


def test_a_site_administrator_reads_their_site_reports_only(app, world, portal, march) -> None:
    _run_clock(app, world.a, FIRST_OF_APRIL)
    kept = _kept(app, world.a)
    client = _client(portal, world.a, Role.SITE_ADMIN)
    page = client.get("/statistics").get_data(as_text=True)
    assert re.findall(r'href="(/statistics/reports/\d+\.pdf)"', page) == [
        f"/statistics/reports/{kept['Site one'].id}.pdf"]
    assert client.get(f"/statistics/reports/{kept['Site one'].id}.pdf").status_code == 200
    # The company's report names the other sites and their figures.
    assert client.get(f"/statistics/reports/{kept[None].id}.pdf").status_code == 404
    assert client.get(f"/statistics/reports/{kept['Site two'].id}.pdf").status_code == 404
    assert _client(portal, world.b).get(
        f"/statistics/reports/{kept[None].id}.pdf").status_code == 404
    assert _client(portal, world.a, Role.EV_USER).get(
        f"/statistics/reports/{kept['Site one'].id}.pdf").status_code == 404


def test_a_site_administrator_without_a_site_reads_no_report(app, world, portal, march) -> None:
    _run_clock(app, world.a, FIRST_OF_APRIL)
    kept = _kept(app, world.a)
    with company_scope(app, world.a):
        db.session.scalar(select(User).where(
            User.email == world.a.email(Role.SITE_ADMIN))).site_id = None
    client = _client(portal, world.a, Role.SITE_ADMIN)
    assert "/statistics/reports/" not in client.get("/statistics").get_data(as_text=True)
    assert client.get(f"/statistics/reports/{kept[None].id}.pdf").status_code == 404
    assert client.get("/statistics/report.pdf?month=2026-03").status_code == 404


def test_any_past_month_renders_on_demand_for_the_navigator_node(
        app, world, portal, march) -> None:
    client = _client(portal, world.a)
    response = client.get(f"/statistics/report.pdf?month=2026-03&node=site:{march['Site one']}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "report-2026-03-site-one.pdf" in response.headers["Content-Disposition"]
    text = _text(response.data)
    assert "Site one" in text and "6.234 kWh" in text and "Site two" not in text
    site_admin = _client(portal, world.a, Role.SITE_ADMIN)
    text = _text(site_admin.get("/statistics/report.pdf?month=2026-03").data)
    assert "Company A · Site one" in text and "Site two" not in text  # their whole company
    assert _kept(app, world.a) == {}  # rendered, not kept


@pytest.mark.parametrize(("month", "message"), [
    ("garbage", "Give a month as YYYY-MM"),
    ("2026-13", "Give a month as YYYY-MM"),
    ("", "Give a month as YYYY-MM"),
    ("9999-01", "That month has not begun"),
])
def test_a_bad_month_is_400_with_its_message_at_the_field(month, message, world, portal) -> None:
    response = _client(portal, world.a).get(f"/statistics/report.pdf?month={month}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page.split('id="month"')[1].split("</div>")[0]


def test_a_station_node_is_no_report_scope(app, world, portal) -> None:
    with company_scope(app, world.a):
        station_id = station(world.a.station_site1).id
    response = _client(portal, world.a).get(
        f"/statistics/report.pdf?month=2026-03&node=station:{station_id}")
    assert response.status_code == 400
    assert "A monthly report covers the company or one site" in response.get_data(as_text=True)


def test_the_command_line_keeps_a_month_and_refuses_a_bad_one(app, world, march) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "generate", world.a.slug, "--month", "2026-03"])
    assert result.exit_code == 0, result.output
    assert "3 report(s) of 2026-03 kept" in result.output
    assert "report-2026-03-site-two.pdf" in result.output
    assert set(_kept(app, world.a)) == {None, "Site one", "Site two"}
    again = runner.invoke(args=["reports", "generate", world.a.slug, "--month", "2026-03"])
    assert "0 report(s)" in again.output
    bad = runner.invoke(args=["reports", "generate", world.a.slug, "--month", "March"])
    assert bad.exit_code == 2 and "Give a month as YYYY-MM" in bad.output


def test_the_alarm_list_stops_at_its_cap_and_says_how_many_more(
        app, world, march, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(monthly_figures, "ALARMS_LISTED", 1)
    with company_scope(app, world.a) as tenant:
        db.session.add(Alarm(kind=AlarmKind.TEMPERATURE, node="CP-X", raised_at=utc(3, 16, 9)))
        db.session.flush()
        text = _text(monthly_reports.render(tenant, None, MARCH, FIRST_OF_APRIL))
    assert "Fuse tripped critical 1" in text and "Temperature out of range warning 1" in text
    assert "… and 1 more." in text
