"""The figures of a monthly report: one calendar month of the company's time zone, for the
whole company or one site. They are the Statistics page's (portal.services.statistics, a bar
a day) plus the alarms raised in the month."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Alarm, AlarmKind, AlarmSeverity, ApiToken, Role, Site, Station, Tenant
from portal.services import statistics
from portal.services.scope import SYSTEM, Node, NodeKind
from portal.services.session_table import kwh
from portal.services.statistics import (
    Bucket,
    EnergyBar,
    OutletUse,
    Period,
    StationAvailability,
    TopStations,
)

ALARMS_LISTED = 30  # the list stops there: "and N more"


@dataclass(frozen=True)
class AlarmCount:
    kind: AlarmKind
    severity: AlarmSeverity
    count: int


@dataclass(frozen=True)
class SiteFigure:
    name: str
    sessions: int
    energy_kwh: Decimal
    charging: float  # its outlets' mean share of the month Charging, 0 to 1
    occupied: float
    available: float  # its stations' mean share online and not Faulted


@dataclass(frozen=True)
class MonthlyFigures:
    company: str
    site: str | None  # None: the whole company
    span: Period  # the month, a bar a day
    generated_at: datetime
    bars: list[EnergyBar]
    top: TopStations
    # Per outlet and per station in a site's report; a company's has them per site (sites).
    utilisation: list[OutletUse]
    availability: list[StationAvailability]
    alarm_counts: list[AlarmCount]  # by kind (a kind has one severity), most first
    alarms: list[Alarm]  # the first ALARMS_LISTED raised in the month, in time order
    sites: list[SiteFigure]  # a company report's sites, by name; none in a site's

    @property
    def month(self) -> date:
        return self.span.first

    @property
    def sessions(self) -> int:
        return sum(bar.sessions for bar in self.bars)

    @property
    def energy_kwh(self) -> Decimal:
        """The month's accounted energy with the one rounding rule (session_table.kwh)."""
        return _kwh(self.bars)

    @property
    def alarms_raised(self) -> int:
        return sum(count.count for count in self.alarm_counts)

    @property
    def alarms_unlisted(self) -> int:
        return self.alarms_raised - len(self.alarms)


def month_period(month: date, zone: ZoneInfo) -> Period:
    """The calendar month that starts on `month` (a first day), a bar a day."""
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return statistics.period(month, following - timedelta(days=1), Bucket.DAY, zone)


def collect(tenant: Tenant, site: Site | None, month: date, now: datetime) -> MonthlyFigures:
    """The figures of `month` (its first day) for the company, or for one of its sites."""
    span = month_period(month, ZoneInfo(tenant.time_zone))
    node = SYSTEM if site is None else Node(NodeKind.SITE, site.id, site.name)
    # A report holds everything of its scope, whoever reads it later (who may read which
    # one is portal.services.monthly_reports' rule): a company-wide reader, never stored.
    reader = ApiToken(name="monthly reports", role=Role.ADMIN)
    counts = _alarm_counts(site, span)
    per_site = _site_figures(reader, span, now) if site is None else []
    detailed = not per_site  # a site's report, or a company without sites
    return MonthlyFigures(
        company=tenant.name, site=None if site is None else site.name, span=span,
        generated_at=now, bars=statistics.energy(reader, node, span),
        top=statistics.top_stations(reader, node, span),
        utilisation=statistics.utilisation(reader, node, span, now) if detailed else [],
        availability=statistics.availability(reader, node, span, now) if detailed else [],
        alarm_counts=counts, alarms=_listed_alarms(site, span) if counts else [], sites=per_site)


def _site_figures(reader: ApiToken, span: Period, now: datetime) -> list[SiteFigure]:
    """Each site's sessions, energy, utilisation and availability: the Statistics page's
    figures of its node. A company report stays a few pages whatever its size; each site's
    own report lists its outlets and stations."""
    figures = []
    for site in db.session.scalars(select(Site).order_by(Site.name)):
        node = Node(NodeKind.SITE, site.id, site.name)
        bars = statistics.energy(reader, node, span)
        uses = statistics.utilisation(reader, node, span, now)
        available = statistics.availability(reader, node, span, now)
        figures.append(SiteFigure(
            site.name, sum(bar.sessions for bar in bars), _kwh(bars),
            charging=_mean(use.charging for use in uses),
            occupied=_mean(use.occupied for use in uses),
            available=_mean(figure.available for figure in available)))
    return figures


def _mean(shares: Iterable[float]) -> float:
    values = list(shares)
    return round(sum(values) / len(values), 4) if values else 0.0


def _kwh(bars: list[EnergyBar]) -> Decimal:
    return kwh(sum(bar.energy_wh for bar in bars)) or Decimal("0.000")


def _raised_in(site: Site | None, span: Period, query: Select[Any]) -> Select[Any]:
    """Alarms raised in the period; a site's: those of its stations."""
    query = query.where(Alarm.raised_at >= span.starts_at, Alarm.raised_at < span.ends_at)
    if site is None:
        return query
    return query.join(Station, Station.id == Alarm.station_id).where(Station.site_id == site.id)


def _alarm_counts(site: Site | None, span: Period) -> list[AlarmCount]:
    rows = db.session.execute(_raised_in(site, span, select(
        Alarm.kind, Alarm.severity, func.count()).select_from(Alarm)
        .group_by(Alarm.kind, Alarm.severity)))
    return sorted((AlarmCount(kind, severity, count) for kind, severity, count in rows),
                  key=lambda count: (-count.count, count.kind.value, count.severity.value))


def _listed_alarms(site: Site | None, span: Period) -> list[Alarm]:
    return list(db.session.scalars(_raised_in(site, span, select(Alarm)).options(
        joinedload(Alarm.station)).order_by(Alarm.raised_at, Alarm.id).limit(ALARMS_LISTED)))
