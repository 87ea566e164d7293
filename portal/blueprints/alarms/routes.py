"""Active alarms (with their Clear button), the alarm history and the station event log,
under the navigator's node; each exported to Excel as it is filtered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import (
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user

from portal.auth.permissions import Capability, requires
from portal.blueprints.alarms import bp
from portal.blueprints.alarms.forms import AlarmFilterForm, ClearForm, EventFilterForm
from portal.blueprints.fields import company_zone
from portal.blueprints.scoping import current_node
from portal.extensions import db
from portal.models.base import utcnow
from portal.reports import exports
from portal.services import alarm_digest, alarm_lists, alarms


@bp.get("/alarms")
@requires(Capability.MANAGE_ALARMS)
def active() -> tuple[str, int]:
    form = AlarmFilterForm(request.args)
    shown = alarm_lists.active(current_user, form.filters(), current_node())
    today = utcnow().astimezone(company_zone()).date()
    failures = alarm_digest.failures(today, current_user)
    return render_template("alarms/active.html", form=form, clear_form=ClearForm(),
                           alarms=shown[:alarm_lists.ACTIVE_SHOWN],
                           more=len(shown) > alarm_lists.ACTIVE_SHOWN,
                           digest_failures=failures), _status(form)


@bp.post("/alarms/<int:alarm_id>/clear")
@requires(Capability.MANAGE_ALARMS)
def clear(alarm_id: int) -> Response:
    back = url_for("alarms.active", **request.args.to_dict())  # the node and filters
    if not ClearForm().validate_on_submit():
        flash("The form expired: clear the alarm again.", "warning")
        return redirect(back)
    alarm = alarms.clear_by_hand(current_user, alarm_id)
    db.session.commit()
    flash(f"{alarm.kind.label} on {alarm.node} is cleared; it is in the history.", "success")
    return redirect(back)


@bp.get("/alarms/history")
@requires(Capability.MANAGE_ALARMS)
def history() -> tuple[str, int]:
    form = AlarmFilterForm(request.args)
    page = alarm_lists.history(current_user, form.filters(), current_node(),
                               before=request.args.get("before"),
                               after=request.args.get("after"))
    return render_template("alarms/history.html", form=form, page=page), _status(form)


@bp.get("/events")
@requires(Capability.VIEW_STATIONS)
def events() -> tuple[str, int]:
    form = EventFilterForm(request.args)
    page = alarm_lists.events(current_user, form.filters(), current_node(),
                              before=request.args.get("before"),
                              after=request.args.get("after"))
    return render_template("alarms/events.html", form=form, page=page,
                           kinds=alarm_lists.EVENT_KINDS), _status(form)


@bp.get("/alarms/export.xlsx")
@requires(Capability.MANAGE_ALARMS)
def export_active() -> Response | tuple[str, int]:
    return _alarm_export(cleared=False)


@bp.get("/alarms/history.xlsx")
@requires(Capability.MANAGE_ALARMS)
def export_history() -> Response | tuple[str, int]:
    return _alarm_export(cleared=True)


@bp.get("/events/export.xlsx")
@requires(Capability.VIEW_STATIONS)
def export_events() -> Response | tuple[str, int]:
    form = EventFilterForm(request.args)
    filters = form.filters()
    if form.errors:
        return events()
    actor, node, zone = current_user._get_current_object(), current_node(), company_zone()
    rows = exports.read_in_scope(g.tenant, lambda: (
        alarm_lists.event_cells(event, zone)
        for event in alarm_lists.every_event(actor, filters, node)))
    return _workbook("Events", alarm_lists.EVENT_HEADER, rows, "events.xlsx")


def _alarm_export(*, cleared: bool) -> Response | tuple[str, int]:
    form = AlarmFilterForm(request.args)
    filters = form.filters()
    if form.errors:
        return history() if cleared else active()
    actor, node, zone = current_user._get_current_object(), current_node(), company_zone()
    rows = exports.read_in_scope(g.tenant, lambda: (
        alarm_lists.alarm_cells(alarm, zone)
        for alarm in alarm_lists.every_alarm(actor, filters, node, cleared=cleared)))
    title = "Alarm history" if cleared else "Active alarms"
    return _workbook(title, alarm_lists.ALARM_HEADER, rows,
                     "alarm-history.xlsx" if cleared else "active-alarms.xlsx")


def _workbook(title: str, header: tuple[str, ...], rows: Iterator[list[Any]],
              filename: str) -> Response:
    zone = g.tenant.time_zone
    header = tuple(f"{name} ({zone})" if name in ("Raised", "Cleared", "Time") else name
                   for name in header)
    return exports.xlsx_response(stream_with_context(exports.xlsx_chunks(title, header, rows)),
                                 filename)


def _status(form: AlarmFilterForm | EventFilterForm) -> int:
    return 400 if form.errors else 200
