"""Remote operations in the browser: on many stations (operations page, results filling in),
on one (the station's control panel), and their history."""

from __future__ import annotations

from uuid import UUID

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.commands import flash_outcome
from portal.blueprints.operations import bp
from portal.blueprints.operations.filters import CommandFilterForm
from portal.blueprints.operations.forms import FORMS, OperationForm
from portal.errors import DomainError
from portal.models import Command, Station
from portal.services import operations, stations
from portal.services.operations import CommandFilter

# Firmware and diagnostics have a tab of their own (the portal's images and upload address).
CONTROL_PANEL = ("Reset", "ChangeAvailability", "RemoteStartTransaction",
                 "RemoteStopTransaction", "UnlockConnector", "TriggerMessage", "ClearCache",
                 "GetLocalListVersion")
RECENT_COMMANDS = 10


def _form_of(action: str, formdata: object = None,
             offered: tuple[str, ...] | dict[str, object] = FORMS) -> OperationForm:
    if action not in offered:
        abort(404)
    return FORMS[action](formdata=formdata, prefix=action)


# --- Many stations -----------------------------------------------------------------------

@bp.get("/operations")
@requires(Capability.OPERATE_STATIONS)
def index() -> Response:
    return redirect(url_for(".send", action="Reset"))


@bp.route("/operations/send/<action>", methods=["GET", "POST"])
@requires(Capability.OPERATE_STATIONS)
def send(action: str) -> str | Response | tuple[str, int]:
    form = _form_of(action, request.form if request.method == "POST" else None)
    choosable = stations.visible_to(current_user)
    chosen_ids = set(request.form.getlist("station", type=int))
    station_error = None
    if request.method == "POST":
        chosen = operations.stations_by_id(current_user, sorted(chosen_ids))
        if not chosen:
            station_error = "Choose at least one station."
        elif form.single_station and len(chosen) > 1:
            station_error = "This operation names something on one station: choose only one."
        if form.validate_on_submit() and station_error is None:
            try:
                operation_id = operations.start(current_user, chosen, action, form.payload())
            except DomainError as error:
                station_error = str(error)
            else:
                return redirect(url_for(".result", operation_id=operation_id))
    page = render_template("operations/send.html", form=form, forms=FORMS, action=action,
                           choosable=choosable, chosen_ids=chosen_ids,
                           station_error=station_error)
    return (page, 400) if request.method == "POST" else page


@bp.get("/operations/<uuid:operation_id>")
@requires(Capability.OPERATE_STATIONS)
def result(operation_id: UUID) -> str:
    found = _operation(operation_id)
    return render_template("operations/result.html", commands=found,
                           operation_id=operation_id, first=found[0])


@bp.get("/operations/<uuid:operation_id>/rows")
@requires(Capability.OPERATE_STATIONS)
def result_rows(operation_id: UUID) -> str:
    """The result table's body alone: the result page reloads it until every station has
    answered."""
    return render_template("operations/_result_rows.html", commands=_operation(operation_id),
                           operation_id=operation_id)


def _operation(operation_id: UUID) -> list[Command]:
    found = operations.operation(current_user, str(operation_id))
    if not found:
        abort(404)
    return found


@bp.get("/operations/history")
@requires(Capability.OPERATE_STATIONS)
def history() -> str:
    form = CommandFilterForm(request.args, operations.issuers())
    page = operations.history_page(current_user, form.filters(),
                                   request.args.get("page", 1, type=int))
    return render_template("operations/history.html", form=form, page=page, forms=FORMS)


# --- One station -------------------------------------------------------------------------

@bp.get("/stations/<charge_box_id>/control")
@requires(Capability.OPERATE_STATIONS)
def control(charge_box_id: str) -> str:
    station = stations.get(current_user, charge_box_id)
    return _control_panel(station, {action: _form_of(action) for action in CONTROL_PANEL})


@bp.post("/stations/<charge_box_id>/control/<action>")
@requires(Capability.OPERATE_STATIONS)
def perform(charge_box_id: str, action: str) -> Response | tuple[str, int]:
    station = stations.get(current_user, charge_box_id)
    form = _form_of(action, request.form, offered=CONTROL_PANEL)
    if form.validate_on_submit():
        try:
            command = operations.perform(current_user, station, action, form.payload())
        except DomainError as error:
            flash(str(error), "danger")
        else:
            flash_outcome(command, form.title)
        return redirect(url_for(".control", charge_box_id=charge_box_id))
    forms = {name: _form_of(name) for name in CONTROL_PANEL}
    forms[action] = form
    return _control_panel(station, forms), 400


def _control_panel(station: Station, forms: dict[str, OperationForm]) -> str:
    recent = operations.history_page(current_user, CommandFilter(station.charge_box_id),
                                     size=RECENT_COMMANDS).items
    return render_template("operations/control.html", station=station, forms=forms,
                           open_sessions=operations.open_sessions(station), recent=recent)
