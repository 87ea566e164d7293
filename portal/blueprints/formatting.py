"""Jinja filters: times in the company's time zone, status colours, OCPP frames; page links."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, g, request, url_for
from markupsafe import Markup

from portal.reports.exports import duration_text
from portal.services.outcomes import told

STATUS_COLOURS = {
    "Available": "success", "Preparing": "info", "Charging": "primary",
    "SuspendedEV": "info", "SuspendedEVSE": "info", "Finishing": "info",
    "Reserved": "warning", "Unavailable": "secondary", "Faulted": "danger",
    "critical": "danger", "warning": "warning",  # alarm severities
}
MESSAGE_TYPES = {2: "CALL", 3: "CALLRESULT", 4: "CALLERROR"}


def local_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC instant as the company's staff read it, in the tenant's time zone."""
    if moment is None:
        return ""
    zone = ZoneInfo(g.tenant.time_zone) if g.get("tenant") else ZoneInfo("UTC")
    return moment.astimezone(zone).strftime(pattern)


def kwh(energy_wh: int | None) -> str:
    """Energy as accounted (whole Wh) in kWh with 3 decimals: exact, so rows add up to their
    total."""
    return "" if energy_wh is None else f"{energy_wh / 1000:.3f}"


def share_bar(share: float) -> Markup:
    """A share of 0 to 1 as a bar and a percentage (the Statistics' thousands of outlets draw
    it: a filter costs a tenth of a template macro)."""
    share = float(share)  # a number: nothing in it to escape
    return Markup(f'<progress value="{share}" max="1" class="me-2 align-middle"></progress>'
                  f"{share * 100:.1f} %")


def status_colour(status: object) -> str:
    return STATUS_COLOURS.get(getattr(status, "value", status), "secondary")


def message_type(number: int) -> str:
    return MESSAGE_TYPES.get(number, str(number))


def frame_payload(frame: str, indent: int | None = 2) -> str:
    """The payload of a logged OCPP-J frame as JSON (indented to read); the frame if unreadable.

    The unique id and action have columns of their own, so only the payload is shown:
    [2, id, action, payload], [3, id, payload], [4, id, code, description, details].
    """
    try:
        message = json.loads(frame)
    except ValueError:
        return frame
    payload: Any = message
    if isinstance(message, list) and len(message) >= 3:
        if message[0] == 2 and len(message) == 4:
            payload = message[3]
        elif message[0] == 3:
            payload = message[2]
        elif message[0] == 4 and len(message) == 5:
            payload = dict(zip(("errorCode", "errorDescription", "errorDetails"), message[2:],
                               strict=True))
    separators = None if indent else (",", ":")
    return json.dumps(payload, indent=indent, ensure_ascii=False, separators=separators)


def url_with(**arguments: Any) -> str:
    """This page's address with some query arguments changed, keeping the others (filters)."""
    # The path's own arguments win over a query argument of the same name.
    values = request.args.to_dict() | arguments | (request.view_args or {})
    return url_for(request.endpoint or "", **values)


def init_app(app: Flask) -> None:
    app.add_template_filter(told)
    app.add_template_filter(local_time)
    app.add_template_filter(kwh)
    app.add_template_filter(share_bar)
    app.add_template_filter(status_colour)
    app.add_template_filter(message_type)
    app.add_template_filter(frame_payload)
    app.add_template_filter(duration_text, "duration")
    app.add_template_global(url_with)
