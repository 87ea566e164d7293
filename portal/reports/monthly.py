"""A monthly report as a PDF: templates/reports/monthly.html, printed by weasyprint with
monthly.css (its own print style: no Bootstrap, and no Content-Security-Policy applies to
weasyprint), with the Statistics page's SVG charts."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

from flask import render_template

from portal.reports.charts import BarChart, Frame, bar_chart
from portal.services.monthly_figures import MonthlyFigures

CHART_FRAME = Frame.of(680, 190, left=64, top=12, bottom=28, right=12)
MAX_LABELS = 8  # day labels under a chart's axis


@cache
def _stylesheet() -> Any:
    from weasyprint import CSS

    return CSS(filename=str(Path(__file__).with_name("monthly.css")))


def pdf(figures: MonthlyFigures) -> bytes:
    """The report's PDF bytes (needs an app context: the template is the app's)."""
    labels = [bar.label for bar in figures.bars]
    html = render_template(
        "reports/monthly.html", figures=figures,
        energy_chart=_chart(labels, [float(bar.energy_kwh) for bar in figures.bars], "kWh"),
        sessions_chart=_chart(labels, [bar.sessions for bar in figures.bars], "sessions"))
    return print_pdf(html)


def print_pdf(html: str) -> bytes:
    """A report's HTML printed with the reports' print style (also a driver's statement)."""
    # Imported here: loading pango costs every process (web, OCPP) that never prints.
    from weasyprint import HTML

    return HTML(string=html).write_pdf(stylesheets=[_stylesheet()])


def _chart(labels: list[str], values: list[float], unit: str) -> BarChart:
    return bar_chart(list(zip(labels, values, strict=True)), unit, frame=CHART_FRAME,
                     label_every=max(1, math.ceil(len(labels) / MAX_LABELS)))
