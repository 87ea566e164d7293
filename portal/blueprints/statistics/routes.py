"""The Statistics page: diagrams of the navigator's node over a range of days, each with its
data as CSV (the same figures, from the same service calls)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from flask import g, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.fields import company_zone
from portal.blueprints.scoping import current_node
from portal.blueprints.statistics import bp
from portal.blueprints.statistics.forms import RangeForm, ReportMonthForm
from portal.models.base import utcnow
from portal.reports import exports
from portal.reports.charts import BarChart, Frame, bar_chart
from portal.services import monthly_reports, statistics
from portal.services.statistics import EnergyBar, Period

CHART_FRAME = Frame.of(720, 220, left=64, top=12, bottom=28, right=12)
MAX_LABELS = 6  # labels under a chart's axis, however many bars


def _range_form() -> RangeForm:
    zone = company_zone()
    form = RangeForm(request.args, utcnow().astimezone(zone).date(), zone)
    form.validate()
    return form


@bp.get("/statistics")
@requires(Capability.VIEW_ALL_SESSIONS)
def index() -> tuple[str, int]:
    form, node = _range_form(), current_node()
    span = form.period
    if span is None:
        return render_template("statistics/index.html", form=form, span=None), 400
    actor, now = current_user, utcnow()
    bars = statistics.energy(actor, node, span)
    return render_template(
        "statistics/index.html", form=form, span=span, zone=g.tenant.time_zone,
        energy_chart=_chart(bars, lambda bar: float(bar.energy_kwh), "kWh"),
        sessions_chart=_chart(bars, lambda bar: bar.sessions, "sessions"),
        top=statistics.top_stations(actor, node, span),
        utilisation=statistics.utilisation(actor, node, span, now),
        availability=statistics.availability(actor, node, span, now),
        csv_args=_csv_args(span), reports=monthly_reports.listed(actor, node),
        report_form=_report_form()), 200


def _report_form() -> ReportMonthForm:
    """The on-demand report's month, last month's to start with."""
    today = monthly_reports.local_today(g.tenant, utcnow())
    return ReportMonthForm(None, month=f"{monthly_reports.previous_month(today):%Y-%m}")


def _chart(bars: list[EnergyBar], value: Callable[[EnergyBar], float], unit: str) -> BarChart:
    return bar_chart([(bar.label, value(bar)) for bar in bars], unit, frame=CHART_FRAME,
                     label_every=max(1, math.ceil(len(bars) / MAX_LABELS)))


def _csv_args(span: Period) -> dict[str, str]:
    """The query of a chart's CSV: this page's range and node."""
    node = current_node()
    return {"first": span.first.isoformat(), "last": span.last.isoformat(),
            "bucket": span.bucket.value, **({} if node.is_system else {"node": node.key})}


def _percent(share: float) -> float:
    return round(share * 100, 2)


def _energy_csv(span: Period, zone: ZoneInfo) -> tuple[list[str], list[Sequence[Any]]]:
    bars = statistics.energy(current_user, current_node(), span)
    return ([f"Start ({zone.key})", "Sessions", "Energy (kWh)"],
            [[bar.starts_at.astimezone(zone), bar.sessions, bar.energy_kwh] for bar in bars])


def _top_csv(span: Period, zone: ZoneInfo) -> tuple[list[str], list[Sequence[Any]]]:
    top = statistics.top_stations(current_user, current_node(), span)
    return (["Ranked by", "Rank", "Station", "Name", "Sessions", "Energy (kWh)"],
            [[ranking, rank, figure.charge_box_id, figure.name, figure.sessions,
              figure.energy_kwh]
             for ranking, figures in (("energy", top.by_energy), ("sessions", top.by_sessions))
             for rank, figure in enumerate(figures, 1)])


def _utilisation_csv(span: Period, zone: ZoneInfo) -> tuple[list[str], list[Sequence[Any]]]:
    uses = statistics.utilisation(current_user, current_node(), span, utcnow())
    return (["Station", "Outlet", "Charging (%)", "Occupied (%)"],
            [[use.charge_box_id, use.connector_id, _percent(use.charging),
              _percent(use.occupied)] for use in uses])


def _availability_csv(span: Period, zone: ZoneInfo) -> tuple[list[str], list[Sequence[Any]]]:
    figures = statistics.availability(current_user, current_node(), span, utcnow())
    return (["Station", "Name", "Online (%)", "Available (%)"],
            [[figure.charge_box_id, figure.name, _percent(figure.online),
              _percent(figure.available)] for figure in figures])


CSV_TABLES = {"energy": _energy_csv, "top-stations": _top_csv,
              "utilisation": _utilisation_csv, "availability": _availability_csv}


@bp.get("/statistics/<any(energy, 'top-stations', utilisation, availability):chart>.csv")
@requires(Capability.VIEW_ALL_SESSIONS)
def chart_csv(chart: str) -> Response | tuple[str, int]:
    form = _range_form()
    current_node()  # a node out of reach is 404 before anything else
    if form.period is None:
        return render_template("statistics/index.html", form=form, span=None), 400
    header, rows = CSV_TABLES[chart](form.period, company_zone())
    span = form.period
    return exports.csv_response(exports.csv_lines(header, rows),
                                f"{chart}-{span.first}-{span.last}.csv")


