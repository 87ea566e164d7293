"""Monthly PDF reports: kept by the clock for the company and for each of its sites, listed
and downloaded from the Statistics page, or rendered on demand for any past month.

Who reads which: administrators and support users every report; a site administrator their
site's only, never the company's (it names the other sites and their figures).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.auth.permissions import Actor
from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.models import MonthlyReport, Role, Site, Tenant
from portal.reports import monthly
from portal.services import monthly_figures
from portal.services.scope import Node, NodeKind
from tenants.scoping import current_tenant_id

LISTED = 24  # two years of a scope's reports on the Statistics page
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_of(text: str | None, today: date) -> date:
    """The first day of the month `YYYY-MM` names; Invalid (field "month") for garbage or a
    month after today's (the current month is measured up to now)."""
    found = _MONTH.fullmatch((text or "").strip())
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1970:
        raise Invalid("Give a month as YYYY-MM, e.g. 2026-03.", field="month")
    month = date(int(found[1]), int(found[2]), 1)
    if month > today:
        raise Invalid("That month has not begun: choose this month or an earlier one.",
                      field="month")
    return month


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def local_today(tenant: Tenant, now: datetime) -> date:
    return now.astimezone(ZoneInfo(tenant.time_zone)).date()


def scope_of(actor: Actor, node: Node) -> Site | None:
    """The site a report for the navigator's node covers; None for the whole company. A site
    administrator's whole company is their site."""
    if node.kind is NodeKind.SITE:
        return db.session.get(Site, node.id)
    if node.kind is not NodeKind.SYSTEM:
        raise Invalid("A monthly report covers the company or one site: choose one in the "
                      "navigator.", field="node")
    if actor.role is not Role.SITE_ADMIN:
        return None
    site = db.session.get(Site, actor.site_id) if getattr(actor, "site_id", None) else None
    if site is None:
        raise NotFound("You have no site, so no report.")
    return site


def listed(actor: Actor, node: Node) -> list[MonthlyReport]:
    """The kept reports of the node's scope, newest first; none for a floor, station or
    outlet (reports are kept per company and per site)."""
    try:
        site = scope_of(actor, node)
    except (Invalid, NotFound):
        return []
    return list(db.session.scalars(
        select(MonthlyReport).where(MonthlyReport.site_id == site.id if site else
                                    MonthlyReport.site_id.is_(None))
        .order_by(MonthlyReport.month.desc()).limit(LISTED)))


def find(actor: Actor, report_id: int) -> MonthlyReport:
    """A kept report the actor may read; NotFound for another company's or another site's
    (and for the company's, to a site administrator)."""
    report = db.session.get(MonthlyReport, report_id)
    if report is None or (actor.role is Role.SITE_ADMIN
                          and not _is_their_site(actor, report.site_id)):
        raise NotFound("No such report.")
    return report


def _is_their_site(actor: Actor, site_id: int | None) -> bool:
    # A site administrator whose site was taken away has none: not the company's (None).
    own = getattr(actor, "site_id", None)
    return own is not None and site_id == own


def render(tenant: Tenant, site: Site | None, month: date, now: datetime) -> bytes:
    """The PDF of a month, rendered now and not kept."""
    return monthly.pdf(monthly_figures.collect(tenant, site, month, now))


def keep(tenant: Tenant, site: Site | None, month: date, now: datetime) -> MonthlyReport | None:
    """Render and keep the report of a month; None when it was kept already (by another
    clock process at the same moment, say)."""
    pdf = render(tenant, site, month, now)
    report = MonthlyReport(tenant_id=tenant.id, site=site, month=month, generated_at=now,
                           size=len(pdf), pdf=pdf)
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        return None
    return report


def generate_due(now: datetime) -> int:
    """The clock's job, in a company's scope: on the first day of the company's month, keep
    the month before's report for the company and for each site, those still missing.
    Return how many it kept.

    The first day only, as the issue asks: on other days a run costs one query, and a clock
    that was down all of the first day is caught up with `flask reports generate SLUG`.
    """
    tenant = db.session.get(Tenant, current_tenant_id())
    today = local_today(tenant, now)
    if today.day != 1:
        return 0
    return len(generate(tenant, previous_month(today), now))


def generate(tenant: Tenant, month: date, now: datetime) -> list[MonthlyReport]:
    """Keep the missing reports of `month`: the company's and each site's."""
    kept = set(db.session.scalars(select(MonthlyReport.site_id)
                                  .where(MonthlyReport.month == month)))
    sites = db.session.scalars(select(Site).order_by(Site.name)).all()
    made = [keep(tenant, site, month, now) for site in (None, *sites)
            if (site.id if site else None) not in kept]
    return [report for report in made if report is not None]
