"""Stations' OCPP configuration: the table, edits, Upload, one key for many stations, and
rotating a station's authorization key (OCTT TC_073)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.configuration import bp
from portal.blueprints.configuration.forms import ApplyForm, AuthKeyForm, ChangeForm
from portal.errors import Invalid
from portal.models import Command, CommandOutcome, Station
from portal.services import configuration, stations
from portal.services.configuration_keys import STANDARD_KEYS


def _timeout() -> float:
    return float(current_app.config["OCPP_COMMAND_TIMEOUT"])


@bp.get("/stations/<charge_box_id>/configuration")
@requires(Capability.VIEW_STATIONS)
def show(charge_box_id: str) -> str:
    return _page(stations.get(current_user, charge_box_id))


@bp.post("/stations/<charge_box_id>/configuration/upload")
@requires(Capability.CONFIGURE_STATIONS)
def upload(charge_box_id: str) -> Response:
    station = stations.get(current_user, charge_box_id)
    command = configuration.fetch(station, timeout=_timeout(), user=current_user)
    _flash_outcome(command, "sent its configuration: the table below shows it")
    return redirect(url_for("configuration.show", charge_box_id=charge_box_id))


@bp.post("/stations/<charge_box_id>/configuration")
@requires(Capability.CONFIGURE_STATIONS)
def change(charge_box_id: str) -> Response | tuple[str, int]:
    station = stations.get(current_user, charge_box_id)
    form = ChangeForm()
    try:
        if not form.validate_on_submit():
            return _page(station, change_form=form), 400
        command = configuration.change(station, form.key.data, form.value.data,
                                       timeout=_timeout(), user=current_user)
    except Invalid as error:
        _form_error(form, error)
        return _page(station, change_form=form), 400
    _flash_outcome(command, f"took {command.payload['key']} = {command.payload['value']}")
    return redirect(url_for("configuration.show", charge_box_id=charge_box_id))


@bp.post("/stations/<charge_box_id>/authorization-key")
@requires(Capability.REGISTER_STATIONS)
def rotate_auth_key(charge_box_id: str) -> Response | tuple[str, int] | str:
    station = stations.get(current_user, charge_box_id)
    form = AuthKeyForm()
    if not form.validate_on_submit():
        return _page(station, key_form=form), 400
    new_key = form.auth_key.data or stations.new_auth_key()
    try:
        command = configuration.rotate_auth_key(station, new_key, timeout=_timeout(),
                                                user=current_user)
    except Invalid as error:
        form.auth_key.errors = [str(error)]
        return _page(station, key_form=form), 400
    if _status(command) == "Accepted":
        # Shown in this answer only: the key itself is stored nowhere.
        return _page(station, new_key=new_key)
    _flash_outcome(command, "", "The old key stays: the station keeps using it.")
    return redirect(url_for("configuration.show", charge_box_id=charge_box_id))


@bp.route("/configuration/apply", methods=["GET", "POST"])
@requires(Capability.CONFIGURE_STATIONS)
def apply() -> Response | tuple[str, int] | str:
    visible = {station.charge_box_id: station for station in stations.visible_to(current_user)}
    form = ApplyForm()
    form.stations.choices = [(cb, f"{cb} ({'online' if station.online else 'offline'})")
                             for cb, station in visible.items()]
    if not form.is_submitted():
        return _apply_page(form)
    try:
        if not form.validate():
            return _apply_page(form), 400
        operation_id = configuration.apply(
            [visible[cb] for cb in form.stations.data], form.key.data, form.value.data,
            timeout=_timeout(), user=current_user)
    except Invalid as error:
        _form_error(form, error)
        return _apply_page(form), 400
    # The operations page (operations.result) shows each station's answer as it arrives.
    return redirect(url_for("operations.result", operation_id=operation_id))


def _page(station: Station, *, change_form: ChangeForm | None = None,
          key_form: AuthKeyForm | None = None, new_key: str = "") -> str:
    return render_template(
        "configuration/show.html", station=station, rows=configuration.rows(station),
        change_form=change_form or ChangeForm(formdata=None),
        key_form=key_form or AuthKeyForm(formdata=None), new_key=new_key,
        standard_keys=STANDARD_KEYS.values())


def _apply_page(form: ApplyForm) -> str:
    return render_template("configuration/apply.html", form=form,
                           standard_keys=STANDARD_KEYS.values())


def _form_error(form: ChangeForm, error: Invalid) -> None:
    field = getattr(form, error.field or "", None) or form.value
    field.errors = [*field.errors, str(error)]


def _status(command: Command) -> str | None:
    return (command.response or {}).get("status")


def _flash_outcome(command: Command, accepted: str, note: str = "") -> None:
    """What the station answered, as a flash message."""
    cb = command.charge_box_id
    status = _status(command)
    if command.outcome is CommandOutcome.ANSWERED and status in (None, "Accepted"):
        message, category = f"{cb} {accepted or 'accepted'}.", "success"
    elif command.outcome is CommandOutcome.ANSWERED and status == "RebootRequired":
        message, category = f"{cb} {accepted}; it applies after a reboot.", "warning"
    elif command.outcome is CommandOutcome.ANSWERED:
        message, category = f"{cb} answered {status}: nothing changed. {note}", "danger"
    elif command.outcome is CommandOutcome.CALL_ERROR:
        message, category = (f"{cb} answered with a CALLERROR: {command.error_code} "
                             f"{command.error_description}. {note}"), "danger"
    elif command.outcome is CommandOutcome.OFFLINE:
        message, category = f"{cb} is offline: nothing was sent. {note}", "warning"
    else:
        message, category = f"{cb} did not answer within {_timeout():g} s. {note}", "danger"
    flash(message.strip(), category)
