"""The station's local authorization list: what it holds, sending it, asking its version."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from ocpp.v16.enums import UpdateType
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.commands import current_sender, flash_outcome
from portal.blueprints.stations import bp
from portal.blueprints.stations.forms import LocalListForm
from portal.errors import Invalid
from portal.extensions import db
from portal.services import local_list, stations


@bp.get("/stations/<charge_box_id>/local-list")
@requires(Capability.VIEW_STATIONS)
def local_list_page(charge_box_id: str) -> str:
    station = stations.get(current_user, charge_box_id)
    return render_template("stations/local_list.html", station=station, form=LocalListForm(),
                           listed=local_list.find(station), held=local_list.held(station),
                           pending=local_list.changes(station),
                           recent=local_list.recent_commands(station))


@bp.post("/stations/<charge_box_id>/local-list/send")
@requires(Capability.OPERATE_STATIONS)
def send_local_list(charge_box_id: str) -> Response:
    station = stations.get(current_user, charge_box_id)
    form = LocalListForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        sent = local_list.send(station, UpdateType(form.update_type.data),
                               sender=current_sender())
    except Invalid as error:
        flash(str(error), "danger")
    else:
        for command in sent:
            payload = command.payload
            flash_outcome(command, f"SendLocalList {payload['updateType']} (version "
                                   f"{payload['listVersion']}, "
                                   f"{len(payload['localAuthorizationList'])} entries)")
    db.session.commit()
    return redirect(url_for("stations.local_list_page", charge_box_id=charge_box_id))


@bp.post("/stations/<charge_box_id>/local-list/version")
@requires(Capability.OPERATE_STATIONS)
def local_list_version(charge_box_id: str) -> Response:
    station = stations.get(current_user, charge_box_id)
    if not FlaskForm().validate_on_submit():  # the CSRF token is its only field
        abort(400)
    command = local_list.request_version(station, sender=current_sender())
    flash_outcome(command, "GetLocalListVersion")
    db.session.commit()
    return redirect(url_for("stations.local_list_page", charge_box_id=charge_box_id))
