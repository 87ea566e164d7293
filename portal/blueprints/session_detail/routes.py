"""One charging session: every field, its meter values (chart and CSV), its OCPP frames and
the station's events while it ran, and its signed values for the transparency software."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, g, render_template
from flask_login import current_user

from portal.auth.permissions import Capability, requires
from portal.blueprints.formatting import local_time
from portal.blueprints.session_detail import bp
from portal.models.base import utcnow
from portal.reports.charts import Frame, LineChart, line_chart
from portal.reports.exports import csv_lines, csv_response
from portal.reports.transparency import signed_data_xml
from portal.services import session_records

CHART_FRAME = Frame.of(560, 220, left=64, top=12, bottom=28, right=16)


@bp.get("/sessions/<id:session_id>")
@requires(Capability.VIEW_ALL_SESSIONS)
def show(session_id: int) -> str:
    session = session_records.get(current_user, session_id)
    samples = session_records.meter_values(session)
    now = utcnow()
    series = session_records.series(session, samples)
    return render_template(
        "session_detail/show.html", session=session,
        energy_wh=session_records.energy_wh(session),
        energy_chart=_chart(series.energy, "kWh"), power_chart=_chart(series.power, "kW"),
        signed=session_records.signed_values(samples), samples=len(samples),
        messages=session_records.transaction_messages(session, now),
        events=session_records.events_during(session, now))


@bp.get("/sessions/<id:session_id>/meter-values.csv")
@requires(Capability.VIEW_ALL_SESSIONS)
def meter_values_csv(session_id: int) -> Response:
    session = session_records.get(current_user, session_id)
    cells = session_records.meter_value_cells(session_records.meter_values(session),
                                              ZoneInfo(g.tenant.time_zone))
    return csv_response(csv_lines(session_records.METER_VALUE_COLUMNS, cells),
                        f"session-{session.transaction_id}-meter-values.csv")


@bp.get("/sessions/<id:session_id>/signed-data.xml")
@requires(Capability.VIEW_ALL_SESSIONS)
def signed_data(session_id: int) -> Response:
    session = session_records.get(current_user, session_id)
    body = signed_data_xml(session.transaction_id or session.id,
                           session_records.signed_values(session_records.meter_values(session)),
                           session_records.meter_public_key(session))
    return Response(body, mimetype="application/xml", headers={
        "Content-Disposition":
            f'attachment; filename="session-{session.transaction_id}-signed-data.xml"'})


def _chart(values: list[tuple[datetime, float]], unit: str) -> LineChart | None:
    """A line chart of (time, value) pairs; None with fewer than two (no line to draw)."""
    if len(values) < 2:
        return None
    return line_chart(values, unit, frame=CHART_FRAME,
                      time_label=lambda moment: local_time(moment, "%H:%M"))
