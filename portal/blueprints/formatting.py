"""Jinja filters: times in the company's time zone, status colours."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g

STATUS_COLOURS = {
    "Available": "success", "Preparing": "info", "Charging": "primary",
    "SuspendedEV": "info", "SuspendedEVSE": "info", "Finishing": "info",
    "Reserved": "warning", "Unavailable": "secondary", "Faulted": "danger",
}


def local_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC instant as the company's staff read it, in the tenant's time zone."""
    if moment is None:
        return ""
    zone = ZoneInfo(g.tenant.time_zone) if g.get("tenant") else ZoneInfo("UTC")
    return moment.astimezone(zone).strftime(pattern)


def status_colour(status: object) -> str:
    return STATUS_COLOURS.get(getattr(status, "value", status), "secondary")


def init_app(app: Flask) -> None:
    app.add_template_filter(local_time)
    app.add_template_filter(status_colour)
