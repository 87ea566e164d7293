"""Stations' OCPP configuration: the table, edits, Upload, one key for many stations, and
rotating a station's authorization key (OCTT TC_073)."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.commands import current_sender, flash_outcome
from portal.blueprints.configuration import bp
from portal.blueprints.configuration.forms import ApplyForm, AuthKeyForm, ChangeForm
from portal.blueprints.scoping import current_node
from portal.errors import DomainError, Invalid
from portal.models import Station
from portal.services import configuration, stations
from portal.services.configuration_keys import STANDARD_KEYS


@bp.get("/stations/<charge_box_id>/configuration")
@requires(Capability.VIEW_STATIONS)
def show(charge_box_id: str) -> str:
    return _page(stations.get(current_user, charge_box_id))


@bp.post("/stations/<charge_box_id>/configuration/upload")
@requires(Capability.CONFIGURE_STATIONS)
def upload(charge_box_id: str) -> Response:
    station = stations.get(current_user, charge_box_id)
    command = configuration.fetch(station, sender=current_sender())
    flash_outcome(command, f"GetConfiguration to {charge_box_id} (the table shows what it "
                           "sent)")
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
                                       sender=current_sender())
    except DomainError as error:
        _form_error(form, error)
        return _page(station, change_form=form), _status(error)
    flash_outcome(command, f"{command.payload['key']} = {command.payload['value']} on "
                           f"{charge_box_id}")
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
        command = configuration.rotate_auth_key(station, new_key, sender=current_sender())
    except DomainError as error:
        form.auth_key.errors = [str(error)]
        return _page(station, key_form=form), _status(error)
    if configuration.auth_key_taken(command):
        # Shown in this answer only: the key itself is stored nowhere.
        return _page(station, new_key=new_key)
    flash_outcome(command, f"New authorization key for {charge_box_id} (the old key stays)")
    return redirect(url_for("configuration.show", charge_box_id=charge_box_id))


@bp.route("/configuration/apply", methods=["GET", "POST"])
@requires(Capability.CONFIGURE_STATIONS)
def apply() -> Response | tuple[str, int] | str:
    visible = {station.charge_box_id: station
               for station in stations.visible_to(current_user, current_node())}
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
            sender=current_sender())
    except DomainError as error:
        _form_error(form, error)
        return _apply_page(form), _status(error)
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


def _form_error(form: ChangeForm | ApplyForm, error: DomainError) -> None:
    field = getattr(form, error.field or "", None) or form.value
    field.errors = [*field.errors, str(error)]


def _status(error: DomainError) -> int:
    """A form that asks for something wrong is a bad request; other refusals keep theirs."""
    return 400 if isinstance(error, Invalid) else error.status
