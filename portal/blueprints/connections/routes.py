"""Refused station connections, registering a station that was refused as unknown, and
forgetting the refusals."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.connections import bp
from portal.blueprints.connections.forms import AddStationForm, PurgeForm
from portal.errors import DomainError
from portal.extensions import db
from portal.services import connection_attempts, monitoring, sites, stations


@bp.get("/connection-attempts")
@requires(Capability.REGISTER_STATIONS)
def attempts() -> str:
    page = monitoring.refused_connections(request.args.get("page", 1, type=int))
    return render_template("connections/attempts.html", page=page, purge_form=PurgeForm())


@bp.post("/connection-attempts/purge")
@requires(Capability.REGISTER_STATIONS)
def purge() -> Response:
    if not PurgeForm().validate_on_submit():
        abort(400)
    forgotten = connection_attempts.purge(g.tenant)
    db.session.commit()
    flash(f"{forgotten} refused connection record{'' if forgotten == 1 else 's'} forgotten.",
          "success")
    return redirect(url_for(".attempts"))


@bp.route("/connection-attempts/<charge_box_id>/add", methods=["GET", "POST"])
@requires(Capability.REGISTER_STATIONS)
def add_station(charge_box_id: str) -> Response | str | tuple[str, int]:
    form = AddStationForm()
    if not form.validate_on_submit():
        return _add_station_page(form, charge_box_id), 400 if form.errors else 200
    try:
        site = sites.find_or_create(g.tenant, form.site.data) if form.site.data else None
        stations.add(g.tenant, charge_box_id, auth_key=form.auth_key.data or None, site=site)
    except DomainError as refused:
        db.session.rollback()  # nothing stays, not even a site created for this station
        if refused.field in form:
            form[refused.field].errors.append(str(refused))
            return _add_station_page(form, charge_box_id), refused.status
        return _add_station_page(form, charge_box_id, error=str(refused)), refused.status
    db.session.commit()
    flash(f"Station {charge_box_id} is registered.", "success")
    return redirect(url_for("stations.show", charge_box_id=charge_box_id))


def _add_station_page(form: AddStationForm, charge_box_id: str, error: str = "") -> str:
    return render_template("connections/add_station.html", form=form,
                           charge_box_id=charge_box_id, error=error)
