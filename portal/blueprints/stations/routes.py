from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from ocpp.v16.enums import RegistrationStatus
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.scoping import current_node
from portal.blueprints.stations import bp
from portal.blueprints.stations.forms import (
    ConnectorFilterForm,
    MessageFilterForm,
    RegistrationForm,
    StationFilterForm,
)
from portal.extensions import db
from portal.services import message_log, monitoring, outlets, stations
from portal.services.scope import Node, NodeKind


def _page_number() -> int:
    return request.args.get("page", 1, type=int)


@bp.get("/stations")
@requires(Capability.VIEW_STATIONS)
def index() -> str:
    form = StationFilterForm(request.args, monitoring.station_choices(current_user))
    page = monitoring.station_page(current_user, form.filters(), _page_number(), current_node())
    return render_template("stations/index.html", form=form, page=page)


@bp.get("/connectors")
@requires(Capability.VIEW_STATIONS)
def connectors() -> str:
    form = ConnectorFilterForm(request.args)
    page = monitoring.connector_page(current_user, form.filters(), _page_number(),
                                     current_node())
    return render_template("stations/connectors.html", form=form, page=page)


@bp.get("/stations/<charge_box_id>")
@requires(Capability.VIEW_STATIONS)
def show(charge_box_id: str) -> str:
    station = stations.get(current_user, charge_box_id)
    return render_template("stations/show.html", station=station,
                           events=monitoring.recent_events(station),
                           services=outlets.active_services(), id_at=outlets.id_at,
                           registration_form=RegistrationForm(
                               status=station.registration_status.value))


@bp.post("/stations/<charge_box_id>/registration")
@requires(Capability.MANAGE_TOPOLOGY)
def registration(charge_box_id: str) -> Response:
    station = stations.get(current_user, charge_box_id)
    form = RegistrationForm()
    if not form.validate_on_submit():
        abort(400)
    stations.set_registration(station, RegistrationStatus(form.status.data))
    db.session.commit()
    flash(f"{station.charge_box_id} is now {form.status.data}.", "success")
    return redirect(url_for("stations.show", charge_box_id=charge_box_id))


@bp.get("/stations/<charge_box_id>/messages")
@requires(Capability.VIEW_STATIONS)
def messages(charge_box_id: str) -> tuple[str, int]:
    station = stations.get(current_user, charge_box_id)
    form = MessageFilterForm(request.args)
    page = message_log.page(current_user, form.filters(), Node(NodeKind.STATION, station.id),
                            before=request.args.get("before"), after=request.args.get("after"))
    return render_template("stations/messages.html", station=station, form=form, page=page,
                           retention_days=message_log.retention_days()), (
        400 if form.errors else 200)
